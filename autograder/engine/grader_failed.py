"""What a student gets when grading their submission kept killing the grader's worker: the
grader's failure (``core/results.grader_failure``), with a record of it in report.json."""

from __future__ import annotations

import time
from pathlib import Path

from autograder.core.config import Assignment
from autograder.core.results import grader_failure
from autograder.engine.records import student_record, write_student_record
from autograder.formats.gradescope import GRADER_FAILURE, write_results


def write_failed(folder: Path, student: str, trace: str, assignment: Assignment) -> None:
    """The student's record, then feedback.md and results.json (last: the mark of graded)."""
    test = {"nodeid": f"autograder::grader_failed[{student}]", "lineno": 0, "keywords": [],
            "outcome": "error", "setup": {"outcome": "failed", "longrepr": trace},
            "teardown": {"outcome": "passed"},
            "user_properties": [{"student": student}, {"part": ""}, {"max_score": 0.0},
                                {"name": GRADER_FAILURE}]}
    write_student_record(folder, student_record([test], time.time(), 0.0, ""))
    write_results(folder, grader_failure(student, trace), assignment)
