"""One grading worker: pytest over the assignment's checks, with the hidden oracle, for a
shard of the submissions.

Started by the grade command as ``python -m autograder.worker`` with its job (JSON) on
stdin, so the seed never shows on a command line. Writes each student's results.json and
pytest-json-report record as soon as they are graded, and says where it is on the channel
(the file descriptor ``job["channel"]``, see ``autograder/recorder.py``).
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import sys
from pathlib import Path

import pytest

from autograder.config import ORACLE_NAME, load_assignment
from autograder.loader import Submission
from autograder.plugin import GradingPlugin
from autograder.recorder import Recorder
from autograder.sandbox import Limits

PR_SET_PDEATHSIG = 1


def run(job: dict) -> int:
    """Grade ``job["submissions"]`` with the assignment's checks and the reference's oracle."""
    assignment = load_assignment(job["assignment"])
    submissions = [Submission(s, Path(p)) for s, p in job["submissions"]]
    # AUTOGRADER_LIMITS (JSON, e.g. '{"call_seconds": 1}') overrides defaults; the job wins
    limits = {**json.loads(os.environ.get("AUTOGRADER_LIMITS") or "{}"), **job.get("limits", {})}
    reference, out = Path(job["reference"]), Path(job["out"])
    plugin = GradingPlugin(assignment, submissions, out, int(job["seed"]),
                           Limits(**limits), reference, reference / ORACLE_NAME,
                           job.get("sandbox", "auto"),
                           allow_process=job.get("sandbox") == "process")
    channel = job.get("channel")
    if channel is not None:
        os.set_inheritable(channel, False)  # the worker's alone, not its zygote's
    recorder = Recorder(submissions, out, channel)  # after plugin: see recorder.py
    return pytest.main(pytest_args(str(assignment.checks), str(assignment.folder), "none"),
                       plugins=[plugin, recorder])


def pytest_args(checks: str, rootdir: str, report: str,
                omit: tuple[str, ...] = ("collectors", "log")) -> list[str]:
    """A quiet pytest run of ``checks`` with no ini file, recorded by pytest-json-report
    (less the ``omit`` fields) into the file ``report`` (``none``: kept in memory only)."""
    return [
        checks, "-qq", "-rN", "--tb=no", "--assert=plain", "-p", "no:cacheprovider",
        "-p", "pytest_jsonreport.plugin", "-c", os.devnull, "--rootdir", rootdir,
        "-W", "ignore", "--json-report", f"--json-report-file={report}",
        "--json-report-omit", *omit,
    ]


def die_with(parent: int) -> None:
    """Be killed when the grade command goes away, even by SIGKILL (set here, not in a
    ``preexec_fn``: the command runs a progress thread, and forking with threads is unsafe)."""
    ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # it went away before the line above
        os._exit(1)


def main() -> None:
    job = json.load(sys.stdin)
    if "parent" in job:
        die_with(int(job["parent"]))
    code = run(job)
    sys.exit(0 if code in (0, 1) else code)


if __name__ == "__main__":
    main()
