"""The lecture's 2-2-2 network, shared by the assignments that use it (a support file of each).

Layer 1 is the input, layer 2 the hidden layer, layer 3 the output layer; ``W[j, k]`` is
``w^l_jk``, the weight from neuron k of layer l−1 to neuron j of layer l. Written once here:

- ``load_network``: the exercise's numbers, from a table of ``exercise.toml``;
- ``random_network``: the random networks the checks try;
- ``complex_step``: ∂C/∂θ for every entry θ of the parameters, by the complex step
  ∂C/∂θ = Im C(θ + ih) / h with h = 1e-30: exact to rounding (nothing is subtracted, so
  nothing cancels), and no back-propagation in it.

An assignment lists ``"../shared/network.py"`` among its ``support_files``: it is copied
beside the student's code in the sandbox and in the student release, under its own name,
and imported as ``network``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

PARAMS = ("W2", "b2", "W3", "b3")
H = 1e-30  # the complex step


def load_network(folder: Path | str, table: str) -> dict:
    """The network of the ``[table]`` of ``folder/exercise.toml``: {"x", "y", "params": {"W2",
    "b2", "W3", "b3"}} as float arrays, shapes checked, and the table's other entries as
    they are (e.g. ``learning_rate``)."""
    path = Path(folder) / "exercise.toml"
    entries = tomllib.loads(path.read_text(encoding="utf-8"))[table]
    arrays = {k: np.asarray(entries[k], dtype=np.float64) for k in ("x", "y", *PARAMS)}
    n_in, n_hidden, n_out = len(arrays["x"]), len(arrays["b2"]), len(arrays["b3"])
    shapes = {"x": (n_in,), "y": (n_out,), "W2": (n_hidden, n_in), "b2": (n_hidden,),
              "W3": (n_out, n_hidden), "b3": (n_out,)}
    for name, shape in shapes.items():
        if arrays[name].shape != shape:
            raise ValueError(f"{path}: {name} has shape {arrays[name].shape}, expected {shape}")
    rest = {k: v for k, v in entries.items() if k not in arrays}
    return {"x": arrays["x"], "y": arrays["y"], "params": {k: arrays[k] for k in PARAMS},
            **rest}


def random_network(rng: np.random.Generator) -> dict:
    """A 2-2-2 network: weights of a random scale in [0.3, 3], never symmetric (a symmetric
    W would hide a W vs Wᵀ mistake); x and y."""
    scale = float(np.exp(rng.uniform(np.log(0.3), np.log(3.0))))
    params = {"W2": rng.normal(0, scale, (2, 2)), "b2": rng.normal(0, 1, 2),
              "W3": rng.normal(0, scale, (2, 2)), "b3": rng.normal(0, 1, 2)}
    for name in ("W2", "W3"):
        while abs(params[name][0, 1] - params[name][1, 0]) < 0.1:
            params[name][0, 1] += rng.choice([-0.5, 0.5])
    return {"x": rng.uniform(-1, 1, 2), "y": rng.uniform(0, 1, 2), "params": params}


def complex_step(cost: Callable[[dict], complex], params: dict,
                 names: Sequence[str] | None = None) -> dict:
    """∂C/∂θ for every entry θ of ``params[name]``, ``name`` in ``names`` (default: all):
    Im C(θ + ih) / h, where ``cost(params)`` computes C for complex parameters (and leaves
    them as they are)."""
    grads = {}
    nudged = {k: np.array(v, dtype=np.complex128) for k, v in params.items()}
    for name in params if names is None else names:
        grads[name] = np.zeros(np.shape(params[name]))
        for index in np.ndindex(grads[name].shape):
            entry = nudged[name][index]  # one entry nudged at a time, then put back
            nudged[name][index] = entry + 1j * H
            try:
                grads[name][index] = cost(nudged).imag / H
            finally:
                nudged[name][index] = entry
    return grads
