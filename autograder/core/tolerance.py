"""How close an answer must be: the assignment's tolerance, read from its config.

Apart from ``compare.py`` (which judges with numpy) so that reading a config, as
``autograder list`` and ``--help`` do, imports no numpy.
"""

from __future__ import annotations

from dataclasses import dataclass

FLOAT32_POLICIES = ("accept", "reject")


@dataclass(frozen=True)
class Tolerance:
    """How close is right: float64's tolerance, and what to do with float32's rounding."""

    rtol: float
    atol: float
    float32: str = "accept"  # "accept" | "reject"
    float32_rtol: float = 1e-3

    def __post_init__(self) -> None:
        if self.float32 not in FLOAT32_POLICIES:
            raise ValueError(f"float32 must be one of {', '.join(FLOAT32_POLICIES)}, "
                             f"not {self.float32!r}")
