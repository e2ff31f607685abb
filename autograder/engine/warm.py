"""The warm checker: ``check()`` in a notebook asks one long-lived checks worker per kernel.

The first call starts the worker (``engine/warm_worker.py``: the one grading API, with its
zygote and proven sandbox tier); later calls send it a job and read one JSON line back, so
Python, pytest, numpy, the probe and the canary are paid once per kernel, not per call.
Each job still forks a fresh sandboxed child from the zygote for the student's cells:
nothing of one call's student code is there for the next.

A new worker is started when the last one died, would soon stop idle, or was started for
other jobs (another assignment, notebook or tier), or when a file it loaded changed (the
assignment's config, checks, oracle and modules, the hidden folder, the kit itself: their
sizes and modification times). It is stopped when the kernel exits (the end of its stdin;
on Linux also ``PR_SET_PDEATHSIG``), when a call is interrupted, or after
``IDLE_SECONDS`` without a call.
"""

from __future__ import annotations

import atexit
import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from autograder.core.config import CONFIG_NAME, PACKAGE, Assignment
from autograder.core.errors import ChecksError
from autograder.core.loader import Submission
from autograder.core.results import StudentResult
from autograder.engine.apart import job_of, results_of, worker_env
from autograder.engine.pool import SCRATCH_MODE
from autograder.engine.warm_worker import IDLE_SECONDS

SHARED = ("assignment", "reference", "submissions", "sandbox", "allow_process")
MARGIN_SECONDS = 60  # a worker this close to its idle stop is not asked again
STOP_SECONDS = 5
WINDOWS = sys.platform == "win32"


class Worker:
    """One running checks worker and what it was started for."""

    def __init__(self, shared: dict, stamp: tuple) -> None:
        self.shared, self.stamp = shared, stamp
        self.log = tempfile.TemporaryFile()  # its last words, if it dies
        self.folder = tempfile.mkdtemp(prefix="autograder-warm-")  # its own and its
        # temporary files' (its TMPDIR: its children's folders too, as a batch worker's),
        # removed by the worker as it ends, and here after it (it may have been killed)
        os.chmod(self.folder, SCRATCH_MODE)
        group = ({"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP} if WINDOWS
                 else {"start_new_session": True})  # a kernel's interrupt is not for it
        self.process = subprocess.Popen(
            [sys.executable, "-m", "autograder.engine.warm_worker", str(os.getpid()),
             self.folder],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log,
            cwd=tempfile.gettempdir(), env={**worker_env(), "TMPDIR": self.folder}, **group)
        self.used = time.monotonic()
        self._send(shared)

    def fits(self, shared: dict, stamp: tuple) -> bool:
        """Alive, not about to stop idle, and started for these jobs and files."""
        return (self.process.poll() is None and shared == self.shared and stamp == self.stamp
                and time.monotonic() - self.used < IDLE_SECONDS - MARGIN_SECONDS)

    def ask(self, job: dict) -> dict:
        """The worker's answer to ``job``; ChecksError (and the worker stopped) when it
        gave none."""
        try:
            self._send(job)
            line = self.process.stdout.readline()
        except OSError:
            line = b""
        self.used = time.monotonic()
        if not line:
            self.stop(now=True)
            raise ChecksError(f"the checks could not run (exit {self.process.returncode}): "
                              + self.last_words())
        return json.loads(line)

    def last_words(self) -> str:
        self.log.seek(0)
        words = self.log.read().decode(errors="replace").strip().splitlines()[-5:]
        return " / ".join(words) or "no output"

    def stop(self, now: bool = False) -> None:
        """End its stdin (``now``: and terminate it, busy or not) and wait for it: its zygote
        and children go with it. Killed if it does not stop."""
        try:
            self.process.stdin.close()
        except OSError:
            pass
        if now:
            self.process.terminate()
        try:
            self.process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def _send(self, obj: dict) -> None:
        self.process.stdin.write(json.dumps(obj).encode() + b"\n")
        self.process.stdin.flush()


_worker: Worker | None = None  # this kernel's


def grade_warm(assignment: Assignment, submissions: list[Submission], *, oracle: str,
               reference: Path | None = None, seed: int | None = None,
               parts: list[str] | None = None, sandbox: str | None = None,
               allow_process: bool = False) -> dict[str, StudentResult]:
    """:func:`autograder.engine.apart.grade_apart`, answered by this kernel's warm worker."""
    global _worker
    job = job_of(assignment, submissions, oracle=oracle, reference=reference, seed=seed,
                 parts=parts, sandbox=sandbox, allow_process=allow_process)
    shared = {key: job.pop(key) for key in SHARED}
    stamp = files_stamp(assignment, reference)
    if _worker is not None and not _worker.fits(shared, stamp):
        stop()
    if _worker is None:
        _worker = Worker(shared, stamp)
    try:
        reply = _worker.ask(job)
    except BaseException:  # interrupted, or no answer: that worker is not asked again
        stop(now=True)
        raise
    return results_of(reply)


def stop(now: bool = False) -> None:
    """Stop this kernel's worker, if there is one (``now``: even in the middle of a job)."""
    global _worker
    if _worker is not None:
        worker, _worker = _worker, None
        worker.stop(now)


@functools.cache
def kit_files() -> tuple[Path, ...]:
    """The kit's own modules, listed once per kernel (an upgrade changes these files, or
    removes some: their stamps say so)."""
    return tuple(PACKAGE.rglob("*.py"))


def files_stamp(assignment: Assignment, reference: Path | None = None) -> tuple:
    """The size and modification time of each file a worker loads for ``assignment``."""
    paths = {assignment.folder / CONFIG_NAME, assignment.checks, assignment.oracle,
             *assignment.support_paths, *kit_files()}
    if assignment.driver is not None:
        paths.add(assignment.driver)
    for folder in (*assignment.module_folders, Path(reference or assignment.hidden)):
        if folder.is_dir():
            paths |= {p for p in folder.iterdir() if p.suffix in (".py", ".toml")}
    stamp = []
    for path in sorted(paths):
        try:
            found = path.stat()
            stamp.append((str(path), found.st_mtime_ns, found.st_size))
        except OSError:
            stamp.append((str(path), None, None))
    return tuple(stamp)


atexit.register(stop)
