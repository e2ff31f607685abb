"""nbgrader's ``autograde`` against ``autograder grade``: the same submissions, one run.

What it measures. It builds a temporary nbgrader course from ``autograder nbgrader export``
(``c.Execute.timeout`` = ``--timeout``, 30 s by default, nbgrader's own default), releases
the assignment with ``nbgrader generate_assignment``, and fabricates ``--n`` submissions in
``submitted/<student>/<assignment>/`` from that release, each one's stubs replaced by a
bundled example's code (by cell id): every typical mistake of ``examples/`` once, the
release left blank once, one infinite loop (a ``while True: pass`` first thing in the
function of ``LOOP``, which the notebook's own cells call in the kernel for backprop), and
correct ones for the rest (``--n``, 20 by default, at least each kind once and one correct
one). Then, wall clock, in this order:

1. ``nbgrader autograde NAME``: a Jupyter kernel per notebook runs every cell; the export's
   test cells run the kit's hidden checks in its sandbox (one ``autograder grade`` of the
   notebook file per notebook). The time of each notebook is read off its log lines as
   they arrive.
2. ``autograder grade submitted --nbgrader-db gradebook.db --jobs 2``: the same submissions
   into the same gradebook (after nbgrader's scores were read from it); then, for the
   figures without it, the same on all but the infinite loop and on one correct
   submission alone (a run's fixed costs), and ``import nbgrader.api`` alone (the
   gradebook's API, which ``--nbgrader-db`` imports).

and prints wall time per submission for each, the ratio, and whether both agree, per
student and part, on the points (and so on who passed what). It also prints the most this
run allows: the kit's run of ``--n`` cannot take less than its shorter time limit (of a
cell or a call: the infinite loop runs into one) plus ``import nbgrader.api``, whatever
else it does. Nothing is asserted on time;
the exit status is 2 when they disagree or a command fails. Other work on the machine skews
the figures (the load average is printed).

Why and target. A course that keeps nbgrader's gradebook can grade with the kit instead of
a Jupyter kernel per notebook (``--nbgrader-db``): it should be much faster and give the
same points. Target: nbgrader's wall time / the kit's >= 50.

Small mode. ``--small`` runs steps 1 and 2 on 1 submission (the first typical mistake:
some parts pass, some fail; no infinite loop, none of the further figures; ``--jobs 1``):
the same commands, the same agreement and gradebook checks, the ratio printed with no verdict.
nbgrader is in the test extras; tests/test_benchmarks.py runs it, so the benchmark cannot
break unnoticed.

    .venv/bin/python benchmarks/vs_nbgrader.py [--assignment backprop] [--n 20] [--timeout 30]
                                               [--small]
"""

from __future__ import annotations

import argparse
import ast
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder.core.config import load_assignment  # noqa: E402
from autograder.formats.gradescope import read_all_students  # noqa: E402
from autograder.sandbox.limits import Limits  # noqa: E402

BIN = Path(sys.executable).parent
# nbgrader runs `alembic` from PATH when it creates gradebook.db: the venv's bin comes first
ENV = {**os.environ, "PATH": os.pathsep.join([str(BIN), os.environ.get("PATH", "")])}
TARGET = 50.0
NO_VERDICT = "small mode: no verdict"
LOOP = {"backprop": "backward", "autodiff": "backprop_any"}  # the solution cell that loops
CONFIG = """c = get_config()
c.CourseDirectory.root = {root!r}
c.CourseDirectory.course_id = "vs-nbgrader"
c.Exchange.root = {exchange!r}
c.Execute.timeout = {timeout}
"""


class Broken(Exception):
    """A command failed: nothing to compare."""


def run(args: list[str], cwd: Path) -> None:
    done = subprocess.run(args, cwd=cwd, env=ENV, capture_output=True, text=True)
    if done.returncode != 0:
        raise Broken(f"{' '.join(map(str, args[:3]))}: exit {done.returncode}: "
                     f"{(done.stderr or done.stdout).strip()[-600:]}")


def example_code(name: str, example: str) -> dict[str, str]:
    path = ROOT / "assignments" / name / "examples" / "submissions" / f"{example}.ipynb"
    return {c.metadata["nbgrader"]["grade_id"]: "\n".join(
                line for line in c.source.split("\n")
                if "### BEGIN SOLUTION" not in line and "### END SOLUTION" not in line)
            for c in nbformat.read(path, as_version=4).cells
            if c.metadata.get("nbgrader", {}).get("solution")}


def with_loop(code: dict[str, str], cell: str) -> dict[str, str]:
    """The code with ``while True: pass`` first in the cell's function, after its docstring."""
    lines = code[cell].split("\n")
    func = next(n for n in ast.parse(code[cell]).body if isinstance(n, ast.FunctionDef))
    first = func.body[1] if ast.get_docstring(func) is not None else func.body[0]
    indent = " " * first.col_offset
    at = first.lineno - 1
    return {**code, cell: "\n".join([*lines[:at], f"{indent}while True:", f"{indent}    pass",
                                     *lines[at:]])}


def typical_mistakes(name: str) -> list[str]:
    """The names of the bundled examples with a typical mistake."""
    folder = ROOT / "assignments" / name / "examples" / "submissions"
    return sorted(p.stem for p in folder.glob("*.ipynb") if p.stem not in
                  ("correct", "broken"))  # broken: not JSON, nbgrader cannot read it


def submissions(name: str, n: int,
                small: bool = False) -> list[tuple[str, dict[str, str] | None]]:
    """(kind, code by cell id) for ``n`` students: each mistake once, blank, loop, correct;
    ``small``: the first mistake alone."""
    mistakes = typical_mistakes(name)
    correct = example_code(name, "correct")
    if small:
        return [(mistakes[0], example_code(name, mistakes[0]))]
    kinds = [(m, example_code(name, m)) for m in mistakes]
    kinds += [("blank", None), ("infinite loop", with_loop(correct, LOOP[name]))]
    kinds += [("correct", correct)] * max(0, n - len(kinds))
    return kinds[:n]


def fabricate(release: Path, code: dict[str, str] | None, folder: Path) -> None:
    shutil.copytree(release, folder)
    (folder / "timestamp.txt").write_text("2025-03-01 12:00:00.000000 UTC")
    if code is None:
        return
    notebook = next(folder.glob("*.ipynb"))
    nb = nbformat.read(notebook, as_version=4)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in code:
            cell.source = code[grade_id]
    nbformat.write(nb, notebook)


def autograde(course: Path, name: str) -> tuple[float, dict[str, float]]:
    """``nbgrader autograde``: its wall time, and each student's, read off its log lines."""
    started = time.perf_counter()
    process = subprocess.Popen([str(BIN / "nbgrader"), "autograde", name], cwd=course, env=ENV,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    marks: list[tuple[str, float]] = []
    log = []
    for line in process.stderr:
        log.append(line)
        found = re.search(r"Creating/updating student with ID '([^']+)'", line)
        if found:
            marks.append((found.group(1), time.perf_counter()))
    if process.wait() != 0:
        raise Broken(f"nbgrader autograde: exit {process.returncode}: {''.join(log[-5:])}")
    ended = time.perf_counter()
    each = {student: (marks[i + 1][1] if i + 1 < len(marks) else ended) - at
            for i, (student, at) in enumerate(marks)}
    return ended - started, each


def grade(submitted: Path, name: str, db: Path, out: Path, jobs: int) -> float:
    """``autograder grade --nbgrader-db``: its wall time."""
    started = time.perf_counter()
    run([sys.executable, "-m", "autograder.cli", "grade", str(submitted), "--assignment", name,
         "--nbgrader-db", str(db), "--out", str(out), "--jobs", str(jobs)], cwd=out.parent)
    return time.perf_counter() - started


def nbgrader_scores(db: Path, name: str, parts: list[str],
                    students: list[str]) -> dict[str, dict[str, float]]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{db}") as gb:
        return {s: {p: float(gb.find_grade(f"test_{p}", name, name, s).score) for p in parts}
                for s in students}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", default="backprop", choices=sorted(LOOP))
    parser.add_argument("--n", type=int, default=20, help="submissions (default: 20)")
    parser.add_argument("--timeout", type=int, default=30,
                        help="nbgrader's Execute.timeout per cell, s (default: 30)")
    parser.add_argument("--jobs", type=int, default=2, help="autograder grade --jobs")
    parser.add_argument("--small", action="store_true",
                        help="a check that the benchmark works: 1 submission, no infinite "
                             "loop, no further figures, no verdict")
    args = parser.parse_args(argv)
    if args.small:
        args.n, args.jobs = 1, 1
    fewest = len(typical_mistakes(args.assignment)) + 3  # + blank, loop, a correct one
    if not args.small and args.n < fewest:
        parser.error(f"--n must be at least {fewest} for {args.assignment} (each kind once)")
    try:
        return compare(args)
    except Broken as err:
        print(f"vs_nbgrader: BROKEN: {err}", file=sys.stderr)
        return 2


def compare(args: argparse.Namespace) -> int:
    assignment = load_assignment(args.assignment)
    name, parts = assignment.name, list(assignment.points)
    with tempfile.TemporaryDirectory(prefix="vs-nbgrader-") as tmp:
        course = Path(tmp) / "course"
        course.mkdir()
        (course / "nbgrader_config.py").write_text(CONFIG.format(
            root=str(course), exchange=str(Path(tmp) / "exchange"), timeout=args.timeout))
        run([sys.executable, "-m", "autograder.cli", "nbgrader", "export", str(course),
             "--assignment", name], cwd=course)
        run([str(BIN / "nbgrader"), "generate_assignment", name], cwd=course)
        kinds = {}
        for i, (kind, code) in enumerate(submissions(name, args.n, args.small), start=1):
            student = f"s{i:02d}"
            kinds[student] = kind
            fabricate(course / "release" / name, code, course / "submitted" / student / name)
        students = sorted(kinds)
        load = os.getloadavg()[0]

        nb_wall, nb_each = autograde(course, name)
        theirs = nbgrader_scores(course / "gradebook.db", name, parts, students)
        out = Path(tmp) / "grades"
        kit_wall = grade(course / "submitted", name, course / "gradebook.db", out, args.jobs)
        graded = read_all_students(out)
        ours = {s: graded[s].part_scores(assignment.points) for s in students}
        in_db = nbgrader_scores(course / "gradebook.db", name, parts, students)
        if not args.small:
            further = further_figures(args, tmp, course, name, kinds)
    n = len(students)
    loop = next((s for s, k in kinds.items() if k == "infinite loop"), None)
    others = [t for s, t in nb_each.items() if s != loop]
    looping = f"1 infinite loop in {LOOP[name]}" if loop else "no infinite loop"
    print(f"{n} submissions of {name} ({sum(k == 'correct' for k in kinds.values())} correct, "
          f"{sum(k not in ('correct', 'infinite loop') for k in kinds.values())} with a "
          f"typical mistake or blank, {looping}); nbgrader Execute.timeout {args.timeout} s; "
          f"load average {load:.2f}")
    print(f"nbgrader autograde:  {nb_wall:7.1f} s, {nb_wall / n:6.2f} s / submission "
          f"(median notebook {statistics.median(others):.2f} s"
          + (f", the infinite loop {nb_each.get(loop, float('nan')):.1f} s)" if loop else ")"))
    print(f"autograder grade --jobs {args.jobs} --nbgrader-db: {kit_wall:5.1f} s, "
          f"{kit_wall / n:6.3f} s / submission")
    ratio = nb_wall / kit_wall
    verdict = NO_VERDICT if args.small else "PASS" if ratio >= TARGET else "MISS"
    print(f"ratio {ratio:.1f} (target >= {TARGET:g}: {verdict})")
    if args.small:
        print("small mode: no infinite loop, no runs without it or of one submission alone")
    else:
        kit_others, kit_one, import_api = further
        nb_others = nb_wall - nb_each.get(loop, 0.0)
        print(f"without the infinite loop ({n - 1} submissions): nbgrader "
              f"{nb_others / (n - 1):.2f} s / submission, autograder {kit_others:.1f} s, "
              f"{kit_others / (n - 1):.3f} s / submission, ratio {nb_others / kit_others:.1f}; "
              f"importing nbgrader.api (for the gradebook) alone takes {import_api:.1f} s")
        limits = Limits.configured()
        limit = min(limits.call_seconds, limits.cell_seconds)
        least = limit + import_api
        print(f"the most this run allows: nbgrader's {nb_wall:.1f} s / the least the kit's "
              f"{n} can take, {least:.1f} s (the infinite loop runs into a time limit, "
              f"{limit:g} s at least, and --nbgrader-db imports nbgrader.api) = "
              f"{nb_wall / least:.1f}")
        marginal = (kit_others - kit_one) / (n - 2)
        print(f"autograder on 1 submission (the fixed costs of a run): {kit_one:.1f} s; each "
              f"further one about {marginal * 1000:.0f} ms: nbgrader's median notebook / that "
              f"= {statistics.median(others) / marginal:.0f}")
    disagree = [(s, p, theirs[s][p], ours[s][p]) for s in students for p in parts
                if abs(theirs[s][p] - ours[s][p]) > 1e-9]
    passed = sum(all((theirs[s][p] == assignment.points[p]) == (ours[s][p] ==
                     assignment.points[p]) for p in parts) for s in students)
    print(f"agreement: {n * len(parts) - len(disagree)} of {n * len(parts)} (student, part) "
          f"points equal; who passed which part: the same for {passed} of {n} students")
    for student, part, a, b in disagree:
        print(f"  {student} ({kinds[student]}) {part}: nbgrader {a:g}, autograder {b:g}")
    written = all(in_db[s] == ours[s] for s in students)
    print(f"gradebook after --nbgrader-db: {'the kit' if written else 'NOT the kit'}'s scores")
    return 0 if not disagree and written else 2


def further_figures(args: argparse.Namespace, tmp: str, course: Path, name: str,
                    kinds: dict[str, str]) -> tuple[float, float, float]:
    """The kit without the infinite loop, on one correct submission alone, and what
    importing nbgrader's API costs: wall times."""
    loop = next(s for s, k in kinds.items() if k == "infinite loop")
    others = Path(tmp) / "others"
    for student in sorted(kinds):
        if student != loop:
            shutil.copytree(course / "submitted" / student, others / student)
    kit_others = grade(others, name, course / "gradebook.db", Path(tmp) / "others-grades",
                       args.jobs)
    one = Path(tmp) / "one"  # one correct submission: the fixed costs of a run
    first = next(s for s, k in kinds.items() if k == "correct")
    shutil.copytree(course / "submitted" / first, one / first)
    kit_one = grade(one, name, course / "gradebook.db", Path(tmp) / "one-grades", args.jobs)
    started = time.perf_counter()
    run([sys.executable, "-c", "import nbgrader.api"], cwd=Path(tmp))
    import_api = time.perf_counter() - started
    return kit_others, kit_one, import_api


if __name__ == "__main__":
    sys.exit(main())
