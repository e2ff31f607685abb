"""The public oracle of the backprop checks: the lecture's definitions, computed here.

``autograder check`` and GitHub Classroom compare answers with this; the hidden grading
compares the same checks' answers with the reference. It needs no solution:

- σ, the forward pass, the cost and the update rule are the lecture's formulas;
- backward's answers come from the *definitions* δ^l = ∂C/∂z^l, ∂C/∂W^l, ∂C/∂b^l, derived
  numerically by the complex step, ∂f/∂θ = Im f(θ + ih) / h with h = 1e-30: exact to
  rounding (nothing is subtracted, so nothing cancels), never through BP1 to BP4.
"""

from __future__ import annotations

import numpy as np
from network import PARAMS, complex_step


def sigmoid(z):
    """σ(z) = 1 / (1 + e^(−z)), written as e^(−log(1 + e^(−z))) so it never overflows."""
    return np.exp(-np.logaddexp(0.0, -np.asarray(z, dtype=np.float64)))


def sigmoid_prime(z):
    """σ'(z) = σ(z)(1 − σ(z))."""
    s = sigmoid(z)
    return s * (1.0 - s)


def _sigma(z):
    """σ for real or complex z of moderate size (the complex step)."""
    return 1.0 / (1.0 + np.exp(-z))


def forward(x, params, sigma=sigmoid) -> dict:
    """a¹ = x; z^l = W^l a^(l−1) + b^l and a^l = σ(z^l) for l = 2, 3."""
    cache = {"a1": np.asarray(x, dtype=np.float64)}
    for layer in (2, 3):
        z = params[f"W{layer}"] @ cache[f"a{layer - 1}"] + params[f"b{layer}"]
        cache[f"z{layer}"], cache[f"a{layer}"] = z, sigma(z)
    return cache


def cost(a3, y):
    """C = ½‖y − a³‖² (squares, not |·|², so that the complex step goes through)."""
    return 0.5 * np.sum((np.asarray(y) - a3) ** 2)


def gradient(x, y, params) -> dict:
    """∂C/∂θ for every entry θ of W², b², W³, b³: Im C(θ + ih) / h (``network.py``)."""
    return complex_step(lambda nudged: cost(forward(x, nudged, _sigma)["a3"], y), params,
                        PARAMS)


def backward(y, params, cache) -> dict:
    """δ³, δ² and the gradients at the cache's z and a, by definition.

    The cache is a forward pass with z² = W² a¹ + b²' for b²' = z² − W² a¹ (the checks shift
    z² that way), so C as a function of that network's parameters gives ∂C/∂W and ∂C/∂b at
    the cache, and δ^l = ∂C/∂z^l = ∂C/∂b^l because z^l depends on b^l with slope 1.
    """
    a1 = np.asarray(cache["a1"], dtype=np.float64)
    params = {**params, "b2": np.asarray(cache["z2"]) - params["W2"] @ a1}
    grads = gradient(a1, y, params)
    return {"delta3": grads["b3"], "delta2": grads["b2"], **grads}


def update(params, grads, lr) -> dict:
    """W^l − η ∂C/∂W^l and b^l − η ∂C/∂b^l."""
    return {name: params[name] - lr * np.asarray(grads[name]) for name in PARAMS}


class LectureOracle:
    """The lecture, as the checks' oracle. It knows no catalogue of mistakes."""

    hidden = False
    sigmoid = staticmethod(sigmoid)
    sigmoid_prime = staticmethod(sigmoid_prime)
    forward = staticmethod(forward)
    backward = staticmethod(backward)
    update = staticmethod(update)

    @staticmethod
    def cost(a3, y) -> float:
        return float(cost(np.asarray(a3, dtype=np.float64), y))

    @staticmethod
    def name_mistake(fn: str, args: tuple, quantity: str, value: object, expected) -> str:
        """'' : naming a mistake needs the hidden catalogue."""
        return ""


def make_oracle(assignment) -> LectureOracle:
    return LectureOracle()
