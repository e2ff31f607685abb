"""What instructors build and hand out: ``answer-key``, ``gradescope``, ``nbgrader export``
and ``release``.

Imported when one of them runs; what lives in ``autograder/instructor/`` is imported where a
command needs it, and a release, which leaves that folder out, never gets that far.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.console import Console

from autograder.core.config import ORACLE_NAME, load_assignment
from autograder.core.errors import Misuse
from autograder.sandbox.host import NOT_PROTECTED


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
