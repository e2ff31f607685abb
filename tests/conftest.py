"""Shared fixtures.

``reference/`` is deliberately not an installed package (student code must never be able
to import it), so it and the assignment's loader are loaded here by file path. The
reference is not even registered in ``sys.modules``; the assignment's module is (its
dataclass needs that), and the modules the assignments share are on ``sys.path``.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

from autograder.core.modules import load_module, prefer_folders

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED = REPO_ROOT / "assignments" / "shared"  # network.py, which exercise.py imports
prefer_folders(SHARED)
REFERENCE_PATH = REPO_ROOT / "assignments" / "backprop" / "hidden" / "backprop.py"
EXERCISE_PATH = REPO_ROOT / "assignments" / "backprop" / "exercise.py"



def patch(source: str, patches, label: str = "") -> str:
    """``source`` with each ``(old, new)`` of ``patches`` applied: a submission with one
    mistake, made from a correct one at test time. Each old text occurs exactly once."""
    for old, new in patches:
        assert source.count(old) == 1, f"{label}: {old!r} occurs {source.count(old)} times"
        source = source.replace(old, new)
    return source


@pytest.fixture(scope="session")
def reference() -> ModuleType:
    """The hidden reference solution, ``reference/backprop.py``."""
    return load_module(REFERENCE_PATH, "backprop_reference")


@pytest.fixture
def exercise():
    """A fresh ``Exercise`` (x, y, learning rate, params) read from the bundled config."""
    return load_module(EXERCISE_PATH, "backprop_exercise", register=True).load_exercise()
