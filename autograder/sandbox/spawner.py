"""A child's start, the same for every host of children: a fresh working folder holding
the assignment's support files, and a child spawned into it.

Each support module goes with its bytecode, compiled once per grader: children import it
from their working folder's ``__pycache__`` instead of compiling it again each time (a few
milliseconds saved per submission).
"""

from __future__ import annotations

import functools
import py_compile
import shutil
import sys
import tempfile
from pathlib import Path

from autograder.sandbox.limits import Limits
from autograder.sandbox.links import frame

PYC_SUFFIX = f".{sys.implementation.cache_tag}.pyc"


@functools.cache
def bytecode(path: Path) -> bytes:
    """A support module compiled once per grader, checked by source hash (not mtime)."""
    with tempfile.TemporaryDirectory() as tmp:
        pyc = Path(tmp) / "module.pyc"
        py_compile.compile(str(path), cfile=str(pyc), doraise=True,
                           invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH)
        return pyc.read_bytes()


def folder_with(files: list[Path]) -> Path:
    """A fresh working folder holding ``files`` (each ``.py`` with its bytecode)."""
    workdir = Path(tempfile.mkdtemp(prefix="submission-"))
    for path in files:
        shutil.copy(path, workdir / path.name)
        if path.suffix == ".py":
            cached = workdir / "__pycache__"
            cached.mkdir(exist_ok=True)
            (cached / path.with_suffix(PYC_SUFFIX).name).write_bytes(bytecode(path))
    return workdir


class Spawner:
    """A host of children (``Zygote``, ``ProcessHost``): ``spawn`` starts one in a folder;
    :meth:`fork` is what a ``Sandbox`` asks for."""

    def spawn(self, workdir: Path, limits: Limits) -> tuple[int, object]:
        raise NotImplementedError

    def fork(self, files: list[Path], limits: Limits,
             preload: bool = False) -> tuple[Path, int, object]:
        """A child spawned into a fresh folder holding ``files``: the folder, its pid and
        its link (the folder is removed if the child cannot start). ``preload``: the child
        imports the support modules of ``files`` before anything else (a child forked ahead
        of its job does that while it waits)."""
        workdir = folder_with(files)
        try:
            pid, link = self.spawn(workdir, limits)
        except BaseException:
            shutil.rmtree(workdir, ignore_errors=True)
            raise
        if preload:
            modules = [path.stem for path in files if path.suffix == ".py"]
            try:
                link.sendall(frame({"op": "preload", "modules": modules}))
            except OSError:
                pass  # it died at once: the job's first request says so
        return workdir, pid, link
