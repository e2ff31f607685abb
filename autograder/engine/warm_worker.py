"""The warm checker's worker: one per notebook kernel, grading each ``check()`` it is asked.

Started by ``engine/warm.py`` as ``python -m autograder.engine.warm_worker PARENT_PID``. Its
first stdin line is what every job of this worker shares (assignment, reference,
submissions, tier); each further line is one job, answered by one JSON line on the worker's
original stdout (pytest's own words go to the null device). The host of sandboxed
children (the zygote, its probe and canary) is opened once, in a thread started before
this worker imports pytest and numpy, so that the two overlap; each job still forks a fresh
child from it for the student's cells, and the zygote never runs student code.

It stops at the end of its stdin (the kernel is gone or said stop), when its parent dies
(Linux: ``PR_SET_PDEATHSIG``), or after IDLE_SECONDS without a job; its zygote and
children go with it.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

from autograder.engine.early import die_with, in_thread

IDLE_SECONDS = 30 * 60


def lines_of(stream: object) -> queue.Queue:
    """The lines of ``stream`` as they come, read by a thread; None at its end."""
    lines: queue.Queue = queue.Queue()

    def read() -> None:
        for line in stream:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    return lines


def start_host(shared: dict, out: Path) -> Callable[[], object]:
    """Open the proven host of ``shared``'s jobs (as ``grade`` would: the same folders
    hidden, the same secrets tried by the canary) in a thread; a call that waits for it."""
    from autograder.core.config import load_assignment
    from autograder.core.loader import Submission
    from autograder.sandbox.policy import open_for_grading

    assignment = load_assignment(shared["assignment"])
    reference = Path(shared["reference"] or assignment.hidden).resolve()
    submissions = [Submission(s, Path(p)) for s, p in shared["submissions"]]
    return in_thread(open_for_grading, assignment, reference, out, submissions,
                     shared["sandbox"], shared["allow_process"])


def host_alive(host: object) -> bool:
    """False once a zygote has exited (a *process only* host has no process to lose)."""
    process = getattr(host, "process", None)
    return process is None or process.poll() is None


def serve(shared: dict, lines: queue.Queue, answers: object, out: Path) -> None:
    opened = start_host(shared, out)
    from autograder.engine import plugin  # pytest, numpy, the kit: while the zygote starts
    from autograder.engine.apart import answer_job, error_reply

    host = None
    try:
        while True:
            try:
                line = lines.get(timeout=IDLE_SECONDS)
            except queue.Empty:
                return
            if line is None:
                return
            job = {**shared, **json.loads(line)}
            if host is None or not host_alive(host):
                if host is not None:
                    host.close()
                    opened = start_host(shared, out)
                try:
                    host = opened()
                except Exception as err:  # noqa: BLE001 - the job's answer says why
                    answers.write(json.dumps(error_reply(err)) + "\n")
                    answers.flush()
                    return
            plugin._digest.cache_clear()  # a notebook saved again is read again
            reply = answer_job(job, host=host, out=out)
            answers.write(json.dumps(reply) + "\n")
            answers.flush()
    finally:
        if host is not None:
            host.close()


def main() -> None:
    answers = os.fdopen(os.dup(1), "w", encoding="utf-8")
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)  # pytest's words must not mix with the answers
    os.close(null)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    die_with(int(sys.argv[1]), signal.SIGTERM)  # Linux; elsewhere the end of stdin
    lines = lines_of(sys.stdin)
    first = lines.get()
    if first is None:
        return
    folder = Path(tempfile.mkdtemp(prefix="autograder-warm-"))
    try:
        os.chdir(folder)
        (folder / "out").mkdir()
        serve(json.loads(first), lines, answers, folder / "out")
    finally:
        os.chdir(tempfile.gettempdir())
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
