"""``autograder grade``: a whole class, in parallel workers, into Gradescope JSON and a CSV.

Submissions are dealt round-robin to ``--jobs`` workers (each one pytest run with its own
zygote; ``autograder/engine/pool.py`` watches and restarts them and removes their temporary
files). Each student's results.json and their own pytest-json-report record are written
atomically as soon as they are graded; a re-run skips students already graded unless
``--regrade`` (which replaces each student's files as they are graded again, never
deleting first). Every run, even one stopped by a signal, then rebuilds ``report.json``
(every student's record), ``grades.csv`` and the class report ``report.html`` (every
results.json) from all the students in the output folder.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from functools import partial
from itertools import chain
from pathlib import Path

from autograder.core.atomic import write_atomic
from autograder.core.config import Assignment
from autograder.core.loader import Submission
from autograder.core.results import properties
from autograder.core.student_files import each
from autograder.engine.grader_failed import write_failed
from autograder.engine.pool import Outcome, Pool
from autograder.engine.records import (
    RECORD_NAME,
    each_student_record,
    merged_head,
    record_text,
    without_students,
)
from autograder.formats.grades_csv import write_grades_csv
from autograder.formats.gradescope import RESULTS_NAME, read_all_students
from autograder.sandbox.limits import Limits

ROOM_BYTES = 256 * 1024  # free space in DIR below which a worker's death is the disk's fault


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
    sandbox: str = "auto"  # the tier asked for; each worker proves one (the first: the run's)
    integrity: bool = False  # also each student's integrity.json (engine/probes.py)


def pending(batch: Batch) -> list[Submission]:
    """The submissions still to grade: all of them with ``regrade``; else those with no
    results.json, or with the grader's failure in it (tried again)."""
    if batch.regrade:
        return list(batch.submissions)
    graded = read_all_students(batch.out)
    return [s for s in batch.submissions if s.student not in graded
            or graded[s.student].grader_failed]


def run_batch(batch: Batch, progress=None) -> Outcome:
    """Grade what is pending, then rebuild the class's files (unless no sandbox may grade);
    ``progress(done, total)`` is called as students are graded. The caller owns
    ``batch.out`` (``out_lock``)."""
    todo = pending(batch)
    batch.out.mkdir(parents=True, exist_ok=True)
    sweep_partial_writes(batch.out)  # a killed run's
    give_up = partial(_give_up, batch.out, batch.assignment)
    outcome = Pool(partial(_start, batch), batch.jobs, give_up, partial(check_room, batch.out),
                   progress).run(todo)
    sweep_partial_writes(batch.out)  # a worker stopped in the middle of a write, now gone
    if outcome.refused is None:
        write_outputs(batch, outcome.host)
    return outcome


def sweep_partial_writes(out: Path) -> None:
    """Remove the temporary files of write_atomic calls cut short (no writer is running)."""
    for stale in out.glob("**/.*.tmp"):
        stale.unlink(missing_ok=True)


def write_outputs(batch: Batch, host: dict | None) -> None:
    """report.json and grades.csv, from every student in ``batch.out`` (the grade command
    adds the class report, report.html); ``host``: the sandbox of this run's grading (None:
    nobody was graded now, the earlier run's is kept). The students' records are read one
    at a time, twice (the summary, then the tests), so memory does not grow with the class."""
    out, recorded = batch.out, set()

    def records() -> Iterator[dict]:
        for student, record in each_student_record(out):
            recorded.add(student)
            yield record

    heads = [head for head in [merged_head(records())] if head is not None]
    older = {s for s, _ in each(out, RESULTS_NAME)} - recorded  # graded before records were
    earlier = (_read(out / RECORD_NAME) or {}) if older or host is None else {}  # kept
    kept = []
    if older & {properties(t).get("student") for t in earlier.get("tests", [])}:
        everyone = {properties(t).get("student") for t in earlier["tests"]}
        kept.append(without_students(earlier, everyone - older))
        heads.append(merged_head(kept))
    if heads:
        head = merged_head(heads)
        host = host or earlier.get("sandbox")
        if host is not None:
            head["sandbox"] = host
        tests = chain((t for _, r in each_student_record(out) for t in r.get("tests", [])),
                      (t for r in kept for t in r["tests"]))
        write_atomic(out / RECORD_NAME, record_text(head, tests))
    write_grades_csv(out, batch.assignment)


def _read(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def check_room(out: Path) -> None:
    """OSError (EROFS, ENOSPC) when ``out`` is read-only or nearly full: why workers die."""
    disk = os.statvfs(out)
    if disk.f_flag & os.ST_RDONLY:
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(out))
    if disk.f_bavail * disk.f_frsize < ROOM_BYTES:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(out))


def _give_up(out: Path, assignment: Assignment, sub: Submission, trace: str) -> None:
    write_failed(out / sub.student, sub.student, trace, assignment)


def _start(batch: Batch, shard: list[Submission], channel: int, output: int, tmpdir: str,
           host: dict | None) -> subprocess.Popen:
    """A worker for ``shard``, its temporary files (the children's folders) in ``tmpdir``;
    once a worker has proven a tier (``host``), later ones take that tier."""
    job = {
        "assignment": str(batch.assignment.folder),
        "reference": str(batch.reference),
        "submissions": [(s.student, os.path.abspath(s.path)) for s in shard],  # links unresolved
        "out": str(batch.out.resolve()),
        "seed": batch.seed,
        "limits": asdict(batch.limits) if batch.limits is not None else {},
        "parent": os.getpid(),
        "sandbox": host["tier"] if host else batch.sandbox,
        "channel": channel,
        "integrity": batch.integrity,
    }
    worker = subprocess.Popen([sys.executable, "-m", "autograder.engine.worker"],
                              stdin=subprocess.PIPE, stdout=output, stderr=output,
                              pass_fds=(channel,), cwd=batch.reference,
                              start_new_session=True,  # a terminal's Ctrl-C is the CLI's
                              env={**os.environ, "TMPDIR": tmpdir, "PYTHONHASHSEED": "0",
                                   "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"})
    worker.stdin.write(json.dumps(job).encode())
    worker.stdin.close()
    return worker
