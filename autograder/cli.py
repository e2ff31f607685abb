"""The ``autograder`` command."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from rich import box
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table

from autograder.config import BUNDLED_ASSIGNMENT, KIT_ROOT, ConfigError, load_assignment, read_seed
from autograder.formats.grades_csv import read_all_results
from autograder.formats.gradescope import RESULTS_NAME, part_scores
from autograder.grade import Batch, GradingFailed, pending, run_batch
from autograder.loader import discover

BUNDLED_SUBMISSIONS = KIT_ROOT / "examples" / "submissions"
DEFAULT_REFERENCE = KIT_ROOT / "reference"


class Misuse(Exception):
    """A bad path or option: one line for the user, exit status 2."""


def _seed(args: argparse.Namespace, reference: Path) -> int:
    if args.seed is not None:
        return args.seed
    if os.environ.get("AUTOGRADER_SEED"):
        try:
            return int(os.environ["AUTOGRADER_SEED"])
        except ValueError:
            raise Misuse("AUTOGRADER_SEED must be an integer") from None
    try:
        seed = read_seed(reference)
    except ConfigError as err:
        raise Misuse(str(err)) from None
    return 0 if seed is None else seed


def cmd_grade(args: argparse.Namespace, console: Console) -> int:
    try:
        assignment = load_assignment(args.assignment)
    except ConfigError as err:
        raise Misuse(str(err)) from None
    reference = Path(args.reference).resolve()
    if not (reference / "checks").is_dir():
        raise Misuse(f"{reference}: no hidden checks folder 'checks/' here (see --reference)")
    paths = [Path(p) for p in args.paths] or [BUNDLED_SUBMISSIONS]
    for path in paths:
        if not path.exists():
            raise Misuse(f"{path}: no such file or folder")
    if args.jobs < 1:
        raise Misuse("--jobs must be at least 1")
    submissions = discover(paths)
    if not submissions:
        raise Misuse(f"no submissions (.ipynb or .py) found in {', '.join(map(str, paths))}")
    out = Path(args.out)
    batch = Batch(assignment, reference, submissions, out, _seed(args, reference), args.jobs,
                  args.regrade)
    with Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, transient=True,
                  disable=not console.is_terminal) as bar:
        task = bar.add_task("grading", total=None)
        todo, failed = pending(batch), ""
        try:
            run_batch(batch, lambda done, total: bar.update(task, completed=done, total=total))
        except GradingFailed as err:
            failed = str(err)
    graded = [s for s in todo if (out / s.student / RESULTS_NAME).exists()]
    _print_table(console, assignment, out, [s.student for s in submissions], len(graded))
    if failed:
        print(f"autograder: error: {failed}", file=sys.stderr)
        return 1
    return 0


def _print_table(console: Console, assignment, out: Path, students: list[str], graded: int) -> None:
    results = read_all_results(out)
    table = Table(title=f"{assignment.title}", box=box.SIMPLE_HEAD)
    table.add_column("student", no_wrap=True)
    for part, points in assignment.points.items():
        table.add_column(f"{part.replace('_', chr(10))}\n/{points:g}", justify="right")
    table.add_column(f"total\n/{assignment.total_points:g}", justify="right")
    totals = []
    for student in students:
        data = results.get(student)
        if data is None:
            table.add_row(student, *["-"] * (len(assignment.points) + 1))
            continue
        parts = part_scores(data["tests"], assignment)
        totals.append(float(data["score"]))
        table.add_row(student, *(f"{v:g}" for v in parts.values()), f"{data['score']:g}")
    console.print(table)
    mean = sum(totals) / len(totals) if totals else 0.0
    full = sum(t >= assignment.total_points - 1e-9 for t in totals)
    console.print(f"{len(students)} submissions ({graded} graded now, {len(students) - graded} "
                  f"already graded): mean {mean:.2f} / {assignment.total_points:g}, "
                  f"{full} with full marks. Results in {out}/ (results.json per student, "
                  "grades.csv, report.json).")


def cmd_answer_key(args: argparse.Namespace, console: Console) -> int:
    """The instructor's answer key: also an nbgrader source notebook (solution markers)."""
    try:
        from autograder.solved import write_answer_key
    except ImportError:
        raise Misuse("the answer key is built in the instructor's kit, not in a release") from None
    if not Path(args.reference).is_file():
        raise Misuse(f"{args.reference}: no such reference solution")
    try:
        out = write_answer_key(args.assignment, args.reference, args.out)
    except ConfigError as err:
        raise Misuse(str(err)) from None
    console.print(f"Wrote {out}: the student notebook with the reference's code in its "
                  "solution cells (### BEGIN SOLUTION / ### END SOLUTION).")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="autograder", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    grade = sub.add_parser("grade", help="grade submissions with the hidden checks")
    grade.add_argument("paths", nargs="*", metavar="PATH",
                       help="submission files or folders (default: the bundled examples)")
    grade.add_argument("--out", default="grades", help="output folder (default: grades/)")
    grade.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                       help="parallel workers (default: all cores)")
    grade.add_argument("--seed", type=int, default=None,
                       help="seed of the hidden random cases (default: reference/grading.toml)")
    grade.add_argument("--regrade", action="store_true", help="grade again what is graded")
    grade.add_argument("--assignment", default=str(BUNDLED_ASSIGNMENT),
                       help="assignment folder (default: the bundled backprop assignment)")
    grade.add_argument("--reference", default=str(DEFAULT_REFERENCE),
                       help="hidden reference folder with checks/ (default: reference/)")
    grade.set_defaults(func=cmd_grade)
    key = sub.add_parser("answer-key", help="write the notebook solved with the hidden reference")
    key.add_argument("--out", default="answer_key.ipynb",
                     help="where to write it (default: answer_key.ipynb)")
    key.add_argument("--assignment", default=str(BUNDLED_ASSIGNMENT), help="assignment folder")
    key.add_argument("--reference", default=str(DEFAULT_REFERENCE / "backprop.py"),
                     help="the reference solution (default: reference/backprop.py)")
    key.set_defaults(func=cmd_answer_key)
    from autograder.cli_public import add_parsers  # check, classroom-result, release

    add_parsers(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    console = Console()
    if not console.is_terminal:
        console = Console(width=120)
    try:
        return args.func(args, console)
    except Misuse as err:
        print(f"autograder: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
