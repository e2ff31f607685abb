"""Waiting for child processes (``autograder/core/processes.py``): the exit status as
``Popen.wait`` gives it, a timeout as it raises it, and one exit of several wakes the wait."""

from __future__ import annotations

import subprocess
import sys

import pytest

from autograder.core.processes import wait, wait_any

SLEEP = [sys.executable, "-c", "import time, sys; time.sleep(float(sys.argv[1])); sys.exit(3)"]


def test_wait_gives_the_exit_status():
    process = subprocess.Popen([*SLEEP, "0.2"])
    assert wait(process, 30) == 3 and process.returncode == 3


def test_wait_raises_as_popen_wait_when_the_process_runs_on():
    process = subprocess.Popen([*SLEEP, "60"])
    try:
        with pytest.raises(subprocess.TimeoutExpired):
            wait(process, 0.2)
        assert process.poll() is None
    finally:
        process.kill()
        process.wait()


def test_one_exit_of_several_ends_the_wait():
    """The wait may last 600 s and the slow one 60: back with the slow one still running,
    the quick one's exit ended it."""
    slow, quick = subprocess.Popen([*SLEEP, "60"]), subprocess.Popen([*SLEEP, "0.1"])
    try:
        assert wait_any([slow, quick], 600)
        assert slow.poll() is None and quick.wait(timeout=5) == 3
    finally:
        slow.kill()
        slow.wait()


def test_a_process_reaped_already_is_no_error():
    process = subprocess.Popen([*SLEEP, "0"])
    process.wait()
    assert wait(process, 1) == 3
