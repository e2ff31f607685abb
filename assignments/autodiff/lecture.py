"""The public oracle of the autodiff checks: the lecture's calculus, computed here, with no
solution.

``autograder check`` and GitHub Classroom compare your answers with this; the hidden
grading compares the same checks' answers with the reference. It knows no reverse mode:

- an expression's value is plain float arithmetic of its description, node by node;
- its derivatives come from the *complex step*, ∂f/∂x = Im f(x + ih) / h with h = 1e-30:
  the same arithmetic on complex numbers, exact to rounding (nothing is subtracted, so
  nothing cancels), one evaluation per leaf: forward mode, not back-propagation;
- the network's ∂C/∂W and ∂C/∂b likewise, from C = ½‖y − σ(W³σ(W²x + b²) + b³)‖², and
  those of a network of any depth from C = ½‖y − a^L‖², a^l = σ(W^l a^(l−1) + b^l).
"""

from __future__ import annotations

import cmath
import math

import numpy as np
from network import PARAMS, H, complex_step


def power(a, n):
    """a ** n; an integer n by repeated multiplication (exact for the complex step: a
    complex power through the logarithm would lose the tiny imaginary part near a < 0)."""
    if float(n).is_integer():
        k, result = int(n), 1.0
        for _ in range(abs(k)):
            result = result * a
        return result if k >= 0 else 1.0 / result
    return a ** n


def exp(a):
    return cmath.exp(a) if isinstance(a, complex) else math.exp(a)


def sigmoid(a):
    """σ(a) = 1 / (1 + e^(−a)); for real a < 0 as e^a / (1 + e^a), which never overflows."""
    if isinstance(a, complex):
        return 1.0 / (1.0 + cmath.exp(-a))
    if a >= 0:
        return 1.0 / (1.0 + math.exp(-a))
    e = math.exp(a)
    return e / (1.0 + e)


def apply(name: str, a, b):
    """One operation of an expression; ``a`` is the first operand, ``b`` the second (a
    value or a number c or n), real or complex."""
    rules = {
        "add": lambda: a + b, "add_number": lambda: a + b, "radd": lambda: b + a,
        "sub": lambda: a - b, "sub_number": lambda: a - b, "rsub": lambda: b - a,
        "mul": lambda: a * b, "mul_number": lambda: a * b, "rmul": lambda: b * a,
        "truediv": lambda: a / b, "truediv_number": lambda: a / b, "rtruediv": lambda: b / a,
        "neg": lambda: -a, "pow": lambda: power(a, b), "exp": lambda: exp(a),
        "sigmoid": lambda: sigmoid(a),
    }
    return rules[name]()


def evaluate(expression, leaves=None) -> list:
    """The value of every operand (the leaves, then each node), in real or complex numbers."""
    values = list(expression.leaves if leaves is None else leaves)
    for name, a, b in expression.nodes:
        second = values[int(b)] if expression.takes_value(name) else b
        values.append(apply(name, values[int(a)], second))
    return values


def value(expression) -> float:
    """The output's value, by float arithmetic."""
    return float(evaluate(expression)[-1])


def gradients(expression) -> np.ndarray:
    """∂(output)/∂(leaf i) for every leaf: Im f(leaf_i + ih) / h."""
    grads = []
    for i in range(len(expression.leaves)):
        leaves = [complex(v) for v in expression.leaves]
        leaves[i] += 1j * H
        grads.append(evaluate(expression, leaves)[-1].imag / H)
    return np.array(grads, dtype=np.float64)


def network_cost(x, y, params):
    """C = ½‖y − a³‖², a^l = σ(W^l a^(l−1) + b^l), a¹ = x (for real or complex params)."""
    a = np.asarray(x, dtype=np.float64)
    for layer in (2, 3):
        z = params[f"W{layer}"] @ a + params[f"b{layer}"]
        a = np.array([sigmoid(complex(v)) for v in z])
    return 0.5 * np.sum((np.asarray(y, dtype=np.float64) - a) ** 2)


def network_gradients(x, y, params) -> dict:
    """∂C/∂θ for every entry θ of W², b², W³, b³: Im C(θ + ih) / h (``network.py``)."""
    return complex_step(lambda nudged: network_cost(x, y, nudged), params, PARAMS)


def deep_cost(x, y, params):
    """C = ½‖y − a^L‖² of a network of any depth ({"W2", "b2", ..., "WL", "bL"})."""
    a = np.asarray(x, dtype=np.float64)
    for layer in layers(params):
        z = params[f"W{layer}"] @ a + params[f"b{layer}"]
        a = 1.0 / (1.0 + np.exp(-z))
    return 0.5 * np.sum((np.asarray(y, dtype=np.float64) - a) ** 2)


def layers(params) -> list[int]:
    """The layer numbers l of W^l in ``params``, in order (2, 3, ..., L)."""
    return sorted(int(key[1:]) for key in params if key.startswith("W"))


def deep_gradients(x, y, params) -> dict:
    """∂C/∂θ for every entry θ of every W^l and b^l: Im C(θ + ih) / h (``network.py``)."""
    return complex_step(lambda nudged: deep_cost(x, y, nudged), params)


class LectureOracle:
    """The lecture's calculus as the checks' oracle. It knows no catalogue of mistakes."""

    hidden = False

    @staticmethod
    def value(expression) -> dict:
        return {"value": value(expression)}

    @staticmethod
    def local(expression) -> dict:
        """What the operations' chain rules alone give with output.grad = upstream."""
        return {"value": value(expression),
                "grads": expression.upstream * gradients(expression)}

    @staticmethod
    def gradients(expression) -> dict:
        return {"value": value(expression), "grads": gradients(expression)}

    @staticmethod
    def network(x, y, params) -> dict:
        return network_gradients(x, y, params)

    @staticmethod
    def any_depth(x, y, params) -> dict:
        return deep_gradients(x, y, params)

    @staticmethod
    def mistakes(kind: str, args: tuple, value: object) -> list[str]:
        """None known: naming a mistake needs the hidden catalogue."""
        return []


def make_oracle(assignment) -> LectureOracle:
    return LectureOracle()
