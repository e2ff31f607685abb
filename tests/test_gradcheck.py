"""The public gradient check (assignments/backprop/gradcheck.py) on plain Python functions.

A stand-in for the sandbox proxy calls the reference's functions in this process, so the
check's own arithmetic is what is tested. Oracle: the reference's gradients are right
(tests/test_reference.py checks them against finite differences), so they must pass;
the same gradients scaled by 1.005, half a percent off, must fail (the check's tolerance is
1e-5 relative), and so must gradients of a cost without the ½ (a factor of 2).
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import REPO_ROOT

from autograder.modules import load_module
from autograder.sandbox.proxy import Answer

GRADCHECK = REPO_ROOT / "assignments" / "backprop" / "gradcheck.py"
CHECKING = REPO_ROOT / "assignments" / "backprop" / "checking.py"


class InProcess:
    """The proxy's ``call`` / ``call_many`` over plain functions (no sandbox)."""

    def __init__(self, functions: dict) -> None:
        self.functions = functions

    def call(self, fn, *args, names=(), watch=False):
        return self.call_many(fn, [args])[0]

    def call_many(self, fn, batch, names=(), watch=False):
        return [Answer(value=self.functions[fn](*args)) for args in batch]


def scaled_backward(reference, factor):
    def backward(y, params, cache):
        grads = reference.backward(y, params, cache)
        return {k: v * factor if k in ("W2", "b2", "W3", "b3") else v for k, v in grads.items()}
    return backward


@pytest.fixture(scope="module")
def net():
    checking = load_module(CHECKING, "_checking_for_gradcheck")
    return checking.random_network(np.random.default_rng(11))


@pytest.fixture(scope="module")
def gradcheck():
    return load_module(GRADCHECK, "_gradcheck_under_test")


def functions(reference, factor=1.0):
    return {"forward": reference.forward, "cost": reference.cost,
            "backward": scaled_backward(reference, factor)}


def test_right_gradients_pass(reference, gradcheck, net):
    assert gradcheck.gradient_check(InProcess(functions(reference)), net, "net") == ""


@pytest.mark.parametrize("factor", [1.005, 0.995, 2.0])
def test_gradients_off_by_half_a_percent_fail(reference, gradcheck, net, factor):
    why = gradcheck.gradient_check(InProcess(functions(reference, factor)), net, "net")
    assert "disagrees with finite differences" in why
    relative = float(why.split("relative error ")[1].split(")")[0])
    assert relative == pytest.approx(abs(factor - 1) / factor, rel=0.05)
