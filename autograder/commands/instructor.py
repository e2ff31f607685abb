"""The instructors' commands: ``grade``, ``doctor``, ``answer-key``, ``gradescope``,
``list``, ``nbgrader export`` and ``release``.

This module is in the student release (its ``grade`` says there is no hidden oracle there);
what lives in ``autograder/instructor/`` is imported where a command needs it, and a
release, which leaves that folder out, never gets that far.
"""

from __future__ import annotations

import argparse
import errno
import os
import signal
import sys
from pathlib import Path

from rich import box
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table
from rich.text import Text  # a student's name is shown as it is, never read as markup

from autograder.commands.progress_lines import LineProgress
from autograder.core.config import (
    KIT_ROOT,
    ORACLE_NAME,
    Assignment,
    ConfigError,
    list_assignments,
    load_assignment,
)
from autograder.core.errors import Misuse
from autograder.core.loader import discover
from autograder.engine.api import default_seed
from autograder.engine.batch import Batch, run_batch
from autograder.engine.out_lock import own_folder
from autograder.engine.pool import Stopped
from autograder.formats.gradescope import read_all_students
from autograder.sandbox.host import (
    CHOICES,
    NOT_PROTECTED,
    SandboxUnavailable,
    describe_tier,
    open_host,
    stops,
)
from autograder.sandbox.policy import hidden_folders, secret_paths

DISK_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS}  # the host's, said in one line


def cmd_grade(args: argparse.Namespace, console: Console) -> int:
    """Grade the given submissions; with none, every assignment's bundled examples (in
    ``OUT/<assignment>/`` when the kit has several)."""
    if args.jobs < 1:
        raise Misuse("--jobs must be at least 1")
    if args.nbgrader_db and args.assignment is None:
        if not args.paths:
            raise Misuse("--nbgrader-db needs PATH: the course's submitted/ folder")
        from autograder.instructor.nbgrader_course import layout_assignments
        chosen = layout_assignments(args.paths)  # each one with nbgrader submissions
    elif args.paths or args.assignment is not None or len(list_assignments()) < 2:
        chosen = [load_assignment(args.assignment)]
    else:
        chosen = [load_assignment(folder) for folder in list_assignments()]
    if args.canvas is not None:
        if len(chosen) > 1:
            raise Misuse(f"--canvas names one Canvas assignment, and this run grades "
                         f"{len(chosen)}: give --assignment NAME")
        from autograder.instructor.canvas import canvas_title  # instructors only (not released)

        args.canvas, warning = canvas_title(args.canvas)
        if warning:
            print(f"autograder: warning: {warning}.", file=sys.stderr)
    codes = []
    before = signal.signal(signal.SIGTERM, _stop)  # like Ctrl-C: stop, keep what is graded
    try:
        for assignment in chosen:
            out = Path(args.out) / assignment.name if len(chosen) > 1 else Path(args.out)
            codes.append(_grade(args, console, assignment, out))
            if codes[-1] > 128:  # stopped by a signal: not the next assignment either
                break
    finally:
        signal.signal(signal.SIGTERM, before)
    return max(codes)


def _stop(signum: int, frame: object) -> None:
    raise Stopped(signum)


def _grade(args: argparse.Namespace, console: Console, assignment: Assignment,
           out: Path) -> int:
    reference = Path(args.reference or assignment.hidden).resolve()
    if not (reference / ORACLE_NAME).is_file():
        raise Misuse(f"{reference}: no hidden oracle {ORACLE_NAME} here (see --reference)")
    from autograder.instructor.roster import class_list, graded_students, read_roster

    roster = read_roster(Path(args.roster)) if args.roster else None
    paths = [Path(p) for p in args.paths] or [assignment.examples]
    for path in paths:
        if not path.exists():
            raise Misuse(f"{path}: no such file or folder")
    if args.nbgrader_db:  # nbgrader's layout, for its gradebook
        from autograder.instructor.nbgrader_course import nbgrader_submissions
        submissions = nbgrader_submissions(Path(args.nbgrader_db), assignment, paths)
    else:
        submissions = discover(paths, assignment.notebook.name)
    if not submissions:
        raise Misuse(f"no submissions (.ipynb or .py) found in {', '.join(map(str, paths))}")
    rows = None  # the class list, matched before grading: an ambiguous match grades nothing
    if roster is not None or args.canvas is not None:
        rows = class_list(roster, graded_students(out) | {s.student for s in submissions})
    try:
        with own_folder(out):
            return _grade_owned(args, console, assignment, out, reference, submissions, rows)
    except OSError as err:
        if err.errno not in DISK_ERRORS:
            raise
        print(f"autograder: error: {err.filename or out}: {err.strerror}; what was graded is "
              "kept: run the same command again once the disk is fixed", file=sys.stderr)
        return 1


def _grade_owned(args: argparse.Namespace, console: Console, assignment: Assignment, out: Path,
                 reference: Path, submissions: list, rows: list | None) -> int:
    """Grade into ``out``, which this run holds; ``rows``: the class list, if asked for."""
    host = _prove_sandbox(args.sandbox, hidden_folders(reference, out, submissions),
                          secret_paths(assignment, reference, out))
    if host is None:
        return 1
    if host["tier"] == "process":
        print(f"autograder: warning: grading with the process-only sandbox: {NOT_PROTECTED}.",
              file=sys.stderr)
    elif host["tier"] == "uid":
        _warn_open_submissions(submissions)
    seed = args.seed if args.seed is not None else default_seed(reference)
    batch = Batch(assignment, reference, submissions, out, seed, args.jobs, args.regrade,
                  sandbox=host["tier"], host=host)
    lines = None if console.is_terminal else LineProgress()
    with Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, transient=True,
                  disable=not console.is_terminal) as bar:
        task = bar.add_task("grading", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)
            if lines is not None:
                lines(done, total)

        outcome = run_batch(batch, progress)
    from autograder.instructor.class_report import write_class_report  # a release never gets here

    write_class_report(out, assignment)  # every run, also one stopped by a signal
    _print_table(console, assignment, out, [s.student for s in submissions],
                 len(outcome.graded))
    console.print(f"Sandbox: {describe_tier(host)}.")
    if outcome.stopped is not None:
        name = signal.Signals(outcome.stopped).name
        print(f"autograder: stopped by {name}: {len(outcome.graded)} graded now, kept with "
              f"grades.csv and report.json for everyone graded; run the same command again "
              "to grade the rest.", file=sys.stderr)
        return 128 + outcome.stopped
    if rows is not None:
        _write_class(console, args, assignment, out, rows)
    if args.nbgrader_db:
        from autograder.instructor.nbgrader_course import report_to_gradebook
        report_to_gradebook(console, Path(args.nbgrader_db), assignment, out, submissions)
    if outcome.failures:
        missing = [s.student for s in outcome.ungraded]
        print(f"autograder: error: {len(outcome.failures)} grading worker(s) failed, "
              f"{len(missing)} submission(s) not graded ({', '.join(missing[:5])}"
              f"{', ...' if len(missing) > 5 else ''}): {outcome.failures[0]}", file=sys.stderr)
        return 1
    return 0


def _write_class(console: Console, args: argparse.Namespace, assignment: Assignment,
                 out: Path, rows: list) -> None:
    """--roster's class.csv and --canvas's canvas.csv; who is on one side only."""
    from autograder.instructor.canvas import write_canvas_csv
    from autograder.instructor.roster import write_class_csv

    results = read_all_students(out)
    written = []
    if args.roster:
        path = write_class_csv(out, rows, results, assignment)
        written.append(f"{path} (the roster's students with their scores)")
    if args.canvas is not None:
        path = write_canvas_csv(out, rows, results, assignment, args.canvas)
        written.append(f'{path} (a Canvas gradebook import, column "{args.canvas}")')

    def say(text: str) -> None:  # names are printed as they are, never as rich markup
        console.print(text, markup=False, highlight=False)

    say(f"Wrote {' and '.join(written)}.")
    missing = [r.student.display for r in rows if r.student and r.submission is None]
    if missing:
        say(f"No submission from {len(missing)} on the roster (blank, not 0): "
            f"{', '.join(missing)}.")
    extra = [r.submission for r in rows if r.student is None]
    if args.roster and extra:
        say(f"Not on the roster, {len(extra)} submission(s) (listed with no identifier): "
            f"{', '.join(extra)}.")


def _warn_open_submissions(submissions: list) -> None:
    """On the uid tier, file modes are the wall: say which submissions others may read."""
    readable = [s.student for s in submissions if s.path.stat().st_mode & 0o004]
    if readable:
        print(f"autograder: warning: on the uid tier a child can read files every user may "
              f"read, and {len(readable)} submission(s) are ({', '.join(readable[:3])}"
              f"{', ...' if len(readable) > 3 else ''}): make the class folder private "
              "(chmod -R go-rwx) so no student can read a classmate's.", file=sys.stderr)


def _prove_sandbox(tier: str | None, hide: list[Path], secrets: list[Path]) -> dict | None:
    """Open the sandbox as the workers will, run its canary, and close it: the tier's
    report, or None (with one line on stderr) when no tier may grade on this host."""
    try:
        host = open_host(hide, tier, allow_process=False, secrets=secrets)
    except SandboxUnavailable as err:
        print(f"autograder: error: {err}. Nothing was graded; `autograder doctor` says more.",
              file=sys.stderr)
        return None
    host.close()
    return host.host


def cmd_doctor(args: argparse.Namespace, console: Console) -> int:
    """What this host offers the sandbox, the tier chosen, and what it stops."""
    hidden = [load_assignment(f).hidden for f in list_assignments()]  # what grade protects
    try:
        host_ = open_host(hidden_folders(KIT_ROOT, KIT_ROOT, []), args.sandbox,
                          allow_process=True, secrets=hidden)
    except SandboxUnavailable as err:
        console.print(f"No sandbox tier works here: {err}", style="red", markup=False)
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
        console.print(f"  not {tier}: {why}", markup=False)
    for why in host.get("tried", []):
        console.print(f"  tried first, failed: {why}", markup=False)
    stopped = Table(title=f"What a submission cannot do on the {host['tier']} tier",
                    box=box.SIMPLE_HEAD)
    stopped.add_column("attack")
    stopped.add_column("stopped")
    for attack, ok in stops(host):
        stopped.add_row(attack, "[green]yes[/]" if ok else "[red]no[/]")
    console.print(stopped)
    if host["tier"] == "process":
        console.print(f"[yellow]Process only: {NOT_PROTECTED}. Fine for `check`; `grade` "
                      "refuses it unless given --sandbox process.[/]")
    return 0


def _print_table(console: Console, assignment, out: Path, students: list[str], graded: int) -> None:
    results = read_all_students(out)
    table = Table(title=f"{assignment.title}", box=box.SIMPLE_HEAD)
    table.add_column("student", no_wrap=True)
    for part, points in assignment.points.items():
        table.add_column(f"{part.replace('_', chr(10))}\n/{points:g}", justify="right")
    table.add_column(f"total\n/{assignment.total_points:g}", justify="right")
    totals = []
    for student in students:
        result = results.get(student)
        if result is None:
            table.add_row(Text(student), *["-"] * (len(assignment.points) + 1))
            continue
        parts = result.part_scores(assignment.points)
        totals.append(result.score)
        table.add_row(Text(student), *(f"{v:g}" for v in parts.values()), f"{result.score:g}")
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
        from autograder.instructor.answer_key import write_answer_key
    except ImportError:
        raise Misuse("the answer key is built in the instructor's kit, not in a release") from None
    assignment = load_assignment(args.assignment)
    reference = Path(args.reference or assignment.reference)
    if not reference.is_file():
        raise Misuse(f"{reference}: no such reference solution")
    out = write_answer_key(assignment.folder, reference, args.out)
    console.print(f"Wrote {out}: the student notebook with the reference's code in its "
                  "solution cells (### BEGIN SOLUTION / ### END SOLUTION).")
    return 0


def cmd_gradescope(args: argparse.Namespace, console: Console) -> int:
    """Build the Gradescope autograder.zip of one assignment (hidden side included)."""
    from autograder.instructor.gradescope_package import build_package

    assignment = load_assignment(args.assignment)
    if not (assignment.hidden / ORACLE_NAME).is_file():
        raise Misuse(f"{assignment.hidden}: no hidden oracle here (a student release has no "
                     "hidden side to package)")
    try:
        out = build_package(assignment, Path(args.out), args.sandbox)
    except OSError as err:
        print(f"autograder: error: {err.filename or args.out}: {err.strerror or err}; no zip "
              "was written", file=sys.stderr)
        return 1
    console.print(f"Wrote {out}: upload it as the Gradescope assignment's autograder "
                  f"({assignment.title}, {assignment.total_points:g} points). It holds the "
                  "hidden reference: never share it.")
    if args.sandbox == "process":
        print(f"autograder: warning: its submissions will be graded without isolation, as "
              f"asked: {NOT_PROTECTED}.", file=sys.stderr)
    return 0


def cmd_nbgrader_export(args: argparse.Namespace, console: Console) -> int:
    """nbgrader source folders, with the reference and a test cell per part."""
    try:
        from autograder.instructor.nbgrader_course import (
            cmd_export,  # instructors only (not released)
        )
    except ImportError:
        raise Misuse("the nbgrader export is made in the instructor's kit, not in a "
                     "release") from None
    return cmd_export(args, console)


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


def cmd_release(args: argparse.Namespace, console: Console) -> int:
    try:
        from autograder.instructor.release import build_release
    except ImportError:
        raise Misuse("a release is built from the instructor's kit, not from a release") from None
    assignment = load_assignment(args.assignment)
    files = build_release(assignment, Path(args.out))
    out = Path(args.out)
    console.print(f"Wrote the student release of [bold]{assignment.title}[/] to {out}/ "
                  f"({len(files)} files, {assignment.total_points:g} points in "
                  f"{len(assignment.points)} parts).")
    console.print("Next: push it to GitHub as a template repository and use it as the "
                  "starter code of a GitHub Classroom assignment (see its README.md).")
    return 0


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Add the instructors' commands to the ``autograder`` command."""
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
    grade.add_argument("--roster", metavar="FILE", default=None,
                       help="GitHub Classroom's roster CSV: also write DIR/class.csv, every "
                            "student with their submission's scores (blank: none)")
    grade.add_argument("--canvas", metavar="TITLE", default=None,
                       help='also write DIR/canvas.csv, a Canvas gradebook import with the '
                            'column TITLE, e.g. "Backprop (12345)" (the assignment\'s id)')
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
    gradescope = sub.add_parser("gradescope", help="build the Gradescope autograder.zip")
    gradescope.add_argument("--out", default="autograder.zip",
                            help="where to write it (default: autograder.zip)")
    gradescope.add_argument("--assignment", default=None,
                            help="assignment name or folder (default: the only one)")
    gradescope.add_argument("--sandbox", choices=CHOICES[1:], default=None,
                            help="the tier run_autograder must use (default: the strongest "
                                 "isolating one, else no grade); 'process' grades without "
                                 "isolation")
    gradescope.set_defaults(func=cmd_gradescope)
    listing = sub.add_parser("list", help="list the assignments of this kit")
    listing.set_defaults(func=cmd_list)
    nbgrader = sub.add_parser("nbgrader", help="nbgrader courses (needs the nbgrader extra)")
    nbgrader_export = nbgrader.add_subparsers(dest="nbgrader_command", required=True).add_parser(
        "export", help="write each assignment (or one) as COURSE_DIR/source/<assignment>/")
    nbgrader_export.add_argument("course", metavar="COURSE_DIR", help="the nbgrader course")
    nbgrader_export.add_argument("--assignment", default=None,
                                 help="assignment name or folder (default: every assignment)")
    nbgrader_export.set_defaults(func=cmd_nbgrader_export)
    release = sub.add_parser("release", help="build the student release (GitHub Classroom "
                                             "template repository)")
    release.add_argument("--out", default="dist/student",
                         help="output folder (default: dist/student/)")
    release.add_argument("--assignment", default=None,
                         help="assignment name or folder (default: the only one; see "
                              "`autograder list`)")
    release.set_defaults(func=cmd_release)
