"""``autograder grade`` as an engine, on its own test assignment (``tests/toy.py``): resuming
and regrading, misuse, exit statuses, students whose files share a name, a broken hidden
oracle, inputs that change with the submission. Expected scores are toy.SCORES (by hand).
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from toy import KINDS, RIGHT, SCORES, write_kinds, write_toy

ROOT = Path(__file__).resolve().parents[1]
SEED = 99


@pytest.fixture(scope="module")
def toy(tmp_path_factory) -> Path:
    return write_toy(tmp_path_factory.mktemp("toy")).folder


def grade(toy: Path, *args: str | Path) -> subprocess.CompletedProcess:
    """``autograder grade --assignment TOY ARGS`` in a fresh process."""
    return subprocess.run([sys.executable, "-m", "autograder.cli", "grade", "--assignment",
                           str(toy), *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)


def scores(out: Path) -> dict[str, tuple[float, float]]:
    rows = csv.DictReader((out / "grades.csv").open(encoding="utf-8"))
    return {r["student"]: (float(r["square"]), float(r["derivative"])) for r in rows}


def stamp(out: Path) -> dict[str, tuple[int, int]]:
    """(inode, mtime) of every results.json: an atomic rewrite changes the inode."""
    return {p.parent.name: (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in sorted(out.glob("*/results.json"))}


def test_every_kind_gets_its_hand_derived_scores(toy, tmp_path):
    made = write_kinds(tmp_path / "subs", len(KINDS))
    run = grade(toy, tmp_path / "subs", "--out", tmp_path / "out", "--seed", SEED)
    assert run.returncode == 0, run.stderr
    assert scores(tmp_path / "out") == {s: SCORES[k] for s, k in made.items()}


def test_rerun_grades_only_what_is_new_and_regrade_regrades(toy, tmp_path):
    subs, out = tmp_path / "subs", tmp_path / "out"
    write_kinds(subs, len(KINDS))
    assert grade(toy, subs, "--out", out, "--jobs", "2", "--seed", SEED).returncode == 0
    before, csv_before = stamp(out), (out / "grades.csv").read_bytes()
    report_before = (out / "report.json").read_bytes()

    run = grade(toy, subs, "--out", out, "--jobs", "2", "--seed", SEED)
    assert run.returncode == 0, run.stderr
    assert f"(0 graded now, {len(before)} already graded)" in run.stdout
    assert "Sandbox: none started (nobody to grade)." in run.stdout  # no worker, no zygote
    assert stamp(out) == before and (out / "grades.csv").read_bytes() == csv_before
    assert (out / "report.json").read_bytes() == report_before

    (subs / "late.py").write_text(RIGHT, encoding="utf-8")
    run = grade(toy, subs, "--out", out, "--jobs", "2", "--seed", SEED)
    assert run.returncode == 0, run.stderr
    after = stamp(out)
    assert {s: after[s] for s in before} == before  # the others were not touched
    assert scores(out)["late"] == (1, 1) and len(scores(out)) == len(before) + 1
    earlier = json.loads(report_before)["tests"]
    merged = json.loads((out / "report.json").read_bytes())["tests"]
    assert [t for t in merged if t in earlier] == earlier
    late = [t for t in merged if {"student": "late"} in t["user_properties"]]
    assert len(merged) == len(earlier) + len(late) and len(late) == 2

    (subs / "late.py").unlink()
    shutil.rmtree(out / "late")
    run = grade(toy, subs, "--out", out, "--jobs", "2", "--seed", SEED, "--regrade")
    assert run.returncode == 0, run.stderr
    assert f"({len(before)} graded now, 0 already graded)" in run.stdout
    after = stamp(out)
    assert sorted(after) == sorted(before) and all(after[s] != before[s] for s in before)
    assert (out / "grades.csv").read_bytes() == csv_before  # same files, same seed


def test_a_results_file_a_crash_left_unreadable_is_graded_again(toy, tmp_path):
    """Workers sync a student's folder once, not each file: after a crash a results.json
    may be empty or cut short; the next run grades that student again, and only them."""
    subs, out = tmp_path / "subs", tmp_path / "out"
    made = write_kinds(subs, len(KINDS))
    assert grade(toy, subs, "--out", out, "--seed", SEED).returncode == 0
    before = stamp(out)
    first, second = sorted(made)[:2]
    (out / first / "results.json").write_text("", encoding="utf-8")
    (out / second / "results.json").write_text('{"score": 1', encoding="utf-8")
    run = grade(toy, subs, "--out", out, "--seed", SEED)
    assert run.returncode == 0, run.stderr
    assert f"(2 graded now, {len(made) - 2} already graded)" in run.stdout
    after = stamp(out)
    assert {s: after[s] for s in before if s not in (first, second)} == {
        s: before[s] for s in before if s not in (first, second)}
    assert scores(out) == {s: SCORES[k] for s, k in made.items()}


@pytest.mark.parametrize("args", [
    ("{tmp}/no-such-folder",),
    ("{subs}", "--jobs", "0"),
    ("{subs}", "--jobs", "-3"),
], ids=["nonexistent path", "jobs 0", "jobs negative"])
def test_misuse_exits_2_with_one_line_and_writes_nothing(toy, tmp_path, args):
    subs = tmp_path / "subs"
    write_kinds(subs, 1)
    run = grade(toy, *[a.format(tmp=tmp_path, subs=subs) for a in args], "--out",
                tmp_path / "out", "--seed", SEED)
    assert run.returncode == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "error" in lines[0], run.stderr
    assert not (tmp_path / "out").exists()


def test_exit_0_when_every_student_scores_0(toy, tmp_path):
    (tmp_path / "subs").mkdir()
    (tmp_path / "subs" / "nothing.py").write_text(KINDS["syntax_error"], encoding="utf-8")
    run = grade(toy, tmp_path / "subs", "--out", tmp_path / "out", "--seed", SEED)
    assert run.returncode == 0, run.stderr
    assert scores(tmp_path / "out") == {"nothing": (0, 0)}


def test_students_whose_files_share_a_name_are_graded_apart(toy, tmp_path):
    """Two repositories' squares.py, given as files: one student each, named by folder."""
    for student, kind in (("ann", "right"), ("bob", "wrong")):
        (tmp_path / student).mkdir()
        (tmp_path / student / "squares.py").write_text(KINDS[kind], encoding="utf-8")
    files = [tmp_path / "ann" / "squares.py", tmp_path / "bob" / "squares.py"]
    run = grade(toy, *files, files[0], "--out", tmp_path / "out", "--jobs", "2")
    assert run.returncode == 0, run.stderr
    assert scores(tmp_path / "out") == {"ann": (1, 1), "bob": (1, 0)}


def test_a_crashing_grader_worker_is_reported_not_hidden(toy, tmp_path):
    """A hidden oracle that does not even import: exit 1, the reason, nobody marked graded."""
    broken = tmp_path / "hidden"
    shutil.copytree(toy / "hidden", broken)
    with open(broken / "oracle.py", "a", encoding="utf-8") as f:
        f.write("\ndef broken(:\n")
    (tmp_path / "subs").mkdir()
    (tmp_path / "subs" / "right.py").write_text(RIGHT, encoding="utf-8")
    out = tmp_path / "out"
    run = grade(toy, tmp_path / "subs", "--reference", broken, "--out", out)
    assert run.returncode == 1
    assert "worker(s) failed" in run.stderr and "SyntaxError" in run.stderr
    assert "(right)" in run.stderr  # the submission left ungraded is named
    assert "(0 graded now, 0 already graded, 1 not graded)" in run.stdout
    assert not (out / "right" / "results.json").exists()
    assert (out / "grades.csv").read_text().splitlines() == [
        "student,square,derivative,total,max_score"]


LEAKY = "def square(x):\n    raise ValueError('inputs ' + repr(list(x)))\n"


def test_hidden_cases_change_with_the_submission_not_between_runs(toy, tmp_path):
    """A submission may print the inputs it was given into its feedback; the next, changed
    submission meets other inputs, while the same file always meets the same ones."""
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "leak.py").write_text(LEAKY)
    (subs / "leak2.py").write_text(LEAKY + "# the same code, resubmitted with a comment\n")

    def leaked(out: Path, student: str) -> str:
        data = json.loads((out / student / "results.json").read_text(encoding="utf-8"))
        return next(t["output"] for t in data["tests"] if t["tags"] == ["square"])

    assert grade(toy, subs, "--out", tmp_path / "a", "--jobs", "1").returncode == 0
    first, changed = leaked(tmp_path / "a", "leak"), leaked(tmp_path / "a", "leak2")
    assert "inputs [" in first and "inputs [" in changed and first != changed
    assert grade(toy, subs / "leak.py", "--out", tmp_path / "b", "--jobs", "1").returncode == 0
    assert leaked(tmp_path / "b", "leak") == first


@pytest.mark.parametrize("width", [120, 30])
def test_the_table_drawn_in_pieces_is_the_table_drawn_whole(toy, tmp_path, monkeypatch, width):
    """A large class's table is drawn TABLE_ROWS rows at a time (its memory): the text is
    that of one rich table, also where the terminal is too narrow for it; a student with no
    results.json shows '-'; the totals are the sums of the written scores."""
    import io

    from rich.console import Console

    from autograder.commands import grade as command
    from autograder.core.config import load_assignment
    from autograder.core.results import CheckResult, StudentResult
    from autograder.formats.gradescope import write_results

    assignment = load_assignment(toy)
    parts = list(assignment.points)
    students = [f"s{i}" for i in range(7)] + ["Zoë 学生", "missing"]
    for i, student in enumerate(students[:-1]):
        checks = tuple(CheckResult(part, "a check", "pass" if (i + j) % 3 else "fail",
                                   float((i + j) % 3 != 0), 1.0)
                       for j, part in enumerate(parts))
        (tmp_path / student).mkdir()
        write_results(tmp_path / student, StudentResult(student, checks), assignment, False)

    def drawn(rows: int) -> str:
        monkeypatch.setattr(command, "TABLE_ROWS", rows)
        console = Console(file=io.StringIO(), width=width)
        command._print_table(console, assignment, tmp_path, students, 8)
        return console.file.getvalue()

    whole = drawn(1000)
    assert drawn(3) == drawn(1) == whole
    lines = whole.splitlines()
    assert [line.split() for line in lines if line.strip().startswith("s1 ")] == [
        ["s1", "1", "1", "2"]] or width < 40  # (1 + 0) % 3 and (1 + 1) % 3: both pass
    assert any(line.split()[-4:] == ["missing", "-", "-", "-"] for line in lines) or width < 40
    # totals 1 2 1 1 2 1 1 2 (i = 0 .. 7): mean 11 / 8
    assert "9 submissions (8 graded now, 0 already graded, 1 not graded): mean 1.38" in \
        " ".join(whole.split())
