"""Compare a generated file with the committed one, numbers up to rounding.

A committed file must not depend on the last bits of a floating-point result (a BLAS kernel
may change them), so the generators round what they compute, and these comparisons accept
numbers that differ by less than ``REL`` relative; all other text must be equal.
"""

from __future__ import annotations

import math
import re

REL = 1e-9
_NUMBER = re.compile(rb"((?<![\w.])[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?)")


def same(built: bytes | None, on_disk: bytes | None) -> bool:
    """True when the two texts are equal but for numbers within ``REL`` of each other."""
    if built is None or on_disk is None:
        return built is on_disk
    a, b = _NUMBER.split(built), _NUMBER.split(on_disk)
    if len(a) != len(b):
        return False
    for i, (x, y) in enumerate(zip(a, b)):
        if x == y:
            continue
        if i % 2 == 0 or not math.isclose(float(x), float(y), rel_tol=REL, abs_tol=0.0):
            return False
    return True


def stale(built: dict[str, bytes], on_disk: dict[str, bytes]) -> list[str]:
    """The names whose generated and committed contents differ (see ``same``)."""
    return sorted(n for n in set(built) | set(on_disk) if not same(built.get(n), on_disk.get(n)))
