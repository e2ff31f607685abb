"""pytest-json-report records: each student's own (``DIR/<student>/report.json``, written as
they are graded), merged into the class's (``DIR/report.json``)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

from autograder.core.atomic import write_atomic
from autograder.core.results import properties
from autograder.core.student_files import each
from autograder.formats.gradescope import RESULTS_NAME

RECORD_NAME = "report.json"  # the student's, beside results.json; the class's in DIR


def merged_head(records: Iterable[dict]) -> dict | None:
    """What the merge of ``records`` says besides its tests (None: no record): the earliest
    start, the longest duration (shards run in parallel), the worst exit code, the first
    record's root and environment, the summary counts added up, every warning. A head is
    a record with no tests, so heads merge too."""
    head = None
    summary: Counter = Counter()
    for record in records:
        summary.update({k: v for k, v in record.get("summary", {}).items() if isinstance(v, int)})
        if head is None:
            head = {"created": record.get("created", 0), "duration": record.get("duration", 0),
                    "exitcode": record.get("exitcode", 0), "root": record.get("root", ""),
                    "environment": record.get("environment", {}), "summary": {},
                    "warnings": []}
        head["created"] = min(head["created"], record.get("created", 0))
        head["duration"] = max(head["duration"], record.get("duration", 0))
        head["exitcode"] = max(head["exitcode"], record.get("exitcode", 0))
        head["warnings"] += record.get("warnings", [])
    if head is not None:
        head["summary"] = dict(summary)
    return head


def record_text(head: dict, tests: Iterable[dict]) -> Iterator[str]:
    """The text ``json.dumps(record, indent=1)`` gives for the record of ``head`` with
    ``tests`` (placed before its "warnings"), in pieces: one test at a time, so that a
    class's record is never all in memory."""
    items = list(head.items())
    at = [key for key, _ in items].index("warnings")
    yield "{"
    for key, value in items[:at]:
        yield f"\n {json.dumps(key)}: {_nested(value, 1)},"
    yield '\n "tests": ['
    empty = True
    for test in tests:
        yield ("\n  " if empty else ",\n  ") + _nested(test, 2)
        empty = False
    yield "]" if empty else "\n ]"
    for key, value in items[at:]:
        yield f",\n {json.dumps(key)}: {_nested(value, 1)}"
    yield "\n}"


def _nested(value: object, depth: int) -> str:
    """``value`` as ``json.dumps(indent=1)`` writes it ``depth`` levels deep."""
    return json.dumps(value, indent=1, default=str).replace("\n", "\n" + " " * depth)


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


def each_student_record(out: Path) -> Iterator[tuple[str, dict]]:
    """Every graded student's record in ``out`` (one beside a results.json), as (student,
    record), sorted by name and read one at a time; an unreadable one is left out."""
    return each(out, RECORD_NAME, beside=RESULTS_NAME)


def _summary(tests: list[dict]) -> dict:
    counts = Counter(str(t.get("outcome")) for t in tests)
    return {**counts, "total": len(tests), "collected": len(tests)}
