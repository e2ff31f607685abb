"""One grading worker: pytest over the assignment's checks, with the hidden oracle, for a
shard of the submissions.

Started by the grade command as ``python -m autograder.engine.worker`` with its job (JSON) on
stdin, so the seed never shows on a command line. It proves its sandbox (``open_host``: the
zygote and its canary) in a thread while it imports pytest, numpy and the grading engine,
says on the channel (the file descriptor ``job["channel"]``) which tier it proved
(``host {...}``) or why none may grade (``refused {...}``, then exit status 1), grades, and
says where it is as it goes (``autograder/engine/recorder.py``). It grades its shard
``SESSION`` students per pytest session, all in the one proven sandbox host, so that what
pytest and the plugins keep per check does not grow with the class. Each student's results.json
and pytest-json-report record are written as soon as they are graded.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path

from autograder.core.config import load_assignment
from autograder.core.errors import KitError, SandboxUnavailable
from autograder.core.loader import Submission
from autograder.engine.early import die_with, exit_now, in_thread
from autograder.sandbox.policy import open_for_grading

SESSION = 100  # students graded in one pytest session (each session costs about 0.1 s)


def run(job: dict) -> int:
    """Grade ``job["submissions"]`` with the assignment's checks and the reference's oracle."""
    assignment = load_assignment(job["assignment"])
    submissions = [Submission(s, Path(p)) for s, p in job["submissions"]]
    out, reference = Path(job["out"]), Path(job["reference"])
    tier = job.get("sandbox", "auto")
    channel = job.get("channel")
    if channel is not None:
        os.set_inheritable(channel, False)  # the worker's alone, not its zygote's
    from autograder.sandbox import confine  # noqa: F401 - the thread's, imported before it
    proven = in_thread(open_for_grading, assignment, reference, out, submissions, tier,
                       tier == "process")  # process only: only when asked for by name
    from autograder.engine.api import grade  # pytest and numpy, as the zygote starts
    from autograder.engine.recorder import Recorder, say
    from autograder.sandbox import Limits
    try:
        host = proven()
    except SandboxUnavailable as err:
        say(channel, "refused", {"error": str(err)})
        return err.exit_status
    say(channel, "host", host.host)
    try:
        limits = Limits.configured(job.get("limits"))  # $AUTOGRADER_LIMITS; the job wins
        for first in range(0, len(submissions), SESSION):  # memory bounded by SESSION, not N
            chunk = submissions[first:first + SESSION]
            recorder = Recorder(chunk, out, channel, first)  # after the grading plugin
            grade(assignment, chunk, reference=reference, seed=int(job["seed"]),
                  limits=limits, out=out, plugins=[recorder], host=host,
                  integrity=bool(job.get("integrity", False)))
    except KitError as err:  # before anyone was graded: the pool names the host's failure
        print(f"autograder: error: {err}", file=sys.stderr)
        return err.exit_status
    except KeyboardInterrupt:  # the pool stops the workers: no next session
        return 128 + signal.SIGINT
    finally:
        host.close()
    return 0


def main() -> None:
    job = json.load(sys.stdin)
    if "parent" in job:
        die_with(int(job["parent"]))  # killed with the grade command, even by SIGKILL
    exit_now(run(job))  # its files written and synced, its zygote gone


if __name__ == "__main__":
    main()
