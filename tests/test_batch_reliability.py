"""A batch of 210 survives a SIGKILL of the grader, and grading is deterministic.

The same command is run three times on 210 small .py submissions of the engine's own test
assignment (``tests/toy.py``: right, wrong, partial, in place, a broken cell, a syntax
error): once to the end; once killed with
SIGKILL when about a third is graded, then again to the end. Oracles: the uninterrupted
run's grades.csv and results.json (byte for byte), the (inode, mtime) of each results.json
written before the kill (graded once means never rewritten), report.json's test ids of the
resumed run (every student once, those graded before the kill too), and /proc: every
process the killed grader had started, and every process of its sandbox uids, is gone.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_adversarial import (
    ROOT,
    children,
    descends_from,
    limits_env,
    proc_status,
    sandbox_processes,
)
from toy import SCORES, write_kinds, write_toy

COUNT = 210  # two workers of 105: each grades in two pytest sessions (worker.SESSION = 100)
SEED = 4242


@pytest.fixture(scope="module")
def submissions(tmp_path_factory) -> Path:
    """COUNT submissions of every kind in turn, beside the toy assignment (``../assignments``)."""
    root = tmp_path_factory.mktemp("batch")
    write_toy(root)
    folder = root / "submissions"
    write_kinds(folder, COUNT)
    return folder


def command(submissions: Path, out: Path, toy: Path | None = None) -> list[str]:
    toy = toy or submissions.parent / "assignments" / "squares"
    return [sys.executable, "-m", "autograder.cli", "grade", "--assignment", str(toy),
            str(submissions), "--out", str(out),
            "--jobs", "2", "--seed", str(SEED)]


def grade(submissions: Path, out: Path) -> None:
    run = subprocess.run(command(submissions, out), capture_output=True, text=True, cwd=ROOT,
                         env=limits_env(), timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]


def descendants(pid: int) -> set[int]:
    found, todo = set(), [pid]
    while todo:
        for kid in children(todo.pop()):
            if kid not in found:
                found.add(kid)
                todo.append(kid)
    return found


def graded_count(out: Path) -> int:
    return len(list(out.glob("*/results.json")))


@pytest.fixture(scope="module")
def uninterrupted(submissions, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("whole") / "out"
    grade(submissions, out)
    return out


@pytest.fixture(scope="module")
def killed(submissions, tmp_path_factory) -> dict:
    """Run, SIGKILL the grader when about a third is graded, look around, run again."""
    out = tmp_path_factory.mktemp("killed") / "out"
    cli = subprocess.Popen(command(submissions, out), stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, cwd=ROOT, env=limits_env())
    started: set[int] = set()
    uids: set[int] = set()
    deadline = time.monotonic() + 300
    while graded_count(out) < COUNT // 3 and cli.poll() is None and time.monotonic() < deadline:
        started |= descendants(cli.pid)
        uids |= {uid for pid, uid, state in sandbox_processes()
                 if state[0] != "Z" and descends_from(pid, cli.pid)}
        time.sleep(0.02)
    started |= descendants(cli.pid)
    assert cli.poll() is None, "the batch ended before it could be killed: make it bigger"
    os.kill(cli.pid, signal.SIGKILL)
    cli.wait()
    before = {p.parent.name: (p.stat().st_ino, p.stat().st_mtime_ns)
              for p in out.glob("*/results.json")}
    survivors: list = []
    for _ in range(250):  # workers die with the CLI, zygotes on EOF, children with both
        survivors = [p for p in started if proc_status(p) and proc_status(p).get(
            "State", "Z")[0] not in "Z"]
        survivors += [p for p in sandbox_processes() if p[1] in uids and p[2][0] != "Z"]
        if not survivors:
            break
        time.sleep(0.02)
    grade(submissions, out)
    return {"out": out, "before": before, "started": started, "uids": uids,
            "survivors": survivors}


def test_killing_the_grader_kills_everything_it_started(killed):
    assert len(killed["started"]) >= 4  # 2 workers, 2 zygotes, children
    if os.geteuid() == 0:  # only a root grader gives its children their own uids
        assert killed["uids"], "no sandbox child was seen while grading"
    assert killed["survivors"] == []


def test_the_rerun_completes_every_submission_exactly_once(killed):
    out = killed["out"]
    assert 0 < len(killed["before"]) < COUNT
    assert graded_count(out) == COUNT
    after = {p.parent.name: (p.stat().st_ino, p.stat().st_mtime_ns)
             for p in out.glob("*/results.json")}
    # graded before the kill: untouched by the rerun (not graded twice)
    assert {s: after[s] for s in killed["before"]} == killed["before"]
    # the report lists every student once, those graded before the kill too: 2 checks each
    report = json.loads((out / "report.json").read_text())
    per_student: dict[str, int] = {}
    for test in report["tests"]:
        student = next(p["student"] for p in test["user_properties"] if "student" in p)
        per_student[student] = per_student.get(student, 0) + 1
    assert set(per_student) == set(after) == {f"s{i:03d}" for i in range(COUNT)}
    assert set(per_student.values()) == {2}
    assert report["summary"]["total"] == 2 * COUNT


def test_no_partial_or_corrupt_file_is_left(killed):
    out = killed["out"]
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]
    for path in out.glob("*/results.json"):
        json.loads(path.read_text())
    files = {p.name for p in out.iterdir() if p.is_file()}
    files.discard(".similarity-cache.json")  # copydetect's tokens, where it is installed
    assert sorted(files) == ["grades.csv", "report.html", "report.json", "similarity.csv"]


def test_a_killed_and_resumed_run_gives_byte_identical_grades(killed, uninterrupted):
    assert (killed["out"] / "grades.csv").read_bytes() == (
        uninterrupted / "grades.csv").read_bytes()
    for path in uninterrupted.glob("*/results.json"):
        assert (killed["out"] / path.parent.name / "results.json").read_bytes() == \
            path.read_bytes(), path.parent.name


def test_the_designed_scores(uninterrupted):
    rows = [line.split(",") for line in (uninterrupted / "grades.csv").read_text().splitlines()]
    assert rows[0] == ["student", "square", "derivative", "total", "max_score"]
    scores = {row[0]: (float(row[1]), float(row[2])) for row in rows[1:]}
    assert len(scores) == COUNT
    kinds = list(SCORES)
    for i in range(COUNT):
        assert scores[f"s{i:03d}"] == SCORES[kinds[i % len(kinds)]], i


def test_same_submissions_and_seed_give_the_same_grades_with_other_jobs(submissions,
                                                                         uninterrupted, tmp_path):
    """Determinism across a different split over workers (a sample, to keep it quick)."""
    sample = tmp_path / "sample"
    sample.mkdir()
    for path in sorted(submissions.iterdir())[:15]:
        (sample / path.name).write_bytes(path.read_bytes())
    out = tmp_path / "out"
    toy = submissions.parent / "assignments" / "squares"
    run = subprocess.run([*command(sample, out, toy)[:-4], "--jobs", "1", "--seed", str(SEED)],
                         capture_output=True, text=True, cwd=ROOT, env=limits_env(), timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    for path in sorted(out.glob("*/results.json")):
        assert path.read_bytes() == (uninterrupted / path.parent.name / "results.json"
                                     ).read_bytes()
