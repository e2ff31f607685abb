"""How answers are judged: ``|actual − expected| ≤ atol + rtol·|expected|``, NaN never equal.

Expected verdicts are worked out by hand from that formula with the kit's tolerances
(``rtol = 1e-7``, ``atol = 1e-12``, exercise.toml), on numbers chosen so that each side of
the formula decides: a small value off by 1e-6 relative (only rtol can refuse it), a large
value off by 1e-8 relative (only rtol can accept it), and zero (only atol counts).
"""

from __future__ import annotations

import numpy as np
import pytest

from autograder.core.compare import Tolerance, as_shape, close, judge, matches, rel_error

RTOL, ATOL = 1e-7, 1e-12
STRICT = Tolerance(RTOL, ATOL, float32="reject")


@pytest.mark.parametrize("expected, actual, ok", [
    (0.02, 0.02 * (1 + 1e-6), False),      # |diff| = 2e-8 > 1e-12 + 2e-9
    (0.02, 0.02 * (1 + 1e-8), True),       # |diff| = 2e-10 < 2e-9
    (1000.0, 1000.0 * (1 + 1e-8), True),   # |diff| = 1e-5 < 1e-4 (rtol·|e|), ≫ atol
    (1000.0, 1000.0 * (1 + 1e-6), False),  # |diff| = 1e-3 > 1e-4
    (0.0, 5e-13, True),                    # |diff| < atol
    (0.0, 5e-9, False),                    # |diff| > atol, and rtol·0 = 0
])
def test_near_misses_are_judged_by_the_formula(expected, actual, ok):
    assert judge(np.array([actual, 1.0]), np.array([expected, 1.0]), STRICT).ok is ok


def test_nan_and_infinity_are_never_equal():
    for bad in (np.nan, np.inf):
        verdict = judge(np.array([bad]), np.array([bad]), STRICT)
        assert not verdict.ok and "NaN or infinity" in verdict.problem


def test_shapes_must_match_but_for_column_vectors():
    assert judge(np.ones((2, 1)), np.ones(2), STRICT).ok
    assert "shape (3,)" in judge(np.ones(3), np.ones(2), STRICT).problem
    assert as_shape(np.ones((1, 2)), (2,)) is None


def test_relative_error_is_max_abs_difference_over_max_abs_expected():
    assert rel_error(np.array([1.0, 2.5]), np.array([1.0, 2.0])) == pytest.approx(0.25)
    verdict = judge(np.array([1.0, 2.5]), np.array([1.0, 2.0]), STRICT)
    assert verdict.rel_error == pytest.approx(0.25)


@pytest.mark.parametrize("policy", ["accept", "reject"])
def test_float32_rounding_is_a_precision_verdict_not_a_wrong_formula(policy):
    """Float32 arithmetic leaves errors near 3e-8 absolute on values near 0.5 (a rounding
    unit of float32 there is 6e-8); on an entry of 1e-4 that is far more than
    atol + rtol·|e| = 1e-12 + 1e-11 allows, yet far less than the float32 band
    atol + float32_rtol·max|e| = 1e-12 + 1e-3·0.5 ≈ 5e-4."""
    tol = Tolerance(RTOL, ATOL, float32=policy)
    expected = np.array([1e-4, 0.5])
    verdict = judge(np.array([1e-4 + 2e-8, 0.5]), expected, tol)
    assert verdict.float32
    assert verdict.ok is (policy == "accept")
    assert ("float32" in verdict.problem) is (policy == "reject")
    wrong = judge(np.array([1e-4 + 1e-2, 0.5]), expected, tol)  # 1e-2 > 5e-4: a mistake
    assert not wrong.ok and not wrong.float32 and wrong.problem == "has wrong values"


def test_an_unknown_float32_policy_is_refused():
    with pytest.raises(ValueError, match="accept, reject"):
        Tolerance(RTOL, ATOL, float32="maybe")


def test_a_known_wrong_variant_is_recognised_in_every_shape_judge_accepts():
    """matches() takes what judge() takes: a vector as (n,), (n, 1) or a list, a number as
    a (1, 1) array; a row (1, n), another length or a transposed matrix is no match."""
    variant = np.array([0.25, -1.5])
    for answer in ([0.25, -1.5], [[0.25], [-1.5]], np.array([[0.25], [-1.5]])):
        assert judge(answer, variant, STRICT).ok
        assert matches(answer, variant)
    assert matches(np.array([[0.75]]), np.array(0.75))
    assert not matches(np.array([[0.25, -1.5]]), variant)
    assert not matches(np.array([0.25, -1.5, 0.0]), variant)
    matrix = np.array([[1.0, 2.0], [3.0, 4.0]])
    assert matches(matrix.tolist(), matrix) and not matches(matrix.T, matrix)
    assert not matches(None, variant) and not matches({"W2": matrix}, matrix)


@pytest.mark.parametrize("seed", range(5))
def test_close_says_what_numpy_allclose_says(seed):
    """``close`` is ``np.allclose`` (equal_nan=False) on arrays of one shape, also where an
    entry is NaN or infinite on either side, or sits right at the formula's edge."""
    rng = np.random.default_rng(seed)
    specials = [np.nan, np.inf, -np.inf, 0.0, 1e308, -1e308]
    for _ in range(300):
        expected = rng.normal(0, 10, int(rng.integers(1, 6)))
        actual = expected * (1 + rng.choice([0, 1e-10, 1e-7, 1e-6, 1e-3], expected.size))
        for arr in (expected, actual):
            if rng.random() < 0.3:
                arr[int(rng.integers(arr.size))] = rng.choice(specials)
        if rng.random() < 0.2:
            actual = expected.copy()
        rtol, atol = float(rng.choice([1e-9, 1e-7, 1e-6])), float(rng.choice([0.0, 1e-12]))
        with np.errstate(over="ignore"):  # numpy's own subtraction of ±1e308
            want = bool(np.allclose(actual, expected, rtol=rtol, atol=atol, equal_nan=False))
        assert close(actual, expected, rtol, atol) is want
