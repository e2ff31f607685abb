"""The warm checker's worker: one per notebook kernel, grading each ``check()`` it is asked.

Started by ``engine/warm.py`` as ``python -m autograder.engine.warm_worker PARENT_PID
FOLDER`` (its private working folder, which it removes as it ends). Its
first stdin line is what every job of this worker shares (assignment, reference,
submissions, tier); each further line is one job, answered by one JSON line on the worker's
original stdout (pytest's own words go to the null device). The host of sandboxed
children (the zygote, its probe and canary) is opened once, in a thread started before
this worker imports pytest and numpy, so that the two overlap; each job still forks a fresh
child from it for the student's cells, and the zygote never runs student code.

Each job runs in a grading session made ready while the worker waited for it
(``engine/ahead.py``: pytest started, the oracle loaded, the checks collected); the first
one is made ready while the zygote starts. The child of a job is killed right after its
answer is sent, and always before the next child is forked. That next child is forked then,
ahead of its job (``WarmHost.fork_ahead``): it locks itself down and imports the support
modules while the worker waits, and runs no student code until the job's cells come; a
job that does not take it has it killed.

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
import threading
from collections.abc import Callable
from pathlib import Path

from autograder.engine.apart import start_host
from autograder.engine.early import die_with
from autograder.sandbox.spawner import Spawner

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


def host_alive(host: object) -> bool:
    """False once a zygote has exited (a *process only* host has no process to lose)."""
    process = getattr(host, "process", None)
    return process is None or process.poll() is None


class WarmHost(Spawner):
    """The worker's host of children as ``grade`` sees it: waited for at its first use
    (the first session is made ready while it opens), and each child's kill done by
    :meth:`flush`, after the answer is sent and before any other child is forked.

    :meth:`fork_ahead` does that flush, then forks the next job's child (as the last job's
    child was asked for: its files, its limits), so that it locks itself down and imports
    the support modules while the worker waits; it has run no student code when the job's
    cells reach it. A job that asks for another child, or none, does not get it: it is
    killed by the next flush, as it is when the worker stops. :meth:`renew` does the same
    in a thread (the next session is made ready meanwhile): every other use of the host
    waits for that thread first."""

    def __init__(self, opened: Callable[[], object]) -> None:
        self._opened, self._host, self._kills = opened, None, []
        self._asked: tuple | None = None  # the files and limits of the last child asked for
        self._ahead: tuple | None = None  # (files, limits, (workdir, pid, link)) forked ahead
        self._renewing: threading.Thread | None = None

    def ready(self) -> object:
        """The opened host (raises why it could not open)."""
        if self._host is None:
            self._host = self._opened()
        return self._host

    def alive(self) -> bool:
        return host_alive(self.ready())

    def __getattr__(self, name: str) -> object:  # tier, uid_of, host
        return getattr(self.ready(), name)

    def spawn(self, workdir: Path, limits: object) -> tuple:
        self.flush()  # a child lost while loading is killed before the next one starts
        return self.ready().spawn(workdir, limits)

    def fork(self, files: list[Path], limits: object, preload: bool = False) -> tuple:
        self._wait()
        ahead, self._ahead = self._ahead, None
        if ahead is not None and ahead[:2] == (files, limits) and waiting(ahead[2][2]):
            return ahead[2]
        self._drop(ahead)  # another child asked for, or this one died meanwhile
        self._asked = (list(files), limits)
        return super().fork(files, limits, preload)

    def renew(self) -> None:
        """:meth:`fork_ahead`, in a thread."""
        self._wait()
        self._renewing = threading.Thread(target=self._fork_ahead, daemon=True)
        self._renewing.start()

    def fork_ahead(self) -> None:
        """Flush, then fork the next job's child if a job asked for one before and the host
        is alive (a child that cannot start is the job's own fork's to explain)."""
        self._wait()
        self._fork_ahead()

    def _fork_ahead(self) -> None:
        self._flush()
        if self._asked is None or self._host is None or not host_alive(self._host):
            return
        files, limits = self._asked
        try:
            self._ahead = (files, limits, self._host.fork(files, limits, preload=True))
        except Exception:  # noqa: BLE001 - the job forks its own and says why
            self._ahead = None

    def kill(self, pid: int) -> None:
        self._wait()
        self._kills.append(pid)

    def flush(self) -> None:
        """Kill the children a job has done with, and the one forked ahead for it if it
        did not take it."""
        self._wait()
        self._flush()

    def _flush(self) -> None:
        ahead, self._ahead = self._ahead, None
        self._drop(ahead)
        while self._kills:
            self._host.kill(self._kills.pop(0))

    def _drop(self, ahead: tuple | None) -> None:
        if ahead is not None:
            workdir, pid, link = ahead[2]
            self._host.kill(pid)
            link.close()
            shutil.rmtree(workdir, ignore_errors=True)

    def _wait(self) -> None:
        if self._renewing is not None:
            self._renewing.join()
            self._renewing = None

    def close(self) -> None:
        self._wait()
        if self._host is not None:
            self._flush()
            self._host.close()


def waiting(link: object) -> bool:
    """Whether the child at the end of ``link`` still waits for its first request: it has
    neither gone (the end of its link) nor said anything."""
    return link.recv_within(1, 1e-4) is None


def answer(answers: object, reply: dict) -> None:
    answers.write(json.dumps(reply) + "\n")
    answers.flush()


def serve(shared: dict, lines: queue.Queue, answers: object, out: Path) -> None:
    """Answer each job, each in the session made ready while the worker waited for it."""
    host = WarmHost(start_host(shared, out))
    # pytest, numpy, the kit: while the zygote starts
    from autograder.engine.ahead import Ahead, next_job, read_again
    from autograder.engine.apart import answer_job, error_reply

    oracle = "public"  # what check() asks; then what the last job asked
    try:
        while True:
            held = Ahead(lines, shared, oracle, host, IDLE_SECONDS)
            try:
                reply = answer_job(held.job_ahead, host=host, out=out, plugins=[held],
                                   records=False)
            except Exception:  # a host that could not open: said in the job's own answer
                if held.taken:
                    raise
            if STOPPING:
                return
            job = held.job if held.asked else next_job(lines, shared, IDLE_SECONDS)
            if job is None:  # the kernel is gone, said stop, or was idle too long
                return
            if not held.taken:  # in a session of its own, as it asks
                try:
                    if not host.alive():
                        host.close()
                        host = WarmHost(start_host(shared, out))
                    host.ready()
                except Exception as err:  # noqa: BLE001 - the job's answer says why
                    answer(answers, error_reply(err))
                    return
                read_again()
                reply = answer_job(job, host=host, out=out, records=False)
            answer(answers, reply)
            host.renew()  # its children killed, the next one forked, while a session starts
            oracle = job["oracle"]
    finally:
        host.close()


STOPPING = False  # set by SIGTERM: pytest takes the SystemExit for one of its own errors


def stop(*_: object) -> None:
    global STOPPING
    STOPPING = True
    sys.exit(0)


def main() -> None:
    answers = os.fdopen(os.dup(1), "w", encoding="utf-8")
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)  # pytest's words must not mix with the answers
    os.close(null)
    signal.signal(signal.SIGTERM, stop)
    die_with(int(sys.argv[1]), signal.SIGTERM)  # Linux; elsewhere the end of stdin
    # a descriptor of its own: pytest puts /dev/null on descriptor 0 while checks run
    lines = lines_of(os.fdopen(os.dup(0), "rb"))
    first = lines.get()
    if first is None:
        return
    folder = Path(sys.argv[2])  # private, made by the kernel's side (engine/warm.py)
    try:
        os.chdir(folder)
        (folder / "out").mkdir()
        serve(json.loads(first), lines, answers, folder / "out")
    finally:  # a SIGTERM now (the kernel's death just after its end of stdin) must not
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # cut the folder's removal short
        os.chdir(folder.parent)  # its TMPDIR is the folder itself
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
