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

Roles: every assignment names its files the same way (``assignments/<name>/``)

- ``exercise.toml``: the config (``[assignment]``, ``[points]``, ``[tolerance]``,
  ``[imports]``) and the exercise's numbers;
- ``make_notebook.py`` writes the student notebook; ``examples/make_examples.py`` the example
  submissions (``examples_main``; ``--check`` says whether the committed ones are stale);
- ``exercise.py``: the support module beside the notebook (loads the exercise, draws it);
- ``checks.py``: the one check suite, ordinary pytest tests marked
  ``@pytest.mark.part(name, weight=1)``; a part's points (``[points]``) are shared among its
  checks by weight;
- ``cases.py``: what the checks try, drawn from ``grading.rng`` (extra ``hidden_only`` cases
  when ``grading.oracle.hidden``);
- ``feedback.py``: the wording of a failed check, in the lecture's terms (never an expected
  number);
- ``lecture.py``: the public oracle, ``make_oracle(assignment)`` giving an :class:`Oracle`
  whose ``hidden`` is False: the lecture's definitions, computed without a solution;
- ``driver.py`` (optional, ``driver`` in the config): run in the child after the student's
  cells, in their namespace, it turns the student's objects into plain numbers;
- ``hidden/oracle.py``: the hidden oracle (``hidden`` True): the reference's answers, and
  the catalogue of mistakes it can name; ``hidden/grading.toml``: the hidden cases' seed.

The checks import these modules by name (``from cases import ...``): the engine puts the
assignment's folder first on the import path and forgets any module of the same name that
another assignment's checks imported (``prefer_folders``; a generator or a test that imports
them calls it too).

Modules the assignments share live in ``assignments/shared/``; an assignment lists the ones
it uses among its ``support_files`` (``"../shared/network.py"``): they are copied beside the
student's code in the child and in the release, under their own names, and the checks
import them by name like the assignment's own modules.

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

from autograder.core.compare import Tolerance, Verdict, as_shape, close, judge, matches
from autograder.core.config import Assignment, load_assignment, read_config
from autograder.core.modules import load_module, prefer_folders
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
    "Oracle", "MakeOracle", "Probe",
    # what the engine gives the checks
    "StudentCode", "Grading", "Answer", "Assignment",
    # judging, in the grader
    "judge", "close", "matches", "as_shape", "Tolerance", "Verdict",
    # the config; a module from its path (the hidden oracle loads the reference so); the
    # assignment's own modules first on the import path (a generator imports its feedback)
    "load_assignment", "read_config", "load_module", "prefer_folders",
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


@dataclass(frozen=True)
class Probe:
    """A fixed hidden question for the instructor's integrity signals (``autograder grade``
    only): ``fn`` called on each ``args`` of ``cases`` (one round trip), and the
    ``quantities`` judged, each ``(key, quantity)`` as the checks name them (key None: the
    value itself). A hidden oracle that has ``probes(rng)`` gives these, drawn from ``rng``
    (the same for every student); it answers ``fn`` itself and names a catalogued mistake
    with ``name_mistake(fn, args, quantity, value, expected)``."""

    fn: str
    cases: list[tuple]
    names: tuple[str, ...]
    quantities: tuple[tuple[str | None, str], ...]


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
    of time, or a cell before it failed); when it raised, ``Answer.context`` may add what
    the child saw (the student's function it was raised in, notes, a missing attribute and
    the object's own attributes): untrusted short strings, for wording only.
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
