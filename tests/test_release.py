"""``autograder release``: the student folder holds what students need and nothing hidden.

Oracles: the hidden files themselves (the reference's function bodies, the seed in
``reference/grading.toml``, the misconception catalogue's names), read here by path; the
release installed into a fresh venv (see ``student_kit``) and run there on the stubbed and
on a solved notebook.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
from pathlib import Path

import pytest
from student_kit import (
    ASSIGNMENT,
    REFERENCE,
    ROOT,
    build_release,
    copy_public_files,
    installed_release,
    reference_module,
    solved_notebook,
    write,
)

from autograder.cli import main
from autograder.contract.authoring import public_functions, split_function
from autograder.core.config import load_assignment, read_toml
from autograder.core.modules import load_module
from autograder.instructor.release import ReleaseError, audit
from autograder.instructor.release import build_release as build_into

STUDENT_FILES = {"backprop.ipynb", "exercise.toml", "exercise.py", "network.py", "checks.py",
                 "cases.py", "feedback.py", "lecture.py", "README.md", "pyproject.toml",
                 ".gitignore", ".github/workflows/classroom.yml"}


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Path:
    return build_release(tmp_path_factory.mktemp("release") / "student")


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    return installed_release(tmp_path_factory.mktemp("installed"))


def files_of(folder: Path) -> dict[str, Path]:
    return {p.relative_to(folder).as_posix(): p for p in sorted(folder.rglob("*")) if p.is_file()}


# -- by file list --------------------------------------------------------------------------


def test_release_holds_the_student_files_and_the_engine_only(release):
    names = set(files_of(release))
    engine = {n for n in names if n.startswith("autograder/")}
    assert names - engine == STUDENT_FILES
    kit_engine = {p.relative_to(ROOT).as_posix() for p in (ROOT / "autograder").rglob("*.py")}
    assert engine <= kit_engine
    home = {n for n in kit_engine if n.startswith("autograder/instructor/")}  # instructors' only
    assert engine == kit_engine - home
    parts = {part for n in names for part in Path(n).parts} | {Path(n).stem for n in names}
    for hidden in ("reference", "oracle", "misconceptions", "grading.toml", "make_notebook",
                   "solved"):
        assert hidden not in parts, hidden


# -- by content ----------------------------------------------------------------------------


def reference_body_lines() -> set[str]:
    lines = set()
    for func in public_functions(reference_module()).values():
        lines |= {line.strip() for line in split_function(func)[1] if len(line.strip()) > 20}
    assert len(lines) > 10
    return lines


def hidden_seed() -> str:
    return str(read_toml(REFERENCE / "grading.toml")["grading"]["seed"])


def misconception_names() -> list[str]:
    catalogue = load_module(REFERENCE / "misconceptions.py",
                            "backprop_misconceptions_release_test", register=True).CATALOGUE
    assert len(catalogue) > 5
    return [m.name for m in catalogue]


def imports_reference(source: str) -> bool:
    for node in ast.walk(ast.parse(source)):
        names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                 [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
        if any(n == "reference" or n.startswith("reference.") for n in names):
            return True
    return False


def test_release_holds_nothing_hidden(release):
    body, seed, names = reference_body_lines(), hidden_seed(), misconception_names()
    seed_pattern = re.compile(rf"(?<![0-9]){re.escape(seed)}(?![0-9])")
    for name, path in files_of(release).items():
        text = path.read_text(encoding="utf-8")
        leaked = [line for line in body if line in text]
        assert not leaked, f"{name} holds reference code: {leaked}"
        assert not seed_pattern.search(text), f"{name} holds the hidden seed"
        for mistake in names:
            assert mistake not in text, f"{name} names the hidden misconception {mistake!r}"
        if path.suffix == ".py":
            assert not imports_reference(text), f"{name} imports reference"
    nb = json.loads((release / "backprop.ipynb").read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "code":
            assert not imports_reference(source)
            assert "### BEGIN SOLUTION" not in source
            assert cell["outputs"] == []


def test_the_audit_catches_what_would_leak(release, tmp_path):
    copy = tmp_path / "copy"
    copy.mkdir()
    for name, path in files_of(release).items():
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        (copy / name).write_bytes(path.read_bytes())
    assert audit(copy) == []
    (copy / "autograder" / "sneaky.py").write_text("from reference.backprop import backward\n")
    (copy / "notes.txt").write_text(f"seed = {hidden_seed()}\n")
    (copy / "reference").mkdir()
    (copy / "reference" / "x.txt").write_text("hidden\n")
    problems = " / ".join(audit(copy))
    assert "autograder/sneaky.py imports reference" in problems
    assert "notes.txt holds the hidden seed" in problems
    assert "reference/x.txt is hidden" in problems


def test_release_refuses_a_notebook_with_solutions_and_a_foreign_folder(tmp_path, capsys):
    folder = tmp_path / "assignment"
    folder.mkdir()
    copy_public_files(folder)
    write(solved_notebook(), folder / "backprop.ipynb")
    with pytest.raises(ReleaseError, match="BEGIN SOLUTION"):
        build_into(load_assignment(folder), tmp_path / "out")
    assert not (tmp_path / "out").exists()
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "thesis.tex").write_text("keep me")
    assert main(["release", "--assignment", "backprop", "--out", str(foreign)]) == 2
    assert "not an earlier release" in capsys.readouterr().err
    assert (foreign / "thesis.tex").read_text() == "keep me"


def test_release_pyproject_and_readme(release):
    project = read_toml(release / "pyproject.toml")["project"]
    kit = read_toml(ROOT / "pyproject.toml")["project"]
    assert project["dependencies"] == kit["dependencies"]
    assert project["scripts"] == {"autograder": "autograder.cli:main"}
    readme = (release / "README.md").read_text()
    for needed in ("autograder check", 'check("backward")', "pip install", "GitHub Classroom",
                   *load_assignment(ASSIGNMENT).points):
        assert needed in readme, needed


# -- installed in a fresh venv -------------------------------------------------------------


def test_the_installed_engine_is_the_released_one(installed, tmp_path):
    where = installed.run([str(installed.bin / "python"), "-c",
                           "import autograder, autograder.engine.public, numpy; "
                           "print(autograder.__file__)"], cwd=tmp_path)
    assert where.returncode == 0, where.stderr
    path = Path(where.stdout.strip())
    assert path.is_relative_to(installed.venv), path
    assert not path.is_relative_to(ROOT)
    grade = installed.run([str(installed.bin / "autograder"), "grade", "--assignment", "."],
                          cwd=installed.release)
    assert grade.returncode == 2
    assert "no hidden oracle" in grade.stderr


def test_installed_check_fails_every_part_of_the_stub_as_not_implemented(installed):
    done = installed.run([str(installed.bin / "autograder"), "check", "--json"],
                         cwd=installed.release)
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert Path(report["notebook"]) == installed.release / "backprop.ipynb"
    points = load_assignment(ASSIGNMENT).points
    assert {r["part"] for r in report["results"]} == set(points)
    for result in report["results"]:
        assert result["status"] == "fail" and result["score"] == 0
        assert "not implemented yet" in result["message"], result
    table = installed.run([str(installed.bin / "autograder"), "check", "--part", "backward"],
                          cwd=installed.release)
    assert table.returncode == 1
    assert "FAILED" in table.stdout and "backward" in table.stdout
    assert "sigmoid" not in table.stdout.replace("sigmoid_prime", "")


def test_installed_check_passes_a_solved_notebook(installed, tmp_path):
    solved = write(solved_notebook(), tmp_path / "mine" / "backprop.ipynb")
    done = installed.run([str(installed.bin / "autograder"), "check", str(solved), "--json"],
                         cwd=installed.release)
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["passed"] is True
    assert all(r["status"] == "pass" for r in report["results"])
    total = load_assignment(ASSIGNMENT).total_points
    assert sum(r["score"] for r in report["results"]) == pytest.approx(total)


def test_release_over_a_committed_release_updates_it_in_place(tmp_path):
    """README step 2 makes the release a git repository; building again keeps its .git
    and a file the teacher added, and writes the release's own files over."""
    out = tmp_path / "student"
    first = build_into(load_assignment("backprop"), out)
    git = ["git", "-C", str(out), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q", "-b", "main"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "release"], check=True)
    (out / "NOTES.md").write_text("office hours on Tuesday\n", encoding="utf-8")
    readme = (out / "README.md").read_bytes()
    (out / "README.md").write_text("edited by hand\n", encoding="utf-8")
    (out / "autograder" / "__pycache__").mkdir(exist_ok=True)
    (out / "autograder" / "__pycache__" / "old.pyc").write_bytes(b"stale")

    again = build_into(load_assignment("backprop"), out)
    assert again == first  # the same files, none of the teacher's
    assert (out / "NOTES.md").read_text(encoding="utf-8") == "office hours on Tuesday\n"
    assert (out / "README.md").read_bytes() == readme
    assert not (out / "autograder" / "__pycache__").exists()  # the engine is replaced whole
    log = subprocess.run([*git, "log", "--format=%s"], capture_output=True, text=True)
    assert log.stdout == "release\n"
    status = subprocess.run([*git, "status", "--porcelain"], capture_output=True, text=True)
    assert status.stdout == "?? NOTES.md\n"  # every release file as committed
    assert sorted(p.name for p in tmp_path.iterdir()) == ["student"]  # no staging left
