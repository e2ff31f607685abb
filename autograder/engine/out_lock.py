"""One grade run owns its output folder: ``DIR/.autograder.lock``, held with ``flock``.

Taking it is also the check that the folder can be written (the lock file holds the run's
pid and start time, written and flushed). A second run finds the lock held and says by whom.
The file is removed when the run ends (a run killed with SIGKILL leaves it, unlocked: the
next run takes it). Without ``fcntl`` (Windows) the folder is not locked.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from autograder.core.errors import FolderRefused

try:
    import fcntl
except ImportError:  # Windows: no flock; grading there is not locked
    fcntl = None

LOCK_NAME = ".autograder.lock"
NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)  # not on Windows



class FolderBusy(FolderRefused):
    """Another run holds the output folder."""


@contextmanager
def own_folder(out: Path) -> Iterator[None]:
    """Hold ``out``'s lock for the block; FolderRefused (with one line saying why) if another
    run holds it or the folder cannot be made or written."""
    path = out / LOCK_NAME
    try:
        out.mkdir(mode=0o700, parents=True, exist_ok=True)  # grades are private
        fd = _locked(path)
    except OSError as err:
        raise FolderRefused(f"{out}: cannot write here ({err.strerror or err}); nothing was "
                            "graded") from None
    try:
        try:
            os.ftruncate(fd, 0)
            os.write(fd, f"pid {os.getpid()}, started {time.strftime('%Y-%m-%d %H:%M:%S')}\n"
                     .encode())
            os.fsync(fd)
        except OSError as err:
            raise FolderRefused(f"{out}: cannot write here ({err.strerror or err}); nothing "
                                "was graded") from None
        yield
    finally:
        with suppress(OSError):
            path.unlink(missing_ok=True)  # before it is unlocked: see _locked
        os.close(fd)


def _locked(path: Path) -> int:
    """An open descriptor of ``path``, locked; the holder removes the file before unlocking,
    so a lock taken on a file that is no longer at ``path`` is dropped and taken again."""
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | NOFOLLOW, 0o644)
        if fcntl is None:
            return fd
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 200).decode("ascii", errors="replace").strip()
            os.close(fd)
            holder = "".join(c for c in holder if c.isprintable()) or "it has just started"
            raise FolderBusy(f"{path.parent} is being graded by another run ({holder}); "
                             "wait for it to end, or choose another --out") from None
        except BaseException:
            os.close(fd)
            raise
        try:
            same = os.stat(path, follow_symlinks=False).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            return fd
        os.close(fd)
