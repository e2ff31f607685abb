"""Generate the student notebook ``backprop.ipynb`` of the backprop assignment.

Run ``python assignments/backprop/make_notebook.py`` after changing the reference or
``exercise.toml``; needs the kit installed (``pip install -e .``). Each stub's def line
and docstring are copied from the reference, so the notebook cannot drift from it; the
reference's bodies never reach the notebook.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import FunctionType, ModuleType

import nbformat
from nbformat import NotebookNode
from nbformat.v4 import new_notebook

from autograder.contract import (
    load_assignment,
    load_module,
    plain_signature,
    public_functions,
    read_config,
    split_function,
)
from autograder.contract import nbgrader_cell as cell
from autograder.student.notebook import check_cell_source

HERE = Path(__file__).resolve().parent
REFERENCE = HERE / "hidden" / "backprop.py"
SKIP_TAG = "autograder-skip"  # cells the grader does not run

INTRO = r"""# {title}

## Notation (the lecture's)

Layer 1 is the input, layer 2 the hidden layer, layer 3 the output layer.

* $w^l_{{jk}}$ is the weight from neuron $k$ in layer $l-1$ to neuron $j$ in layer $l$;
  $b^l_j$ is the bias of neuron $j$ in layer $l$.
* Total input to a neuron: $z^l_j = \sum_k w^l_{{jk}}\, a^{{l-1}}_k + b^l_j$, in matrix
  notation $z^l = W^l a^{{l-1}} + b^l$. Output of a neuron: $a^l = \sigma(z^l)$, and $a^1 = x$.
* Cost (mean squared error of one observation):
  $C = \frac{{1}}{{2}}\|y - a^3\|^2 = \frac{{1}}{{2}}\sum_j (y_j - a^3_j)^2$.
* The error of neuron $j$ in layer $l$: $\delta^l_j \equiv \partial C / \partial z^l_j$.
* The sigmoid and its derivative: $\sigma(z) = 1/(1 + e^{{-z}})$ and
  $\sigma'(z) = \sigma(z)\,(1 - \sigma(z))$.

## The four equations of backpropagation

* **BP1**, output layer, *error × derivative of the activation function*:
  $\delta^3_j = \dfrac{{\partial C}}{{\partial a^3_j}}\, \sigma'(z^3_j)$,
  i.e. $\delta^3 = (a^3 - y) \odot \sigma'(z^3)$.
* **BP2**, hidden layer, *weighted sum of the deltas of the layer after it × derivative of
  the activation function*: $\delta^2_j = \sum_k w^3_{{kj}}\, \delta^3_k\, \sigma'(z^2_j)$,
  i.e. $\delta^2 = \big((W^3)^T \delta^3\big) \odot \sigma'(z^2)$.
* **BP3**, bias gradient = delta: $\dfrac{{\partial C}}{{\partial b^l_j}} = \delta^l_j$.
* **BP4**, weight gradient = *activation in × delta out*:
  $\dfrac{{\partial C}}{{\partial w^l_{{jk}}}} = a^{{l-1}}_k\, \delta^l_j$,
  i.e. $\dfrac{{\partial C}}{{\partial W^l}} = \delta^l (a^{{l-1}})^T$.

Then gradient descent with learning rate $\eta$:
$w \leftarrow w - \eta\, \partial C/\partial w$ and $b \leftarrow b - \eta\, \partial C/\partial b$.

## The exercise

The lecture's {sizes} network, sigmoid activation on the hidden and the output layer,
correct output $t = {target}, learning rate $\eta = {eta}$. Implement one forward pass,
one backward pass, and the update of every weight and bias. The picture below shows all
the numbers; they come from `exercise.toml`.

Implement the six functions below, in order, each in its own cell: replace the
`raise NotImplementedError(...)` line by your code. Keep each function's name and
arguments: the grader calls them. Vectors are 1-D NumPy arrays of shape `(n,)`;
`params` is a dict with keys `"W2"`, `"b2"`, `"W3"`, `"b3"`, and `W2[j, k]` is
$w^2_{{jk}}$ (Python counts from 0: `W2[0, 1]` is $w^2_{{12}}$).

## Checking your work

The last cell runs one step on the exercise and prints every number (9 decimals), so you
can compare it with your calculation by hand. To check a function against the grader, run
`from autograder import check; check("backward")` in a cell, or `autograder check` in a
terminal in this folder.

## How your work is graded

Each function is graded on its own, given correct inputs (your `backward` gets a correct
cache, your `update` correct gradients), so one mistake costs only the parts it touches.
Answers are compared to about 7 significant digits ($|a - e| \le {atol} + {rtol}\,|e|$);
{precision} You may import Python's standard library and {imports}; any other import
fails its cell, with a message that names it.
"""

SETUP = """import numpy as np
from exercise import draw_network, load_exercise, step_table

np.set_printoptions(precision=9)  # as many decimals as the step table
exercise = load_exercise()"""

# Per function: the explanation above its cell, and the equations its stub's error names.
PARTS: dict[str, tuple[str, list[str]]] = {
    "sigmoid": (
        r"""### 1. `sigmoid(z)`

The activation function of both layers, elementwise: $\sigma(z) = \dfrac{1}{1 + e^{-z}}$.
`z` is a 1-D array; return an array of the same shape. The result must stay finite for
any float, even $z = -1000$ where `np.exp(-z)` overflows (with a warning).
Hint: $e^{-|z|}$ never overflows, and $\sigma(z) = \dfrac{e^{z}}{1 + e^{z}}$ is an equal
form for $z < 0$ (mind that `np.where` computes both of its branches).""",
        ["σ(z) = 1 / (1 + e^(−z)), elementwise"],
    ),
    "sigmoid_prime": (
        r"""### 2. `sigmoid_prime(z)`

The derivative of the activation function, elementwise:
$\sigma'(z) = \sigma(z)\,(1 - \sigma(z))$ (the lecture's $y(1 - y)$ with $y = \sigma(z)$).
Use your `sigmoid`.""",
        ["σ'(z) = σ(z)(1 − σ(z)), elementwise"],
    ),
    "forward": (
        r"""### 3. `forward(x, params)` — one forward pass

$a^1 = x$, then for $l = 2, 3$: $z^l = W^l a^{l-1} + b^l$ and $a^l = \sigma(z^l)$.
Because `W[j, k]` is $w^l_{jk}$, the sum $\sum_k w^l_{jk} a^{l-1}_k$ is the
matrix-vector product `W @ a`. Return the cache, a dict with the keys
`"a1"`, `"z2"`, `"a2"`, `"z3"`, `"a3"`: the backward pass needs them.""",
        ["z^l = W^l a^(l−1) + b^l and a^l = σ(z^l) for l = 2, 3"],
    ),
    "cost": (
        r"""### 4. `cost(a3, y)`

$C = \frac{1}{2}\|y - a^3\|^2 = \frac{1}{2}\sum_j (y_j - a^3_j)^2$, returned as a Python
`float`.""",
        ["C = ½‖y − a³‖²"],
    ),
    "backward": (
        r"""### 5. `backward(y, params, cache)` — one backward pass

BP1 gives $\delta^3$, BP2 gives $\delta^2$ from $\delta^3$, then BP3 and BP4 give the
gradients of both layers. Return a dict with `"delta3"`, `"delta2"` and the gradients
under the names of their parameters: `"W3"` is $\partial C/\partial W^3$ (same shape as
`W3`), `"b3"` is $\partial C/\partial b^3$, and so on for `"W2"`, `"b2"`.
Mind the transpose in BP2: the exercise's $W^3$ is not symmetric, so $W^3$ in place of
$(W^3)^T$ gives wrong numbers. $\delta^l (a^{l-1})^T$ is an outer product (`np.outer`).""",
        ["BP1 δ³ = (a³ − y) ⊙ σ'(z³)", "BP2 δ² = (W³)ᵀ δ³ ⊙ σ'(z²)",
         "BP3 ∂C/∂b^l = δ^l", "BP4 ∂C/∂W^l = δ^l (a^(l−1))ᵀ"],
    ),
    "update": (
        r"""### 6. `update(params, grads, lr)` — one gradient descent step

With learning rate $\eta$ = `lr`, for $l = 2, 3$:
$W^l \leftarrow W^l - \eta\, \partial C/\partial W^l$ and
$b^l \leftarrow b^l - \eta\, \partial C/\partial b^l$.
Return a new dict with the keys `"W2"`, `"b2"`, `"W3"`, `"b3"`; leave `params` unchanged.""",
        ["W^l ← W^l − η ∂C/∂W^l and b^l ← b^l − η ∂C/∂b^l"],
    ),
}

STEP_TABLE_TEXT = """## One step on the exercise

Runs `forward`, `cost`, `backward` and `update` once on the exercise and prints every
value. Until all six functions work it stops with a `NotImplementedError` that names the
first missing one."""


def stub_source(func: FunctionType, equations: list[str]) -> str:
    """The reference's def line and docstring, then a NotImplementedError naming the equations."""
    head, _ = split_function(func)
    parts = [f"{func.__name__}{plain_signature(func)}: implement {equations[0]}", *equations[1:]]
    literals = [json.dumps(p + (", " if i < len(parts) - 1 else ""), ensure_ascii=False)
                for i, p in enumerate(parts)]
    return "\n".join([*head, "    raise NotImplementedError(",
                      *(f"        {literal}" for literal in literals), "    )"])


def intro_text(folder: Path) -> str:
    """The introduction, with the title, network sizes, target and η of ``exercise.toml``."""
    raw = read_config(folder)
    table = raw["exercise"]
    sizes = "-".join(str(len(table[name])) for name in ("x", "b2", "b3"))
    y = [float(t) for t in table["y"]]
    target = f"{y[0]}$ on every output" if len(set(y)) == 1 else f"({', '.join(map(str, y))})$"
    config = load_assignment(folder)
    precision = {
        "accept": "answers computed in float32 (`np.float32` arrays) count as right when they "
                  "are off by float32's rounding only, though float64, NumPy's default, is "
                  "the precision to use.",
        "reject": "compute in float64, NumPy's default: answers computed in float32 "
                  "(`np.float32` arrays) are too coarse and fail, with a message that says so.",
    }[config.tolerance.float32]
    imports = ", ".join(f"`{name}`" for name in config.imports or ()) or "nothing else"
    return INTRO.format(title=raw["assignment"]["title"], sizes=sizes, target=target,
                        eta=f"{table['learning_rate']:g}", rtol=f"{config.tolerance.rtol:g}",
                        atol=f"{config.tolerance.atol:g}", precision=precision,
                        imports=imports)


ALL_CHECKS_TEXT = """## All the public checks

The cell below runs every **public** check on the saved notebook: the same checks as your
grade, on inputs drawn at random each time. "All checks pass" here is not your grade: the
final grade runs the same checks on hidden inputs (and one more network per check)."""


def check_cell(part: str = "") -> NotebookNode:
    """A locked cell that runs the public checks of ``part`` (all parts: ``""``) on the saved
    notebook; the grader skips it (it would import the grader into the sandbox)."""
    return cell("code", check_cell_source(part), f"check_{part or 'all'}", tags=(SKIP_TAG,))


def build_notebook(reference: ModuleType, folder: Path = HERE) -> NotebookNode:
    """The student notebook: intro, setup, picture, one stub per function, the step table."""
    functions = public_functions(reference)
    if set(functions) != set(PARTS):
        raise ValueError(f"reference functions {sorted(functions)} != parts {sorted(PARTS)}")
    cells = [
        cell("markdown", intro_text(folder), "intro"),
        cell("code", SETUP, "setup"),
        cell("code", "draw_network(exercise);", "picture", tags=(SKIP_TAG,)),
    ]
    for name, func in functions.items():
        text, equations = PARTS[name]
        cells.append(cell("markdown", text, f"explain_{name}"))
        cells.append(cell("code", stub_source(func, equations), name, solution=True))
        cells.append(check_cell(name))
    cells.append(cell("markdown", STEP_TABLE_TEXT, "explain_step_table"))
    cells.append(cell("code", "print(step_table(forward, backward, update, cost, exercise))",
                      "step_table", tags=(SKIP_TAG,)))
    cells.append(check_cell("full_step"))
    cells.append(cell("markdown", ALL_CHECKS_TEXT, "explain_all_checks"))
    cells.append(check_cell())
    return new_notebook(cells=cells, metadata={
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    })


def main() -> None:
    """Write the notebook named in ``exercise.toml`` next to this script."""
    out = load_assignment(HERE).notebook
    nbformat.write(build_notebook(load_module(REFERENCE)), out)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
