"""docs/adding-an-assignment.md, followed literally, in a copy of the engine with no other
assignment: every file it shows is written, every command it gives is run.

Expected outcomes are the walk-through's own words: `right` 2/2 and `wrong_derivative` 1/2
(its derivative returns x instead of 2x), the release without anything of `hidden/`.
"""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO_ROOT
from toy import COMMANDS, DOC, doc_files


@pytest.fixture(scope="module")
def kit(tmp_path_factory) -> Path:
    """The engine alone, and the doc's files."""
    kit = tmp_path_factory.mktemp("kit")
    shutil.copytree(REPO_ROOT / "autograder", kit / "autograder",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO_ROOT / "pyproject.toml", kit / "pyproject.toml")
    for path, text in doc_files():
        (kit / path).parent.mkdir(parents=True, exist_ok=True)
        (kit / path).write_text(text, encoding="utf-8")
    return kit


@pytest.fixture(scope="module")
def ran(kit) -> dict[str, subprocess.CompletedProcess]:
    """Each command of the walk-through, run in the kit as written (``autograder`` is the
    engine of the copy: ``python -m autograder.cli``)."""
    done = {}
    for block in COMMANDS.findall(DOC):
        for line in block.strip().splitlines():
            words = line.split()
            if words[0] == "autograder":
                words = [sys.executable, "-m", "autograder.cli", *words[1:]]
            elif words[0] == "python":
                words = [sys.executable, *words[1:]]
            done[line] = subprocess.run(words, cwd=kit, capture_output=True, text=True,
                                        timeout=300)
    return done


def test_the_walk_through_shows_every_file_and_command():
    paths = {p for p, _ in doc_files()}
    assert {"assignments/squares/exercise.toml", "assignments/squares/checks.py",
            "assignments/squares/hidden/oracle.py"} <= paths
    assert len(COMMANDS.findall(DOC)[0].strip().splitlines()) == 5


def test_every_command_succeeds(ran):
    failed = {line: run.stderr[-500:] for line, run in ran.items()
              if run.returncode != 0 and not line.startswith("autograder check")}
    assert not failed, failed


def test_the_new_assignment_is_listed_and_graded_as_the_walk_through_says(kit, ran):
    listing = next(run.stdout for line, run in ran.items() if line == "autograder list")
    assert "squares" in listing and "Squares and their derivative" in listing
    rows = {r["student"]: r for r in csv.DictReader(
        (kit / "grades" / "squares" / "grades.csv").open(encoding="utf-8"))}
    assert (rows["right"]["square"], rows["right"]["derivative"]) == ("1", "1")
    assert (rows["wrong_derivative"]["square"], rows["wrong_derivative"]["derivative"]) == (
        "1", "0")


def test_check_runs_the_same_checks_with_the_public_oracle(ran):
    run = next(r for line, r in ran.items() if line.startswith("autograder check"))
    assert run.returncode == 0, run.stdout + run.stderr
    assert "2 / 2 points; 2 of 2 checks pass" in run.stdout


def test_the_release_leaves_the_hidden_folder_out(kit):
    released = {p.relative_to(kit / "dist" / "squares").as_posix()
                for p in (kit / "dist" / "squares").rglob("*") if p.is_file()}
    assert {"squares.ipynb", "exercise.toml", "checks.py", "lecture.py"} <= released
    assert not any("hidden" in name or name.endswith(("oracle.py", "grading.toml"))
                   for name in released)
