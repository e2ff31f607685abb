"""The worker's second pytest plugin: as each student's grading begins and ends it tells the
grade command (a line on the channel: ``begin N`` / ``done N``, N the student's place in the
shard), and it writes the student's own pytest-json-report record beside their results.json.

The channel's lines are ``VERB JSON`` (:func:`say`); ``engine/pool.py`` reads them.

It must be registered after ``GradingPlugin`` (pluggy calls later plugins first): its
``pytest_runtest_logreport`` then runs after pytest-json-report's (registered at configure)
has recorded the student's last stage, and before ``GradingPlugin`` writes results.json,
so a student with results.json always has their record. ``done`` is said after both.
"""

from __future__ import annotations

import json
import os
import time
from collections import defaultdict
from pathlib import Path

import pytest

from autograder.core.loader import Submission
from autograder.engine.records import student_record, write_student_record


class Recorder:
    """Tells the grade command where a worker is, and keeps each student's record."""

    def __init__(self, submissions: list[Submission], out: Path, channel: int | None,
                 first: int = 0) -> None:
        """``submissions``: this session's, from place ``first`` of the worker's shard."""
        self.out, self.channel = out, channel
        self._place = {s.student: first + i for i, s in enumerate(submissions)}
        self._items: dict[str, list[str]] = defaultdict(list)  # student -> node ids
        self._left: dict[str, int] = {}
        self._started: dict[str, float] = {}
        self._student_of: dict[str, str] = {}
        self._config: pytest.Config | None = None

    def pytest_configure(self, config: pytest.Config) -> None:
        self._config = config

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            sub = getattr(item, "callspec", None) and item.callspec.params.get("submission")
            if isinstance(sub, Submission):
                self._student_of[item.nodeid] = sub.student
                self._items[sub.student].append(item.nodeid)
        self._left = {student: len(ids) for student, ids in self._items.items()}

    def pytest_runtest_logstart(self, nodeid: str) -> None:
        student = self._student_of.get(nodeid)
        if student is not None and student not in self._started:
            self._started[student] = time.time()
            say(self.channel, "begin", self._place[student])

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        student = self._student_of.get(report.nodeid)
        if student is None or report.when != "teardown":
            return
        self._left[student] -= 1
        if self._left[student] == 0:
            recorded = self._config._json_report._json_tests  # pytest-json-report's entries
            tests = [recorded[n] for n in self._items[student] if n in recorded]
            started = self._started[student]
            write_student_record(self.out / student, student_record(
                tests, started, time.time() - started, str(self._config.rootpath)))

    def pytest_runtest_logfinish(self, nodeid: str) -> None:
        student = self._student_of.get(nodeid)
        if student is not None and self._left.get(student) == 0:
            self._left.pop(student)
            say(self.channel, "done", self._place[student])


def say(channel: int | None, verb: str, value: object) -> None:
    """One line on the channel to the grade command: ``VERB JSON`` (nothing without one)."""
    if channel is not None:
        os.write(channel, f"{verb} {json.dumps(value, default=str)}\n".encode())
