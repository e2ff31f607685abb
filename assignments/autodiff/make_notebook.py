"""Generate the student notebook ``autodiff.ipynb`` of the autodiff assignment.

Run ``python assignments/autodiff/make_notebook.py`` after changing the reference or
``exercise.toml``; needs the kit installed (``pip install -e .``). The stub cells are made
from the reference (``hidden/autodiff.py``): the class line, the docstrings and the given
``__init__`` and ``__repr__`` are copied; every other method and ``network_gradients`` keep
their def line and docstring and raise ``NotImplementedError`` naming what to implement.
The reference's bodies never reach the notebook.
"""

from __future__ import annotations

import ast
import inspect
import json
import textwrap
from pathlib import Path

import nbformat
from nbformat import NotebookNode
from nbformat.v4 import new_notebook

from autograder.contract import (
    load_assignment,
    load_module,
    plain_signature,
    prefer_folders,
    read_config,
    split_function,
)
from autograder.contract import nbgrader_cell as cell
from autograder.student.notebook import check_cell_source

HERE = Path(__file__).resolve().parent
REFERENCE = HERE / "hidden" / "autodiff.py"
SKIP_TAG = "autograder-skip"  # cells the grader does not run
GIVEN = ("__init__", "__repr__")  # methods of Value the notebook gives, not stubs
prefer_folders(*load_assignment(HERE).module_folders)  # its modules: the stubs' wording
from feedback import IMPLEMENT  # noqa: E402

INTRO = r"""# {title}

## The idea: the chain rule on a computation graph

The lecture derived BP1 to BP4 for a network by the chain rule. Nothing in that derivation
is special to networks: any formula built from simple operations is a **computation
graph**, each node made by one operation from its operands, and the chain rule gives the
derivative of the output $f$ with respect to every node, going backwards:

* each node $v$ stores its value (`data`) and, after the backward pass,
  $\bar v = \partial f / \partial v$ (`grad`);
* the output starts with $\partial f / \partial f = 1$;
* an operation $out = g(a, b)$ knows its **local derivatives** $\partial out/\partial a$ and
  $\partial out/\partial b$; the chain rule sends back to each operand
  $\bar a \mathrel{{+}}= \dfrac{{\partial out}}{{\partial a}}\,\overline{{out}}$;
* a node used by several operations receives one contribution from each, **added** up
  (the lecture's sum over $k$ in BP2,
  $\delta^l_j = \sum_k w^{{l+1}}_{{kj}}\delta^{{l+1}}_k\,\sigma'(z^l_j)$);
* so a node may send its gradient on only when all of it has arrived: after every node
  that uses it, i.e. in **reverse topological order**.

That is all of back-propagation, for any graph: one forward pass that builds the graph,
one backward pass that runs each operation's chain rule once.

## What you write

1. `Value`: a number in a computation graph, with the operations `+ − · /` (with Values or
   plain numbers on either side), unary `−`, `**` with a number exponent, `.exp()` and
   `.sigmoid()`, each with its local derivative beside its forward rule, and `backward()`.
2. `network_gradients(x, y, params)`: the first assignment's 2-2-2 network built from
   Values; its gradients must equal back-propagation's $\partial C/\partial W$ and
   $\partial C/\partial b$.
3. `backprop_any(x, y, weights, biases)`: the lecture's BP1 to BP4 for any depth and any
   widths, in NumPy.

Replace each `raise NotImplementedError(...)` by your code; keep the names and arguments
(the grader calls them) and the given `__init__`. You may import Python's standard library
and {imports}; any other import fails its cell, with a message that names it.

## Checking your work

Run `from autograder import check; check("local_derivatives")` in a cell (after saving), or
`autograder check` in a terminal in this folder. The checks build their own expressions
with your `Value` and compare with calculus: values by plain arithmetic, derivatives
numerically. Parts: {parts}. Answers are compared to about 7 significant digits
($|a - e| \le {atol} + {rtol}\,|e|$). A mistake costs only the parts it touches:
`local_derivatives` runs each operation's `_backward` alone, and `backward` is judged on
expressions built only from the operations that pass their own checks.
"""

SETUP = """import math  # noqa: F401 - for your Value's exp and sigmoid

import numpy as np
from exercise import draw_graph, load_example, load_network"""

VALUE_TEXT = r"""## 1. `Value`

A `Value` holds `data` (a float) and `grad` ($\partial f/\partial$ this node, `0.0` until
a backward pass fills it in), its operands `_prev`, the operation's symbol `_op` and
`_backward`, the chain rule of the operation that made it. `__init__` is given.

Each operation makes `out` and, right beside the forward rule, sets `out._backward` to a
function that adds $\dfrac{\partial out}{\partial a}\cdot$`out.grad` to each operand's
`grad` (`+=`, never `=`). The pattern, for ReLU (not part of this assignment):

```python
def relu(self):
    out = Value(max(self.data, 0.0), (self,), "ReLU")
    def _backward():
        self.grad += (1.0 if self.data > 0 else 0.0) * out.grad   # ∂out/∂a · out.grad
    out._backward = _backward
    return out
```

| operation | you write | forward | local derivatives |
| --- | --- | --- | --- |
| `a + b` | `__add__` | $a + b$ | $\partial/\partial a = 1$, $\partial/\partial b = 1$ |
| `a * b` | `__mul__` | $a b$ | $\partial/\partial a = b$, $\partial/\partial b = a$ |
| `a ** n` | `__pow__` | $a^n$, $n$ an int or float | $n\,a^{n-1}$ |
| `a.exp()` | `exp` | $e^a$ | $e^a$ (that is `out.data`) |
| `a.sigmoid()` | `sigmoid` | $\sigma(a) = 1/(1 + e^{-a})$ | $\sigma(a)(1 - \sigma(a))$ |
| `-a` | `__neg__` | $-a$ | $-1$ |
| `a - b` | `__sub__` | $a - b$ | $1$, $-1$ |
| `a / b` | `__truediv__` | $a / b$ | $1/b$, $-a/b^2$ |
| `c + a` | `__radd__` | $c + a$ for a number $c$ | $1$ |
| `c - a` | `__rsub__` | $c - a$ | $-1$ |
| `c * a` | `__rmul__` | $c a$ | $c$ |
| `c / a` | `__rtruediv__` | $c / a$ | $-c/a^2$ |

An operand that is a plain number becomes a `Value` (`Value(other)`); one that is already a
`Value` stays as it is. Python calls `a.__radd__(c)` for `c + a` when `c` is a number.
Like micrograd, you may build operations from others: $-a = a \cdot (-1)$,
$a - b = a + (-b)$, $a / b = a \cdot b^{-1}$; their derivatives then follow by themselves.

`backward()` puts every node of the graph in topological order (each node after its
operands), sets `self.grad = 1`, and runs each node's `_backward` once, in reverse order.
Keep `σ(a)` finite for large negative `a` (`e^(−a)` overflows; $\sigma(a) = e^a/(1 + e^a)$
there)."""

EXAMPLE_TEXT = r"""### Try it: $f = a \cdot b + a$

With $a = {a:g}$ and $b = {b:g}$: $f = a b + a = {f:g}$;
$\partial f/\partial a = b + 1 = {dfda:g}$ (both uses of $a$ add up) and
$\partial f/\partial b = a = {dfdb:g}$. The cell below computes them with your `Value` and
draws the graph (`draw_graph` is in `exercise.py`)."""

EXAMPLE = """leaves = load_example()
a, b = Value(leaves["a"]), Value(leaves["b"])
f = a * b + a
f.backward()
print(f"f = {f.data},  df/da = {a.grad},  df/db = {b.grad}")
draw_graph(f, {"a": a, "b": b, "f": f});"""

NETWORK_TEXT = r"""## 2. `network_gradients(x, y, params)`

The first assignment's network, now built from `Value`s: every weight $w^l_{jk}$
(`params["W2"][j, k]`) and bias $b^l_j$ is a leaf `Value`; $a^1 = x$;
$z^l_j = \sum_k w^l_{jk} a^{l-1}_k + b^l_j$ and $a^l_j = \sigma(z^l_j)$ for $l = 2, 3$;
$C = \frac{1}{2}\sum_j (y_j - a^3_j)^2$; then `C.backward()`. Return
`{"W2", "b2", "W3", "b3"}`: the leaves' `grad`s as float arrays of the parameters' shapes.
Back-propagation computed exactly these numbers with BP1 to BP4: here they come out of
the graph."""

COMPARE_TEXT = r"""### The same gradients, two ways

Below, back-propagation written with the lecture's equations in NumPy
(BP1 $\delta^3 = (a^3 - y)\odot\sigma'(z^3)$, BP2 $\delta^2 = (W^3)^T\delta^3\odot\sigma'(z^2)$,
BP3 $\partial C/\partial b^l = \delta^l$, BP4 $\partial C/\partial W^l = \delta^l (a^{l-1})^T$)
beside your `network_gradients` on the exercise network: the difference should be at
rounding level (about 1e-17)."""

COMPARE = '''def sigma(z):
    return 1.0 / (1.0 + np.exp(-z))


def lecture_backprop(x, y, params):
    """BP1 to BP4 of the lecture for the 2-2-2 network, in NumPy."""
    z2 = params["W2"] @ x + params["b2"]
    a2 = sigma(z2)
    z3 = params["W3"] @ a2 + params["b3"]
    a3 = sigma(z3)
    delta3 = (a3 - y) * sigma(z3) * (1 - sigma(z3))                  # BP1
    delta2 = (params["W3"].T @ delta3) * sigma(z2) * (1 - sigma(z2))  # BP2
    return {"W2": np.outer(delta2, x), "b2": delta2,                  # BP4, BP3
            "W3": np.outer(delta3, a2), "b3": delta3}


net = load_network()
mine = network_gradients(net["x"], net["y"], net["params"])
lecture = lecture_backprop(net["x"], net["y"], net["params"])
print(f"{'':10}{'network_gradients':>20}{'BP1-BP4':>20}{'difference':>14}")
for name in ("W3", "b3", "W2", "b2"):
    for index in np.ndindex(np.shape(lecture[name])):
        label = f"dC/d{name[0].lower()}^{name[1]}_" + "".join(str(i + 1) for i in index)
        ours, theirs = float(np.asarray(mine[name])[index]), float(lecture[name][index])
        print(f"{label:10}{ours:20.12f}{theirs:20.12f}{ours - theirs:14.2e}")'''


ANY_DEPTH_TEXT = r"""## 3. `backprop_any(x, y, weights, biases)`: any depth, any widths

The lecture's equations hold for any number of layers $L$ and any widths, with NumPy:
`weights[i]` and `biases[i]` are $W^l$ and $b^l$ of layer $l = i + 2$ (`W[j, k]` is
$w^l_{jk}$), $a^1 = x$, $z^l = W^l a^{l-1} + b^l$, $a^l = \sigma(z^l)$ on every layer,
$C = \frac{1}{2}\|y - a^L\|^2$, then from the output back:

* **BP1** $\delta^L = (a^L - y) \odot \sigma'(z^L)$;
* **BP2** $\delta^l = \big((W^{l+1})^T \delta^{l+1}\big) \odot \sigma'(z^l)$
  for $l = L-1, \dots, 2$;
* **BP3** $\partial C/\partial b^l = \delta^l$ and
  **BP4** $\partial C/\partial W^l = \delta^l (a^{l-1})^T$.

Return `(grads_W, grads_b)`, two lists shaped like `weights` and `biases`. The checks use
networks with 0 to 4 hidden layers of 1 to 5 neurons (so mind the transpose: the layers are
rarely square), and the exercise network, where your answers must equal part 2's."""


def _raise(owner: str, name: str, indent: str) -> list[str]:
    """``raise NotImplementedError(...)`` naming what to implement, in lines of at most 100
    characters (one string literal per line, joined by Python)."""
    chunks = textwrap.wrap(f"{owner}: implement {IMPLEMENT[name]}", 100 - len(indent) - 8,
                           drop_whitespace=False, break_on_hyphens=False)
    literals = [f"{indent}    {json.dumps(chunk, ensure_ascii=False)}" for chunk in chunks]
    return [f"{indent}raise NotImplementedError(", *literals, f"{indent})"]


def function_stub(func) -> str:
    """A function's def line and docstring, then a NotImplementedError naming what to do."""
    head, _ = split_function(func)
    return "\n".join([*head, *_raise(f"{func.__name__}{plain_signature(func)}",
                                     func.__name__, "    ")])


def class_stub(cls: type) -> str:
    """The class line and docstring, the given methods whole, every other method a stub."""
    lines = inspect.getsource(cls).splitlines()
    node = ast.parse("\n".join(lines)).body[0]
    assert isinstance(node, ast.ClassDef)
    out = lines[: node.body[0].end_lineno]  # the class line and its docstring
    for item in node.body[1:]:
        if not isinstance(item, ast.FunctionDef):
            raise ValueError(f"{cls.__name__}: only methods, not {type(item).__name__}")
        start = min([item.lineno, *(d.lineno for d in item.decorator_list)]) - 1
        method = lines[start: item.end_lineno]
        out.append("")
        if item.name in GIVEN:
            out.extend(method)
            continue
        docstring = item.body[0]
        if not (isinstance(docstring, ast.Expr) and isinstance(docstring.value, ast.Constant)):
            raise ValueError(f"{cls.__name__}.{item.name} has no docstring")
        out.extend(lines[start: docstring.end_lineno])
        out.extend(_raise(f"Value.{item.name}", item.name, " " * 8))
    return "\n".join(out)


def intro_text(folder: Path) -> str:
    config = load_assignment(folder)
    parts = ", ".join(f"`{p}` ({v:g})" for p, v in config.points.items())
    imports = ", ".join(f"`{name}`" for name in config.imports or ()) or "nothing else"
    return INTRO.format(title=config.title, imports=imports, parts=parts,
                        rtol=f"{config.tolerance.rtol:g}", atol=f"{config.tolerance.atol:g}")


def example_text(folder: Path) -> str:
    ex = read_config(folder)["example"]
    a, b = float(ex["a"]), float(ex["b"])
    return EXAMPLE_TEXT.format(a=a, b=b, f=a * b + a, dfda=b + 1, dfdb=a)


ALL_CHECKS_TEXT = """## All the public checks

The cell below runs every **public** check on the saved notebook: the same checks as your
grade, on expressions and networks drawn at random each time. "All checks pass" here is not
your grade: the final grade runs the same checks on hidden inputs."""


def check_cells(parts: list[str]) -> list[NotebookNode]:
    """Locked cells running the public checks of each part ("" : every part) on the saved
    notebook; the grader skips them."""
    return [cell("code", check_cell_source(part), f"check_{part or 'all'}", tags=(SKIP_TAG,))
            for part in parts]


def build_notebook(reference, folder: Path = HERE) -> NotebookNode:
    """The student notebook: intro, setup, Value, the example, network_gradients, the
    comparison with the lecture's NumPy back-propagation, backprop_any."""
    cells = [
        cell("markdown", intro_text(folder), "intro"),
        cell("code", SETUP, "setup"),
        cell("markdown", VALUE_TEXT, "explain_Value"),
        cell("code", class_stub(reference.Value), "Value", solution=True),
        *check_cells(["operations", "local_derivatives", "backward"]),
        cell("markdown", example_text(folder), "explain_example"),
        cell("code", EXAMPLE, "example", tags=(SKIP_TAG,)),
        cell("markdown", NETWORK_TEXT, "explain_network_gradients"),
        cell("code", function_stub(reference.network_gradients), "network_gradients",
             solution=True),
        *check_cells(["network"]),
        cell("markdown", COMPARE_TEXT, "explain_compare"),
        cell("code", COMPARE, "compare", tags=(SKIP_TAG,)),
        cell("markdown", ANY_DEPTH_TEXT, "explain_backprop_any"),
        cell("code", function_stub(reference.backprop_any), "backprop_any", solution=True),
        *check_cells(["any_depth"]),
        cell("markdown", ALL_CHECKS_TEXT, "explain_all_checks"),
        *check_cells([""]),
    ]
    return new_notebook(cells=cells, metadata={
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    })


def main() -> None:
    """Write the notebook named in ``exercise.toml`` next to this script."""
    out = load_assignment(HERE).notebook
    nbformat.write(build_notebook(load_module(REFERENCE, "autodiff_reference", register=True)), out)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
