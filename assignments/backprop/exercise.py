"""The exercise network of the backprop assignment, read from ``exercise.toml`` beside it
(by ``network.py``, the 2-2-2 network's module the assignments share).

Layer 1 is the input, layer 2 the hidden layer, layer 3 the output layer;
``W[j, k]`` is ``w^l_jk``, the weight from neuron k of layer l-1 to neuron j of layer l.
The notebook also uses ``draw_network`` (a picture of it) and ``step_table`` (one
forward pass, backward pass and update with the student's functions, every number listed).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
from network import load_network

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Exercise:
    """a¹ = x, the target y, the learning rate η, and the parameters W², b², W³, b³."""

    x: np.ndarray
    y: np.ndarray
    learning_rate: float
    params: dict[str, np.ndarray]


def load_exercise(folder: Path | str = HERE) -> Exercise:
    """Read the ``[exercise]`` table of ``folder/exercise.toml`` and check its shapes."""
    net = load_network(folder, "exercise")
    return Exercise(x=net["x"], y=net["y"], learning_rate=float(net["learning_rate"]),
                    params=net["params"])


def _number(value: float) -> str:
    """``value`` with two decimals, or with more when two would round it."""
    text = f"{value:.2f}"
    return text if float(text) == value else f"{value:.6g}"


def _neuron_heights(n: int) -> list[float]:
    """Heights of the n neurons of a layer, neuron 1 on top, spread over [-0.5, 0.5]."""
    return [0.5 - j / (n - 1) for j in range(n)] if n > 1 else [0.0]


def draw_network(exercise: Exercise, ax: Axes | None = None) -> Figure:
    """Draw the exercise network: layer 1 (input x), layer 2 (hidden), layer 3 (output).

    Each arrow k → j is labelled with its weight w^l_jk, each neuron of layers 2 and 3
    with its bias b^l_j, and each output with its target y_j (the lecture's t). Returns the
    figure.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Circle, FancyArrowPatch

    if ax is None:
        _, ax = plt.subplots(figsize=(10, 5))
    radius, label_at = 0.12, 2 / 3  # weight labels sit 2/3 of the way along their arrow
    sizes = (len(exercise.x), len(exercise.params["b2"]), len(exercise.params["b3"]))
    centres = [[(float(column), h) for h in _neuron_heights(n)] for column, n in enumerate(sizes)]
    box = {"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none"}

    for layer in (2, 3):
        W, b = exercise.params[f"W{layer}"], exercise.params[f"b{layer}"]
        for j, (xj, yj) in enumerate(centres[layer - 1]):
            for k, (xk, yk) in enumerate(centres[layer - 2]):
                length = np.hypot(xj - xk, yj - yk)  # arrows run from circle to circle
                ux, uy = radius * (xj - xk) / length, radius * (yj - yk) / length
                ax.add_patch(FancyArrowPatch((xk + ux, yk + uy), (xj - ux, yj - uy),
                                             arrowstyle="->", mutation_scale=12, color="0.45"))
                ax.text(xk + label_at * (xj - xk), yk + label_at * (yj - yk),
                        rf"$w^{layer}_{{{j + 1}{k + 1}}}={_number(W[j, k])}$",
                        ha="center", va="center", fontsize=10, bbox=box)
            above = yj >= 0  # the bias goes on the side no arrow comes from
            ax.text(xj, yj + (radius + 0.05) * (1 if above else -1),
                    rf"$b^{layer}_{j + 1}={_number(b[j])}$", ha="center",
                    va="bottom" if above else "top", fontsize=10, color="tab:blue")

    for column, name in enumerate(("x", "a^2", "a^3")):
        for j, (xj, yj) in enumerate(centres[column]):
            ax.add_patch(Circle((xj, yj), radius, facecolor="0.93", edgecolor="black"))
            ax.text(xj, yj, f"${name}_{j + 1}$", ha="center", va="center", fontsize=12)
    for k, (xk, yk) in enumerate(centres[0]):
        ax.text(xk - radius - 0.05, yk, rf"$a^1_{k + 1}={_number(exercise.x[k])}$",
                ha="right", va="center", fontsize=10)
    for j, (xj, yj) in enumerate(centres[2]):
        ax.text(xj + radius + 0.05, yj, rf"target $y_{j + 1}={_number(exercise.y[j])}$",
                ha="left", va="center", fontsize=10, color="tab:red")

    ax.set_xlim(-0.65, 2.75)
    ax.set_ylim(-0.8, 0.8)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title("layer 1 (input)  →  layer 2 (hidden, σ)  →  layer 3 (output, σ)")
    return ax.figure


def _rows(label: str, values: npt.ArrayLike) -> list[tuple[str, float]]:
    """One (label, value) row per entry: ``label`` + the 1-based index j or jk, if any."""
    array = np.asarray(values, dtype=np.float64)
    return [(label + "".join(str(i + 1) for i in index), float(array[index]))
            for index in np.ndindex(array.shape)]


def step_table(forward: Callable, backward: Callable, update: Callable, cost: Callable,
               exercise: Exercise) -> str:
    """Run one forward pass, one backward pass and one update on the exercise; tabulate them.

    One row per scalar, value with 9 decimals: z², a², z³, a³ and C = ½‖y − a³‖²;
    δ³ (BP1), δ² (BP2), ∂C/∂W³ and ∂C/∂W² (BP4), ∂C/∂b³ and ∂C/∂b² (BP3);
    the new W^l = W^l − η ∂C/∂W^l and b^l = b^l − η ∂C/∂b^l.
    """
    params = {name: value.copy() for name, value in exercise.params.items()}
    cache = forward(exercise.x, params)
    C = cost(cache["a3"], exercise.y)
    grads = backward(exercise.y, params, cache)
    new = update(params, grads, exercise.learning_rate)
    sections = {
        "forward   z^l = W^l a^(l-1) + b^l,  a^l = sigmoid(z^l),  C = 1/2 |y - a^3|^2": [
            *_rows("z^2_", cache["z2"]), *_rows("a^2_", cache["a2"]),
            *_rows("z^3_", cache["z3"]), *_rows("a^3_", cache["a3"]), *_rows("C", C)],
        "backward  BP1-BP4: delta^l,  dC/dw^l_jk = delta^l_j a^(l-1)_k,  dC/db^l_j = delta^l_j": [
            *_rows("delta^3_", grads["delta3"]), *_rows("delta^2_", grads["delta2"]),
            *_rows("dC/dw^3_", grads["W3"]), *_rows("dC/db^3_", grads["b3"]),
            *_rows("dC/dw^2_", grads["W2"]), *_rows("dC/db^2_", grads["b2"])],
        f"update    w <- w - eta dC/dw,  b <- b - eta dC/db,  eta = {exercise.learning_rate:g}": [
            *_rows("new w^2_", new["W2"]), *_rows("new b^2_", new["b2"]),
            *_rows("new w^3_", new["W3"]), *_rows("new b^3_", new["b3"])],
    }
    lines = []
    for heading, rows in sections.items():
        lines.append(heading)
        lines.extend(f"  {label:<12}{value:>15.9f}" for label, value in rows)
    return "\n".join(lines)
