"""One grading worker: pytest over the hidden checks for a shard of the submissions.

Started by the grade command as ``python -m autograder.worker`` with its job (JSON) on
stdin, so the seed never shows on a command line. Writes each student's results.json as
soon as they are graded, and its shard's pytest-json-report to the given file.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from autograder.config import load_assignment
from autograder.loader import Submission
from autograder.plugin import GradingPlugin
from autograder.sandbox import Limits


def run(job: dict) -> int:
    """Grade ``job["submissions"]`` with the checks in ``job["checks"]``."""
    assignment = load_assignment(job["assignment"])
    submissions = [Submission(s, Path(p)) for s, p in job["submissions"]]
    # AUTOGRADER_LIMITS (JSON, e.g. '{"call_seconds": 1}') overrides defaults; the job wins
    limits = {**json.loads(os.environ.get("AUTOGRADER_LIMITS") or "{}"), **job.get("limits", {})}
    plugin = GradingPlugin(assignment, submissions, Path(job["out"]), int(job["seed"]),
                           Limits(**limits), Path(job["reference"]))
    args = [
        job["checks"], "-qq", "-rN", "--tb=no", "--assert=plain", "-p", "no:cacheprovider",
        "-p", "pytest_jsonreport.plugin",
        "-c", os.devnull, "--rootdir", job["checks"], "-W", "ignore",
        "--json-report", f"--json-report-file={job['report']}",
        "--json-report-omit", "collectors", "log",
    ]
    return pytest.main(args, plugins=[plugin])


def main() -> None:
    code = run(json.load(sys.stdin))
    sys.exit(0 if code in (0, 1) else code)


if __name__ == "__main__":
    main()
