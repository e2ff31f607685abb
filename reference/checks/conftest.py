"""Fixtures of the hidden backprop checks: the reference and the exercise, loaded by path.

``reference/`` is never a package on anyone's import path; only the grader loads it.
"""

from __future__ import annotations

import functools
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

REFERENCE = Path(__file__).resolve().parent.parent


def load_module(name: str, path: Path) -> ModuleType:
    """Import ``path`` as module ``name`` without touching sys.path."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def ref() -> ModuleType:
    """The reference solution, reference/backprop.py."""
    return load_module("backprop_reference", REFERENCE / "backprop.py")


@pytest.fixture(scope="session")
def catalogue() -> tuple:
    """The misconception catalogue, reference/misconceptions.py."""
    return load_module("backprop_misconceptions", REFERENCE / "misconceptions.py").CATALOGUE


@pytest.fixture
def ex(grading):
    """The exercise network of the assignment being graded (read once per run)."""
    return _exercise(grading.assignment.folder)


@functools.cache
def _exercise(folder: Path):
    return load_module("backprop_exercise", folder / "exercise.py").load_exercise(folder)


@pytest.fixture
def gradcheck(grading) -> ModuleType:
    """The assignment's public gradient check (the same one students run)."""
    return load_module("backprop_gradcheck", grading.assignment.folder / "gradcheck.py")
