"""The *process only* tier: each submission in a freshly spawned Python, on any system.

What it gives: a separate process (a crash, a loop or ``os._exit`` costs that submission's
checks, never the grader), time limits enforced by the grader killing the process, the
child's own alarm and resource limits where the system has them, a clean environment, the
same JSON-only protocol on the child's stdin and stdout, and on Linux no process left
behind (the grader is a child subreaper: a double-forked ``setsid`` grandchild comes back
to it and is killed with the child). What it does not: the child
runs as the grading user and can read, write and signal whatever that user can. Enough
for a student's own ``check`` (macOS, Windows); ``grade`` uses it only when told to.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from autograder.sandbox import reaper
from autograder.sandbox.limits import Limits
from autograder.sandbox.links import PipeLink, frame
from autograder.sandbox.spawner import Spawner
from autograder.sandbox.zygote import CHILD_SCRIPT, child_env

WINDOWS = sys.platform == "win32"


class ProcessHost(Spawner):
    """Spawns ``python -I child.py --process`` per submission; the Zygote's interface."""

    tier = "process"

    def __init__(self, mechanisms: dict | None = None) -> None:
        """``mechanisms``: what the probe found (why no isolating tier was taken)."""
        self.host = {"tier": "process", "asked": "process", "offered": [], "why_not": {},
                     "mechanisms": mechanisms or {}, "setuid": False, "netns": False,
                     "config": None, "tried": []}
        self._children: dict[int, tuple[subprocess.Popen, PipeLink]] = {}
        reaper.become_subreaper()
        self._others = set(reaper.children())  # the grader's own, before any submission

    def spawn(self, workdir: Path, limits: Limits) -> tuple[int, PipeLink]:
        """Start a child in ``workdir`` and hand it its limits; return its pid and link."""
        group = ({"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP} if WINDOWS
                 else {"start_new_session": True})
        process = subprocess.Popen(
            [sys.executable, "-I", str(CHILD_SCRIPT), "--process"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            cwd=workdir, env={**child_env(), "HOME": str(workdir)}, **group)
        link = PipeLink(process)
        self._children[process.pid] = (process, link)
        try:
            link.sendall(frame({"limits": limits.for_child()}))
        except OSError:
            pass  # it died at once: the first request says so
        return process.pid, link

    def uid_of(self, pid: int) -> None:
        return None  # the grading user's own

    def kill(self, pid: int) -> None:
        """Kill a child and, where there are process groups, everything it started."""
        process, _ = self._children.pop(pid, (None, None))
        if process is None:
            return
        if not WINDOWS:
            try:
                os.killpg(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        process.kill()
        process.wait()
        reaper.sweep(self._others | set(self._children))

    def close(self) -> None:
        for pid, (_, link) in list(self._children.items()):
            self.kill(pid)
            link.close()

    def __enter__(self) -> ProcessHost:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
