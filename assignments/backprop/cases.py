"""The cases the backprop checks try: the exercise network, random networks, random z.

Public: students may read it. The public checks draw their cases with fresh entropy on
every run; the hidden grading draws them from its seed and adds a few cases of its own
(``hidden_only``), so a public pass is a true preview unless one of those fails.
"""

from __future__ import annotations

from dataclasses import dataclass

import network
import numpy as np
from network import PARAMS  # noqa: F401 - the checks take it from here

EXTREMES = np.array([-1000.0, -50.0, -1.0, 0.0, 1.0, 50.0, 1000.0])
SHIFTED = "a cache given to backward (not a fresh forward pass from x)"


@dataclass(frozen=True)
class Case:
    """One input of a check: its name in the feedback, its data, and whether only the
    hidden grading tries it."""

    name: str
    data: dict
    hidden_only: bool = False


def random_network(rng: np.random.Generator) -> dict:
    """A random 2-2-2 network (``network.py``: x, y, params) and a learning rate η."""
    net = network.random_network(rng)
    return {**net, "lr": float(rng.uniform(0.05, 2.0))}


def exercise_network(ex) -> dict:
    """The exercise of ``exercise.toml`` as a case's data."""
    return {"x": ex.x, "y": ex.y, "params": ex.params, "lr": ex.learning_rate}


def networks(ex, rng: np.random.Generator, hidden: bool, count: int = 3) -> list[Case]:
    """The exercise network, ``count`` random networks, and for the hidden grading two more."""
    cases = [Case("the exercise network", exercise_network(ex))]
    cases += [Case(f"random network {i + 1}", random_network(rng)) for i in range(count)]
    if hidden:
        cases += [Case(f"random network {count + i + 1}", random_network(rng), True)
                  for i in range(2)]
    return cases


def random_zs(rng: np.random.Generator, hidden: bool) -> list[Case]:
    """1-D arrays z of varied magnitude (the contract: σ of a vector); hidden: one more."""
    scales = (0.5, 2.0, 8.0, 20.0) if hidden else (0.5, 2.0, 8.0)
    return [Case(f"random z {i + 1}", {"z": rng.normal(0, s, 6)}, i >= 3)
            for i, s in enumerate(scales)]


def shifted_cache(net: dict, rng: np.random.Generator, forward) -> dict:
    """A cache that is a forward pass with z² shifted: ``forward`` of the same network with
    b² moved, so a = σ(z) and z³ = W³ a² + b³ hold, but a fresh forward pass from the
    parameters (numerical differentiation, or forward called again) does not give it. The
    shift moves each a² by more than 0.05, so that the difference is never within the
    float32 band, even where σ saturates."""
    params = net["params"]
    fresh = forward(net["x"], params)
    toward_zero = np.where(fresh["z2"] > 0, -1.0, 1.0)  # out of σ's flat tails, not into them
    shift = rng.uniform(0.3, 0.8, 2) * toward_zero
    for _ in range(8):  # every a² must move: a fresh pass must not pass for this cache
        cache = forward(net["x"], {**params, "b2": params["b2"] + shift})
        moved = np.abs(np.asarray(cache["a2"]) - fresh["a2"])
        if moved.min() > 0.05 and np.abs(cache["z3"] - fresh["z3"]).min() > 0.01:
            break
        shift = 2 * shift
    return cache
