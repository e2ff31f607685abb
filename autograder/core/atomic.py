"""Write a file so that readers see the old content or the new, never a part.

Each write is atomic (a temporary file renamed over the old one). A durable write also
fsyncs the file's data first; a grading worker writes a student's files without that and
then syncs the student's folder once (``sync_folder``): a crash may then leave one of them
unreadable, and a student whose results.json does not read is graded again by the next run.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path


def write_atomic(path: Path, text: str | Iterable[str], durable: bool = True) -> None:
    """Write ``text`` (or its pieces, one after another) to a temporary file beside
    ``path``, flush it (``durable``: to the disk), then rename it over."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            for piece in [text] if isinstance(text, str) else text:
                f.write(piece)
            f.flush()
            if durable:
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def sync_folder(folder: Path) -> None:
    """Make the files renamed into ``folder`` durable: one fsync of the folder itself (where
    the system has one: not Windows, nor a file system that refuses it, EINVAL)."""
    if os.name == "nt":  # no handle on a folder to fsync; NTFS journals the renames
        return
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    except OSError as err:
        if err.errno != errno.EINVAL:
            raise
    finally:
        os.close(fd)
