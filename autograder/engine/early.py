"""What a grading process starts before its own imports, how it dies with its parent, and
how it ends.

A worker (``worker.py``, ``warm_worker.py``) proves its sandbox in a thread while it imports
pytest, numpy and the checks: the zygote's start, probe and canary overlap those imports.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
from collections.abc import Callable
from typing import NoReturn, TypeVar

T = TypeVar("T")
PR_SET_PDEATHSIG = 1


def in_thread(fn: Callable[..., T], *args: object) -> Callable[[], T]:
    """Start ``fn(*args)`` in a thread; a call that waits for it and returns its result (or
    raises what it raised). Import the kit's modules ``fn`` needs before: two threads that
    import one module at once can each be handed the half the other has made."""
    box: dict = {}

    def run() -> None:
        try:
            box["result"] = fn(*args)
        except BaseException as err:  # noqa: BLE001 - raised again by the waiting call
            box["error"] = err

    thread = threading.Thread(target=run, daemon=True)
    thread.start()

    def wait() -> T:
        thread.join()
        if "error" in box:
            raise box["error"]
        return box["result"]

    return wait


def die_with(parent: int, signum: int = signal.SIGKILL) -> None:
    """Get ``signum`` when ``parent`` goes away, even by SIGKILL (Linux; elsewhere the end
    of stdin says so). Set here, not in a ``preexec_fn``: the parent may run threads, and
    forking with threads is unsafe."""
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signum, 0, 0, 0)
    if os.getppid() != parent:  # it went away before the line above
        raise SystemExit(1)


def exit_now(status: int) -> NoReturn:
    """End this process with ``status`` once its standard streams are flushed, without the
    interpreter's teardown (tens of milliseconds of freeing pytest's and numpy's objects,
    which a one-submission run waits for): for a worker whose files are all written and
    whose children are gone."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
