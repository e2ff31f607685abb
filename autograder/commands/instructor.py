"""The instructors' commands: ``grade``, ``doctor``, ``answer-key``, ``gradescope``,
``list``, ``nbgrader export`` and ``release``; here, their parser, ``list`` and the
checks of ``grade``'s arguments.

This module imports no pytest and no numpy (nor does anything it imports), so that
``autograder --help``, ``autograder list`` and a mistyped option or path answer at once:
each command's implementation (``grade.py``, ``doctor.py``, ``handouts.py``) is imported
when it runs (``later.py``). This module is in the student release (its ``grade`` says
there is no hidden oracle there); what lives in ``autograder/instructor/`` is imported where
a command needs it, and a release, which leaves that folder out, never gets that far.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from rich import box
from rich.console import Console
from rich.table import Table

from autograder.commands.later import later
from autograder.commands.tiers import SANDBOX_CHOICES
from autograder.core.config import ORACLE_NAME, ConfigError, list_assignments, load_assignment
from autograder.core.errors import Misuse


def cmd_grade(args: argparse.Namespace, console: Console) -> int:
    """What the arguments alone say is wrong, before grading imports pytest and numpy (a
    misuse costs no more than ``--help``); then ``grade.py`` grades."""
    if args.jobs < 1:
        raise Misuse("--jobs must be at least 1")
    if args.nbgrader_db and args.assignment is None and not args.paths:
        raise Misuse("--nbgrader-db needs PATH: the course's submitted/ folder")
    for path in map(Path, args.paths):
        if not path.exists():
            raise Misuse(f"{path}: no such file or folder")
    return later("grade", "cmd_grade")(args, console)


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
    grade.add_argument("--sandbox", choices=SANDBOX_CHOICES, default=None,
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
    grade.add_argument("--no-integrity", action="store_true",
                       help="no integrity signals: no probe cases, no 'Pairs worth a look' in "
                            "report.html, no DIR/similarity.csv (docs/integrity.md)")
    grade.set_defaults(func=cmd_grade)
    doctor = sub.add_parser("doctor", help="show which sandbox tier this host offers")
    doctor.add_argument("--sandbox", choices=SANDBOX_CHOICES, default=None,
                        help="try this tier (default: $AUTOGRADER_SANDBOX, else auto)")
    doctor.set_defaults(func=later("doctor", "cmd_doctor"))
    key = sub.add_parser("answer-key", help="write the notebook solved with the hidden reference")
    key.add_argument("--out", default="answer_key.ipynb",
                     help="where to write it (default: answer_key.ipynb)")
    key.add_argument("--assignment", default=None,
                     help="assignment name or folder (default: the only one)")
    key.add_argument("--reference", default=None,
                     help="the reference solution (default: the assignment's hidden/<name>.py)")
    key.set_defaults(func=later("handouts", "cmd_answer_key"))
    gradescope = sub.add_parser("gradescope", help="build the Gradescope autograder.zip")
    gradescope.add_argument("--out", default="autograder.zip",
                            help="where to write it (default: autograder.zip)")
    gradescope.add_argument("--assignment", default=None,
                            help="assignment name or folder (default: the only one)")
    gradescope.add_argument("--sandbox", choices=SANDBOX_CHOICES[1:], default=None,
                            help="the tier run_autograder must use (default: the strongest "
                                 "isolating one, else no grade); 'process' grades without "
                                 "isolation")
    gradescope.set_defaults(func=later("handouts", "cmd_gradescope"))
    listing = sub.add_parser("list", help="list the assignments of this kit")
    listing.set_defaults(func=cmd_list)
    nbgrader = sub.add_parser("nbgrader", help="nbgrader courses (needs the nbgrader extra)")
    nbgrader_export = nbgrader.add_subparsers(dest="nbgrader_command", required=True).add_parser(
        "export", help="write each assignment (or one) as COURSE_DIR/source/<assignment>/")
    nbgrader_export.add_argument("course", metavar="COURSE_DIR", help="the nbgrader course")
    nbgrader_export.add_argument("--assignment", default=None,
                                 help="assignment name or folder (default: every assignment)")
    nbgrader_export.set_defaults(func=later("handouts", "cmd_nbgrader_export"))
    release = sub.add_parser("release", help="build the student release (GitHub Classroom "
                                             "template repository)")
    release.add_argument("--out", default="dist/student",
                         help="output folder (default: dist/student/)")
    release.add_argument("--assignment", default=None,
                         help="assignment name or folder (default: the only one; see "
                              "`autograder list`)")
    release.set_defaults(func=later("handouts", "cmd_release"))
