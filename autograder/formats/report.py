"""Merge the shards' pytest-json-report records into one record of the same shape."""

from __future__ import annotations

from collections import Counter


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
