"""A command whose module is imported only when it runs.

The parsers (``commands/instructor.py``, ``commands/student.py``) import light modules
alone, so that ``autograder --help``, ``autograder list`` and a mistyped option cost a
Python start, argparse and rich, not pytest and numpy (about two numpy launches more):
grading's modules import those at their top, where a reader expects them, and are imported
here when a command that needs them runs.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable

from rich.console import Console

Command = Callable[[argparse.Namespace, Console], int]


def later(module: str, name: str) -> Command:
    """``autograder.commands.<module>.<name>``, imported when the command runs."""

    def run(args: argparse.Namespace, console: Console) -> int:
        command: Command = getattr(importlib.import_module(f"autograder.commands.{module}"),
                                   name)
        return command(args, console)

    run.__name__ = run.__qualname__ = name
    return run
