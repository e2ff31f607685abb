"""A batch survives faults of its own: workers that die, signals, full and read-only disks,
a second run into the same folder, an interrupted --regrade. Graded on the engine's own
test assignment (``tests/toy.py``); expected scores are toy.SCORES (by hand), and each test
says what must be on disk afterwards.

Workers are killed on purpose by a copy of the toy assignment whose checks SIGKILL their own
process for a student named ``killer*`` (every time) or ``flaky*`` (the first time only).
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from toy import KINDS, SCORES, write_kinds, write_toy

from autograder.core.results import GRADER_FAILED as SAYS
from autograder.engine.out_lock import LOCK_NAME

ROOT = Path(__file__).resolve().parents[1]
SEED = 77
AS_ROOT = pytest.mark.skipif(os.geteuid() != 0, reason="mounts a tmpfs: needs root")

DIE = '''
import os as _os
import signal as _signal
from pathlib import Path as _Path


def _die_for(student):
    """Kill this worker for the students the fault tests name so."""
    once = _Path(_os.environ.get("FLAKY_MARKS", "/nonexistent")) / student
    if student.startswith("killer") or (student.startswith("flaky") and not once.exists()):
        if student.startswith("flaky"):
            once.touch()
        _os.kill(_os.getpid(), _signal.SIGKILL)

'''


@pytest.fixture(scope="module")
def toy(tmp_path_factory) -> Path:
    return write_toy(tmp_path_factory.mktemp("toy")).folder


@pytest.fixture(scope="module")
def deadly(tmp_path_factory) -> Path:
    """The toy assignment whose checks kill their worker for killer* and flaky* students."""
    folder = write_toy(tmp_path_factory.mktemp("deadly")).folder
    checks = folder / "checks.py"
    text = checks.read_text(encoding="utf-8")
    head = "def _check(submission, grading, fn):\n"
    checks.write_text(text.replace(head, DIE + head + "    _die_for(submission.student)\n"),
                      encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def many(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """200 submissions of every kind in turn: enough to stop a run in the middle."""
    folder = tmp_path_factory.mktemp("many") / "subs"
    return folder, write_kinds(folder, 200)


def command(toy: Path, *args: str | Path) -> list[str]:
    return [sys.executable, "-m", "autograder.cli", "grade", "--assignment", str(toy),
            "--seed", str(SEED), *map(str, args)]


def grade(toy: Path, *args: str | Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(command(toy, *args), capture_output=True, text=True, cwd=ROOT,
                          timeout=600, env=env)


def start(toy: Path, tmp: Path, *args: str | Path, env: dict | None = None
          ) -> subprocess.Popen:
    """A grade run in the background, its stdout and stderr into files under ``tmp``."""
    return subprocess.Popen(command(toy, *args), cwd=ROOT, env=env,
                            stdout=(tmp / "stdout").open("w"), stderr=(tmp / "stderr").open("w"))


def wait_for(condition, what: str, seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.02)


def graded(out: Path) -> set[str]:
    return {p.parent.name for p in out.glob("*/results.json")}


def scores(out: Path) -> dict[str, tuple[float, float]]:
    rows = csv.DictReader((out / "grades.csv").open(encoding="utf-8"))
    return {r["student"]: (float(r["square"]), float(r["derivative"])) for r in rows}


def report_students(out: Path) -> dict[str, int]:
    """Student -> number of tests in report.json."""
    counts: dict[str, int] = {}
    for test in json.loads((out / "report.json").read_text(encoding="utf-8"))["tests"]:
        student = next(p["student"] for p in test["user_properties"] if "student" in p)
        counts[student] = counts.get(student, 0) + 1
    return counts


def no_leftovers(out: Path) -> None:
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]
    assert not (out / LOCK_NAME).exists()


# --------------------------------------------------------------------------- workers


def test_a_worker_killed_by_a_student_costs_only_that_student(deadly, tmp_path):
    """killer0 kills every worker that grades it: 0 with the line, the trace hidden; flaky0
    kills its first worker only: graded as designed; everyone else as designed; exit 0."""
    subs, out = tmp_path / "subs", tmp_path / "out"
    made = write_kinds(subs, 12)
    (subs / "killer0.py").write_text(KINDS["right"], encoding="utf-8")
    (subs / "flaky0.py").write_text(KINDS["right"], encoding="utf-8")
    (tmp_path / "marks").mkdir()
    env = {**os.environ, "FLAKY_MARKS": str(tmp_path / "marks")}
    run = grade(deadly, subs, "--out", out, "--jobs", "2", env=env)
    assert run.returncode == 0, run.stderr[-3000:]
    assert scores(out) == {**{s: SCORES[k] for s, k in made.items()}, "killer0": (0, 0),
                           "flaky0": (1, 1)}
    data = json.loads((out / "killer0" / "results.json").read_text(encoding="utf-8"))
    assert data["score"] == 0 and data["output"] == SAYS + "\n"
    (test,) = data["tests"]
    assert test["visibility"] == "hidden" and test["max_score"] == 0
    assert "stopped the grader's worker 2 times" in test["output"]
    assert "killed by SIGKILL" in test["output"]
    assert (out / "killer0" / "feedback.md").read_text(encoding="utf-8") == SAYS + "\n"
    assert report_students(out) == {**dict.fromkeys(made, 2), "flaky0": 2, "killer0": 1}
    no_leftovers(out)

    before = {p: p.stat().st_ino for p in out.glob("*/results.json")}
    rerun = grade(deadly, subs, "--out", out, "--jobs", "2", env=env)  # killer0 is tried again
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert "(1 graded now, 13 already graded)" in rerun.stdout
    after = {p: p.stat().st_ino for p in out.glob("*/results.json")}
    assert {p for p in before if before[p] != after[p]} == {out / "killer0" / "results.json"}


@AS_ROOT
def test_a_full_worker_tmpdir_grades_everyone(toy, tmp_path):
    """A TMPDIR with one page left (as a submission that filled it leaves it; a TMPDIR with
    none is passed over by Python's tempfile): the worker keeps no file there, so everyone
    is graded as designed. (Before, the shard's report went there: a JSONDecodeError.) One
    worker: each one's sandbox canary needs that page for a moment when it starts."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", tmp], check=True)
    try:
        with open(tmp / "filler", "wb", buffering=0) as f, pytest.raises(OSError,
                                                                         match="No space"):
            while True:
                f.write(b"x" * 4096)
        os.truncate(tmp / "filler", (tmp / "filler").stat().st_size - 4096)
        made = write_kinds(tmp_path / "subs", 12)
        run = grade(toy, tmp_path / "subs", "--out", tmp_path / "out", "--jobs", "1",
                    env={**os.environ, "TMPDIR": str(tmp)})
        assert run.returncode == 0, run.stderr[-3000:]
        assert scores(tmp_path / "out") == {s: SCORES[k] for s, k in made.items()}
        assert [p.name for p in tmp.iterdir()] == ["filler"]
    finally:
        subprocess.run(["umount", "-l", tmp], check=False)


# --------------------------------------------------------------------------- signals


@pytest.mark.parametrize(("signum", "status"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)],
                         ids=["SIGTERM", "SIGINT"])
def test_a_signal_keeps_what_is_graded_and_says_how_to_resume(toy, many, tmp_path, signum,
                                                              status):
    subs, made = many
    out, tmp = tmp_path / "out", tmp_path / "tmp"
    tmp.mkdir()
    run = start(toy, tmp_path, subs, "--out", out, "--jobs", "2",
                env={**os.environ, "TMPDIR": str(tmp)})
    wait_for(lambda: len(graded(out)) >= 5 or run.poll() is not None, "5 graded")
    assert run.poll() is None, "the run ended before the signal: make it bigger"
    run.send_signal(signum)
    assert run.wait(timeout=120) == status
    stderr = (tmp_path / "stderr").read_text()
    assert "Traceback" not in stderr
    last = stderr.strip().splitlines()[-1]
    assert last.startswith(f"autograder: stopped by {signal.Signals(signum).name}: ")
    assert last.endswith("run the same command again to grade the rest.")
    done = graded(out)
    assert 5 <= len(done) < len(made)
    assert scores(out) == {s: SCORES[made[s]] for s in done}  # grades.csv: those graded
    assert report_students(out) == dict.fromkeys(done, 2)
    assert (out / "report.html").is_file()
    assert list(tmp.iterdir()) == []  # no temporary folder left behind
    no_leftovers(out)
    if signum == signal.SIGINT:
        return  # resuming is the same after either
    resumed = grade(toy, subs, "--out", out, "--jobs", "2")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert scores(out) == {s: SCORES[k] for s, k in made.items()}
    assert report_students(out) == dict.fromkeys(made, 2)


def test_an_interrupted_regrade_keeps_everyone(toy, tmp_path):
    subs, out = tmp_path / "subs", tmp_path / "out"
    made = write_kinds(subs, 150)
    assert grade(toy, subs, "--out", out, "--jobs", "2").returncode == 0
    csv_before = (out / "grades.csv").read_bytes()
    inodes = {p: p.stat().st_ino for p in out.glob("*/results.json")}
    run = start(toy, tmp_path, subs, "--out", out, "--jobs", "2", "--regrade")
    wait_for(lambda: sum(p.stat().st_ino != i for p, i in inodes.items()) >= 5
             or run.poll() is not None, "5 regraded")
    assert run.poll() is None, "the regrade ended before the signal: make it bigger"
    run.send_signal(signal.SIGTERM)
    assert run.wait(timeout=120) == 143
    assert graded(out) == set(made)
    assert (out / "grades.csv").read_bytes() == csv_before  # everyone, the same scores
    assert report_students(out) == dict.fromkeys(made, 2)
    no_leftovers(out)


# --------------------------------------------------------------------------- the folder


def test_a_second_run_into_the_same_folder_exits_2_naming_the_first(toy, many, tmp_path):
    subs, made = many
    out = tmp_path / "out"
    first = start(toy, tmp_path, subs, "--out", out, "--jobs", "2")
    wait_for(lambda: len(graded(out)) >= 1 or first.poll() is not None, "1 graded")
    assert first.poll() is None, "the first run ended before the second: make it bigger"
    second = grade(toy, subs, "--out", out, "--jobs", "2")
    assert second.returncode == 2
    (line,) = second.stderr.strip().splitlines()
    assert line.startswith(f"autograder: error: {out} is being graded by another run "
                           f"(pid {first.pid}, started ")
    assert first.wait(timeout=600) == 0
    assert scores(out) == {s: SCORES[k] for s, k in made.items()}
    assert report_students(out) == dict.fromkeys(made, 2)
    no_leftovers(out)
    progress = (tmp_path / "stderr").read_text().strip().splitlines()
    assert progress[-1].startswith("graded 200/200 (100.0 %), ")  # not a terminal: lines


def tmpfs(where: Path, options: str) -> None:
    where.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", where], check=True)


@AS_ROOT
def test_a_full_out_exits_with_one_line(toy, tmp_path):
    out = tmp_path / "out"
    tmpfs(out, "size=64k")
    try:
        with open(out / "filler", "wb", buffering=0) as f, pytest.raises(OSError, match="No space"):
            while True:
                f.write(b"x" * 4096)
        write_kinds(tmp_path / "subs", 6)
        run = grade(toy, tmp_path / "subs", "--out", out)
        assert run.returncode == 2
        assert run.stderr.strip().splitlines() == [
            f"autograder: error: {out}: cannot write here (No space left on device); "
            "nothing was graded"]
        assert sorted(p.name for p in out.iterdir()) == ["filler"]
    finally:
        subprocess.run(["umount", "-l", out], check=False)


@AS_ROOT
def test_an_out_that_fills_up_while_grading_ends_with_one_line(toy, tmp_path):
    """Room for a few students only: the run stops with one line (exit 1), what was
    written is whole, and no student is blamed for the disk."""
    out = tmp_path / "out"
    tmpfs(out, "size=96k")
    try:
        write_kinds(tmp_path / "subs", 60)
        run = grade(toy, tmp_path / "subs", "--out", out, "--jobs", "2")
        assert run.returncode == 1, run.stderr[-3000:]
        lines = [ln for ln in run.stderr.strip().splitlines() if not ln.startswith("graded ")]
        assert len(lines) == 1 and "No space left on device" in lines[0], run.stderr[-3000:]
        assert "Traceback" not in run.stderr
        for path in out.glob("*/results.json"):
            assert SAYS not in json.loads(path.read_text())["output"], path
    finally:
        subprocess.run(["umount", "-l", out], check=False)


@AS_ROOT
def test_a_read_only_out_exits_2_before_grading(toy, tmp_path):
    out = tmp_path / "out"
    tmpfs(out, "ro,size=64k")
    try:
        write_kinds(tmp_path / "subs", 6)
        run = grade(toy, tmp_path / "subs", "--out", out)
        assert run.returncode == 2
        assert run.stderr.strip().splitlines() == [
            f"autograder: error: {out}: cannot write here (Read-only file system); "
            "nothing was graded"]
    finally:
        subprocess.run(["umount", "-l", out], check=False)


def test_the_lock_names_its_holder_and_is_gone_after(tmp_path):
    from autograder.engine.out_lock import FolderBusy, own_folder

    with own_folder(tmp_path):
        text = (tmp_path / LOCK_NAME).read_text()
        assert text.startswith(f"pid {os.getpid()}, started ")
        with pytest.raises(FolderBusy, match=f"another run \\(pid {os.getpid()}, started "):
            with own_folder(tmp_path):
                pass
    assert list(tmp_path.iterdir()) == []
    with own_folder(tmp_path):  # free again
        pass


def test_a_stale_lock_file_left_by_a_killed_run_is_taken(tmp_path):
    from autograder.engine.out_lock import own_folder

    (tmp_path / LOCK_NAME).write_text("pid 1, started 2020-01-01 00:00:00\n")
    with own_folder(tmp_path):
        assert (tmp_path / LOCK_NAME).read_text().startswith(f"pid {os.getpid()}, ")


def test_progress_lines_every_5_percent_or_10_seconds():
    from io import StringIO

    from autograder.commands.progress_lines import LineProgress, line

    # 120 graded in 120 / 14.8 s: 14.8/s, 9880 left take 667.6 s, about 11 min
    assert line(120, 10000, 120 / 14.8) == "graded 120/10000 (1.2 %), 14.8/s, about 11 min left"
    assert line(0, 10, 3.0) == "graded 0/10 (0.0 %)"
    assert line(9, 10, 9.0) == "graded 9/10 (90.0 %), 1.0/s, about 1 s left"
    assert line(1, 10000, 1.0) == "graded 1/10000 (0.0 %), 1.0/s, about 2 h 47 min left"
    now = [0.0]
    stream = StringIO()
    progress = LineProgress(stream, clock=lambda: now[0])
    for done, t in [(1, 1), (4, 2), (5, 3), (6, 9), (6, 13), (7, 14), (20, 15), (100, 16)]:
        now[0] = float(t)
        progress(done, 100)
    # 5 at 5 %, 6 after 10 s since that line (t = 13), 20 and 100 by the 5 % steps
    assert [ln.split(" (")[0] for ln in stream.getvalue().splitlines()] == [
        "graded 5/100", "graded 6/100", "graded 20/100", "graded 100/100"]


def test_gone_students_leave_report_json_with_the_folders(toy, tmp_path):
    """report.json is rebuilt from the students' records (each written before their
    results.json): a student whose folder is removed is gone from it."""
    subs, out = tmp_path / "subs", tmp_path / "out"
    made = write_kinds(subs, 4)
    assert grade(toy, subs, "--out", out).returncode == 0
    for student in made:  # the record first: a student with results.json has one
        folder = out / student
        assert (folder / "report.json").stat().st_mtime_ns <= (
            folder / "results.json").stat().st_mtime_ns
    shutil.rmtree(out / "s001")
    (subs / "s001.py").unlink()
    assert grade(toy, subs, "--out", out).returncode == 0
    assert report_students(out) == dict.fromkeys(set(made) - {"s001"}, 2)
