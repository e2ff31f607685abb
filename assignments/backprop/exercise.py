"""The exercise network of the backprop assignment, read from ``exercise.toml`` beside it.

Layer 1 is the input, layer 2 the hidden layer, layer 3 the output layer;
``W[j, k]`` is ``w^l_jk``, the weight from neuron k of layer l-1 to neuron j of layer l.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

HERE = Path(__file__).resolve().parent
PARAM_NAMES = ("W2", "b2", "W3", "b3")


@dataclass(frozen=True)
class Exercise:
    """a¹ = x, the target y, the learning rate η, and the parameters W², b², W³, b³."""

    x: np.ndarray
    y: np.ndarray
    learning_rate: float
    params: dict[str, np.ndarray]


def load_exercise(folder: Path | str = HERE) -> Exercise:
    """Read the ``[exercise]`` table of ``folder/exercise.toml`` and check its shapes."""
    path = Path(folder) / "exercise.toml"
    table = tomllib.loads(path.read_text(encoding="utf-8"))["exercise"]
    arrays = {k: np.asarray(table[k], dtype=np.float64) for k in ("x", "y", *PARAM_NAMES)}
    n_in, n_hidden, n_out = len(arrays["x"]), len(arrays["b2"]), len(arrays["b3"])
    shapes = {"x": (n_in,), "y": (n_out,), "W2": (n_hidden, n_in), "b2": (n_hidden,),
              "W3": (n_out, n_hidden), "b3": (n_out,)}
    for name, shape in shapes.items():
        if arrays[name].shape != shape:
            raise ValueError(f"{path}: {name} has shape {arrays[name].shape}, expected {shape}")
    return Exercise(
        x=arrays["x"],
        y=arrays["y"],
        learning_rate=float(table["learning_rate"]),
        params={name: arrays[name] for name in PARAM_NAMES},
    )
