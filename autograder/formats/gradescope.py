"""Gradescope ``results.json`` from pytest-json-report test entries.

Each test entry carries ``user_properties`` (student, part, max_score, name) set by the
grading plugin; a passed test earns its ``max_score``, anything else earns 0.
"""

from __future__ import annotations

import json
from pathlib import Path

from autograder.config import Assignment
from autograder.formats.atomic import write_atomic
from autograder.formats.feedback_md import FEEDBACK_NAME, feedback_markdown
from autograder.text import safe_text

RESULTS_NAME = "results.json"
GRADER_FAILED = "the grader failed on this submission; the course staff were told"


def properties(test: dict) -> dict:
    """``user_properties`` (a list of one-key objects) as one dict."""
    merged: dict = {}
    for entry in test.get("user_properties", []):
        if isinstance(entry, dict):
            merged.update(entry)
    return merged


def message(test: dict) -> str:
    """The check's feedback: the failure text of the stage that failed, or ''."""
    for stage in ("setup", "call", "teardown"):
        text = (test.get(stage) or {}).get("longrepr")
        if text:
            return str(text).strip()
    return ""


def results(tests: list[dict], assignment: Assignment, notes: list[str] | None = None) -> dict:
    """One student's results.json object (Gradescope's schema); its ``output`` is the
    student's feedback (Markdown, ``feedback.md``): per part the points and each failed
    check's message; ``notes`` (what went wrong outside any check, e.g. a cell that failed;
    default: the tests' ``notes`` property) follow."""
    if notes is None:
        notes = next((properties(t)["notes"] for t in tests if "notes" in properties(t)), [])
    entries = []
    for number, test in enumerate(tests, start=1):
        props = properties(test)
        passed = test.get("outcome") == "passed"
        max_score = float(props["max_score"])  # unrounded: a part's tests sum to its points
        entries.append({
            "name": props["name"],
            "number": str(number),
            "score": max_score if passed else 0.0,
            "max_score": max_score,
            "status": "passed" if passed else "failed",
            "output": "" if passed else message(test),
            "output_format": "text",
            "tags": [props["part"]],
            "visibility": "visible",
        })
    score = round(sum(e["score"] for e in entries), 6)
    parts = part_scores(entries, assignment)
    return {
        "score": score,
        "output": feedback_markdown(entries, assignment, score, parts, notes),
        "output_format": "md",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": entries,
    }


def part_scores(entries: list[dict], assignment: Assignment) -> dict[str, float]:
    """Points per part, in the config's order, from results.json test entries."""
    scores = dict.fromkeys(assignment.points, 0.0)
    for entry in entries:
        for tag in entry.get("tags", []):
            if tag in scores:
                scores[tag] += float(entry["score"])
    return {part: round(score, 6) for part, score in scores.items()}  # round the sums only


def with_instructor_note(data: dict, note: str) -> dict:
    """``data`` with a 0-point test only the instructor sees."""
    data.setdefault("tests", []).append({
        "name": "Autograder (instructor only)", "score": 0, "max_score": 0,
        "status": "passed", "output": note, "output_format": "text", "visibility": "hidden"})
    return data


def failure_results(assignment: Assignment, trace: str) -> dict:
    """The results of a student the grader itself failed on: 0, the student told so, and
    the trace in a test only the instructor sees."""
    return with_instructor_note(results([], assignment, [GRADER_FAILED]),
                                safe_text(trace, 20_000))


def write_results(folder: Path, tests: list[dict], assignment: Assignment,
                  notes: list[str] | None = None) -> dict:
    """Write ``folder/feedback.md`` and then ``folder/results.json`` (the mark that the
    student is graded), each atomically, and return the results."""
    return write_data(folder, results(tests, assignment, notes))


def write_data(folder: Path, data: dict) -> dict:
    """Write the results object ``data`` as ``folder/feedback.md`` and then
    ``folder/results.json``."""
    write_atomic(folder / FEEDBACK_NAME, data["output"])
    write_atomic(folder / RESULTS_NAME, json.dumps(data, indent=2) + "\n")
    return data
