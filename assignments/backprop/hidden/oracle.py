"""The hidden oracle of the backprop checks: the reference solution and the catalogue of
mistakes (hidden: never released).

``autograder grade`` runs the assignment's one check suite with this oracle; the public
checks run it with the lecture's (``assignments/backprop/lecture.py``). Only this one
can name a mistake: the catalogue holds the correct algorithm with one switch flipped.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from autograder.contract import Probe, as_shape, close, load_module, matches

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
        mistake gives on these inputs, else ''. Runs only once a check has failed.

        Each mistake runs twice: on the inputs as the checks give them (1-D vectors) and
        on the same inputs as columns (n, 1), as code in Nielsen's style holds them; the two
        differ where broadcasting does ((W³)ᵀ * δ³ with a column δ³ scales rows, not
        columns). The answer may come in any shape the checks accept: (n,), (n, 1), lists.
        """
        expected = np.asarray(expected, dtype=np.float64)
        for misconception in self.catalogue:
            for inputs in (args, _as_columns(args)):
                result = getattr(misconception.mistake, fn)(*inputs)
                candidate = result.get(quantity) if isinstance(result, dict) else result
                if candidate is None:
                    continue
                candidate = np.asarray(candidate, dtype=np.float64)
                same = as_shape(candidate, expected.shape)
                if same is not None and close(same, expected, 1e-9, 1e-8):
                    continue  # this mistake does not change this quantity here
                if matches(value, candidate):
                    return f" This looks like {misconception.name} ({misconception.equation})."
        return ""


    def probes(self, rng: np.random.Generator) -> list[Probe]:
        """The integrity probes (``autograder/engine/probes.py``): every function once, on
        two random networks (correct inputs from this oracle), one round trip each."""
        from cases import random_network  # the checks' own generator (prefer_folders)

        nets = [random_network(rng) for _ in range(2)]
        caches = [self.forward(n["x"], n["params"]) for n in nets]
        grads = [self.backward(n["y"], n["params"], c) for n, c in zip(nets, caches)]
        zs = [(rng.normal(0.0, 3.0, 6),)]
        keys = ("W2", "b2", "W3", "b3")
        return [
            Probe("sigmoid", zs, ("z",), ((None, "sigmoid"),)),
            Probe("sigmoid_prime", zs, ("z",), ((None, "sigmoid_prime"),)),
            Probe("forward", [(n["x"], n["params"]) for n in nets], ("x", "params"),
                  tuple((k, k) for k in ("z2", "a2", "z3", "a3"))),
            Probe("cost", [(c["a3"], n["y"]) for n, c in zip(nets, caches)], ("a3", "y"),
                  ((None, "cost"),)),
            Probe("backward", [(n["y"], n["params"], c) for n, c in zip(nets, caches)],
                  ("y", "params", "cache"),
                  tuple((k, k) for k in ("delta3", "delta2", "W3", "b3", "W2", "b2"))),
            Probe("update", [(n["params"], {k: g[k] for k in keys}, n["lr"])
                             for n, g in zip(nets, grads)], ("params", "grads", "lr"),
                  tuple((k, f"new_{k}") for k in keys)),
        ]


def _as_columns(value):
    """The checks' inputs with every 1-D vector a column (n, 1); matrices and numbers kept."""
    if isinstance(value, tuple):
        return tuple(_as_columns(v) for v in value)
    if isinstance(value, dict):
        return {k: _as_columns(v) for k, v in value.items()}
    if isinstance(value, np.ndarray) and value.ndim == 1:
        return value.reshape(-1, 1)
    return value


def make_oracle(assignment) -> ReferenceOracle:
    return ReferenceOracle()
