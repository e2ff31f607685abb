"""The ``autograder`` command: its parser, and what becomes of an error (exit statuses).

The commands live in ``autograder/commands/``: the instructors' (``instructor.py``) and the
students' (``student.py``). The parser is built from light modules: a command's
implementation, which may import pytest and numpy, is imported when it runs
(``commands/later.py``), so ``--help``, ``list`` and a misuse start at once.
Every error the kit can name is a ``KitError`` (``autograder/core/errors.py``); here, and
only here, it becomes one line and an exit status.
"""

from __future__ import annotations

import argparse
import signal
import sys

from rich.console import Console

from autograder.commands import instructor, student
from autograder.core.errors import KitError
from autograder.engine.pool import Stopped


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="autograder", description="The course kit's autograder: grade a class with the hidden "
        "checks, check a notebook with the public ones, build what instructors hand out.")
    sub = parser.add_subparsers(dest="command", required=True)
    instructor.add_parsers(sub)
    student.add_parsers(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    console = Console()
    if not console.is_terminal:
        console = Console(width=120)
    try:
        return args.func(args, console)
    except KitError as err:  # what the kit cannot do, in one line, with its exit status
        print(f"autograder: error: {err}", file=sys.stderr)
        return err.exit_status
    except (KeyboardInterrupt, Stopped) as stop:
        signum = stop.signum if isinstance(stop, Stopped) else signal.SIGINT
        print(f"autograder: stopped by {signal.Signals(signum).name}.", file=sys.stderr)
        return 128 + signum


if __name__ == "__main__":
    sys.exit(main())
