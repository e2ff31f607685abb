"""pytest-json-report records: each student's own (``DIR/<student>/report.json``, written as
they are graded), merged into the class's (``DIR/report.json``)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from autograder.core.atomic import write_atomic
from autograder.core.results import properties
from autograder.core.student_files import read_each
from autograder.formats.gradescope import RESULTS_NAME

RECORD_NAME = "report.json"  # the student's, beside results.json; the class's in DIR


def merge_reports(records: list[dict]) -> dict:
    """One pytest-json-report object: tests concatenated, summary counts added up."""
    summary: Counter = Counter()
    for record in records:
        summary.update({k: v for k, v in record.get("summary", {}).items() if isinstance(v, int)})
    return {
        "created": min(r.get("created", 0) for r in records),
        "duration": max(r.get("duration", 0) for r in records),
        "exitcode": max(r.get("exitcode", 0) for r in records),
        "root": records[0].get("root", ""),
        "environment": records[0].get("environment", {}),
        "summary": dict(summary),
        "tests": [t for r in records for t in r.get("tests", [])],
        "warnings": [w for r in records for w in r.get("warnings", [])],
    }


def without_students(record: dict, students: set[str]) -> dict:
    """An earlier run's record less the tests of ``students`` (graded again now).

    The summary is recounted from the tests that remain.
    """
    tests = [t for t in record.get("tests", []) if properties(t).get("student") not in students]
    return {**record, "tests": tests, "summary": _summary(tests)}


def student_record(tests: list[dict], created: float, duration: float, root: str) -> dict:
    """One student's record: their pytest-json-report test entries, as a whole report."""
    return {"created": created, "duration": duration,
            "exitcode": int(any(t.get("outcome") != "passed" for t in tests)), "root": root,
            "environment": {}, "summary": _summary(tests), "tests": tests, "warnings": []}


def write_student_record(folder: Path, record: dict) -> None:
    """``folder/report.json``, atomically (before results.json: graded means both are there;
    the grading plugin syncs the folder once its results are written)."""
    write_atomic(folder / RECORD_NAME, json.dumps(record, indent=1, default=str), durable=False)


def read_student_records(out: Path) -> dict[str, dict]:
    """Every graded student's record in ``out`` (one beside a results.json), by student,
    sorted by name; an unreadable one is left out."""
    return read_each(out, RECORD_NAME, beside=RESULTS_NAME)


def _summary(tests: list[dict]) -> dict:
    counts = Counter(str(t.get("outcome")) for t in tests)
    return {**counts, "total": len(tests), "collected": len(tests)}
