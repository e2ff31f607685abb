"""The student's commands, ``check`` and ``classroom-result``: their parser.

They run the public checks and need no reference: they work in the student release. Their
implementation (``check.py``) is imported when one runs (``later.py``), so that the parser
imports no pytest and no numpy.
"""

from __future__ import annotations

import argparse

from autograder.commands.later import later
from autograder.commands.tiers import SANDBOX_CHOICES


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Add ``check`` and ``classroom-result`` to the ``autograder`` command."""
    check = sub.add_parser("check", help="run the public checks on your notebook")
    check.add_argument("notebook", nargs="?", metavar="NOTEBOOK",
                       help="the notebook (default: the assignment's, found via exercise.toml "
                            "in the current folder)")
    check.add_argument("--part", action="append", metavar="NAME",
                       help="check only this part (repeatable; default: every part)")
    check.add_argument("--assignment", default=None,
                       help="assignment name or folder (default: where exercise.toml is)")
    check.add_argument("--json", action="store_true", help="print the results as JSON")
    check.add_argument("--summary", metavar="FILE", default=None,
                       help="also append the results as a Markdown table to FILE (e.g. "
                            "$GITHUB_STEP_SUMMARY)")
    check.add_argument("--sandbox", choices=SANDBOX_CHOICES, default=None,
                       help="sandbox tier (default: $AUTOGRADER_SANDBOX, else the strongest "
                            "this computer offers)")
    check.set_defaults(func=later("check", "cmd_check"))

    result = sub.add_parser("classroom-result",
                            help="print one part's GitHub Classroom reporter JSON")
    result.add_argument("part", metavar="PART", help="the part, e.g. backward")
    result.add_argument("notebook", nargs="?", metavar="NOTEBOOK",
                        help="the notebook (default: the assignment's)")
    result.add_argument("--assignment", default=None,
                        help="assignment name or folder (default: where exercise.toml is)")
    result.add_argument("--from", dest="saved", metavar="FILE", default=None,
                        help="read the part's results from `autograder check --json`'s saved "
                             "output instead of running the checks again")
    result.add_argument("--points", type=float, default=None, metavar="N",
                        help="the part's points when the config cannot be read (the workflow "
                             "passes them, so a broken config still posts 0 out of N)")
    result.set_defaults(func=later("check", "cmd_classroom_result"))
