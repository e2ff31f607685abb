"""Judge one answer against an expected array: shape, finiteness, then closeness.

All judging happens here, in the grader: the answer is already plain float64 data.
``|actual − expected| ≤ atol + rtol·|expected|`` elementwise, NaN never equal.

Precision: an answer that misses that tolerance but is within float32's rounding of the
expected array (``max |a − e| ≤ atol + float32_rtol·max |e|``, measured against the
largest entry because float32 rounds every entry to about 7 digits of the largest) was computed in
float32 (``np.float32`` arrays, say) with the right formula. The assignment's policy says
whether that passes (``float32 = "accept"``) or fails as "computed in float32" (``"reject"``);
either way no equation is blamed for it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from autograder.core.tolerance import FLOAT32_POLICIES, Tolerance  # noqa: F401 - re-exported


@dataclass(frozen=True)
class Verdict:
    """``ok``, or what is wrong in words (``problem``) and the relative error when it exists.

    ``float32``: the answer is off by float32's rounding only (right formula, low precision).
    """

    ok: bool
    problem: str = ""
    rel_error: float | None = None
    float32: bool = False


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


def within_float32(actual: np.ndarray, expected: np.ndarray, tol: Tolerance) -> bool:
    """Off by no more than float32 arithmetic would be: max |a − e| ≤ atol + rtol₃₂·max |e|."""
    scale = float(np.max(np.abs(expected), initial=0.0))
    gap = float(np.max(np.abs(actual - expected), initial=0.0))
    return gap <= tol.atol + tol.float32_rtol * scale


def close(actual: np.ndarray, expected: np.ndarray, rtol: float, atol: float) -> bool:
    """``|a − e| ≤ atol + rtol·|e|`` everywhere, NaN never equal: ``np.allclose`` on arrays
    of one shape, in a third of its time on the few entries a check compares (it is called
    hundreds of times per student)."""
    if not np.isfinite(expected).all():  # an infinity equals itself only in np.allclose
        return bool(np.allclose(actual, expected, rtol=rtol, atol=atol))
    with np.errstate(over="ignore"):  # 1e308 − (−1e308) is inf: not close, no warning
        return bool((np.abs(actual - expected) <= atol + rtol * np.abs(expected)).all())


def judge(value: object, expected: np.ndarray, tol: Tolerance) -> Verdict:
    """Compare a converted answer with the expected array."""
    if value is None:
        return Verdict(False, "no value")
    if isinstance(value, dict):
        return Verdict(False, "a dict where an array was expected")
    actual = as_shape(value, expected.shape)
    if actual is None:
        got = np.asarray(value).shape
        return Verdict(False, f"has shape {got}, expected {expected.shape}")
    if not np.isfinite(actual).all():
        return Verdict(False, "contains NaN or infinity")
    if close(actual, expected, tol.rtol, tol.atol):
        return Verdict(True)
    if within_float32(actual, expected, tol):
        if tol.float32 == "accept":
            return Verdict(True, float32=True)
        return Verdict(False, "agrees only to float32 precision", rel_error(actual, expected),
                       float32=True)
    return Verdict(False, "has wrong values", rel_error(actual, expected))


def matches(value: object, expected: np.ndarray, rtol: float = 1e-6) -> bool:
    """Loose match, for recognising a known wrong variant: in any shape ``judge`` accepts
    (a vector as (n,) or (n, 1), a list or an array)."""
    if value is None or isinstance(value, dict):
        return False
    actual = as_shape(value, np.shape(expected))
    return actual is not None and close(actual, np.asarray(expected, dtype=np.float64), rtol,
                                        1e-12)
