"""The pre-warmed zygote: one Python with numpy imported that forks a child per submission.

Forking a warm process costs about a millisecond; starting a fresh Python with numpy
costs about a tenth of a second. The zygote is started with ``python -I`` and a clean
environment, so nothing of the grader (paths, seed, variables) reaches it.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

from autograder.core.processes import wait
from autograder.sandbox.limits import Limits
from autograder.sandbox.links import SocketLink
from autograder.sandbox.spawner import Spawner

CHILD_SCRIPT = Path(__file__).with_name("child.py")
UID_BASE = 200_000  # children of a root grader run as uid UID_BASE + pid: no user has these
PASSED_ENV = ("PATH", "LANG", "LC_ALL", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
CHILD_ENV = {
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "MPLBACKEND": "Agg",
    "PYTHONDONTWRITEBYTECODE": "1",
}


def child_env() -> dict[str, str]:
    """The whole environment a child sees: a few harmless variables, never the grader's."""
    env = {k: os.environ[k] for k in PASSED_ENV if k in os.environ}
    return {**env, **CHILD_ENV}


class Zygote(Spawner):
    """Starts ``child.py`` once and asks it to fork sandboxed children (Linux).

    The zygote probes the host's isolation mechanisms as it starts and picks a tier: the
    strongest offered for ``tier="auto"``, else the one asked for; or exactly ``config``,
    one of the configurations an earlier zygote listed. ``self.host`` is what it found
    (``tier`` is ``"none"`` when no isolating tier works: then ``spawn`` refuses).
    """

    def __init__(self, hide: list[Path] | tuple = (), no_network: bool = True,
                 tier: str = "auto", config: dict | None = None) -> None:
        self.hide = [str(Path(p).resolve()) for p in hide]
        self.no_network = no_network
        self._ctrl, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.process = subprocess.Popen(
            [sys.executable, "-I", str(CHILD_SCRIPT), str(theirs.fileno()), tier,
             json.dumps({"config": config, "hide": self.hide})],
            pass_fds=(theirs.fileno(),),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=child_env(),
            cwd="/",
            start_new_session=True,
        )
        theirs.close()
        reply = self._ctrl.recv(1 << 16)
        if not reply:
            self.process.kill()
            why = self.process.communicate()[1].decode(errors="replace").strip().splitlines()
            raise RuntimeError("the sandbox zygote could not start: "
                               + (why[-1] if why else f"exit {self.process.returncode}"))
        self.process.stderr.close()  # from here on the children's words are not read
        self.host: dict = json.loads(reply)
        self.tier: str = self.host["tier"]

    def spawn(self, workdir: Path, limits: Limits) -> tuple[int, SocketLink]:
        """Fork a child that locks itself into ``workdir``; return its pid and socket."""
        if self.tier == "none":
            raise RuntimeError("this host offers no isolating sandbox tier")
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        request = {
            "op": "spawn",
            "workdir": str(workdir),
            "limits": limits.for_child(),
            "env": child_env(),
            "uid_base": UID_BASE,
            "hide": self.hide,
            "no_network": self.no_network,
        }
        try:
            socket.send_fds(self._ctrl, [json.dumps(request).encode()], [theirs.fileno()])
            reply = self._ctrl.recv(1 << 16)
        finally:
            theirs.close()
        if not reply:
            mine.close()
            raise RuntimeError("the sandbox zygote has stopped")
        return json.loads(reply)["pid"], SocketLink(mine)

    def uid_of(self, pid: int) -> int | None:
        """The uid a child runs as: its own where the host lets the zygote set it, else
        the grader's (None)."""
        return UID_BASE + pid if self.host["setuid"] else None

    def kill(self, pid: int) -> None:
        """Kill a child, its process group, every process left under its uid (when root)
        and whatever escaped from it (the zygote is their subreaper); wait until done."""
        try:
            self._ctrl.send(json.dumps({"op": "kill", "pid": pid}).encode())
            self._ctrl.recv(1 << 10)
        except OSError:
            pass  # the zygote is gone, and its children with it

    def close(self) -> None:
        """Close the control socket: the zygote kills what is left of its children and
        exits; wait for that (5 s at most, then kill it)."""
        self._ctrl.close()
        try:
            wait(self.process, 5.0)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> Zygote:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

