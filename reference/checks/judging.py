"""How the backprop checks judge an answer and word the feedback, in the lecture's terms.

Feedback says what is wrong, how far off (relative error), what was expected *in words*
and, when the answer matches a catalogued mistake, names it. It never prints expected
numbers of hidden cases.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from autograder.compare import judge, matches
from autograder.sandbox.proxy import Answer

Wrong = Callable[[object], dict]  # a Mistake -> the quantities it gives on one case

LABELS = {
    "sigmoid": "σ(z)", "sigmoid_prime": "σ'(z)", "cost": "C",
    "z2": "z²", "a2": "a²", "z3": "z³", "a3": "a³",
    "delta3": "δ³", "delta2": "δ²", "W3": "∂C/∂W³", "b3": "∂C/∂b³", "W2": "∂C/∂W²", "b2": "∂C/∂b²",
    "new_W2": "the updated W²", "new_b2": "the updated b²",
    "new_W3": "the updated W³", "new_b3": "the updated b³",
}
EQUATIONS = {
    "sigmoid": "σ(z) = 1 / (1 + e^(−z)), elementwise, finite for large |z|",
    "sigmoid_prime": "σ'(z) = σ(z)(1 − σ(z)), elementwise",
    "cost": "C = ½‖y − a³‖² = ½ Σ_j (y_j − a³_j)²",
    "z2": "z² = W² a¹ + b²", "a2": "a² = σ(z²)", "z3": "z³ = W³ a² + b³", "a3": "a³ = σ(z³)",
    "delta3": "BP1: δ³ = (a³ − y) ⊙ σ'(z³)",
    "delta2": "BP2: δ² = (W³)ᵀ δ³ ⊙ σ'(z²)",
    "W3": "BP4: ∂C/∂W³ = δ³ (a²)ᵀ, i.e. ∂C/∂w³_jk = a²_k δ³_j",
    "b3": "BP3: ∂C/∂b³ = δ³",
    "W2": "BP4: ∂C/∂W² = δ² (a¹)ᵀ, i.e. ∂C/∂w²_jk = a¹_k δ²_j",
    "b2": "BP3: ∂C/∂b² = δ²",
    "new_W2": "W² − η ∂C/∂W²", "new_b2": "b² − η ∂C/∂b²",
    "new_W3": "W³ − η ∂C/∂W³", "new_b3": "b³ − η ∂C/∂b³",
}


def field(answer: Answer, key: str | None) -> tuple[object, str]:
    """The answer's value (or one entry of a returned dict), or why there is none."""
    if not answer.ok:
        return None, answer.error
    if key is None:
        return answer.value, ""
    if not isinstance(answer.value, dict):
        return None, "did not return a dict"
    if key not in answer.value:
        return None, f"returned no {key!r} entry"
    return answer.value[key], ""


def name_mistake(value: object, quantity: str, expected: np.ndarray, wrong: Wrong,
                 catalogue: tuple) -> str:
    """The catalogued mistake whose result the answer reproduces, as a feedback sentence.

    ``wrong(mistake)`` computes a mistake's quantities on this case; it runs only here,
    once a check has failed.
    """
    for misconception in catalogue:
        candidate = wrong(misconception.mistake).get(quantity)
        if candidate is None:
            continue
        candidate = np.asarray(candidate, dtype=np.float64)
        if candidate.shape == expected.shape and np.allclose(candidate, expected, rtol=1e-9):
            continue  # this mistake does not change this quantity here
        if matches(value, candidate):
            return f" This looks like {misconception.name} ({misconception.equation})."
    return ""


def check_case(answer: Answer, key: str | None, quantity: str, expected: np.ndarray,
               case: str, tol: tuple[float, float], wrong: Wrong | None = None,
               catalogue: tuple = (), call: str = "") -> str:
    """'' when right, else the feedback sentence for this case."""
    value, why = field(answer, key)
    label = LABELS.get(quantity, quantity)
    if why:
        return f"{call or label}: {why}"
    verdict = judge(value, np.asarray(expected, dtype=np.float64), *tol)
    if verdict.ok:
        return ""
    text = f"{label} {verdict.problem} on {case}"
    if verdict.rel_error is not None:
        text += f" (relative error {verdict.rel_error:.2g})"
    text += f". Expected {EQUATIONS.get(quantity, label)}."
    if wrong is None:
        return text
    return text + name_mistake(value, quantity, np.asarray(expected), wrong, catalogue)
