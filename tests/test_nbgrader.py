"""nbgrader, for real: the export, nbgrader's own release, autograde and validate of it, and
the kit's scores in nbgrader's gradebook, for every assignment.

nbgrader 0.9's own commands run as subprocesses in a course under a temporary folder; the
submissions are nbgrader's release filled in with the bundled examples' code (by cell id),
or left blank. Oracles: the examples' designed scores (``assignments/<name>/examples/
README.md``, parsed here), the points of ``exercise.toml`` (read here with tomllib), the
hidden reference's source (read here by path), nbgrader's CSV export and its Gradebook API.
"""

from __future__ import annotations

import ast
import csv
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder.cli import main

api = pytest.importorskip("nbgrader.api")

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENTS = ("backprop", "autodiff")
BIN = Path(sys.executable).parent
# nbgrader runs `alembic` from PATH when it creates gradebook.db: the venv's bin comes first
ENV = {**os.environ, "PATH": os.pathsep.join([str(BIN), os.environ.get("PATH", "")])}
STUDENTS = {"alice": "correct", "bob": "unfinished", "carol": None}  # None: the blank release
CONFIG = """c = get_config()
c.CourseDirectory.root = {root!r}
c.CourseDirectory.course_id = "backprop-kit"
c.Exchange.root = {exchange!r}
c.Execute.timeout = 60
"""


def points(name: str) -> dict[str, float]:
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib
    raw = tomllib.loads((ROOT / "assignments" / name / "exercise.toml").read_text("utf-8"))
    return {part: float(p) for part, p in raw["points"].items()}


def designed(name: str) -> dict[str, dict[str, float]]:
    """The examples README's table: submission -> part -> points (and "total")."""
    text = (ROOT / "assignments" / name / "examples" / "README.md").read_text("utf-8")
    rows = [[c.strip() for c in line.strip().strip("|").split("|")]
            for line in text.splitlines() if line.startswith("| ")]
    header = [c.split(" /")[0] for c in rows[0]]
    table = {row[0]: {h: float(v) for h, v in zip(header[2:], row[2:])} for row in rows[1:]
             if not row[0].startswith("---")}
    assert list(table["correct"])[:-1] == list(points(name)) and "total" in table["correct"]
    return table


def expected(name: str, student: str) -> dict[str, float]:
    example = STUDENTS[student]
    if example is None:  # the release as it is: every function a stub
        return {**dict.fromkeys(points(name), 0.0), "total": 0.0}
    return designed(name)[example]


def nbgrader(*args: str, cwd: Path) -> str:
    done = subprocess.run([str(BIN / "nbgrader"), *args], cwd=cwd, env=ENV,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def submit(release: Path, example: str | None, folder: Path) -> None:
    """nbgrader's release of an assignment, its stubs replaced by the example's code."""
    shutil.copytree(release, folder)
    (folder / "timestamp.txt").write_text("2025-03-01 12:00:00.000000 UTC")
    if example is None:
        return
    notebook = next(folder.glob("*.ipynb"))
    source = ROOT / "assignments" / folder.name / "examples" / "submissions" / f"{example}.ipynb"
    code = {c.metadata["nbgrader"]["grade_id"]: c.source
            for c in nbformat.read(source, as_version=4).cells
            if c.metadata.get("nbgrader", {}).get("solution")}
    nb = nbformat.read(notebook, as_version=4)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in code:
            cell.source = "\n".join(line for line in code[grade_id].split("\n")
                                    if "### BEGIN SOLUTION" not in line
                                    and "### END SOLUTION" not in line)
    nbformat.write(nb, notebook)


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    """A course: the kit's export, nbgrader's release of it, and three submissions each."""
    root = tmp_path_factory.mktemp("course")
    (root / "nbgrader_config.py").write_text(CONFIG.format(
        root=str(root), exchange=str(root.parent / "exchange")))
    assert main(["nbgrader", "export", str(root)]) == 0
    for name in ASSIGNMENTS:
        nbgrader("generate_assignment", name, cwd=root)
        for student, example in STUDENTS.items():
            submit(root / "release" / name, example, root / "submitted" / student / name)
    return root


def test_every_assignment_is_exported(course):
    assert sorted(p.name for p in (course / "source").iterdir()) == sorted(ASSIGNMENTS)


# -- the export and nbgrader's release of it -----------------------------------------------


def stub_messages(notebook: Path) -> dict[str, str]:
    """Each stub of the kit's notebook: its ``raise NotImplementedError(...)`` message."""
    found = {}
    for cell in nbformat.read(notebook, as_version=4).cells:
        if not cell.metadata.get("nbgrader", {}).get("solution"):
            continue
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and node.exc.args:
                found[cell.metadata["nbgrader"]["grade_id"], node.lineno] = \
                    node.exc.args[0].value
    return found


def code(notebook: Path) -> str:
    return "\n".join(c.source for c in nbformat.read(notebook, as_version=4).cells)


def reference_lines(name: str, kit_notebook: Path) -> set[str]:
    """Lines of the hidden reference's function bodies that the kit's notebook does not hold."""
    path = ROOT / "assignments" / name / "hidden" / f"{name}.py"
    source = path.read_text("utf-8")
    lines, given = source.splitlines(), code(kit_notebook)
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef):
            for line in lines[node.body[0].end_lineno:node.end_lineno]:
                text = line.strip()
                if len(text) > 20 and not text.startswith("#") and text not in given:
                    found.add(text)
    assert len(found) > 10
    return found


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_source_has_a_test_cell_per_part_and_the_solutions(course, name):
    nb = nbformat.read(course / "source" / name / f"{name}.ipynb", as_version=4)
    graded = {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"] for c in nb.cells
              if c.metadata.get("nbgrader", {}).get("grade")}
    assert graded.keys() == {f"test_{part}" for part in points(name)}
    for part, value in points(name).items():
        meta = graded[f"test_{part}"]
        assert (meta["points"], meta["locked"], meta["solution"]) == (value, True, False)
    solutions = [c.source for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
    assert solutions and all("### BEGIN SOLUTION" in s for s in solutions)
    for line in reference_lines(name, ROOT / "assignments" / name / f"{name}.ipynb"):
        assert any(line in s for s in solutions), line


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_release_keeps_the_kits_stubs_and_holds_nothing_hidden(course, name):
    from autograder.instructor.release import audit

    release = course / "release" / name
    kit = ROOT / "assignments" / name / f"{name}.ipynb"
    text = code(release / f"{name}.ipynb")
    assert "BEGIN SOLUTION" not in text and "HIDDEN" not in text
    assert not [c for c in nbformat.read(release / f"{name}.ipynb", 4).cells
                if c.cell_type == "code" and "from autograder import check" in c.source]
    for line in reference_lines(name, kit):
        assert line not in text, line
    assert audit(release) == []
    assert not {"hidden", "oracle.py", "misconceptions.py", "grading.toml", f"{name}.py"} & {
        p.name for p in release.rglob("*")}
    # every stub still says what to implement, as a comment above nbgrader's own stub
    cells = {c.metadata["nbgrader"]["grade_id"]: c.source
             for c in nbformat.read(release / f"{name}.ipynb", as_version=4).cells
             if c.metadata.get("nbgrader", {}).get("solution")}
    messages = stub_messages(kit)
    assert messages
    for (grade_id, _), message in messages.items():
        comments = " ".join(line.strip().removeprefix("# ")
                            for line in cells[grade_id].splitlines())
        assert message in comments, message
    kit_cells = {c.id: c.source for c in nbformat.read(kit, as_version=4).cells}
    release_cells = {c.id: c.source for c in nbformat.read(release / f"{name}.ipynb", 4).cells}
    assert release_cells["setup"] == kit_cells["setup"]


# -- nbgrader's own grading: autograde and validate ----------------------------------------


def gradebook_parts(course: Path, name: str, student: str) -> dict[str, float]:
    with api.Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        return {part: gb.find_grade(f"test_{part}", name, name, student).score
                for part in points(name)}


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_nbgrader_autograde_gives_the_designed_scores(course, name):
    nbgrader("autograde", name, "--force", cwd=course)
    for student in STUDENTS:
        want = expected(name, student)
        assert gradebook_parts(course, name, student) == {p: want[p] for p in points(name)}, \
            student


def test_nbgrader_validate_fails_a_blank_notebook_and_passes_a_solved_one(course):
    order = [course / "submitted" / student / name / f"{name}.ipynb"
             for name in ASSIGNMENTS for student in ("carol", "alice")]
    out = nbgrader("validate", *map(str, order), cwd=course)
    verdicts = re.findall(r"Success! Your notebook passes all the tests|VALIDATION FAILED", out)
    assert verdicts == ["VALIDATION FAILED", "Success! Your notebook passes all the tests"] * 2


# -- the kit's scores in the gradebook -----------------------------------------------------


def exported(course: Path) -> dict[tuple[str, str], dict]:
    nbgrader("export", "--to", "export.csv", cwd=course)
    with open(course / "export.csv", newline="", encoding="utf-8") as f:
        return {(row["assignment"], row["student_id"]): row for row in csv.DictReader(f)}


def test_grade_writes_the_scores_into_nbgraders_gradebook(course, tmp_path):
    db = course / "gradebook.db"
    with api.Gradebook(f"sqlite:///{db}") as gb:
        gb.update_or_create_student("dave")  # enrolled, submitted nothing
    late = tmp_path / "late"  # erin: in no nbgrader step so far, not in the gradebook
    shutil.copytree(course / "submitted" / "alice" / "backprop", late / "erin" / "backprop")
    out = tmp_path / "grades"
    args = ["grade", str(course / "submitted"), str(late), "--nbgrader-db", str(db),
            "--out", str(out)]
    assert main(args) == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(ASSIGNMENTS)  # each, at once
    rows = exported(course)
    for name in ASSIGNMENTS:
        total = sum(points(name).values())
        students = [*STUDENTS, *(["erin"] if name == "backprop" else [])]
        for student in students:
            want = expected(name, "alice" if student == "erin" else student)
            row = rows[name, student]
            assert (float(row["score"]), float(row["max_score"])) == (want["total"], total)
            assert row["timestamp"] == "2025-03-01 12:00:00"
            assert gradebook_parts(course, name, student) == {
                p: want[p] for p in points(name)}
        assert float(rows[name, "dave"]["score"]) == 0 and not rows[name, "dave"]["timestamp"]
    with api.Gradebook(f"sqlite:///{db}") as gb:
        with pytest.raises(api.MissingEntry):
            gb.find_submission("backprop", "dave")  # untouched: no submission made up
        gb.find_grade("test_backward", "backprop", "backprop", "bob").manual_score = 3.0
        gb.db.commit()  # as formgrader's manual grading does
    assert main(args) == 0  # a re-run (nothing to grade again) leaves manual grades alone
    with api.Gradebook(f"sqlite:///{db}") as gb:
        grade = gb.find_grade("test_backward", "backprop", "backprop", "bob")
        assert (grade.auto_score, grade.manual_score) == (0.0, 3.0)
        assert gb.find_submission("backprop", "bob").score == expected("backprop", "bob")[
            "total"] + 3  # what nbgrader export and formgrader show


# -- misuse: one line, exit status 2 -------------------------------------------------------


@pytest.fixture
def one_submission(tmp_path) -> Path:
    folder = tmp_path / "submitted" / "alice" / "autodiff"
    folder.mkdir(parents=True)
    shutil.copy(ROOT / "assignments" / "autodiff" / "autodiff.ipynb", folder)
    return tmp_path / "submitted"


def test_a_gradebook_without_the_assignment_is_refused(course, one_submission, tmp_path,
                                                       capsys):
    db = tmp_path / "gradebook.db"
    shutil.copy(course / "gradebook.db", db)
    with api.Gradebook(f"sqlite:///{db}") as gb:
        gb.remove_assignment("autodiff")
        with pytest.raises(api.MissingEntry):
            gb.find_assignment("autodiff")
    args = ["grade", str(one_submission), "--assignment", "autodiff", "--out",
            str(tmp_path / "out")]
    assert main([*args, "--nbgrader-db", str(db)]) == 2
    err = capsys.readouterr().err
    assert "has no assignment 'autodiff'" in err and "generate_assignment autodiff" in err
    assert main([*args, "--nbgrader-db", str(tmp_path / "none.db")]) == 2
    assert "no such gradebook" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()  # nothing graded


def test_without_nbgrader_the_kit_works_and_says_what_to_install(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "nbgrader", None)  # as if not installed
    monkeypatch.setitem(sys.modules, "nbgrader.api", None)
    monkeypatch.setitem(sys.modules, "nbgrader.nbgraderformat", None)
    assert main(["nbgrader", "export", str(tmp_path)]) == 2
    assert "pip install '.[nbgrader]'" in capsys.readouterr().err
    assert main(["list"]) == 0


# -- the test cells' grade_part, without a kernel -------------------------------------------


def test_grade_part_errors_when_it_cannot_grade_and_a_stopped_grading_stops_the_rest(
        tmp_path, monkeypatch):
    from autograder.student import nbgrader_cells
    from autograder.student.nbgrader_cells import NotGraded, grade_part

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(nbgrader_cells, "_graded", {})
    with pytest.raises(NotGraded, match="no notebook backprop.ipynb"):
        grade_part("backprop", "backward", "hidden")  # nothing saved here
    with pytest.raises(NotGraded, match="no part 'nope'"):
        grade_part("backprop", "nope", "hidden")
    with pytest.raises(NotGraded, match="not on this machine"):
        grade_part("no_such_assignment", "backward", "hidden")
    with pytest.raises(NotGraded, match="public checks cannot start"):
        grade_part("backprop", "backward", "public")  # no exercise.toml here
    shutil.copy(ROOT / "assignments" / "backprop" / "backprop.ipynb", tmp_path)
    # a submitted folder named like the assignment is not where the hidden checks come from
    shutil.copytree(ROOT / "assignments" / "backprop", tmp_path / "backprop")
    config, _ = nbgrader_cells._locate("backprop", "hidden", None)
    assert config.folder == ROOT / "assignments" / "backprop"
    calls = []

    def stopped(config, path):
        calls.append(path)
        raise KeyboardInterrupt  # as nbgrader's Execute.timeout interrupts the kernel

    monkeypatch.setattr(nbgrader_cells, "_hidden", stopped)
    with pytest.raises(KeyboardInterrupt):
        grade_part("backprop", "sigmoid", "hidden")
    with pytest.raises(NotGraded, match="was stopped"):
        grade_part("backprop", "backward", "hidden")  # at once: no second grading
    assert len(calls) == 1


def test_the_hidden_test_cell_shows_the_cells_that_failed(tmp_path, monkeypatch):
    """A solved notebook with a cell that imports what the assignment forbids: the hidden
    grading's note (the failed cell) reaches the test cell, and forward still gets 2."""
    sys.path.insert(0, str(Path(__file__).parent))
    from student_kit import solved_notebook

    from autograder.student.nbgrader_cells import _graded, grade_part

    nb = solved_notebook()
    nb.cells.insert(3, nbformat.v4.new_code_cell("import torch"))
    nbformat.write(nb, tmp_path / "backprop.ipynb")
    monkeypatch.chdir(tmp_path)
    _graded.clear()
    assert grade_part("backprop", "forward", checks="hidden") == 2  # config: forward = 2
    ((_, notes),) = _graded.values()
    assert len(notes) == 1 and "import torch: not allowed in this assignment" in notes[0]
    _graded.clear()


def test_a_link_in_nbgraders_layout_is_graded_as_a_link_never_followed(course, tmp_path):
    """submitted/<student>/<assignment>/<notebook>: a student folder, an assignment folder
    or a notebook that is a symbolic link is that student's submission as it is (read as a
    link: 0 with the reason), never the file it points to."""
    from autograder.core.config import load_assignment
    from autograder.core.loader import SubmissionError, read_cells
    from autograder.instructor.nbgrader_course import nbgrader_submissions

    submitted = tmp_path / "submitted"
    real = course / "submitted" / "alice" / "backprop"
    shutil.copytree(real, submitted / "alice" / "backprop")
    (submitted / "mallory").symlink_to(submitted / "alice", target_is_directory=True)
    (submitted / "oscar").mkdir()
    (submitted / "oscar" / "backprop").symlink_to(real, target_is_directory=True)
    (submitted / "trent" / "backprop").mkdir(parents=True)
    (submitted / "trent" / "backprop" / "backprop.ipynb").symlink_to(
        ROOT / "assignments" / "backprop" / "hidden" / "backprop.py")
    found = {s.student: s.path for s in nbgrader_submissions(
        course / "gradebook.db", load_assignment("backprop"), [submitted])}
    assert found == {"alice": submitted / "alice" / "backprop" / "backprop.ipynb",
                     "mallory": submitted / "mallory",
                     "oscar": submitted / "oscar" / "backprop",
                     "trent": submitted / "trent" / "backprop" / "backprop.ipynb"}
    for student in ("mallory", "oscar", "trent"):
        with pytest.raises(SubmissionError, match="a symbolic link, not a file"):
            read_cells(found[student])
