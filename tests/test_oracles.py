"""The two oracles of the one check suite, and its gradient check, on plain functions.

The public oracle (assignments/backprop/lecture.py: the lecture's formulas, backward's
answers by the complex step) and the hidden one (reference/oracle.py: the reference) must
agree, and both must agree with plain centred finite differences written here, an oracle
independent of both. A stand-in for the sandbox proxy runs the gradient check of
``checks.py`` in this process, so the check's own arithmetic is what is tested.
"""

from __future__ import annotations

import sys

import numpy as np
import pytest
from conftest import REPO_ROOT

from autograder.contract import Grading
from autograder.core.config import load_assignment
from autograder.core.modules import load_module, prefer_folders
from autograder.sandbox.proxy import Answer

ASSIGNMENT = REPO_ROOT / "assignments" / "backprop"


@pytest.fixture(scope="module")
def suite():
    """checks.py, cases.py and lecture.py as the checks import them (the folder on sys.path)."""
    prefer_folders(*load_assignment(ASSIGNMENT).module_folders)
    try:
        yield (load_module(ASSIGNMENT / "checks.py", "_checks_under_test"),
               load_module(ASSIGNMENT / "cases.py", "_cases_under_test", register=True),
               load_module(ASSIGNMENT / "lecture.py", "_lecture_under_test").LectureOracle())
    finally:
        sys.path.remove(str(ASSIGNMENT))


@pytest.fixture(scope="module")
def hidden():
    return load_module(ASSIGNMENT / "hidden" / "oracle.py", "_oracle_under_test",
                       register=True).ReferenceOracle()


def finite_differences(x, y, params, h=1e-6) -> dict:
    """∂C/∂θ ≈ (C(θ + h) − C(θ − h)) / 2h of C = ½‖y − σ(W³σ(W²x + b²) + b³)‖², written here."""
    def cost(p):
        a2 = 1 / (1 + np.exp(-(p["W2"] @ x + p["b2"])))
        a3 = 1 / (1 + np.exp(-(p["W3"] @ a2 + p["b3"])))
        return 0.5 * np.sum((y - a3) ** 2)

    grads = {}
    for name, value in params.items():
        grads[name] = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            up, down = dict(params), dict(params)
            up[name], down[name] = value.copy(), value.copy()
            up[name][index] += h
            down[name][index] -= h
            grads[name][index] = (cost(up) - cost(down)) / (2 * h)
    return grads


def test_both_oracles_give_the_gradients_of_finite_differences(suite, hidden):
    _, cases, lecture = suite
    rng = np.random.default_rng(5)
    for _ in range(20):
        net = cases.random_network(rng)
        numeric = finite_differences(net["x"], net["y"], net["params"])
        for oracle in (lecture, hidden):
            grads = oracle.backward(net["y"], net["params"],
                                    oracle.forward(net["x"], net["params"]))
            for name, want in numeric.items():
                np.testing.assert_allclose(grads[name], want, rtol=1e-6, atol=1e-9)
            np.testing.assert_array_equal(grads["delta3"], grads["b3"])  # BP3


def test_on_a_shifted_cache_the_oracles_agree_to_the_grading_tolerance(suite, hidden):
    """The lecture's backward on a shifted cache is the reference's, within rtol 1e-7."""
    _, cases, lecture = suite
    rng = np.random.default_rng(6)
    for _ in range(50):
        net = cases.random_network(rng)
        cache = cases.shifted_cache(net, rng, hidden.forward)
        public = lecture.backward(net["y"], net["params"], cache)
        private = hidden.backward(net["y"], net["params"], cache)
        for key, want in private.items():
            np.testing.assert_allclose(public[key], want, rtol=1e-7, atol=1e-12)


def test_the_lecture_oracle_on_hand_worked_values(suite):
    """σ(0) = ½; σ'(0) = ¼; σ(±1000) = 0 and 1 without overflow; C(a³ = y) = 0,
    C((0, 0), (1, 1)) = ½(1 + 1) = 1; one step from W = 1, ∂C/∂W = 2, η = ½ gives 0."""
    *_, lecture = suite
    np.testing.assert_allclose(lecture.sigmoid(np.array([0.0, -1000.0, 1000.0])), [0.5, 0, 1],
                               atol=1e-300)
    assert lecture.sigmoid_prime(np.array([0.0]))[0] == 0.25
    assert lecture.cost(np.array([0.3, 0.7]), np.array([0.3, 0.7])) == 0.0
    assert lecture.cost(np.zeros(2), np.ones(2)) == 1.0
    one = {k: np.ones(2) for k in ("b2", "b3")} | {k: np.ones((2, 2)) for k in ("W2", "W3")}
    two = {k: 2 * v for k, v in one.items()}
    assert all((v == 0).all() for v in lecture.update(one, two, 0.5).values())


class InProcess:
    """The proxy's ``call`` / ``call_many`` over plain functions (no sandbox)."""

    def __init__(self, functions: dict) -> None:
        self.functions = functions

    def call(self, fn, *args, names=(), watch=False):
        return self.call_many(fn, [args])[0]

    def call_many(self, fn, batch, names=(), watch=False):
        return [Answer(value=self.functions[fn](*args)) for args in batch]


def scaled(backward, factor):
    def scaled_backward(y, params, cache):
        grads = backward(y, params, cache)
        return {k: v * factor if k in ("W2", "b2", "W3", "b3") else v for k, v in grads.items()}
    return scaled_backward


@pytest.mark.parametrize("factor", [1.0, 1.005, 0.995, 2.0])
def test_the_gradient_check_passes_right_gradients_and_fails_half_a_percent(suite, hidden,
                                                                            factor):
    """Its tolerance is 1e-5 relative: gradients 0.5 % off fail, with that relative error."""
    checks, _, lecture = suite
    for oracle in (lecture, hidden):
        grading = Grading(load_assignment(ASSIGNMENT), np.random.default_rng(7), oracle)
        submission = InProcess({"backward": scaled(hidden.backward, factor)})
        if factor == 1.0:
            checks.test_backward_gradient_check(submission, grading)
            continue
        with pytest.raises(pytest.fail.Exception) as failed:
            checks.test_backward_gradient_check(submission, grading)
        why = str(failed.value)
        assert "disagrees with centred finite differences" in why
        relative = float(why.split("relative error ")[1].split(")")[0])
        assert relative == pytest.approx(abs(factor - 1) / max(factor, 1), rel=0.05)
