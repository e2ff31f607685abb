"""Merge pytest-json-report records (the shards of a run, an earlier run) into one record."""

from __future__ import annotations

from collections import Counter

from autograder.formats.gradescope import properties


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
    summary = Counter(str(t.get("outcome")) for t in tests)
    return {**record, "tests": tests,
            "summary": {**summary, "total": len(tests), "collected": len(tests)}}

