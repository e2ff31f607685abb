"""The instructor's integrity record of one student: answers to fixed hidden probe cases,
judged here, and the student's code cells (``DIR/<student>/integrity.json``).

The probe cases are the hidden oracle's (``probes(rng)``, a :class:`Probe` each), drawn from
one rng that is the same for every student, so that two students' wrong answers can be
compared number by number (``autograder/instructor/integrity.py``). The sandboxed child
answers them like any other case, one round trip per probe; only plain numbers cross.

Each quantity gets one status: ``right`` (the checks' own tolerance), ``mistake`` (the
oracle names a catalogued one), ``stub`` (None, or all zeros: not written yet), ``none``
(no number: the call failed, a non-number or NaN came back), or ``wrong``, kept with its
numbers: an unexplained wrong answer. Written for the instructor only: no student's
results.json, feedback.md, Classroom or Gradescope output holds any of it.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from autograder.contract import Oracle, Probe, StudentCode, judge
from autograder.core.atomic import write_atomic
from autograder.core.compare import Tolerance

INTEGRITY_NAME = "integrity.json"
RIGHT, MISTAKE, STUB, NONE, WRONG = "right", "mistake", "stub", "none", "wrong"


Asked = list[tuple[Probe, list]]  # each probe with the oracle's answer to each of its cases


def fixed_probes(oracle: Oracle, rng: np.random.Generator) -> Asked:
    """The oracle's probes drawn from ``rng``, each with the oracle's own answers: the same
    for every student, so made once per grading session, not once per student."""
    probes = getattr(oracle, "probes", None)
    return [(probe, [getattr(oracle, probe.fn)(*args) for args in probe.cases])
            for probe in (probes(rng) if probes is not None else [])]


def probe_answers(code: StudentCode, oracle: Oracle, tol: Tolerance,
                  asked: Asked) -> dict[str, dict]:
    """``"fn: quantity"`` -> ``{"status": ..., "values": [...]}`` (values for ``wrong``
    only) for every probe ``asked`` (``fixed_probes``); {} when there is none."""
    found: dict[str, dict] = {}
    for probe, expected in asked:
        answers = code.call_many(probe.fn, probe.cases, probe.names)
        for key, quantity in probe.quantities:
            found[f"{probe.fn}: {quantity}"] = _quantity(oracle, tol, probe, expected, key,
                                                         quantity, answers)
    return found


def _quantity(oracle: Oracle, tol: Tolerance, probe: Probe, expected: list, key: str | None,
              quantity: str, answers: list) -> dict:
    """One quantity over the probe's cases: the worst case decides, in the order none, stub,
    mistake, wrong, right."""
    statuses, values = set(), []
    for args, answer, right in zip(probe.cases, answers, expected):
        value = answer.value if key is None or not answer.ok else (
            answer.value.get(key) if isinstance(answer.value, dict) else None)
        numbers = _numbers(value) if answer.ok else None
        if numbers is None:
            statuses.add(STUB if answer.ok and value is None else NONE)
            continue
        want = np.asarray(right if key is None else right[key], dtype=np.float64)
        values += numbers.tolist()
        if judge(value, want, tol).ok:
            statuses.add(RIGHT)
        elif not numbers.any():
            statuses.add(STUB)
        elif _named(oracle, probe.fn, args, quantity, value, want):
            statuses.add(MISTAKE)
        else:
            statuses.add(WRONG)
    status = next((s for s in (NONE, STUB, MISTAKE, WRONG) if s in statuses), RIGHT)
    return {"status": status, "values": values} if status == WRONG else {"status": status}


def _numbers(value: object) -> np.ndarray | None:
    """The answer's numbers, flat, or None when it is not finite numbers."""
    try:
        numbers = np.asarray(value, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        return None
    return numbers if numbers.size and np.isfinite(numbers).all() else None


def _named(oracle: Oracle, fn: str, args: tuple, quantity: str, value: object,
           want: np.ndarray) -> bool:
    """Whether the oracle names a catalogued mistake for this answer (as the checks do)."""
    name_mistake = getattr(oracle, "name_mistake", None)
    return bool(name_mistake and name_mistake(fn, args, quantity, value, want))


def write_integrity(folder: Path, probes: dict[str, dict], cells: list[str]) -> None:
    """``folder/integrity.json``: the probe answers and the student's own code cells."""
    write_atomic(folder / INTEGRITY_NAME, json.dumps({"probes": probes, "cells": cells}),
                 durable=False)  # the grading plugin syncs the student's folder after
