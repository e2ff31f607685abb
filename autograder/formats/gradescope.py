"""Gradescope's ``results.json`` (and ``feedback.md`` beside it), written from a StudentResult.

Each check is a test entry worth its ``max_score`` (tagged with its part); what a student
reads (``output``) is ``feedback.md``. Notes for the instructor alone are 0-point tests
with ``visibility: hidden``. A student the grader failed on gets 0, one line saying the
staff were told, and the trace in such a hidden test.

The batch reads the files back (:func:`read_results`) to rebuild the class's files from
every student graded in the output folder, in this run or an earlier one.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

from autograder.core.atomic import write_atomic
from autograder.core.config import Assignment
from autograder.core.results import (
    FAIL,
    GRADER_FAILED,
    PASS,
    CheckResult,
    StudentResult,
)
from autograder.core.student_files import each
from autograder.formats.feedback_md import FEEDBACK_NAME, feedback_markdown

RESULTS_NAME = "results.json"
STAFF_NOTE = "Autograder (instructor only)"  # a hidden test's name: a note for the staff
GRADER_FAILURE = "grader failure (instructor only)"  # the hidden test of a grader failure


def results(result: StudentResult, assignment: Assignment) -> dict:
    """One student's results.json object (Gradescope's schema)."""
    if result.grader_failed:
        return {"score": 0.0, "output": GRADER_FAILED + "\n", "output_format": "md",
                "visibility": "visible", "stdout_visibility": "hidden",
                "tests": [_hidden(GRADER_FAILURE, note, "failed", number=1)
                          for note in result.staff_notes]}
    entries = [{
        "name": f"{check.part}: {check.name}",
        "number": str(number),
        "score": check.score,
        "max_score": check.max_score,  # unrounded: a part's checks sum to its points
        "status": "passed" if check.passed else "failed",
        "output": check.message,
        "output_format": "text",
        "tags": [check.part],
        "visibility": "visible",
    } for number, check in enumerate(result.checks, start=1)]
    entries += [_hidden(STAFF_NOTE, note, "passed") for note in result.staff_notes]
    return {
        "score": result.score,
        "output": feedback_markdown(result, assignment),
        "output_format": "md",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": entries,
    }


def _hidden(name: str, note: str, status: str, number: int | None = None) -> dict:
    """A 0-point test only the instructor sees."""
    entry = {"name": name, "score": 0.0, "max_score": 0.0, "status": status,
             "output": note, "output_format": "text", "visibility": "hidden"}
    if number is not None:
        entry = {"name": name, "number": str(number), **entry, "tags": []}
    return entry


def write_results(folder: Path, result: StudentResult, assignment: Assignment,
                  durable: bool = True) -> dict:
    """Write ``folder/feedback.md`` and then ``folder/results.json`` (the mark that the
    student is graded), each atomically (``durable``: ``core/atomic.py``); return the
    results.json object."""
    data = results(result, assignment)
    write_atomic(folder / FEEDBACK_NAME, data["output"], durable)
    write_atomic(folder / RESULTS_NAME, json.dumps(data, indent=2) + "\n", durable)
    return data


def read_results(student: str, data: dict) -> StudentResult:
    """A results.json object read back: its visible tests as checks (a check's message is
    its output), its hidden tests as the staff's notes. The student's notes live in the
    feedback text only: they are not read back."""
    tests = [t for t in data.get("tests", []) if isinstance(t, dict)]
    hidden = [t for t in tests if t.get("visibility") == "hidden"]
    checks = tuple(CheckResult(  # part and name: one string for the class, not each student's
        part=sys.intern(str((t.get("tags") or [""])[0])),
        name=sys.intern(str(t.get("name", "")).split(": ", 1)[-1]),
        status=PASS if t.get("status") == "passed" else FAIL,
        score=float(t.get("score", 0.0)),
        max_score=float(t.get("max_score", 0.0)),
        message=str(t.get("output", "")),
    ) for t in tests if t.get("visibility") != "hidden")
    return StudentResult(student, checks, staff_notes=tuple(str(t.get("output", ""))
                                                            for t in hidden),
                         grader_failed=any(t.get("name") == GRADER_FAILURE for t in hidden))


def each_student(out: Path) -> Iterator[StudentResult]:
    """Every student graded in ``out``, read back one at a time, sorted by name (a class is
    never all in memory); a results.json that does not read (a crash before its folder was
    synced: ``core/atomic.py``) is not graded."""
    return (read_results(student, data) for student, data in each(out, RESULTS_NAME))


def read_all_students(out: Path) -> dict[str, StudentResult]:
    """``each_student`` of ``out``, by name."""
    return {result.student: result for result in each_student(out)}
