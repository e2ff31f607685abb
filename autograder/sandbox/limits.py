"""The limits a submission runs under, in one place."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields

from autograder.core.errors import ConfigError

ENVIRONMENT = "AUTOGRADER_LIMITS"  # JSON, e.g. '{"call_seconds": 1}': the grading host's own


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

    @classmethod
    def configured(cls, overrides: dict | None = None) -> Limits:
        """The defaults, then ``$AUTOGRADER_LIMITS`` (a JSON object of fields), then
        ``overrides``: what every grading run uses unless its caller gives limits."""
        text = os.environ.get(ENVIRONMENT) or "{}"
        try:
            chosen = {**json.loads(text), **(overrides or {})}
        except (ValueError, TypeError):
            raise ConfigError(f"${ENVIRONMENT} is not a JSON object: {text[:80]!r}") from None
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(chosen) - names)
        if unknown:
            raise ConfigError(f"${ENVIRONMENT}: unknown limit(s) {', '.join(unknown)}; the "
                              f"limits are {', '.join(sorted(names))}")
        return cls(**chosen)

    def for_child(self) -> dict:
        """The part the child applies to itself with setrlimit."""
        keys = ("cpu_seconds", "memory_bytes", "file_bytes", "scratch_bytes", "open_files",
                "processes")
        return {k: v for k, v in asdict(self).items() if k in keys}
