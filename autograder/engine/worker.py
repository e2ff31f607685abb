"""One grading worker: pytest over the assignment's checks, with the hidden oracle, for a
shard of the submissions.

Started by the grade command as ``python -m autograder.engine.worker`` with its job (JSON) on
stdin, so the seed never shows on a command line. Writes each student's results.json and
pytest-json-report record as soon as they are graded, and says where it is on the channel
(the file descriptor ``job["channel"]``, see ``autograder/engine/recorder.py``).
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import sys
from pathlib import Path

from autograder.core.config import load_assignment
from autograder.core.errors import KitError
from autograder.core.loader import Submission
from autograder.engine.api import grade
from autograder.engine.recorder import Recorder
from autograder.sandbox import Limits

PR_SET_PDEATHSIG = 1


def run(job: dict) -> int:
    """Grade ``job["submissions"]`` with the assignment's checks and the reference's oracle."""
    assignment = load_assignment(job["assignment"])
    submissions = [Submission(s, Path(p)) for s, p in job["submissions"]]
    # AUTOGRADER_LIMITS (JSON, e.g. '{"call_seconds": 1}') overrides defaults; the job wins
    limits = {**json.loads(os.environ.get("AUTOGRADER_LIMITS") or "{}"), **job.get("limits", {})}
    out = Path(job["out"])
    channel = job.get("channel")
    if channel is not None:
        os.set_inheritable(channel, False)  # the worker's alone, not its zygote's
    recorder = Recorder(submissions, out, channel)  # after the grading plugin: recorder.py
    try:
        grade(assignment, submissions, reference=Path(job["reference"]), seed=int(job["seed"]),
              sandbox=job.get("sandbox", "auto"), allow_process=job.get("sandbox") == "process",
              limits=Limits(**limits), out=out, plugins=[recorder],
              integrity=bool(job.get("integrity", False)))
    except KitError as err:  # before anyone was graded: the pool names the host's failure
        print(f"autograder: error: {err}", file=sys.stderr)
        return err.exit_status
    return 0


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
    sys.exit(run(job))


if __name__ == "__main__":
    main()
