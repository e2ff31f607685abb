"""The autodiff assignment's adversarial corpus: Values whose methods lie, graphs with a
cycle, a huge graph, a recursion bomb. Each attack is one cell added to the correct example
submission (generated from the reference: one source) that replaces only ``Value.backward``
or ``.grad``; its scores, by hand, keep the parts that never call what it attacks:
``operations`` (values only), ``local_derivatives`` (each node's ``_backward`` run by the
driver, not ``backward()``) and ``any_depth`` (NumPy). The batch must complete.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from autograder.core.config import load_assignment
from autograder.core.loader import discover
from autograder.engine.batch import Batch, run_batch
from autograder.sandbox import Limits

ASSIGNMENT = load_assignment("autodiff")
CORRECT = ASSIGNMENT.examples / "correct_script.py"
QUICK = Limits(cell_seconds=3.0, call_seconds=3.0, submission_seconds=40.0)
SPARED = {"operations": 2, "local_derivatives": 3, "backward": 0, "network": 0, "any_depth": 2}

ATTACKS = {  # name -> (what it does, the cell it adds, the points it keeps)
    "cycle": ('backward walks a graph with a cycle without a visited set', """\
# %%
# attack: a backward over a graph with a cycle and no visited set, growing its stack forever
def _walk_forever(self):
    self.grad = 1.0
    stack = [self]
    while stack:
        node = stack.pop()
        node._backward()
        stack.extend(node._prev)
        stack.extend([node, node])  # every node is its own child: the walk never ends


Value.backward = _walk_forever
""", SPARED),
    "huge_graph": ('backward first builds a graph of 10^8 nodes', """\
# %%
# attack: backward first builds a graph of a hundred million nodes
def _huge(self):
    v = Value(0.0)
    for _ in range(10**8):
        v = v + 1.0
    self.grad = 1.0


Value.backward = _huge
""", SPARED),
    "lying_grads": ('.grad is an object that lies about its value and equality', """\
# %%
# attack: .grad is an object that claims to be a real number, equal to anything, printing 1.0
import numbers


class _Liar:
    def __init__(self, v):
        self.v = float(v)

    def _of(self, other):
        return other.v if isinstance(other, _Liar) else float(other)

    def __add__(self, other):
        return _Liar(self.v + self._of(other))

    __radd__ = __add__

    def __mul__(self, other):
        return _Liar(self.v * self._of(other))

    __rmul__ = __mul__

    def __float__(self):
        return 0.0

    def __eq__(self, other):
        return True

    __hash__ = object.__hash__

    def __repr__(self):
        return "1.0"


numbers.Real.register(_Liar)
Value.grad = property(lambda self: _Liar(self.__dict__.get("_g", 0.0)),
                      lambda self, v: self.__dict__.__setitem__("_g", getattr(v, "v", v)))
""", {**SPARED, "local_derivatives": 0}),  # no chain rule gives numbers either
    "recursion_bomb": ('backward recurses without end past a raised recursion limit', """\
# %%
# attack: backward recurses without end past a raised recursion limit (a C stack overflow)
import sys

sys.setrecursionlimit(10**7)


def _deeper(n):
    return _deeper(n + 1) + 1


def _bomb(self):
    _deeper(0)


Value.backward = _bomb
""", SPARED),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Path:
    """Every attack written as a submission (the correct script, then its cell), graded."""
    root = tmp_path_factory.mktemp("adversarial-autodiff")
    correct = CORRECT.read_text(encoding="utf-8")
    for name, (_, cell, _) in ATTACKS.items():
        (root / f"{name}.py").write_text(f"{correct}\n\n{cell}", encoding="utf-8")
    out = root / "out"
    run_batch(Batch(ASSIGNMENT, ASSIGNMENT.hidden, discover([root]), out, 5, 2, limits=QUICK))
    return out


@pytest.mark.parametrize("student", sorted(ATTACKS))
def test_an_attack_loses_only_the_parts_that_call_what_it_attacks(graded, student):
    about, _, kept = ATTACKS[student]
    data = json.loads((graded / student / "results.json").read_text(encoding="utf-8"))
    got = dict.fromkeys(ASSIGNMENT.points, 0.0)
    for test in data["tests"]:
        got[test["tags"][0]] += test["score"]
    assert {p: round(v, 9) for p, v in got.items()} == {p: float(v) for p, v in kept.items()}, about
