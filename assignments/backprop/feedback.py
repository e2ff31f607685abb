"""How the backprop checks word a verdict, in the lecture's terms (public: students read it).

A failed check says which function is wrong, on which case, how far off (relative error),
what was expected *in words* (the lecture's equation) and, with the hidden oracle, which
catalogued mistake the answer reproduces. It never prints an expected number.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pytest

from autograder.contract import Tolerance, judge

LABELS = {
    "sigmoid": "σ(z)", "sigmoid_prime": "σ'(z)", "cost": "C",
    "a1": "a¹", "z2": "z²", "a2": "a²", "z3": "z³", "a3": "a³",
    "delta3": "δ³", "delta2": "δ²", "W3": "∂C/∂W³", "b3": "∂C/∂b³", "W2": "∂C/∂W²", "b2": "∂C/∂b²",
    "new_W2": "the updated W²", "new_b2": "the updated b²",
    "new_W3": "the updated W³", "new_b3": "the updated b³",
}
EQUATIONS = {
    "sigmoid": "σ(z) = 1 / (1 + e^(−z)), elementwise, finite for large |z| (for z ≪ 0 use "
               "e^z / (1 + e^z))",
    "sigmoid_prime": "σ'(z) = σ(z)(1 − σ(z)), elementwise",
    "cost": "C = ½‖y − a³‖² = ½ Σ_j (y_j − a³_j)², one number",
    "a1": "a¹ = x, the input itself",
    "z2": "z² = W² a¹ + b², where W2[j, k] = w²_jk, so Σ_k w²_jk a¹_k is W2 @ a1",
    "a2": "a² = σ(z²)",
    "z3": "z³ = W³ a² + b³, with the hidden layer's output a² as the input of layer 3",
    "a3": "a³ = σ(z³): the output layer uses σ as well",
    "delta3": "BP1: δ³ = (a³ − y) ⊙ σ'(z³), with a³ and z³ read from the cache",
    "delta2": "BP2: δ² = (W³)ᵀ δ³ ⊙ σ'(z²), with z² read from the cache",
    "W3": "BP4: ∂C/∂w³_jk = a²_k δ³_j, i.e. ∂C/∂W³ = δ³ (a²)ᵀ",
    "b3": "BP3: ∂C/∂b³ = δ³",
    "W2": "BP4: ∂C/∂w²_jk = a¹_k δ²_j, i.e. ∂C/∂W² = δ² (a¹)ᵀ",
    "b2": "BP3: ∂C/∂b² = δ²",
    "new_W2": "W² − η ∂C/∂W²", "new_b2": "b² − η ∂C/∂b²",
    "new_W3": "W³ − η ∂C/∂W³", "new_b3": "b³ − η ∂C/∂b³",
}
CALLS = {
    "sigmoid": "sigmoid(z)", "sigmoid_prime": "sigmoid_prime(z)", "forward": "forward(x, params)",
    "cost": "cost(a3, y)", "backward": "backward(y, params, cache)",
    "update": "update(params, grads, lr)",
}
IMPLEMENT = {  # what a stub asks for, whatever its own text says
    "sigmoid": "σ(z) = 1 / (1 + e^(−z)), elementwise",
    "sigmoid_prime": "σ'(z) = σ(z)(1 − σ(z)), elementwise",
    "forward": "z^l = W^l a^(l−1) + b^l and a^l = σ(z^l) for l = 2, 3",
    "cost": "C = ½‖y − a³‖²",
    "backward": "BP1 to BP4: δ³, δ², then ∂C/∂b = δ and ∂C/∂W = δ (a^(l−1))ᵀ",
    "update": "W^l ← W^l − η ∂C/∂W^l and b^l ← b^l − η ∂C/∂b^l",
}
HIDDEN_CASE = " (a hidden case: the public checks do not have it)"
_IN_FUNCTION = re.compile(r", in (\w+)\)")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,59}")


OVERFLOW = ("e^(−z) is too large for a float when z ≪ 0 (e^1000 is past the largest float, "
            "about 1.8e308)")


def explain(error: str, fn: str, context: dict[str, str] | None = None) -> str:
    """An error of ``fn`` in words: the cause first in the lecture's terms where it is known
    (a stub's NotImplementedError names the function to write; an overflow of math.exp is
    σ's e^(−z), with σ's equation), then the error itself, naming the function of the
    student's it was raised in when that is not ``fn`` (``context``, from the child)."""
    if error.startswith("NotImplementedError"):
        inner = _IN_FUNCTION.search(error)
        stub = inner.group(1) if inner and inner.group(1) in IMPLEMENT else fn
        text = f"{stub} is not implemented yet: implement {IMPLEMENT[stub]}"
        return text if stub == fn else f"{CALLS[fn]}: {text}"
    raised_in = _identifier((context or {}).get("function", ""))
    elsewhere = raised_in and raised_in != fn
    raised = f"{raised_in}, which {fn} uses, raised {error}" if elsewhere else error
    if error.startswith("OverflowError: math range error"):
        return f"{CALLS[fn]}: {OVERFLOW}: {raised}. Expected {EQUATIONS['sigmoid']}."
    return f"{CALLS[fn]}: {raised}"


def _identifier(text: str) -> str:
    """A Python name from the child's words, or '' (they are the student's: untrusted)."""
    return text if _NAME.fullmatch(text) else ""


def entry(answer, key: str | None, fn: str) -> tuple[object, str]:
    """The answer's value (or one entry of its dict), or why there is none."""
    if not answer.ok:
        return None, explain(answer.error, fn, answer.context)
    if key is None:
        return answer.value, ""
    if not isinstance(answer.value, dict):
        return None, f"{CALLS[fn]} did not return a dict"
    if key not in answer.value:
        return None, f"{CALLS[fn]} returned no {key!r} entry"
    return answer.value[key], ""


def check_value(answer, key: str | None, quantity: str, expected, case: str, fn: str,
                tol: Tolerance, name_mistake: Callable[[object], str] | None = None) -> str:
    """'' when right, else the feedback sentence for this case.

    ``name_mistake(value)``, called only for a wrong value, names the catalogued mistake
    it reproduces ('' when none; the public oracle has no catalogue).
    """
    value, why = entry(answer, key, fn)
    if why:
        return why
    verdict = judge(value, np.asarray(expected, dtype=np.float64), tol)
    if verdict.ok:
        return ""
    label = LABELS.get(quantity, quantity)
    text = f"{CALLS[fn]}: {label} {verdict.problem} on {case}"
    if verdict.rel_error is not None:
        text += f" (relative error {verdict.rel_error:.2g})"
    if verdict.float32:
        return text + (": it was computed in float32 (np.float32 arrays, say); compute in "
                       "float64, numpy's default")
    text += f". Expected {EQUATIONS.get(quantity, label)}."
    return text + (name_mistake(value) if name_mistake is not None else "")


def sentence(text: str) -> str:
    """``text`` ending with a full stop (a problem said before another sentence)."""
    text = text.rstrip()
    return text if text.endswith((".", "!", "?")) else text + "."


def verdict(problems: list[str]) -> None:
    """Fail the check with the first problem, and say how many more cases failed."""
    problems = list(dict.fromkeys(p for p in problems if p))
    if problems:
        more = f" ({len(problems) - 1} more case(s) failed too.)" if len(problems) > 1 else ""
        pytest.fail(problems[0] + more, pytrace=False)
