"""Each check's share of its part's points: by weight, in sums that floating point adds exactly.

A part worth P points shared by weight among its checks would give each check P·w/Σw:
``backward = 10`` over 7 checks is 1.428571… each, and seven of those add up to
9.999999999999998 in binary floating point, which is what GitHub Classroom's reporter (and
any LMS) sums. So each share is a whole number of *grains*, a power of two no larger than a
quarter of the smallest exact share (and at least 1/64): sums of such numbers are exact in
binary, and print with at most six decimals; the grain also divides P when it can. The
grains are handed out by largest remainder (Hamilton's method), so each share is within a
grain of its exact value and the shares add up to P exactly. When the exact shares are
already whole grains (the kit's own configs: 1 point over 2 checks is 0.5 each), they are
unchanged.

A part's points that are not themselves a whole number of grains (0.1, say: no binary
fraction is) are still handed out whole; the rest, P − grains·g, goes to the part's first
check with the largest share (rounded to nine decimals), so the shares sum to P as closely as
floating point can.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction

FINEST = 2.0 ** -6  # 0.015625: every share has at most six decimals


def grain(exact: Sequence[float]) -> float:
    """The power of two (1 at most, 1/64 at least) that is ≤ a quarter of the smallest
    positive exact share."""
    smallest = min((e for e in exact if e > 0), default=1.0)
    g = 1.0
    while g > FINEST and g > smallest / 4:
        g /= 2
    return g


def shares(points: float, weights: Sequence[float]) -> list[float]:
    """The shares of ``points`` among checks of ``weights`` (0-weight checks get 0): whole
    grains, within a grain of ``points·w/Σw``, summing to ``points``."""
    total = float(sum(weights))
    if total <= 0 or points <= 0:
        return [0.0] * len(weights)
    exact = [points * w / total for w in weights]
    g = grain(exact)
    while (points / FINEST).is_integer() and not (points / g).is_integer():
        g /= 2  # 2.25 points: quarters, not halves
    grains = math.floor(points / g + 1e-9)
    given = [math.floor(e / g + 1e-9) if w > 0 else 0 for e, w in zip(exact, weights)]
    for i in [i for i, w in enumerate(weights) if w > 0 and given[i] == 0][: grains - sum(given)]:
        given[i] = 1  # every check that counts is worth at least a grain, while grains last
    left = grains - sum(given)
    by_remainder = sorted((i for i, w in enumerate(weights) if w > 0),
                          key=lambda i: (-(exact[i] / g - given[i]), i))
    for i in by_remainder[: max(0, left)]:
        given[i] += 1
    result = [n * g for n in given]
    rest = points - grains * g
    if rest:
        largest = max(range(len(result)), key=lambda i: (result[i], -i))
        result[largest] = round(result[largest] + rest, 9)  # 0.8, not 0.7999999999999998
    return result


def unit(values: Sequence[float]) -> float | None:
    """The largest number that divides every value a whole number of times (the values are
    binary fractions), or None when that would need more than 256 units in all."""
    fractions = [Fraction(v) for v in values if v > 0]
    if not fractions:
        return None
    scale = math.lcm(*(f.denominator for f in fractions))
    common = math.gcd(*(int(f * scale) for f in fractions))
    if sum(fractions) * scale / common > 256:
        return None
    return common / scale
