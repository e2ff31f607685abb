"""The limits a submission runs under: the defaults, then the grading host's
``$AUTOGRADER_LIMITS``, then what the caller asks, on every way into the grading API."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import nbformat
import pytest

from autograder.core.config import load_assignment
from autograder.core.errors import ConfigError
from autograder.core.loader import Submission
from autograder.engine.api import grade
from autograder.sandbox.limits import ENVIRONMENT, Limits


def test_the_environment_changes_only_the_limits_it_names(monkeypatch):
    monkeypatch.setenv(ENVIRONMENT, '{"call_seconds": 1.5, "processes": 3}')
    limits = Limits.configured()
    assert (limits.call_seconds, limits.processes) == (1.5, 3)
    assert (limits.cell_seconds, limits.memory_bytes) == (10.0, 1 << 30)  # the defaults


def test_the_caller_wins_over_the_environment(monkeypatch):
    monkeypatch.setenv(ENVIRONMENT, '{"call_seconds": 1.5, "cell_seconds": 4}')
    limits = Limits.configured({"call_seconds": 3})
    assert (limits.call_seconds, limits.cell_seconds) == (3, 4)


def test_no_environment_is_the_defaults(monkeypatch):
    monkeypatch.delenv(ENVIRONMENT, raising=False)
    assert Limits.configured() == Limits()


@pytest.mark.parametrize("text, words", [
    ("{call_seconds: 1}", "is not a JSON object"),
    ("[1, 2]", "is not a JSON object"),
    ('{"call_secs": 1}', "unknown limit(s) call_secs"),
])
def test_a_mistyped_environment_is_a_config_error_that_names_it(monkeypatch, text, words):
    monkeypatch.setenv(ENVIRONMENT, text)
    with pytest.raises(ConfigError) as err:
        Limits.configured()
    assert ENVIRONMENT in str(err.value) and words in str(err.value)


LOOP = ["import numpy as np", "while True:\n    pass\n"]


def test_the_grading_api_runs_under_the_environments_limits(monkeypatch, tmp_path):
    """Gradescope's runner calls the API in its own process: a cell that never ends meets
    the one second the host asked for, not the default ten."""
    path = tmp_path / "loop.ipynb"
    nbformat.write(nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(c) for c in LOOP]), path)
    monkeypatch.setenv(ENVIRONMENT, json.dumps({"cell_seconds": 1, "grace_seconds": 1}))
    graded = grade(load_assignment("backprop"), [Submission("loop", path)], out=tmp_path / "out",
                   parts=["sigmoid"])
    messages = [c.message for c in graded.results["loop"].checks]
    assert messages and all("cell 2: ran past its time limit of 1 s" in m for m in messages)


def test_a_batch_with_a_mistyped_environment_stops_with_one_line(tmp_path):
    run = subprocess.run([sys.executable, "-m", "autograder.cli", "grade", "--assignment",
                          "backprop", "--out", str(tmp_path / "out")],
                         capture_output=True, text=True, timeout=300,
                         env={**os.environ, ENVIRONMENT: "{call_seconds: 1}"})
    assert run.returncode == 2, run.stdout[-1000:] + run.stderr[-1000:]
    assert f"${ENVIRONMENT} is not a JSON object" in run.stderr
    assert "Traceback" not in run.stderr
