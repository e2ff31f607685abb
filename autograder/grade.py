"""``autograder grade``: a whole class, in parallel workers, into Gradescope JSON and a CSV.

Submissions are dealt round-robin to ``--jobs`` workers (each one pytest run with its own
zygote). Each student's results.json is written atomically as soon as they are graded; a
re-run skips students already graded unless ``--regrade``. Afterwards the shards' raw
pytest-json-report records are merged into ``report.json``, and ``grades.csv`` and the class
report ``report.html`` are rebuilt from every results.json in the output folder.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from autograder.config import Assignment
from autograder.formats.atomic import write_atomic
from autograder.formats.grades_csv import write_grades_csv
from autograder.formats.gradescope import RESULTS_NAME
from autograder.formats.report import merge_reports, without_students
from autograder.loader import Submission
from autograder.sandbox.limits import Limits


class GradingFailed(RuntimeError):
    """A worker crashed (a broken hidden check, a missing package): some went ungraded."""


@dataclass(frozen=True)
class Batch:
    """One grade run: what to grade, with which hidden checks and seed, into which folder."""

    assignment: Assignment
    reference: Path
    submissions: list[Submission]
    out: Path
    seed: int
    jobs: int
    regrade: bool = False
    limits: Limits | None = None  # None: the defaults of Limits
    sandbox: str = "auto"  # the tier the workers use (the CLI proves one first)
    host: dict | None = None  # what the CLI's probe found, for report.json


def pending(batch: Batch) -> list[Submission]:
    """The submissions still to grade (all of them with ``regrade``)."""
    if batch.regrade:
        return list(batch.submissions)
    return [s for s in batch.submissions if not (batch.out / s.student / RESULTS_NAME).exists()]


def run_batch(batch: Batch, progress=None) -> list[Submission]:
    """Grade what is pending; ``progress(done, total)`` is called as results appear."""
    todo = pending(batch)
    batch.out.mkdir(parents=True, exist_ok=True)
    for stale in batch.out.glob("**/.*.tmp"):  # a write_atomic cut short by a killed run
        stale.unlink(missing_ok=True)
    if batch.regrade:
        for sub in todo:
            (batch.out / sub.student / RESULTS_NAME).unlink(missing_ok=True)
    jobs = max(1, min(batch.jobs, len(todo)))
    shards = [todo[i::jobs] for i in range(jobs)] if todo else []
    with tempfile.TemporaryDirectory(prefix="autograder-reports-") as tmp:
        reports = [Path(tmp) / f"report-{i}.json" for i in range(len(shards))]
        logs = [Path(tmp) / f"worker-{i}.log" for i in range(len(shards))]
        workers = [_start(batch, *args) for args in zip(shards, reports, logs)]
        while any(w.poll() is None for w in workers):
            if progress:
                progress(_count_done(batch, todo), len(todo))
            time.sleep(0.05)
        if progress:
            progress(_count_done(batch, todo), len(todo))
        records = [json.loads(r.read_text()) for r in reports if r.exists()]
        failures = [_failure(w.returncode, log) for w, log in zip(workers, logs) if w.returncode]
    if records:
        records += _earlier_report(batch.out / "report.json", {s.student for s in todo})
        report = merge_reports(records)
        if batch.host is not None:
            report["sandbox"] = batch.host
        write_atomic(batch.out / "report.json", json.dumps(report, indent=1))
    write_grades_csv(batch.out, batch.assignment)
    from autograder.formats.class_report import write_class_report  # not in a student release

    write_class_report(batch.out, batch.assignment)
    if failures:
        missing = [s.student for s in todo if not (batch.out / s.student / RESULTS_NAME).exists()]
        raise GradingFailed(f"{len(failures)} grading worker(s) failed, {len(missing)} "
                            f"submission(s) not graded ({', '.join(missing[:5]) or 'none'}"
                            f"{', ...' if len(missing) > 5 else ''}): {failures[0]}")
    return todo


def _earlier_report(path: Path, regraded: set[str]) -> list[dict]:
    """The earlier run's record of the students not graded again, so nothing is lost."""
    try:
        return [without_students(json.loads(path.read_text(encoding="utf-8")), regraded)]
    except (OSError, ValueError):
        return []


def _failure(code: int, log: Path) -> str:
    """What a failed worker said last: enough to see a broken check or a missing package."""
    lines = [ln.strip() for ln in log.read_text(errors="replace").splitlines() if ln.strip()]
    errors = [ln for ln in lines if "Error" in ln][-2:]
    return f"exit status {code}: {' | '.join(errors + lines[-1:]) or 'no output'}"


def _start(batch: Batch, shard: list[Submission], report: Path, log: Path) -> subprocess.Popen:
    job = {
        "assignment": str(batch.assignment.folder),
        "reference": str(batch.reference),
        "submissions": [(s.student, os.path.abspath(s.path)) for s in shard],  # links unresolved
        "out": str(batch.out.resolve()),
        "seed": batch.seed,
        "report": str(report),
        "limits": asdict(batch.limits) if batch.limits is not None else {},
        "parent": os.getpid(),
        "sandbox": batch.sandbox,
    }
    with open(log, "wb") as out:
        worker = subprocess.Popen([sys.executable, "-m", "autograder.worker"],
                                  stdin=subprocess.PIPE, stdout=out, stderr=subprocess.STDOUT,
                                  cwd=batch.reference,
                                  env={**os.environ, "PYTHONHASHSEED": "0",
                                       "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"})
    worker.stdin.write(json.dumps(job).encode())
    worker.stdin.close()
    return worker


def _count_done(batch: Batch, todo: list[Submission]) -> int:
    return sum((batch.out / s.student / RESULTS_NAME).exists() for s in todo)
