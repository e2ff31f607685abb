"""The limits a submission runs under, in one place."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Limits:
    """Time, memory, file, process and output limits of one submission's child.

    ``cell_seconds`` bounds each notebook cell, ``call_seconds`` each call of a student
    function, ``submission_seconds`` the wall-clock total of one submission's grading;
    ``grace_seconds`` is how long past a limit the grader waits for a child that ignores
    its own alarm before killing it. ``memory_bytes`` (address space), ``cpu_seconds`` and
    ``file_bytes`` hold per process, ``processes`` per child (its uid, when root), and
    ``scratch_bytes`` bounds everything the child writes (its only writable folders are
    one tmpfs of that size). ``answer_bytes`` caps one message from the child.
    """

    cell_seconds: float = 10.0
    call_seconds: float = 5.0
    submission_seconds: float = 60.0
    grace_seconds: float = 2.0
    cpu_seconds: int = 60
    memory_bytes: int = 1 << 30
    file_bytes: int = 16 << 20
    scratch_bytes: int = 64 << 20
    open_files: int = 64
    processes: int = 8
    restarts: int = 4
    answer_bytes: int = 4 << 20

    def for_child(self) -> dict:
        """The part the child applies to itself with setrlimit."""
        keys = ("cpu_seconds", "memory_bytes", "file_bytes", "scratch_bytes", "open_files",
                "processes")
        return {k: v for k, v in asdict(self).items() if k in keys}
