"""What the public checks and the hidden grader share: the lecture's forward pass computed
here, the random networks, the cache given to backward, and how a check fails.

Public: students may read it. Nothing here knows an answer beyond the lecture's formulas.
"""

from __future__ import annotations

import numpy as np
import pytest

PARAMS = ("W2", "b2", "W3", "b3")
EXTREMES = np.array([-1000.0, -50.0, -1.0, 0.0, 1.0, 50.0, 1000.0])


def sigma(z):
    """σ(z) = 1 / (1 + e^(−z)), written as e^(−log(1 + e^(−z))) so it never overflows."""
    return np.exp(-np.logaddexp(0.0, -np.asarray(z, dtype=np.float64)))


def lecture_forward(x, params) -> dict:
    """a¹ = x; z^l = W^l a^(l−1) + b^l and a^l = σ(z^l) for l = 2, 3."""
    cache = {"a1": np.asarray(x, dtype=np.float64)}
    for layer in (2, 3):
        z = params[f"W{layer}"] @ cache[f"a{layer - 1}"] + params[f"b{layer}"]
        cache[f"z{layer}"], cache[f"a{layer}"] = z, sigma(z)
    return cache


def random_network(rng: np.random.Generator) -> dict:
    """A 2-2-2 network: weights of a random scale in [0.3, 3], never symmetric; x, y, η."""
    scale = float(np.exp(rng.uniform(np.log(0.3), np.log(3.0))))
    params = {"W2": rng.normal(0, scale, (2, 2)), "b2": rng.normal(0, 1, 2),
              "W3": rng.normal(0, scale, (2, 2)), "b3": rng.normal(0, 1, 2)}
    for name in ("W2", "W3"):
        while abs(params[name][0, 1] - params[name][1, 0]) < 0.1:
            params[name][0, 1] += rng.choice([-0.5, 0.5])
    return {"x": rng.uniform(-1, 1, 2), "y": rng.uniform(0, 1, 2), "params": params,
            "lr": float(rng.uniform(0.05, 2.0))}


def given_cache(net: dict, rng: np.random.Generator) -> dict:
    """A cache that is a forward pass from a shifted z² (so that a = σ(z) and z³ = W³ a² + b³).

    Backprop reads z and a from the cache; a gradient of a fresh forward pass from x
    (numerical differentiation, or forward called again) does not match it.
    """
    params = net["params"]
    shift = rng.uniform(0.3, 0.8, 2) * rng.choice([-1, 1], 2)
    z2 = lecture_forward(net["x"], params)["z2"] + shift
    z3 = params["W3"] @ sigma(z2) + params["b3"]
    return {"a1": np.asarray(net["x"]), "z2": z2, "a2": sigma(z2), "z3": z3, "a3": sigma(z3)}


def verdict(problems: list[str]) -> None:
    """Fail the check with the first problem, and say how many cases failed in all."""
    problems = list(dict.fromkeys(p for p in problems if p))
    if problems:
        more = f" ({len(problems) - 1} more case(s) failed too.)" if len(problems) > 1 else ""
        pytest.fail(problems[0] + more, pytrace=False)


def tol(grading) -> tuple[float, float]:
    return grading.assignment.rtol, grading.assignment.atol
