"""How the autodiff checks word a verdict (public: students read it).

A failed check says which method is wrong (``Value.__truediv__``), on which case, how far
off (relative error), what was expected *in words* (the forward rule, or the local
derivative and the chain rule) and, with the hidden oracle, which catalogued mistake the
answer reproduces. It never prints an expected number.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from cases import METHOD, WRITTEN

from autograder.contract import Tolerance, judge

HIDDEN_CASE = " (a hidden case: the public checks do not have it)"

# op -> the forward rule, and each operand's local derivative
RULES = {
    "add": ("out = a + b", {"a": "∂(a+b)/∂a = 1", "b": "∂(a+b)/∂b = 1"}),
    "sub": ("out = a − b", {"a": "∂(a−b)/∂a = 1", "b": "∂(a−b)/∂b = −1"}),
    "mul": ("out = a · b", {"a": "∂(a·b)/∂a = b", "b": "∂(a·b)/∂b = a"}),
    "truediv": ("out = a / b", {"a": "∂(a/b)/∂a = 1/b", "b": "∂(a/b)/∂b = −a/b²"}),
    "add_number": ("out = a + c", {"a": "∂(a+c)/∂a = 1"}),
    "radd": ("out = c + a", {"a": "∂(c+a)/∂a = 1"}),
    "sub_number": ("out = a − c", {"a": "∂(a−c)/∂a = 1"}),
    "rsub": ("out = c − a", {"a": "∂(c−a)/∂a = −1"}),
    "mul_number": ("out = a · c", {"a": "∂(a·c)/∂a = c"}),
    "rmul": ("out = c · a", {"a": "∂(c·a)/∂a = c"}),
    "truediv_number": ("out = a / c", {"a": "∂(a/c)/∂a = 1/c"}),
    "rtruediv": ("out = c / a", {"a": "∂(c/a)/∂a = −c/a²"}),
    "neg": ("out = −a", {"a": "∂(−a)/∂a = −1"}),
    "pow": ("out = a^n", {"a": "∂(a^n)/∂a = n·a^(n−1)"}),
    "exp": ("out = e^a", {"a": "∂e^a/∂a = e^a, which is out.data"}),
    "sigmoid": ("out = σ(a) = 1 / (1 + e^(−a))",
                {"a": "∂σ(a)/∂a = σ(a)(1 − σ(a)), from out.data = σ(a)"}),
}
# where a correct answer often comes from other operations (micrograd builds them so)
BUILT_FROM = {
    "sub": "+ and unary −", "sub_number": "+ and unary −", "rsub": "+ and unary −",
    "truediv": "* and **", "truediv_number": "*", "rtruediv": "* and **", "neg": "*",
    "radd": "+", "rmul": "*",
}
IMPLEMENT = {  # what a stub asks for, whatever its own text says
    "__add__": "out = a + b (b a Value or a number), with ∂out/∂a = 1 and ∂out/∂b = 1",
    "__mul__": "out = a · b, with ∂out/∂a = b and ∂out/∂b = a",
    "__pow__": "out = a^n for a number n, with ∂out/∂a = n·a^(n−1)",
    "exp": "out = e^a, with ∂out/∂a = e^a",
    "sigmoid": "out = σ(a) = 1 / (1 + e^(−a)), with ∂out/∂a = σ(a)(1 − σ(a))",
    "__neg__": "out = −a (for instance a · (−1))",
    "__sub__": "out = a − b (for instance a + (−b))",
    "__truediv__": "out = a / b (for instance a · b^(−1))",
    "__radd__": "out = c + a for a number c",
    "__rsub__": "out = c − a for a number c (for instance c + (−a))",
    "__rmul__": "out = c · a for a number c",
    "__rtruediv__": "out = c / a for a number c (for instance c · a^(−1))",
    "backward": "topological order, self.grad = 1, then each node's _backward once, "
                "output first",
    "network_gradients": "the 2-2-2 network from Values, C = ½‖y − a³‖², C.backward(), and "
                         "every w^l_jk's and b^l_j's .grad",
    "backprop_any": "the forward pass, then BP1 at the output, BP2 from the output back, "
                    "BP3 and BP4 for every layer",
}
LABELS = {"W2": "∂C/∂W²", "b2": "∂C/∂b²", "W3": "∂C/∂W³", "b3": "∂C/∂b³"}
NETWORK = "network_gradients(x, y, params)"
_IN_FUNCTION = re.compile(r", in (\w+)\)")
_METHODS = set(METHOD.values())


RETURN_A_VALUE = "every operation must return a new Value (end it with return out)."
# what the notebook's given __init__ defines: name -> (what it holds, the types that can)
GIVEN = {
    "_prev": ("its inputs", {"tuple", "set", "list", "frozenset"}),
    "_backward": ("its chain rule", {"function", "method", "partial"}),
    "grad": ("its gradient", {"float", "int", "float64"}),
    "data": ("its number", {"float", "int", "float64"}),
}
_GIVEN_OTHERS = {"_op"}
_CHECKED = re.compile(r"(?:Value\.)?(\w+)")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,59}")
_ATTRIBUTE = re.compile(r"([A-Za-z_][A-Za-z0-9_]{0,39})=([A-Za-z_][A-Za-z0-9_]{0,39})")
_NONE = re.compile(r"Value\.(\w+) returned None")



def _number(value: float) -> str:
    return f"{value:.6g}".replace("-", "−")


def method(name: str) -> str:
    """'Value.__truediv__ (a / b)': the method an operation calls, and how it is written."""
    return f"Value.{METHOD[name]} ({WRITTEN[name]})"


def explain(error: str, what: str, context: dict[str, str] | None = None) -> str:
    """An error in words: the cause first where it is known (a stub's NotImplementedError
    names the method to write; a given attribute replaced; an operation that returned
    None), then the error, naming your function it was raised in when that is not the one
    checked. ``context`` is what the child saw (untrusted words: only names are taken from
    it). (Where the driver itself raised, the error names no cell: the child reports only
    the student's.)"""
    if error.startswith("NotImplementedError"):
        inner = _IN_FUNCTION.search(error)
        stub = inner.group(1) if inner and inner.group(1) in IMPLEMENT else ""
        if stub:
            owner = stub if stub in ("network_gradients", "backprop_any") else f"Value.{stub}"
            text = f"{owner} is not implemented yet: implement {IMPLEMENT[stub]}"
            return text if what.startswith(owner) else f"{what}: {text}"
    context = context or {}
    checked = _CHECKED.match(what)
    checked = checked.group(1) if checked else ""
    raised_in = _name(context.get("function", ""))
    said = (f"{raised_in}, which it uses, raised {error}" if raised_in and raised_in != checked
            else error)
    returner = _returned_none(context, checked)
    if returner and returner == checked:
        return f"{what}: it returned None: {RETURN_A_VALUE}"
    first = cause_of(context)
    if not first:
        return f"{what}: {said}"
    name = next((n for n in BUILT_FROM if what == method(n)), "") if returner else ""
    hint = (f" If your {WRITTEN[name]} is built from {BUILT_FROM[name]}, check their rules "
            "too." if name else "")
    return f"{what}: {first}{hint} {said}" + ("" if said.endswith(".") else ".")


def _name(text: str) -> str:
    """A Python name from the child's words, or '' (they are the student's: untrusted)."""
    return text if _NAME.fullmatch(text) else ""


def given_replaced(context: dict[str, str]) -> str:
    """'the given __init__ defines _prev: keep it (your Value stores its inputs in
    _children).' when a Value lacks an attribute the given __init__ defines, else ''."""
    missing = context.get("missing", "")
    if context.get("owner") != "Value" or missing not in GIVEN:
        return ""
    holds, kinds = GIVEN[missing]
    pairs = [m.groups() for m in map(_ATTRIBUTE.fullmatch, context.get("attributes", "")
                                     .split(", ")[:24]) if m]
    instead = [n for n, kind in pairs if kind in kinds and n not in GIVEN and n not in
               _GIVEN_OTHERS]
    where = f" (your Value stores {holds} in {instead[0]})" if len(instead) == 1 else ""
    return f"the given __init__ defines {missing}: keep it{where}."


def _returned_none(context: dict[str, str], checked: str) -> str:
    """The operation the driver found returning None (the checked one first), or ''."""
    found = [m for m in _NONE.findall(context.get("notes", "")) if m in _METHODS]
    return checked if checked in found else (found[0] if found else "")


def cause_of(context: dict[str, str]) -> str:
    """The cause of an error as a sentence, when it is one the checks know from what the
    child saw (a given attribute replaced, an operation that returned None); else ''."""
    returner = _returned_none(context, "")
    return given_replaced(context) or (f"Value.{returner} returned None: {RETURN_A_VALUE}"
                                       if returner else "")


def entry(answer, key: str, what: str) -> tuple[object, str]:
    """One entry of the answer's dict, or why there is none."""
    if not answer.ok:
        return None, explain(answer.error, what, answer.context)
    if not isinstance(answer.value, dict) or key not in answer.value:
        return None, f"{what}: the driver got no {key!r} back"
    return answer.value[key], ""


def judged(value, expected, tol: Tolerance) -> tuple[bool, str]:
    """(right, 'has wrong values (relative error 2)')."""
    verdict = judge(value, np.asarray(expected, dtype=np.float64), tol)
    if verdict.ok:
        return True, ""
    text = verdict.problem
    if verdict.rel_error is not None:
        text += f" (relative error {verdict.rel_error:.2g})"
    return False, text


def case_name(expression) -> str:
    return expression.name + (HIDDEN_CASE if expression.hidden_only else "")


def on_case(expression) -> str:
    """'on random tree 2 (…)', or for one operation, whose method and written form the
    message has already named, only its inputs: 'at a = 1.25, b = −0.5'."""
    written = WRITTEN[expression.nodes[-1][0]] + " at "
    if len(expression.nodes) == 1 and expression.name.startswith(written):
        return "at " + case_name(expression).removeprefix(written)
    return f"on {case_name(expression)}"


def value_problem(answer, expression, expected, tol: Tolerance) -> str:
    """'' when the one operation's value is right, else what is wrong."""
    name = expression.nodes[-1][0]
    value, why = entry(answer, "value", method(name))
    if why:
        return why
    ok, problem = judged(value, expected["value"], tol)
    if ok:
        return ""
    return (f"{method(name)}: out.data {problem} {on_case(expression)}. "
            f"Expected {RULES[name][0]}.")


def local_problem(answer, expression, expected, tol: Tolerance) -> str:
    """'' when the one operation's chain rule gives every operand its right share."""
    name = expression.nodes[-1][0]
    what = method(name)
    value, why = entry(answer, "value", what)
    grads, why = (None, why) if why else entry(answer, "grads", what)
    if why:
        return why
    ok, problem = judged(value, expected["value"], tol)
    if not ok:
        return (f"{what}: out.data {problem} {on_case(expression)}, so its "
                f"derivatives cannot be right either. Expected {RULES[name][0]}.")
    grads = np.asarray(grads, dtype=np.float64).reshape(-1)
    if grads.shape != expected["grads"].shape:
        return f"{what}: {grads.size} leaf gradients for {expected['grads'].size} leaves"
    for operand, (got, want) in zip("ab", zip(grads, expected["grads"])):
        ok, problem = judged(np.array(got), np.array(want), tol)
        if ok:
            continue
        built = (f" If your {WRITTEN[name]} is built from {BUILT_FROM[name]}, check "
                 "their rules too." if name in BUILT_FROM else "")
        return (f"{what}: {operand}.grad {problem} {on_case(expression)} with "
                f"out.grad = {_number(expression.upstream)}. Expected {RULES[name][1][operand]}, "
                f"times out.grad (the chain rule: {operand}.grad += ∂out/∂{operand} · "
                f"out.grad).{built}")
    return ""


def backward_problem(answer, expression, expected, tol: Tolerance) -> str:
    """'' when backward gives the right value and every leaf's gradient."""
    what = "Value.backward()"
    value, why = entry(answer, "value", what)
    grads, why = (None, why) if why else entry(answer, "grads", what)
    if why:
        return why
    ok, problem = judged(value, expected["value"], tol)
    if not ok:
        return (f"{what}: the output's .data {problem} on {case_name(expression)}: an "
                "operation's forward rule is off there (see the operations part)")
    ok, problem = judged(grads, expected["grads"], tol)
    if ok:
        return ""
    return (f"{what}: the gradient of the leaves {problem} on {case_name(expression)}. Expected "
            "∂f/∂leaf for every leaf: each node's chain rule run once, in reverse "
            "topological order (every node after all the nodes that use it), from "
            "f.grad = 1, each contribution added (+=).")


def verdict(problems: list[str]) -> None:
    """Fail the check with the first problem, and say how many more cases failed."""
    problems = list(dict.fromkeys(p for p in problems if p))
    if problems:
        more = f" ({len(problems) - 1} more case(s) failed too.)" if len(problems) > 1 else ""
        pytest.fail(problems[0] + more, pytrace=False)


ANY_DEPTH = "backprop_any(x, y, weights, biases)"
_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def up(layer: int) -> str:
    """A layer number as a superscript: 12 -> ¹²."""
    return str(layer).translate(_SUPERSCRIPT)


def deep_label(key: str) -> str:
    """'W3' -> '∂C/∂W³'."""
    return f"∂C/∂{key[0]}{up(int(key[1:]))}"


def deep_rule(key: str, last: int) -> str:
    """The equations that give ∂C/∂W^l or ∂C/∂b^l of a network whose output layer is ``last``."""
    layer = int(key[1:])
    delta = (f"BP1 δ{up(last)} = (a{up(last)} − y) ⊙ σ'(z{up(last)})" if layer == last else
             f"BP2 δ{up(layer)} = (W{up(layer + 1)})ᵀ δ{up(layer + 1)} ⊙ σ'(z{up(layer)}), from "
             f"BP1 δ{up(last)} = (a{up(last)} − y) ⊙ σ'(z{up(last)}) back")
    own = (f"BP4 ∂C/∂W{up(layer)} = δ{up(layer)} (a{up(layer - 1)})ᵀ" if key[0] == "W" else
           f"BP3 ∂C/∂b{up(layer)} = δ{up(layer)}")
    return f"{delta}, and {own}"
