"""The grading workers of one batch: dealt shards, watched through two pipes, restarted.

Each worker is a process grading a shard of students in turn; it says on its channel which
sandbox it proved (``host {...}``: the first one is the run's, and later workers are
started with it) or why none may grade (``refused {...}``: the run grades nobody), then
``begin N`` and ``done N`` per student (``autograder/engine/recorder.py``); its own output
(stdout and stderr, one pipe) is kept as a bounded tail in memory, never in a file a child
could fill.
Its temporary files (its children's folders) are in a folder of its own, removed when it
ends, inside one removed with the run.
When a worker dies (killed, crashed), the students it had not finished are dealt to a new
one, the student it was grading last in the new shard (if it kills again, nobody else is
left waiting); a student whose grading kills ``TRIES`` workers is given up (the caller
writes the grader's 0). Before anyone is blamed the caller checks the host
(``check_host`` raises OSError for a full or read-only output folder: the run ends). A
worker that dies before finishing anyone and outside any student (a hidden check that does
not import, a sandbox that cannot start) is the host's failure: its students are left
ungraded and named. A signal stops every worker (SIGINT, then SIGKILL after
``STOP_SECONDS``) and the run returns with what is graded.
"""

from __future__ import annotations

import json
import os
import selectors
import shutil
import signal
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from autograder.core.loader import Submission
from autograder.core.processes import wait_any

TRIES = 2  # workers a student's grading may kill before they are given up
MAX_RESTARTS = 20  # worker restarts in one run before the host is blamed
TAIL_BYTES = 64 * 1024  # what is kept of a worker's own output
STOP_SECONDS = 15  # how long stopped workers get to clean up before SIGKILL
SCRATCH_MODE = 0o711  # a child with a uid of its own reaches its folder inside

Start = Callable[[list[Submission], int, int, str, "dict | None"], subprocess.Popen]
# start(shard, channel, output, tmpdir, host): a worker, its channel's and output's write
# ends, the folder for its temporary files (TMPDIR), and the sandbox proven so far (None)


class Stopped(BaseException):
    """A signal asked the grade command to stop (SIGINT arrives as KeyboardInterrupt)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@dataclass
class Outcome:
    """What the workers did: the students graded, the host's failures, the stopping signal."""

    graded: list[Submission] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    ungraded: list[Submission] = field(default_factory=list)  # lost to a host failure
    stopped: int | None = None
    refused: str | None = None  # why no sandbox may grade on this host (nobody was graded)
    host: dict | None = None  # the sandbox the first worker proved: the run's


@dataclass
class Worker:
    """One running worker and what it said."""

    shard: list[Submission]
    process: subprocess.Popen
    channel: int
    output: int
    tmpdir: str  # its TMPDIR: the children's folders, removed when it ends
    tail: bytearray = field(default_factory=bytearray)
    pending: bytes = b""  # a line of the channel not yet ended
    current: int | None = None  # the student being graded
    refused: str | None = None  # why it may not grade on this host (no sandbox)
    done: set[int] = field(default_factory=set)

    def said(self, data: bytes) -> list[tuple[str, object]]:
        """The channel's complete lines in ``data``, as (verb, value): ``VERB JSON``."""
        *lines, self.pending = (self.pending + data).split(b"\n")
        messages = []
        for line in lines:
            verb, _, value = line.decode("utf-8", errors="replace").partition(" ")
            try:
                messages.append((verb, json.loads(value)))
            except ValueError:
                continue
        return messages

    def last_words(self) -> str:
        return self.tail.decode("utf-8", errors="replace")


class Pool:
    """Grade ``todo`` with at most ``jobs`` workers at a time."""

    def __init__(self, start: Start, jobs: int, give_up: Callable[[Submission, str], None],
                 check_host: Callable[[], None],
                 progress: Callable[[int, int], None] | None = None) -> None:
        self.start, self.jobs, self.progress = start, jobs, progress
        self.give_up, self.check_host = give_up, check_host
        self.selector = selectors.DefaultSelector()
        self.running: list[Worker] = []
        self.queue: list[list[Submission]] = []
        self.charges: Counter = Counter()
        self.restarts = 0
        self.outcome = Outcome()
        self.total = 0

    def run(self, todo: list[Submission]) -> Outcome:
        """Grade every student of ``todo`` (or stop on a signal); what happened."""
        self.total = len(todo)
        jobs = max(1, min(self.jobs, len(todo)))
        self.queue = [todo[i::jobs] for i in range(jobs)] if todo else []
        with tempfile.TemporaryDirectory(prefix="autograder-scratch-") as scratch:
            os.chmod(scratch, SCRATCH_MODE)
            self._run(jobs, scratch)
        return self.outcome

    def _run(self, jobs: int, scratch: str) -> None:
        try:
            while self.queue or self.running:
                while self.queue and len(self.running) < jobs:
                    self._launch(self.queue.pop(0), scratch)
                self._pump(0.5)
                for worker in [w for w in self.running if w.process.poll() is not None]:
                    self._ended(worker)
                self._tell()
        except KeyboardInterrupt:
            self.outcome.stopped = signal.SIGINT
        except Stopped as stop:
            self.outcome.stopped = stop.signum
        finally:
            self._stop_all()

    def _launch(self, shard: list[Submission], scratch: str) -> None:
        tmpdir = tempfile.mkdtemp(dir=scratch)
        os.chmod(tmpdir, SCRATCH_MODE)
        channel, channel_w = os.pipe()
        output, output_w = os.pipe()
        try:
            process = self.start(shard, channel_w, output_w, tmpdir, self.outcome.host)
        finally:
            os.close(channel_w)
            os.close(output_w)
        worker = Worker(shard, process, channel, output, tmpdir)
        for fd in (channel, output):
            os.set_blocking(fd, False)
            self.selector.register(fd, selectors.EVENT_READ, worker)
        self.running.append(worker)

    def _pump(self, timeout: float) -> None:
        """Read what the workers said within ``timeout`` seconds."""
        if not self.selector.get_map():  # pipes closed: the workers are ending
            wait_any([w.process for w in self.running], min(timeout, 0.05))
            return
        for key, _ in self.selector.select(timeout):
            self._read(key.data, key.fd)

    def _read(self, worker: Worker, fd: int) -> None:
        """Everything ``fd`` holds now; at its end, stop watching it."""
        while True:
            try:
                data = os.read(fd, 65536)
            except BlockingIOError:
                return
            if not data:
                self.selector.unregister(fd)
                os.close(fd)
                if fd == worker.channel:
                    worker.channel = -1
                else:
                    worker.output = -1
                return
            if fd == worker.output:
                worker.tail += data
                del worker.tail[:-TAIL_BYTES]
                continue
            for verb, value in worker.said(data):
                self._heard(worker, verb, value)

    def _heard(self, worker: Worker, verb: str, value: object) -> None:
        """What a worker said on its channel."""
        if verb == "host" and isinstance(value, dict) and self.outcome.host is None:
            self.outcome.host = value  # the first worker's proof is the run's
        elif verb == "refused" and isinstance(value, dict):
            worker.refused = str(value.get("error"))
        elif verb in ("begin", "done") and isinstance(value, int) \
                and 0 <= value < len(worker.shard):
            if verb == "begin":
                worker.current = value
            else:
                worker.done.add(value)
                worker.current = None
                self.outcome.graded.append(worker.shard[value])

    def _drain(self, worker: Worker) -> None:
        """What an ended worker left in its pipes; then close them, and remove its
        temporary files (what its children left, if it died: a disk they filled is freed)."""
        shutil.rmtree(worker.tmpdir, ignore_errors=True)
        for fd in (worker.channel, worker.output):
            if fd >= 0:
                self._read(worker, fd)
            if fd >= 0 and fd in self.selector.get_map():  # held open by a straggler
                self.selector.unregister(fd)
                os.close(fd)
        worker.channel = worker.output = -1

    def _ended(self, worker: Worker) -> None:
        """A worker is gone: deal out what it had not finished, or say why not."""
        self._drain(worker)
        self.running.remove(worker)
        left = [s for i, s in enumerate(worker.shard) if i not in worker.done]
        if worker.refused is not None:  # no sandbox: nobody else is graded either
            self.outcome.refused = self.outcome.refused or worker.refused
            self.outcome.ungraded += left + [s for shard in self.queue for s in shard]
            self.queue.clear()
            return
        if not left:
            return
        why = death(worker.process.returncode, worker.last_words())
        suspect = worker.shard[worker.current] if worker.current is not None else None
        if worker.process.returncode == 0 or (suspect is None and not worker.done):
            self._lose(left, why)  # nothing points at a student: the host's failure
            return
        self.check_host()  # a full disk, say, is not the student's doing
        if suspect is not None:
            left.remove(suspect)
            self.charges[suspect.student] += 1
            if self.charges[suspect.student] >= TRIES:
                self.give_up(suspect, f"grading this submission stopped the grader's worker "
                                      f"{TRIES} times; the last one: {why}\n\n"
                                      f"{worker.last_words()[-4000:]}")
                self.outcome.graded.append(suspect)
            else:
                left.append(suspect)
        if not left:
            return
        if self.restarts >= MAX_RESTARTS:
            self._lose(left, f"{MAX_RESTARTS} workers were restarted already; the last: {why}")
            return
        self.restarts += 1
        self.queue.append(left)

    def _lose(self, students: list[Submission], why: str) -> None:
        self.outcome.failures.append(why)
        self.outcome.ungraded += students

    def _stop_all(self) -> None:
        """Stop the workers still running: SIGINT (pytest cleans up), SIGKILL if need be."""
        if not self.running:
            return
        handlers = {s: signal.signal(s, signal.SIG_IGN) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            for worker in self.running:
                if worker.process.poll() is None:
                    worker.process.send_signal(signal.SIGINT)
            deadline = time.monotonic() + STOP_SECONDS
            while any(w.process.poll() is None for w in self.running) and \
                    time.monotonic() < deadline:
                self._pump(0.1)
            for worker in self.running:
                if worker.process.poll() is None:
                    worker.process.kill()
                worker.process.wait()
                self._drain(worker)
            self.running.clear()
        finally:
            for signum, handler in handlers.items():
                signal.signal(signum, handler)

    def _tell(self) -> None:
        if self.progress:
            self.progress(len(self.outcome.graded), self.total)


def death(code: int, words: str) -> str:
    """How a worker ended, and what it said last: enough to see a broken check."""
    how = (f"killed by {signal.Signals(-code).name}" if code < 0 and -code in signal.valid_signals()
           else f"exit status {code}")
    lines = [ln.strip() for ln in words.splitlines() if ln.strip()]
    errors = [ln for ln in lines if "Error" in ln][-2:]
    return f"{how}: {' | '.join(errors + lines[-1:]) or 'no output'}"
