"""Shared fixtures.

``reference/`` is deliberately not an installed package (student code must never be able
to import it), so it and the assignment's loader are loaded here by file path. The
reference is not even registered in ``sys.modules``; the assignment's module is (its
dataclass needs that).
"""

from __future__ import annotations

import importlib.util
import sys
from functools import cache
from pathlib import Path
from types import ModuleType

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
REFERENCE_PATH = REPO_ROOT / "reference" / "backprop.py"
EXERCISE_PATH = REPO_ROOT / "assignments" / "backprop" / "exercise.py"


@cache
def load_module(name: str, path: Path, *, register: bool = True) -> ModuleType:
    """Execute the Python file at ``path`` as a module called ``name`` (once per session).

    With ``register`` the module is put in ``sys.modules`` first, as ``import`` would.
    """
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    if register:
        sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module


@pytest.fixture(scope="session")
def reference() -> ModuleType:
    """The hidden reference solution, ``reference/backprop.py``."""
    return load_module("backprop_reference", REFERENCE_PATH, register=False)


@pytest.fixture
def exercise():
    """A fresh ``Exercise`` (x, y, learning rate, params) read from the bundled config."""
    return load_module("backprop_exercise", EXERCISE_PATH).load_exercise()
