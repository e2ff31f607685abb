"""``grades.csv``: one row per student with each part's score, the total and the maximum."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path

from autograder.core.atomic import write_atomic
from autograder.core.config import Assignment
from autograder.core.results import StudentResult
from autograder.formats.csv_cell import safe_row
from autograder.formats.gradescope import each_student


def grades_csv(students: Iterable[StudentResult], assignment: Assignment) -> str:
    """The CSV text: ``student, <part>..., total, max_score``, a row per result, in the
    order given (taken one at a time: a class is never all in memory)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(safe_row(["student", *assignment.points, "total", "max_score"]))
    for result in students:
        parts = result.part_scores(assignment.points)
        writer.writerow(safe_row([result.student, *(f"{v:g}" for v in parts.values()),
                                  f"{result.score:g}", f"{assignment.total_points:g}"]))
    return buf.getvalue()


def write_grades_csv(out: Path, assignment: Assignment) -> Path:
    path = out / "grades.csv"
    write_atomic(path, grades_csv(each_student(out), assignment))
    return path
