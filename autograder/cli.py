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

from autograder.config import (
    ORACLE_NAME,
    Assignment,
    ConfigError,
    list_assignments,
    load_assignment,
    read_seed,
)
from autograder.formats.grades_csv import read_all_results
from autograder.formats.gradescope import RESULTS_NAME, part_scores
from autograder.grade import Batch, GradingFailed, pending, run_batch
from autograder.loader import discover
from autograder.plugin import hidden_folders
from autograder.sandbox.host import CHOICES, NOT_PROTECTED, SandboxUnavailable, open_host, stops
from autograder.usage import Misuse


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
    """Grade the given submissions; with none, every assignment's bundled examples (in
    ``OUT/<assignment>/`` when the kit has several)."""
    if args.jobs < 1:
        raise Misuse("--jobs must be at least 1")
    try:
        if getattr(args, "nbgrader_db", None) and args.assignment is None:
            if not args.paths:
                raise Misuse("--nbgrader-db needs PATH: the course's submitted/ folder")
            from autograder.nbgrader_course import layout_assignments
            chosen = layout_assignments(args.paths)  # each one with nbgrader submissions
        elif args.paths or args.assignment is not None or len(list_assignments()) < 2:
            chosen = [load_assignment(args.assignment)]
        else:
            chosen = [load_assignment(folder) for folder in list_assignments()]
    except ConfigError as err:
        raise Misuse(str(err)) from None
    codes = []
    for assignment in chosen:
        out = Path(args.out) / assignment.name if len(chosen) > 1 else Path(args.out)
        codes.append(_grade(args, console, assignment, out))
    return max(codes)


def _grade(args: argparse.Namespace, console: Console, assignment: Assignment,
           out: Path) -> int:
    reference = Path(args.reference or assignment.hidden).resolve()
    if not (reference / ORACLE_NAME).is_file():
        raise Misuse(f"{reference}: no hidden oracle {ORACLE_NAME} here (see --reference)")
    paths = [Path(p) for p in args.paths] or [assignment.examples]
    for path in paths:
        if not path.exists():
            raise Misuse(f"{path}: no such file or folder")
    if getattr(args, "nbgrader_db", None):  # nbgrader's layout, for its gradebook
        from autograder.nbgrader_course import nbgrader_submissions
        submissions = nbgrader_submissions(Path(args.nbgrader_db), assignment, paths)
    else:
        submissions = discover(paths)
    if not submissions:
        raise Misuse(f"no submissions (.ipynb or .py) found in {', '.join(map(str, paths))}")
    host = _prove_sandbox(args.sandbox, hidden_folders(reference, out, submissions))
    if host is None:
        return 1
    if host["tier"] == "process":
        print(f"autograder: warning: grading with the process-only sandbox: {NOT_PROTECTED}.",
              file=sys.stderr)
    batch = Batch(assignment, reference, submissions, out, _seed(args, reference), args.jobs,
                  args.regrade, sandbox=host["tier"], host=host)
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
    console.print(f"Sandbox: {describe_tier(host)}.")
    if getattr(args, "nbgrader_db", None):
        from autograder.nbgrader_course import report_to_gradebook
        report_to_gradebook(console, Path(args.nbgrader_db), assignment, out, submissions)
    if failed:
        print(f"autograder: error: {failed}", file=sys.stderr)
        return 1
    return 0


def _prove_sandbox(tier: str | None, hide: list[Path]) -> dict | None:
    """Open the sandbox as the workers will, run its canary, and close it: the tier's
    report, or None (with one line on stderr) when no tier may grade on this host."""
    try:
        host = open_host(hide, tier, allow_process=False)
    except ValueError as err:
        raise Misuse(str(err)) from None
    except SandboxUnavailable as err:
        print(f"autograder: error: {err}. Nothing was graded; `autograder doctor` says more.",
              file=sys.stderr)
        return None
    host.close()
    return host.host


def describe_tier(host: dict) -> str:
    """'unprivileged (Landlock ABI 7, seccomp, user namespaces)': the tier and what made it."""
    used = {"namespaces": ["mount namespaces", "set-uid to an unused uid"],
            "unprivileged": ["Landlock", "seccomp"]}.get(host["tier"], [])
    if host["tier"] == "unprivileged":
        used += ["user namespaces"] if host.get("netns") else []
        used += ["set-uid to an unused uid"] if host.get("setuid") else []
    found = host.get("mechanisms", {})
    names = [f"{m} {found[m]['detail']}".strip() if m == "Landlock" else m for m in used]
    return f"{host['tier']} ({', '.join(names) or 'a separate process'})"


def cmd_doctor(args: argparse.Namespace, console: Console) -> int:
    """What this host offers the sandbox, the tier chosen, and what it stops."""
    try:
        host_ = open_host([], args.sandbox, allow_process=True)
    except ValueError as err:
        raise Misuse(str(err)) from None
    except SandboxUnavailable as err:
        console.print(f"[red]No sandbox tier works here: {err}[/]")
        return 1
    host_.close()
    host = host_.host
    table = Table(title="Isolation mechanisms, each tried for real", box=box.SIMPLE_HEAD)
    for column in ("mechanism", "result", "detail"):
        table.add_column(column)
    for name, entry in host.get("mechanisms", {}).items():
        table.add_row(name, "[green]works[/]" if entry["ok"] else "[red]no[/]", entry["detail"])
    if host.get("mechanisms"):
        console.print(table)
    console.print(f"Tier: [bold]{describe_tier(host)}[/], its canary passed.")
    for tier, why in host.get("why_not", {}).items():
        console.print(f"  not {tier}: {why}")
    if host.get("fallback"):
        console.print(f"  {host['fallback']}")
    stopped = Table(title=f"What a submission cannot do on the {host['tier']} tier",
                    box=box.SIMPLE_HEAD)
    stopped.add_column("attack")
    stopped.add_column("stopped")
    for attack, ok in stops(host["tier"]):
        stopped.add_row(attack, "[green]yes[/]" if ok else "[red]no[/]")
    console.print(stopped)
    if host["tier"] == "process":
        console.print(f"[yellow]Process only: {NOT_PROTECTED}. Fine for `check`; `grade` "
                      "refuses it unless given --sandbox process.[/]")
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
                  "grades.csv, report.html for the class, report.json).")


def cmd_answer_key(args: argparse.Namespace, console: Console) -> int:
    """The instructor's answer key: also an nbgrader source notebook (solution markers)."""
    try:
        from autograder.solved import write_answer_key
    except ImportError:
        raise Misuse("the answer key is built in the instructor's kit, not in a release") from None
    try:
        assignment = load_assignment(args.assignment)
    except ConfigError as err:
        raise Misuse(str(err)) from None
    reference = Path(args.reference or assignment.reference)
    if not reference.is_file():
        raise Misuse(f"{reference}: no such reference solution")
    try:
        out = write_answer_key(assignment.folder, reference, args.out)
    except ConfigError as err:
        raise Misuse(str(err)) from None
    console.print(f"Wrote {out}: the student notebook with the reference's code in its "
                  "solution cells (### BEGIN SOLUTION / ### END SOLUTION).")
    return 0


def cmd_list(args: argparse.Namespace, console: Console) -> int:
    """The kit's assignments: name, title, points, parts, and whether its hidden side is here."""
    table = Table(title="Assignments", box=box.SIMPLE_HEAD)
    for column in ("name", "title", "points", "parts", "hidden side"):
        table.add_column(column)
    for folder in list_assignments():
        try:
            a = load_assignment(folder)
        except ConfigError as err:
            table.add_row(folder.name, f"[red]{err}[/]", "", "", "")
            continue
        hidden = "yes" if (a.hidden / ORACLE_NAME).is_file() else "no (a release)"
        table.add_row(a.name, a.title, f"{a.total_points:g}", ", ".join(a.points), hidden)
    console.print(table)
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
                       help="seed of the hidden random cases (default: hidden/grading.toml)")
    grade.add_argument("--regrade", action="store_true", help="grade again what is graded")
    grade.add_argument("--assignment", default=None,
                       help="assignment name or folder (default: the only one; with several "
                            "and no PATH, each one's examples)")
    grade.add_argument("--reference", default=None,
                       help=f"hidden folder with {ORACLE_NAME} (default: the assignment's "
                            "hidden/)")
    grade.add_argument("--sandbox", choices=CHOICES, default=None,
                       help="sandbox tier (default: $AUTOGRADER_SANDBOX, else the strongest "
                            "this host offers; 'process' protects no secret)")
    grade.add_argument("--nbgrader-db", metavar="GRADEBOOK", default=None,
                       help="PATH is an nbgrader course's submitted/ folder: also write the "
                            "scores into its gradebook.db (needs the nbgrader extra)")
    grade.set_defaults(func=cmd_grade)
    doctor = sub.add_parser("doctor", help="show which sandbox tier this host offers")
    doctor.add_argument("--sandbox", choices=CHOICES, default=None,
                        help="try this tier (default: $AUTOGRADER_SANDBOX, else auto)")
    doctor.set_defaults(func=cmd_doctor)
    key = sub.add_parser("answer-key", help="write the notebook solved with the hidden reference")
    key.add_argument("--out", default="answer_key.ipynb",
                     help="where to write it (default: answer_key.ipynb)")
    key.add_argument("--assignment", default=None,
                     help="assignment name or folder (default: the only one)")
    key.add_argument("--reference", default=None,
                     help="the reference solution (default: the assignment's hidden/<name>.py)")
    key.set_defaults(func=cmd_answer_key)
    listing = sub.add_parser("list", help="list the assignments of this kit")
    listing.set_defaults(func=cmd_list)
    from autograder.nbgrader_course import add_parser as add_nbgrader  # nbgrader: lazily

    add_nbgrader(sub)
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
