"""A grading session made ready ahead of its job, for the warm checks worker.

Most of what one ``check()`` costs the worker is pytest's own start: its configuration,
its plugins, the oracle and the collection of the checks. None of it depends on the job:
the worker (``engine/warm_worker.py``) starts the next session through the one grading
API as soon as it has answered, and :class:`Ahead`, one of that session's plugins, holds
it at the end of the collection until the next job comes. The job then picks its parts
(as ``grade(parts=...)`` does) and its notebook is read; the student's cells run in a
child forked for this job, as before. A job the session cannot answer (another oracle, a
seed of its own, unknown parts, a host that is gone) runs no check in it and is answered
by a session of its own.
"""

from __future__ import annotations

import json
import queue

import pytest

from autograder.core.config import load_assignment
from autograder.engine import plugin
from autograder.engine.api import SelectParts


class Ahead:
    """Holds a session of ``oracle`` (drawn afresh: no seed) at its collection's end
    until the next job of ``lines``; ``job``, ``asked`` and ``taken`` say what came."""

    def __init__(self, lines: queue.Queue, shared: dict, oracle: str, host: object,
                 idle: float) -> None:
        self.lines, self.shared, self.host, self.idle = lines, shared, host, idle
        self.job_ahead = {**shared, "oracle": oracle, "seed": None, "parts": None}
        self.points = load_assignment(shared["assignment"]).points
        self.asked = False  # the session got as far as asking for its job
        self.job: dict | None = None  # what came: None for the kernel's end or its idling
        self.taken = False  # the job is answered by this session

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection_modifyitems(self, config: pytest.Config,
                                      items: list[pytest.Item]) -> None:
        self.asked = True
        self.job = next_job(self.lines, self.shared, self.idle)
        self.taken = self.job is not None and self._fits(self.job)
        parts = self.job["parts"] if self.taken else []
        if self.taken:
            read_again()
        if parts is not None:
            SelectParts(parts).pytest_collection_modifyitems(config, items)

    def _fits(self, job: dict) -> bool:
        if job["oracle"] != self.job_ahead["oracle"] or job["seed"] is not None:
            return False
        if job["parts"] is not None and not set(job["parts"]) <= set(self.points):
            return False
        try:
            return self.host.alive()
        except Exception:  # noqa: BLE001 - said in the job's own answer
            return False


def next_job(lines: queue.Queue, shared: dict, idle: float) -> dict | None:
    """The next job (with what every job shares); None when the kernel is gone or said
    stop, or after ``idle`` seconds without one."""
    try:
        line = lines.get(timeout=idle)
    except queue.Empty:
        return None
    return None if line is None else {**shared, **json.loads(line)}


def read_again() -> None:
    """A notebook saved again since the last job is read again (its digest, its cells)."""
    plugin._digest.cache_clear()
