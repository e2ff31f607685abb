"""``autograder grade``: grade a class with the hidden checks, then write the class's files.

Imported when the command runs (``commands/instructor.py`` checks its arguments first):
grading needs pytest and numpy, which ``--help``, ``list`` or a mistyped option should not
pay for.
"""

from __future__ import annotations

import argparse
import errno
import signal
import sys
from pathlib import Path

from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.segment import Segments
from rich.table import Table
from rich.text import Text  # a student's name is shown as it is, never read as markup

from autograder.commands.progress_lines import LineProgress
from autograder.core.config import (
    ORACLE_NAME,
    Assignment,
    default_seed,
    list_assignments,
    load_assignment,
)
from autograder.core.errors import Misuse
from autograder.core.loader import discover
from autograder.engine.batch import Batch, run_batch
from autograder.engine.out_lock import own_folder
from autograder.engine.pool import Stopped
from autograder.formats.gradescope import each_student, read_all_students
from autograder.sandbox.host import NOT_PROTECTED, asked_tier, describe_tier
from autograder.sandbox.limits import Limits

DISK_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS}  # the host's, said in one line
TABLE_ROWS = 200  # rows of the terminal table drawn at a time (memory, not looks)


def cmd_grade(args: argparse.Namespace, console: Console) -> int:
    """Grade the given submissions; with none, every assignment's bundled examples (in
    ``OUT/<assignment>/`` when the kit has several). The arguments were checked by
    ``instructor.cmd_grade``."""
    if args.nbgrader_db and args.assignment is None:
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
    Limits.configured()  # a mistyped $AUTOGRADER_LIMITS stops the run before any worker
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
    tier = asked_tier(args.sandbox)  # the option, else $AUTOGRADER_SANDBOX, else auto
    if tier == "process":
        print(f"autograder: warning: grading with the process-only sandbox: {NOT_PROTECTED}.",
              file=sys.stderr)
    seed = args.seed if args.seed is not None else default_seed(reference)
    batch = Batch(assignment, reference, submissions, out, seed, args.jobs, args.regrade,
                  sandbox=tier, integrity=not args.no_integrity)
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
    if outcome.refused is not None:  # each worker proves its sandbox; none may grade here
        print(f"autograder: error: {outcome.refused}. Nothing was graded; `autograder doctor` "
              "says more.", file=sys.stderr)
        return 1
    if outcome.host is not None and outcome.host["tier"] == "uid":
        _warn_open_submissions(submissions)
    from autograder.instructor.class_report import write_class_report  # a release never gets here

    write_class_report(out, assignment, not args.no_integrity, reference)  # every run too
    _print_table(console, assignment, out, [s.student for s in submissions],
                 len(outcome.graded))
    console.print(f"Sandbox: {describe_tier(outcome.host)}." if outcome.host is not None
                  else "Sandbox: none started (nobody to grade).")
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


def _print_table(console: Console, assignment, out: Path, students: list[str], graded: int) -> None:
    """Each student's points per part and total (- for one not graded), then the class's
    mean. Each result is read alone and kept as its row's few texts; the table is drawn
    ``TABLE_ROWS`` rows at a time, every column as wide as the whole table would make it, so
    that a class of 1,000 costs the memory of ``TABLE_ROWS`` rows of rich's drawing."""
    wanted, scores = set(students), {}
    for result in each_student(out):
        if result.student in wanted:
            parts = result.part_scores(assignment.points).values()
            scores[result.student] = (result.score, [f"{v:g}" for v in (*parts, result.score)])
    blank = ["-"] * (len(assignment.points) + 1)
    rows = [(student, *scores[student][1]) if student in scores else (student, *blank)
            for student in students]
    heads = ["student", *(f"{part.replace('_', chr(10))}\n/{points:g}"
                          for part, points in assignment.points.items()),
             f"total\n/{assignment.total_points:g}"]
    widths = [max([cell_len(line) for line in head.split("\n")] +
                  [cell_len(row[i]) for row in rows]) for i, head in enumerate(heads)]
    chunks = [rows[i:i + TABLE_ROWS] for i in range(0, len(rows), TABLE_ROWS)] or [[]]
    for k, chunk in enumerate(chunks):
        table = Table(title=assignment.title if k == 0 else None, box=box.SIMPLE_HEAD,
                      show_header=k == 0)
        for i, (head, width) in enumerate(zip(heads, widths)):
            table.add_column(head, justify="right" if i else "left", no_wrap=not i,
                             min_width=width, max_width=width)
        for student, *cells in chunk:
            table.add_row(Text(student), *cells)
        lines = console.render_lines(table, pad=False, new_lines=True)
        lines = lines[k > 0:len(lines) - (k < len(chunks) - 1)]  # one table: edges at its ends
        console.print(Segments([segment for line in lines for segment in line]), end="")
    totals = [score for score, _ in scores.values()]
    mean = sum(totals) / len(totals) if totals else 0.0
    full = sum(t >= assignment.total_points - 1e-9 for t in totals)
    missing = len(students) - len(totals)  # a worker that failed: shown as -, never as 0
    counts = (f"{graded} graded now, {len(totals) - graded} already graded"
              + (f", {missing} not graded" if missing else ""))
    console.print(f"{len(students)} submissions ({counts}): mean {mean:.2f} / "
                  f"{assignment.total_points:g}, "
                  f"{full} with full marks. Results in {out}/ (results.json per student, "
                  "grades.csv, report.html for the class, report.json).")
