"""``grades.csv``: one row per student with each part's score, the total and the maximum."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from autograder.config import Assignment
from autograder.formats.atomic import write_atomic
from autograder.formats.csv_cell import safe_row
from autograder.formats.gradescope import RESULTS_NAME, part_scores


def read_all_results(out: Path) -> dict[str, dict]:
    """Every ``out/<student>/results.json``, by student, sorted by name."""
    found = {}
    for path in sorted(out.glob(f"*/{RESULTS_NAME}")):
        found[path.parent.name] = json.loads(path.read_text(encoding="utf-8"))
    return found


def grades_csv(all_results: dict[str, dict], assignment: Assignment) -> str:
    """The CSV text: ``student, <part>..., total, max_score``."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(safe_row(["student", *assignment.points, "total", "max_score"]))
    for student, data in sorted(all_results.items()):
        parts = part_scores(data.get("tests", []), assignment)
        writer.writerow(safe_row([student, *(f"{v:g}" for v in parts.values()),
                                  f"{float(data['score']):g}", f"{assignment.total_points:g}"]))
    return buf.getvalue()


def write_grades_csv(out: Path, assignment: Assignment) -> Path:
    path = out / "grades.csv"
    write_atomic(path, grades_csv(read_all_results(out), assignment))
    return path
