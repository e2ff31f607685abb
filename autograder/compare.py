"""Judge one answer against an expected array: shape, finiteness, then closeness.

All judging happens here, in the grader: the answer is already plain float64 data.
``|actual − expected| ≤ atol + rtol·|expected|`` elementwise, NaN never equal.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Verdict:
    """``ok``, or what is wrong in words (``problem``) and the relative error when it exists."""

    ok: bool
    problem: str = ""
    rel_error: float | None = None


def as_shape(value: object, shape: tuple[int, ...]) -> np.ndarray | None:
    """``value`` as float64 of exactly ``shape``; a vector may come as (n, 1), a scalar as (1,)."""
    arr = np.asarray(value, dtype=np.float64)
    if arr.shape == shape:
        return arr
    if len(shape) == 1 and arr.shape == (shape[0], 1):
        return arr.reshape(shape)
    if shape == () and arr.size == 1:
        return arr.reshape(())
    return None


def rel_error(actual: np.ndarray, expected: np.ndarray) -> float:
    """max |a − e| / max(max |e|, 1e-300): one number for "how far off"."""
    scale = max(float(np.max(np.abs(expected), initial=0.0)), 1e-300)
    return float(np.max(np.abs(actual - expected), initial=0.0)) / scale


def judge(value: object, expected: np.ndarray, rtol: float, atol: float) -> Verdict:
    """Compare a converted answer with the expected array."""
    if value is None:
        return Verdict(False, "no value")
    if isinstance(value, dict):
        return Verdict(False, "a dict where an array was expected")
    actual = as_shape(value, expected.shape)
    if actual is None:
        got = np.asarray(value).shape
        return Verdict(False, f"has shape {got}, expected {expected.shape}")
    if not np.all(np.isfinite(actual)):
        return Verdict(False, "contains NaN or infinity")
    if np.allclose(actual, expected, rtol=rtol, atol=atol, equal_nan=False):
        return Verdict(True)
    return Verdict(False, "has wrong values", rel_error(actual, expected))


def matches(value: object, expected: np.ndarray, rtol: float = 1e-6) -> bool:
    """Loose match, for recognising a known wrong variant."""
    if value is None or isinstance(value, dict):
        return False
    actual = np.asarray(value, dtype=np.float64)
    if actual.shape != expected.shape and actual.size == expected.size and actual.ndim == 2:
        return False
    actual = as_shape(actual, expected.shape)
    return actual is not None and bool(np.allclose(actual, expected, rtol=rtol, atol=1e-12))
