"""How answers are judged: ``|actual − expected| ≤ atol + rtol·|expected|``, NaN never equal.

Expected verdicts are worked out by hand from that formula with the kit's tolerances
(``rtol = 1e-7``, ``atol = 1e-12``, exercise.toml), on numbers chosen so that each side of
the formula decides: a small value off by 1e-6 relative (only rtol can refuse it), a large
value off by 1e-8 relative (only rtol can accept it), and zero (only atol counts).
"""

from __future__ import annotations

import numpy as np
import pytest

from autograder.compare import as_shape, judge, rel_error

RTOL, ATOL = 1e-7, 1e-12


@pytest.mark.parametrize("expected, actual, ok", [
    (0.02, 0.02 * (1 + 1e-6), False),      # |diff| = 2e-8 > 1e-12 + 2e-9
    (0.02, 0.02 * (1 + 1e-8), True),       # |diff| = 2e-10 < 2e-9
    (1000.0, 1000.0 * (1 + 1e-8), True),   # |diff| = 1e-5 < 1e-4 (rtol·|e|), ≫ atol
    (1000.0, 1000.0 * (1 + 1e-6), False),  # |diff| = 1e-3 > 1e-4
    (0.0, 5e-13, True),                    # |diff| < atol
    (0.0, 5e-9, False),                    # |diff| > atol, and rtol·0 = 0
])
def test_near_misses_are_judged_by_the_formula(expected, actual, ok):
    assert judge(np.array([actual, 1.0]), np.array([expected, 1.0]), RTOL, ATOL).ok is ok


def test_nan_and_infinity_are_never_equal():
    for bad in (np.nan, np.inf):
        verdict = judge(np.array([bad]), np.array([bad]), RTOL, ATOL)
        assert not verdict.ok and "NaN or infinity" in verdict.problem


def test_shapes_must_match_but_for_column_vectors():
    assert judge(np.ones((2, 1)), np.ones(2), RTOL, ATOL).ok
    assert "shape (3,)" in judge(np.ones(3), np.ones(2), RTOL, ATOL).problem
    assert as_shape(np.ones((1, 2)), (2,)) is None


def test_relative_error_is_max_abs_difference_over_max_abs_expected():
    assert rel_error(np.array([1.0, 2.5]), np.array([1.0, 2.0])) == pytest.approx(0.25)
    verdict = judge(np.array([1.0, 2.5]), np.array([1.0, 2.0]), RTOL, ATOL)
    assert verdict.rel_error == pytest.approx(0.25)
