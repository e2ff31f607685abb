"""Fixtures of the hidden backprop checks: the reference and the exercise, loaded by path.

``reference/`` is never a package on anyone's import path; only the grader loads it.
"""

from __future__ import annotations

import functools
from pathlib import Path
from types import ModuleType

import pytest

from autograder.modules import load_module

REFERENCE = Path(__file__).resolve().parent.parent



@pytest.fixture(scope="session")
def ref() -> ModuleType:
    """The reference solution, reference/backprop.py."""
    return load_module(REFERENCE / "backprop.py", "backprop_reference", register=True)


@pytest.fixture(scope="session")
def catalogue() -> tuple:
    """The misconception catalogue, reference/misconceptions.py."""
    module = load_module(REFERENCE / "misconceptions.py", "backprop_misconceptions", register=True)
    return module.CATALOGUE


@pytest.fixture
def ex(grading):
    """The exercise network of the assignment being graded (read once per run)."""
    return _exercise(grading.assignment.folder)


@functools.cache
def _exercise(folder: Path):
    module = load_module(folder / "exercise.py", "backprop_exercise", register=True)
    return module.load_exercise(folder)


@pytest.fixture
def gradcheck(grading) -> ModuleType:
    """The assignment's public gradient check (the same one students run)."""
    path = grading.assignment.folder / "gradcheck.py"
    return load_module(path, "backprop_gradcheck", register=True)
