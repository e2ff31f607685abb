"""The plug-in contract: what an assignment may rely on, and what it must provide.

As pytest's ``hookspec.py`` declares the hooks that plugins implement, this module declares
the two sides of an assignment: what the engine gives its checks (the ``submission`` and
``grading`` fixtures, ``autograder/engine/plugin.py`` implements them) and what the
assignment gives the engine (an oracle from ``make_oracle(assignment)``). An assignment's
checks, oracles and generators import from here, and from nowhere else in the engine::

    from autograder.contract import Grading, StudentCode, judge

It is released with every assignment (checks run in the student's own ``autograder
check``): nothing here holds or reaches a solution. The authoring helpers (nbgrader cells,
stubs, signatures, ``examples_main``) load on first use, so that the checks, imported in
every grading worker, do not import nbformat.

The checks: each takes the fixtures it needs, ``submission`` (:class:`StudentCode`: the
student's code in a sandboxed child; only plain float data crosses, as an
:class:`Answer`) and ``grading`` (:class:`Grading`: the config, the check's rng, the oracle),
and judges each answer here, in the grader, with :func:`judge` and the config's
:class:`Tolerance`. A failed check says what is wrong with ``pytest.fail(text,
pytrace=False)``; one suite runs with the public oracle (``autograder check``) and the hidden
one (``autograder grade``), so both give the same parts, weights and wording.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

from autograder.core.compare import Tolerance, Verdict, as_shape, judge, matches
from autograder.core.config import Assignment, load_assignment, read_config
from autograder.core.modules import load_module
from autograder.sandbox.proxy import Answer

if TYPE_CHECKING:
    from autograder.contract.authoring import (  # noqa: F401 - the lazy names, for checkers
        BEGIN_SOLUTION,
        END_SOLUTION,
        examples_main,
        is_solution_cell,
        nbgrader_cell,
        nbgrader_metadata,
        plain_signature,
        public_functions,
        split_function,
        stale_files,
        stub_functions,
        write_files,
    )

__all__ = [
    # what the assignment provides
    "Oracle", "MakeOracle",
    # what the engine gives the checks
    "StudentCode", "Grading", "Answer", "Assignment",
    # judging, in the grader
    "judge", "matches", "as_shape", "Tolerance", "Verdict",
    # the config, and a module from its path (the hidden oracle loads the reference so)
    "load_assignment", "read_config", "load_module",
    # authoring (make_notebook.py, examples/make_examples.py): loaded on first use
    "BEGIN_SOLUTION", "END_SOLUTION", "examples_main", "is_solution_cell", "nbgrader_cell",
    "nbgrader_metadata", "plain_signature", "public_functions", "split_function",
    "stale_files", "stub_functions", "write_files",
]

# ------------------------------------------------------------------ the assignment provides


@runtime_checkable
class Oracle(Protocol):
    """What the checks compare answers with: ``make_oracle(assignment)`` of the public
    oracle module (``lecture.py``) or of the hidden one (``hidden/oracle.py``).

    ``hidden`` says which: the checks add their hidden-only cases, and name catalogued
    mistakes, only when it is True. Beyond it an oracle has one method per question the
    checks ask (the answers the student's functions must give, as float arrays or dicts
    of them), the same methods in the public and the hidden oracle of an assignment, and a
    way to name a catalogued mistake that the public oracle answers with nothing.
    """

    hidden: bool


class MakeOracle(Protocol):
    """An oracle module's ``make_oracle``: called once per grading run."""

    def __call__(self, assignment: Assignment) -> Oracle: ...


# ------------------------------------------------------------------ the engine provides


class StudentCode(Protocol):
    """The ``submission`` fixture: one student's loaded code, reachable only through calls.

    ``fn`` is a name the student's cells (or the assignment's driver) define in the child;
    the arguments go as plain data (float arrays, numbers, dicts of them). ``names`` name
    the arguments in messages; with ``watch`` the answer lists the arguments ``fn`` changed
    in place (``Answer.mutated``, said by the child: feedback only, never points). An
    answer's ``error`` says why there is no value (the function is missing, raised, ran out
    of time, or a cell before it failed).
    """

    def call(self, fn: str, *args: object, names: tuple[str, ...] = (),
             watch: bool = False) -> Answer:
        """``fn(*args)`` run in the child."""
        ...

    def call_many(self, fn: str, batch: list[tuple], names: tuple[str, ...] = (),
                  watch: bool = False) -> list[Answer]:
        """``fn(*args)`` for every ``args`` of ``batch``, in one round trip."""
        ...


@dataclass
class Grading:
    """The ``grading`` fixture: the config, a fresh rng per check (from the seed, the
    check's name and the submission's bytes) and the oracle (public or hidden)."""

    assignment: Assignment
    rng: np.random.Generator
    oracle: Oracle


# ------------------------------------------------------------------ authoring, on first use

_AUTHORING = frozenset(__all__[__all__.index("BEGIN_SOLUTION"):])


def __getattr__(name: str) -> object:
    if name in _AUTHORING:
        return getattr(importlib.import_module("autograder.contract.authoring"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
