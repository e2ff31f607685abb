"""Waiting for child processes to exit, woken by the exit itself where the system can.

``Popen.wait(timeout)`` polls, up to 50 ms late; Linux (5.3 and later) gives a descriptor
per process that becomes readable when it exits (``os.pidfd_open``).
"""

from __future__ import annotations

import os
import select
import subprocess
import time


def wait_any(processes: list[subprocess.Popen], seconds: float) -> bool:
    """Return when one of ``processes`` has exited or ``seconds`` have passed; False when
    it could not wait on their exits (then it slept 50 ms at most)."""
    fds = []
    try:
        for process in processes:
            fds.append(os.pidfd_open(process.pid))
    except (AttributeError, OSError):  # no pidfd here, or a process reaped already
        for fd in fds:
            os.close(fd)
        if all(p.poll() is None for p in processes):
            time.sleep(min(seconds, 0.05))
        return False
    try:
        poll = select.poll()  # any descriptor number (select.select stops at 1024)
        for fd in fds:
            poll.register(fd, select.POLLIN)
        poll.poll(seconds * 1000)
    finally:
        for fd in fds:
            os.close(fd)
    return True


def wait(process: subprocess.Popen, seconds: float) -> int:
    """``process.wait(timeout=seconds)``, woken by the exit itself where it can be."""
    return process.wait(timeout=0 if wait_any([process], seconds) else seconds)
