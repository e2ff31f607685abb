"""GitHub Classroom: one part's results as the autograding-grading-reporter's JSON.

A workflow step publishes it base64-encoded as its ``result`` output; the reporter reads
``<STEP ID>_RESULTS`` for each runner, adds up ``tests[].score`` and ``max_score``. Step ids
must be letters and digits (the reporter checks ``^([a-zA-Z0-9]+,)*[a-zA-Z0-9]+$``), so a
part's step id is its name without the underscores.
"""

from __future__ import annotations

import re

from autograder.core.results import CheckResult
from autograder.core.shares import unit

VERSION = 1
_NOT_ID = re.compile(r"[^a-zA-Z0-9]")


def step_id(part: str) -> str:
    """The workflow step id of a part: ``full_step`` -> ``fullstep``."""
    return _NOT_ID.sub("", part)


def _number(value: float) -> float | int:
    """An integer when the value is one (``2`` rather than ``2.0`` in the reporter's sums)."""
    value = round(float(value), 6)
    return int(value) if value.is_integer() else value


def part_result(points: float, results: list[CheckResult]) -> dict:
    """The reporter JSON of one part worth ``points``: its public checks that score.

    The reporter's log counts a part as (tests passed ÷ tests) × ``max_score``, ignoring
    each test's ``score``, while its notice adds up the ``score``s. For the two to agree,
    every test of a runner must be worth the same: a check worth several times the part's
    common unit (1.5 and 1.25 points: unit 0.25) is published as that many tests, passed or
    failed together, named ``[1/6]`` to ``[6/6]``. A 0-point check (feedback only) is left
    out (``autograder check`` still shows it).
    """
    results = [r for r in results if r.max_score > 0]
    size = unit([r.max_score for r in results])
    tests = []
    for r in results:
        copies = max(1, round(r.max_score / size)) if size else 1
        for i in range(copies):
            tests.append({
                "name": r.name if copies == 1 else f"{r.name} [{i + 1}/{copies}]",
                "status": r.status,
                "score": _number(r.score / copies),
                "message": r.message if i == 0 else "",
                "test_code": r.test_code,
                "filename": r.filename,
                "line_no": r.line_no,
                "duration": r.duration if i == 0 else 0,
            })
    if any(r.status == "error" for r in results):
        status = "error"
    elif results and all(r.status == "pass" for r in results):
        status = "pass"
    else:
        status = "fail"
    return {"version": VERSION, "status": status, "max_score": _number(points), "tests": tests}


def error_result(part: str, points: float, why: str) -> dict:
    """The reporter JSON of a part whose checks could not run: zero points, and why."""
    test = {"name": f"{part}: the checks could not run", "status": "error", "score": 0,
            "message": why, "test_code": f"autograder classroom-result {part}",
            "filename": "", "line_no": 0, "duration": 0}
    return {"version": VERSION, "status": "error", "max_score": _number(points), "tests": [test]}
