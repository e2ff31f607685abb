"""nbgrader: the assignment as an nbgrader source folder, and the kit's scores in its gradebook.

Two small steps, each one thing:

- :func:`export` writes ``COURSE/source/<assignment>/``: the notebook with the reference's
  code between nbgrader's solution markers, one test cell per part (``grade: true``,
  ``points`` from ``exercise.toml``; see :mod:`autograder.student.nbgrader_cells`), and the public
  files the notebook and its checks need. ``nbgrader generate_assignment`` releases it.
- :func:`write_gradebook` puts each student's part scores, from ``autograder grade``'s
  ``results.json``, into nbgrader's ``gradebook.db`` through nbgrader's own API, as the
  test cells' automatic scores: ``nbgrader export`` and formgrader show them, and a manual
  score given in formgrader takes their place there.

nbgrader is an extra (``pip install '.[nbgrader]'``), imported only here and only when used;
the answer-key builder (``solved.py``, instructors only) is imported only by the export.
"""

from __future__ import annotations

import argparse
import ast
import copy
import os
import textwrap
import warnings
from pathlib import Path

from autograder.core.config import Assignment, list_assignments, load_assignment
from autograder.core.errors import ExportError, Misuse
from autograder.core.loader import Submission

TEST_PREFIX = "test_"  # a part's test cell is test_<part>, in the notebook and the gradebook
INSTALL = "nbgrader is not installed: pip install '.[nbgrader]' in the course kit's folder"

TEST_CELL = '''# The test cell of {part}, {points:g} point{s}. It runs the autograder's checks of
# this part on the saved notebook file in a sandboxed process, not in this kernel: save the
# notebook first. Its value is the points; validate passes on full marks only.
from autograder.student.nbgrader_cells import grade_part

grade_part("{assignment}", "{part}")  # nbgrader autograde: the hidden checks; else the public'''

GRADED_TEXT = """## How this notebook is graded

Each part has a locked **test cell** (it calls `grade_part`). It runs the autograder's
checks of that part on the **saved** notebook file, in a sandboxed process, never in this
kernel: save the notebook (Ctrl+S) before you run it. It shows every check of the part and,
for a failed one, what is wrong; its value is the part's points ({parts}; {total:g} in all).
In your copy the checks are the public ones, on inputs drawn afresh each time; your grade
runs the same checks on hidden inputs. nbgrader's *Validate* runs every test cell, and
passes only when every part has full marks."""



def _nbgrader_api():
    try:
        from nbgrader import api
    except ImportError:
        raise Misuse(INSTALL) from None
    return api


# ------------------------------------------------------------------ the source notebook


def _defs(tree: ast.Module) -> dict[str, ast.FunctionDef]:
    """Top-level functions and the methods of top-level classes, by qualified name."""
    found: dict[str, ast.FunctionDef] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            found[node.name] = node
        elif isinstance(node, ast.ClassDef):
            found.update({f"{node.name}.{item.name}": item for item in node.body
                          if isinstance(item, ast.FunctionDef)})
    return found


def _has_docstring(func: ast.FunctionDef) -> bool:
    first = func.body[0]
    return isinstance(first, ast.Expr) and isinstance(getattr(first, "value", None),
                                                      ast.Constant) \
        and isinstance(first.value.value, str)


def _stub_raise(func: ast.FunctionDef) -> tuple[ast.Raise, str] | None:
    """The ``raise NotImplementedError(...)`` that is a stub's whole body (after its
    docstring), and its message; None when the function is not a stub."""
    body = func.body[1:] if _has_docstring(func) else func.body
    if len(body) != 1 or not isinstance(body[0], ast.Raise) or body[0].exc is None:
        return None
    exc = body[0].exc
    target = exc.func if isinstance(exc, ast.Call) else exc
    if not (isinstance(target, ast.Name) and target.id == "NotImplementedError"):
        return None
    args = exc.args if isinstance(exc, ast.Call) else []
    message = args[0].value if args and isinstance(args[0], ast.Constant) else ""
    return body[0], message if isinstance(message, str) else ""


def _body(func: ast.FunctionDef, lines: list[str]) -> list[str]:
    """The lines of ``func`` after its docstring (comments included), dedented."""
    rest = func.body[1:] if _has_docstring(func) else func.body
    if not rest:
        raise ExportError(f"{func.name}: the reference has nothing after its docstring")
    start = func.body[0].end_lineno if _has_docstring(func) else min(
        [rest[0].lineno, *(d.lineno for d in getattr(rest[0], "decorator_list", []))]) - 1
    chunk = lines[start:func.end_lineno]
    while chunk and not chunk[0].strip():
        chunk.pop(0)
    col = rest[0].col_offset
    return ["" if not line.strip() else line[col:] if line[:col].isspace() else line
            for line in chunk]


def solve_stubs(source: str, reference: str) -> tuple[str, list[str]]:
    """``source`` (a stub cell) with each stub's ``raise NotImplementedError(...)`` replaced
    by the reference's body between nbgrader's solution markers, its message kept as a
    comment above them (``generate_assignment`` keeps it: the released stub still says what
    to implement). Returns the new source and the stubs' qualified names.
    """
    from autograder.contract.authoring import BEGIN_SOLUTION, END_SOLUTION

    ref_lines = reference.splitlines()
    answers = _defs(ast.parse(reference))
    lines = source.split("\n")
    edits, names = [], []
    for name, func in _defs(ast.parse(source)).items():
        stub = _stub_raise(func)
        if stub is None:
            continue
        if name not in answers:
            raise ExportError(f"the stub {name} has no function of that name in the reference")
        raise_, message = stub
        indent = " " * raise_.col_offset
        comment = [f"{indent}# {line}" for line in
                   textwrap.wrap(message, 96 - len(indent), break_on_hyphens=False)]
        body = [f"{indent}{line}" if line else "" for line in _body(answers[name], ref_lines)]
        edits.append((raise_.lineno - 1, raise_.end_lineno,
                      [*comment, indent + BEGIN_SOLUTION, *body, indent + END_SOLUTION]))
        names.append(name)
    for start, end, new in sorted(edits, reverse=True):
        lines[start:end] = new
    return "\n".join(lines), names


def grade_cell_source(assignment: Assignment, part: str) -> str:
    """The code of a part's test cell."""
    points = assignment.points[part]
    return TEST_CELL.format(part=part, points=points, s="s" * (points != 1),
                            assignment=assignment.name)


def source_notebook(assignment: Assignment, reference: Path | None = None):
    """The kit's notebook as an nbgrader source notebook: stubs solved between the solution
    markers, each part's ``check("part")`` cell turned into that part's test cell (parts
    without one get theirs at the end), and the cell that ran every public check, with the
    text before it, replaced by a word on how the notebook is graded."""
    import nbformat

    from autograder.contract.authoring import is_solution_cell, nbgrader_cell
    from autograder.student.notebook import check_cell_source

    reference = Path(reference or assignment.reference)
    if not reference.is_file():
        raise ExportError(f"{reference}: no reference solution here (the export needs the "
                          "instructor's kit, with the assignment's hidden folder)")
    answers = reference.read_text(encoding="utf-8")
    nb = nbformat.read(assignment.notebook, as_version=4)
    check_cells = {check_cell_source(part): part for part in assignment.points}
    parts = ", ".join(f"{part} {points:g}" for part, points in assignment.points.items())
    explained = nbgrader_cell("markdown", GRADED_TEXT.format(
        parts=parts, total=assignment.total_points), "explain_test_cells")
    cells, tested, solved = [], set(), []
    for cell in copy.deepcopy(nb.cells):
        if is_solution_cell(cell):
            cell.source, names = solve_stubs(cell.source, answers)
            solved += names
        elif cell.cell_type == "code" and cell.source in check_cells:
            part = check_cells[cell.source]
            cell = grade_cell(assignment, part)
            tested.add(part)
        elif cell.cell_type == "code" and cell.source == check_cell_source(""):
            if cells and cells[-1].cell_type == "markdown":  # the text that introduced it
                cells.pop()
            cell = explained
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        cells.append(cell)
    if not solved:
        raise ExportError(f"{assignment.notebook.name}: no stub (raise NotImplementedError) in "
                          "its solution cells")
    cells += [grade_cell(assignment, part) for part in assignment.points if part not in tested]
    if not any(c is explained for c in cells):
        cells.append(explained)
    nb.cells = cells
    return nb


def grade_cell(assignment: Assignment, part: str):
    """A part's test cell: locked, graded, its points from the config; the kit's grader
    skips it (it grades the file; it is not the student's code)."""
    from autograder.contract.authoring import nbgrader_cell
    from autograder.core.loader import SKIP_TAG

    cell = nbgrader_cell("code", grade_cell_source(assignment, part), TEST_PREFIX + part,
                         tags=(SKIP_TAG,))
    cell.metadata["nbgrader"].update(grade=True, points=assignment.points[part])
    return cell


def export(assignment: Assignment, course: Path) -> list[Path]:
    """Write ``course/source/<assignment>/``: the source notebook and the public files
    (those of the student release: config, support files, checks, public oracle and the
    modules they import). Other files there are left alone. Returns what it wrote."""
    import nbformat
    from nbgrader.nbgraderformat import MetadataValidator, ValidationError

    from autograder.instructor.release import ReleaseError, assignment_files, audit

    out = (Path(course) / "source" / assignment.name).resolve()
    if out.is_relative_to(assignment.folder) or assignment.folder.is_relative_to(out):
        raise ExportError(f"{out}: inside the kit's assignment; choose a course folder")
    nb = source_notebook(assignment)
    try:
        MetadataValidator().validate_nb(nb)
    except ValidationError as err:
        raise ExportError(f"nbgrader refuses the notebook's metadata: {err}") from None
    try:
        files = [f for f in assignment_files(assignment) if f != assignment.notebook]
    except ReleaseError as err:
        raise ExportError(str(err)) from None
    out.mkdir(parents=True, exist_ok=True)
    written = [out / assignment.notebook.name]
    nbformat.write(nb, written[0])
    for path in files:
        (out / path.name).write_bytes(path.read_bytes())
        written.append(out / path.name)
    problems = audit(out)
    if problems:
        for path in written:
            path.unlink(missing_ok=True)
        raise ExportError("the export would leak: " + "; ".join(problems))
    return written


# ------------------------------------------------------------------ the gradebook


def _db_url(db: Path) -> str:
    return f"sqlite:///{Path(db).resolve()}"


def check_gradebook(db: Path, assignment: Assignment) -> None:
    """Misuse (one line) unless ``db`` is a gradebook that knows the assignment, its
    notebook and a test cell per part worth the config's points."""
    api = _nbgrader_api()
    if not Path(db).is_file():
        raise Misuse(f"{db}: no such gradebook (nbgrader generate_assignment {assignment.name} "
                     "creates it, in the course folder)")
    notebook = assignment.notebook.stem
    redo = (f"run `autograder nbgrader export COURSE --assignment {assignment.name}`, then "
            f"`nbgrader generate_assignment {assignment.name} --force` in the course")
    with api.Gradebook(_db_url(db)) as gb:
        try:
            gb.find_assignment(assignment.name)
        except api.MissingEntry:
            raise Misuse(f"{db} has no assignment {assignment.name!r}: {redo}") from None
        try:
            gb.find_notebook(notebook, assignment.name)
        except api.MissingEntry:
            raise Misuse(f"{db}: assignment {assignment.name!r} has no notebook "
                         f"{notebook!r}: {redo}") from None
        for part, points in assignment.points.items():
            try:
                cell = gb.find_grade_cell(TEST_PREFIX + part, notebook, assignment.name)
            except api.MissingEntry:
                raise Misuse(f"{db}: notebook {notebook!r} of {assignment.name!r} has no "
                             f"test cell {TEST_PREFIX + part}: {redo}") from None
            if abs(float(cell.max_score) - points) > 1e-9:
                raise Misuse(f"{db}: {TEST_PREFIX + part} is worth {cell.max_score:g} points "
                             f"there and {points:g} in exercise.toml: {redo}")


def write_gradebook(db: Path, assignment: Assignment, out: Path,
                    submissions: list[Submission]) -> dict[str, int]:
    """Each graded student's part scores into the gradebook (test cells' ``auto_score``),
    adding the student and the submission when the gradebook lacks them. Students without
    a ``results.json`` in ``out`` are left alone. Returns counts: written, new students,
    new submissions."""
    from autograder.formats.gradescope import read_all_students

    api = _nbgrader_api()
    graded = read_all_students(Path(out))
    notebook = assignment.notebook.stem
    counts = {"written": 0, "new students": 0, "new submissions": 0}
    with api.Gradebook(_db_url(db)) as gb, warnings.catch_warnings():
        # nbgrader's add_submission makes SQLAlchemy 2 warn (its autograde does too): harmless
        warnings.filterwarnings("ignore", message=".* not in session, add operation along")
        for sub in submissions:
            if sub.student not in graded:
                continue
            scores = graded[sub.student].part_scores(assignment.points)
            try:
                gb.find_student(sub.student)
            except api.MissingEntry:
                gb.add_student(sub.student)
                counts["new students"] += 1
            try:
                gb.find_submission(assignment.name, sub.student)
            except api.MissingEntry:
                stamp = sub.path.parent / "timestamp.txt"
                when = stamp.read_text(encoding="utf-8").strip() if stamp.is_file() else ""
                gb.add_submission(assignment.name, sub.student,
                                  **({"timestamp": when} if when else {}))
                counts["new submissions"] += 1
            for part, score in scores.items():
                grade = gb.find_grade(TEST_PREFIX + part, notebook, assignment.name,
                                      sub.student)
                grade.auto_score = float(score)
                grade.needs_manual_grade = False
            gb.db.commit()
            counts["written"] += 1
    return counts


# ------------------------------------------------------------------ autograder grade --nbgrader-db


def layout_assignments(paths: list[Path]) -> list[Assignment]:
    """The kit's assignments that have submissions in nbgrader's layout under ``paths``
    (``PATH/<student>/<assignment>/``)."""
    found = []
    for folder in list_assignments():
        assignment = load_assignment(folder)
        if any(p.is_dir() and any(s.is_dir() for s in p.glob(f"*/{assignment.name}"))
               for p in map(Path, paths)):
            found.append(assignment)
    if not found:
        names = ", ".join(f.name for f in list_assignments())
        raise Misuse(f"no nbgrader submissions in {', '.join(map(str, paths))} (expected "
                     f"PATH/<student>/<assignment>/ for an assignment of {names})")
    return found


def nbgrader_submissions(db: Path, assignment: Assignment, paths: list[Path]) -> list[Submission]:
    """Check the gradebook first, then the submissions of nbgrader's layout:
    ``PATH/<student>/<assignment>/<notebook>``, the student being nbgrader's student id."""
    check_gradebook(db, assignment)
    found: dict[str, Submission] = {}
    for path in map(Path, paths):
        if not path.is_dir():
            raise Misuse(f"{path}: with --nbgrader-db, give nbgrader's submitted/ folder")
        for student in sorted(p for p in path.iterdir() if not p.name.startswith(".")):
            steps = [student, student / assignment.name,
                     student / assignment.name / assignment.notebook.name]
            # a link on the way is graded as what it is (0, "a symbolic link"), never followed
            link = next((s for s in steps if s.is_symlink()), None)
            if link is None and not (student.is_dir() and os.path.lexists(steps[-1])):
                continue
            if student.name not in found:
                found[student.name] = Submission(student.name, link or steps[-1])
    if not found:
        raise Misuse(f"no {assignment.name}/{assignment.notebook.name} in any student folder "
                     f"of {', '.join(map(str, paths))} (nbgrader's submitted/<student>/"
                     f"{assignment.name}/)")
    return list(found.values())


def report_to_gradebook(console, db: Path, assignment: Assignment, out: Path,
                        submissions: list[Submission]) -> None:
    """Write the graded students into the gradebook and say what was written."""
    counts = write_gradebook(db, assignment, out, submissions)
    console.print(f"Gradebook {db}: {assignment.name} scores of {counts['written']} students "
                  f"written as the test cells' automatic scores ({counts['new students']} new "
                  f"students, {counts['new submissions']} new submissions); `nbgrader export` "
                  "and formgrader show them.")


# ------------------------------------------------------------------ the command


def cmd_export(args: argparse.Namespace, console) -> int:
    """``autograder nbgrader export COURSE``: every assignment's source folder (or one)."""
    _nbgrader_api()
    chosen = ([load_assignment(args.assignment)] if args.assignment is not None else
              [load_assignment(folder) for folder in list_assignments()])
    if not chosen:
        raise Misuse("no assignment here: the export is made in the instructor's kit")
    course = Path(args.course)
    for assignment in chosen:
        written = export(assignment, course)
        console.print(f"Wrote {written[0].parent}: {written[0].name} (solutions between "
                      f"### BEGIN SOLUTION / ### END SOLUTION, {len(assignment.points)} test "
                      f"cells, {assignment.total_points:g} points) and {len(written) - 1} "
                      "public files.")
    console.print(f"Next, in {course}: `nbgrader generate_assignment NAME` for "
                  f"{' and '.join(a.name for a in chosen)}; after collecting: `autograder "
                  f"grade {course}/submitted --nbgrader-db {course}/gradebook.db`.")
    return 0

