"""What a student gets when grading their submission kept killing the grader's worker: a 0,
a line saying the staff were told, and the trace in a test only instructors see."""

from __future__ import annotations

import json
import time
from pathlib import Path

from autograder.formats.atomic import write_atomic
from autograder.formats.feedback_md import FEEDBACK_NAME
from autograder.formats.gradescope import RESULTS_NAME
from autograder.formats.report import student_record, write_student_record

SAYS = "The grader failed on this submission; the course staff were told."
TEST_NAME = "grader failure (instructor only)"


def failed_results(trace: str) -> dict:
    """Gradescope results: score 0, the line above, the trace in a hidden 0-point test."""
    return {
        "score": 0.0,
        "output": SAYS + "\n",
        "output_format": "md",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": [{"name": TEST_NAME, "number": "1", "score": 0.0, "max_score": 0.0,
                   "status": "failed", "output": trace, "output_format": "text", "tags": [],
                   "visibility": "hidden"}],
    }


def write_failed(folder: Path, student: str, trace: str) -> None:
    """The student's feedback.md, record and results.json (last: the mark of graded)."""
    data = failed_results(trace)
    test = {"nodeid": f"autograder::grader_failed[{student}]", "lineno": 0, "keywords": [],
            "outcome": "error", "setup": {"outcome": "failed", "longrepr": trace},
            "teardown": {"outcome": "passed"},
            "user_properties": [{"student": student}, {"part": ""}, {"max_score": 0.0},
                                {"name": TEST_NAME}]}
    write_atomic(folder / FEEDBACK_NAME, data["output"])
    write_student_record(folder, student_record([test], time.time(), 0.0, ""))
    write_atomic(folder / RESULTS_NAME, json.dumps(data, indent=2) + "\n")


def is_failed(data: dict) -> bool:
    """Whether a student's results are this failure (a rerun grades them again)."""
    return any(t.get("name") == TEST_NAME for t in data.get("tests", []))
