"""``canvas.csv``: the class's totals as a Canvas gradebook import (formats.md).

Columns ``Student, ID, SIS User ID, SIS Login ID, Section, <Title (id)>``, then a
``Points Possible`` row. Canvas matches a row to a student by ``ID`` (Canvas's user id), then
``SIS User ID``, then ``SIS Login ID``, then ``Student`` (their name, or "Last, First"), and
the column to an assignment by the id in parentheses, else by the exact title, else it
creates a new assignment. A blank cell is no score (never 0 for a missing submission).
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from autograder.core.atomic import write_atomic
from autograder.core.config import Assignment
from autograder.core.errors import Misuse
from autograder.core.results import StudentResult
from autograder.formats.csv_cell import safe_row
from autograder.instructor.roster import ClassRow

CANVAS_NAME = "canvas.csv"
HEADER = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
TITLE_WITH_ID = re.compile(r"(.*)\s\((\d+)\)")  # Canvas's Assignment.title_and_id
IGNORED = ("Current Score", "Current Points", "Current Grade", "Final Score", "Final Points",
           "Final Grade", "Override Score", "Override Grade", "Override Status")


def canvas_title(title: str) -> tuple[str, str | None]:
    """The assignment column's title and a warning (None when it names a Canvas assignment
    by id); a ``Misuse`` when Canvas could not take it as an assignment column."""
    title = title.strip()
    if not title:
        raise Misuse('--canvas needs the Canvas assignment\'s title, e.g. "Backprop (12345)"')
    if not title.isprintable():
        raise Misuse("--canvas: the title must be one line of printable text")
    if any(word in title for word in IGNORED):
        raise Misuse(f"--canvas {title!r}: Canvas ignores a column whose title holds one of "
                     f"{', '.join(IGNORED)}")
    if TITLE_WITH_ID.fullmatch(title):
        return title, None
    return title, (f"--canvas {title!r} has no Canvas assignment id: Canvas will fill the "
                   "assignment titled exactly so, or create a new one. To fill an existing "
                   f'assignment give "{title} (12345)", with the number from its URL')


def _who(row: ClassRow) -> list[str]:
    """Student, ID, SIS User ID, SIS Login ID, Section: the roster's columns when it has
    them, else its identifier as the SIS Login ID; the submission's name off the roster."""
    s = row.student
    if s is None:
        return [row.submission or "", "", "", "", ""]
    login = s.identifier if s.sis_login_id is None else s.sis_login_id
    return [s.name or s.identifier, s.canvas_id, s.sis_user_id, login, s.section]


def canvas_csv(rows: list[ClassRow], results: dict[str, StudentResult], assignment: Assignment,
               title: str) -> str:
    """The import's text: Excel's CSV dialect (fields quoted when they hold a comma, a
    quote or a line break; lines end in CRLF)."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(safe_row([*HEADER, title]))
    writer.writerow(safe_row(["Points Possible", *[""] * (len(HEADER) - 1),
                              f"{assignment.total_points:g}"]))
    for row in rows:
        result = results.get(row.submission) if row.submission else None
        writer.writerow(safe_row([*_who(row), "" if result is None else f"{result.score:g}"]))
    return buf.getvalue()


def write_canvas_csv(out: Path, rows: list[ClassRow], results: dict[str, StudentResult],
                     assignment: Assignment, title: str) -> Path:
    path = out / CANVAS_NAME
    write_atomic(path, canvas_csv(rows, results, assignment, title))
    return path
