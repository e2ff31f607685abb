"""``grades.csv``: one row per student with each part's score, the total and the maximum."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from autograder.core.atomic import write_atomic
from autograder.core.config import Assignment
from autograder.core.results import StudentResult
from autograder.formats.csv_cell import safe_row
from autograder.formats.gradescope import read_all_students


def grades_csv(students: dict[str, StudentResult], assignment: Assignment) -> str:
    """The CSV text: ``student, <part>..., total, max_score``."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(safe_row(["student", *assignment.points, "total", "max_score"]))
    for student, result in sorted(students.items()):
        parts = result.part_scores(assignment.points)
        writer.writerow(safe_row([student, *(f"{v:g}" for v in parts.values()),
                                  f"{result.score:g}", f"{assignment.total_points:g}"]))
    return buf.getvalue()


def write_grades_csv(out: Path, assignment: Assignment) -> Path:
    path = out / "grades.csv"
    write_atomic(path, grades_csv(read_all_students(out), assignment))
    return path
