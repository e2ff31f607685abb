"""The autodiff assignment's numbers and pictures (a support file beside the notebook).

``load_network`` reads the exercise network from ``exercise.toml`` (the first assignment's
2-2-2 network: ``W[j, k]`` is ``w^l_jk``, from neuron k of layer l−1 to neuron j of layer l;
``network.py``, the module the assignments share, reads it);
``load_example`` the small expression the notebook draws; ``draw_graph`` draws any
expression built from *your* ``Value``: every node with its data and grad, every operation
with its symbol (``_op``), an arrow from each operand to the operation that uses it.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import network

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

HERE = Path(__file__).resolve().parent


def _config(folder: Path | str) -> dict:
    return tomllib.loads((Path(folder) / "exercise.toml").read_text(encoding="utf-8"))


def load_network(folder: Path | str = HERE) -> dict:
    """The exercise network, the ``[network]`` table: {"x", "y", "params": {"W2", "b2",
    "W3", "b3"}} as float arrays, shapes checked."""
    return network.load_network(folder, "network")


def load_example(folder: Path | str = HERE) -> dict[str, float]:
    """The leaves of the notebook's small expression, {"a": 2.0, "b": -3.0}."""
    return {str(k): float(v) for k, v in _config(folder)["example"].items()}


def _nodes(output) -> list:
    """Every Value reachable from ``output`` through ``_prev``, output first, each once."""
    order, seen, stack = [], set(), [output]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        order.append(node)
        stack.extend(reversed(tuple(node._prev)))
    return order


def _levels(output, nodes: list) -> dict[int, int]:
    """Each node's longest distance from the output, in operations."""
    level = {id(output): 0}
    changed = True
    while changed:  # a few sweeps: the graphs drawn here are small
        changed = False
        for node in nodes:
            for child in node._prev:
                want = level.get(id(node), 0) + 1
                if level.get(id(child), -1) < want:
                    level[id(child)], changed = want, True
    return level


def draw_graph(output, names: dict | None = None, ax: Axes | None = None) -> Figure:
    """Draw the computation graph that made ``output`` (a Value), left to right.

    Each Value is a box "name | data | grad"; an operation is a circle with its symbol
    (the ``_op`` the operation gave), with arrows from its operands. ``names`` labels
    Values, e.g. ``{"a": a, "b": b, "f": f}``. Run ``f.backward()`` first to see the
    gradients. Returns the figure.
    """
    import matplotlib.pyplot as plt

    nodes = _nodes(output)
    level = _levels(output, nodes)
    depth = max(level.values())
    label = {id(v): k for k, v in (names or {}).items()}
    columns: dict[int, list] = {}
    for node in nodes:
        columns.setdefault(level[id(node)], []).append(node)
    tall = max(len(c) for c in columns.values())
    if ax is None:
        _, ax = plt.subplots(figsize=(3.6 * (depth + 1) + 1, 1.3 * tall + 1))
    where = {}
    for lev, column in columns.items():
        for i, node in enumerate(column):
            where[id(node)] = (3.6 * (depth - lev), (len(column) - 1) / 2 - i)
    box = {"boxstyle": "round,pad=0.3", "facecolor": "white", "edgecolor": "tab:blue"}
    circle = {"boxstyle": "circle,pad=0.25", "facecolor": "lightyellow",
              "edgecolor": "tab:orange"}
    arrow = {"arrowstyle": "->", "color": "gray", "shrinkA": 28, "shrinkB": 12}
    for node in nodes:
        x, y = where[id(node)]
        name = label.get(id(node), "")
        text = f"{name + ' | ' if name else ''}data {node.data:.4f} | grad {node.grad:.4f}"
        ax.text(x, y, text, ha="center", va="center", fontsize=9, bbox=box, zorder=3)
        if node._op:
            ox = x - 1.6
            ax.text(ox, y, str(node._op), ha="center", va="center", fontsize=10,
                    bbox=circle, zorder=3)
            ax.annotate("", (x - 1.1, y), (ox + 0.1, y),
                        arrowprops={**arrow, "shrinkA": 8, "shrinkB": 4})
            for child in node._prev:
                cx, cy = where[id(child)]
                ax.annotate("", (ox, y), (cx + 0.9, cy), arrowprops=arrow)
    ax.set_xlim(-2.4, 3.6 * depth + 1.6)
    ax.set_ylim(-tall / 2 - 0.2, tall / 2 + 0.2)
    ax.axis("off")
    ax.set_title("computation graph: operands → operation → result; grad = ∂output/∂node")
    return ax.figure
