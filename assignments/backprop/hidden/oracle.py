"""The hidden oracle of the backprop checks: the reference solution and the catalogue of
mistakes (hidden: never released).

``autograder grade`` runs the assignment's one check suite with this oracle; the public
checks run it with the lecture's (``assignments/backprop/lecture.py``). Only this one
can name a mistake: the catalogue holds the correct algorithm with one switch flipped.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from autograder.contract import load_module, matches

HERE = Path(__file__).resolve().parent


class ReferenceOracle:
    """The reference's answers; ``name_mistake`` recognises a catalogued wrong variant."""

    hidden = True

    def __init__(self) -> None:
        ref = load_module(HERE / "backprop.py", "backprop_reference", register=True)
        self.sigmoid, self.sigmoid_prime = ref.sigmoid, ref.sigmoid_prime
        self.forward, self.cost = ref.forward, ref.cost
        self.backward, self.update = ref.backward, ref.update
        module = load_module(HERE / "misconceptions.py", "backprop_misconceptions",
                             register=True)
        self.catalogue = module.CATALOGUE

    def name_mistake(self, fn: str, args: tuple, quantity: str, value: object,
                     expected) -> str:
        """' This looks like <mistake> (<equation>).' when the answer is what a catalogued
        mistake gives on these inputs, else ''. Runs only once a check has failed."""
        expected = np.asarray(expected, dtype=np.float64)
        for misconception in self.catalogue:
            result = getattr(misconception.mistake, fn)(*args)
            candidate = result.get(quantity) if isinstance(result, dict) else result
            if candidate is None:
                continue
            candidate = np.asarray(candidate, dtype=np.float64)
            if candidate.shape == expected.shape and np.allclose(candidate, expected, rtol=1e-9):
                continue  # this mistake does not change this quantity here
            if matches(value, candidate):
                return f" This looks like {misconception.name} ({misconception.equation})."
        return ""


def make_oracle(assignment) -> ReferenceOracle:
    return ReferenceOracle()
