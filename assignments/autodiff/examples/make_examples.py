"""Generate ``examples/submissions/`` of the autodiff assignment: its bundled examples.

One source of truth: the released student notebook (``autodiff.ipynb``) solved with the
reference's code (``hidden/autodiff.py``) through
``autograder.instructor.answer_key.solve_notebook``.
Each wrong example is the reference source with one small textual patch that introduces
one typical mistake. Every patch must apply exactly once, so a change of the reference
that breaks a patch fails here, loudly, instead of silently producing a "mistake" that is
no mistake.

    python assignments/autodiff/examples/make_examples.py          # (re)write them
    python assignments/autodiff/examples/make_examples.py --check  # exit 1 if stale

The generated files are committed; ``tests/test_autodiff.py`` checks that they equal what
this script generates now, and that each one gets exactly the per-part scores designed
for it (``examples/README.md``).
"""

from __future__ import annotations

import inspect
import sys
import tempfile
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
ASSIGNMENT = HERE.parent
ROOT = ASSIGNMENT.parents[1]
NOTEBOOK = ASSIGNMENT / "autodiff.ipynb"
REFERENCE = ASSIGNMENT / "hidden" / "autodiff.py"
OUT = HERE / "submissions"

sys.path.insert(0, str(ROOT))  # run as a script from anywhere: find the autograder package
from autograder.contract import (  # noqa: E402
    examples_main,
    load_module,
    public_functions,
    stale_files,
)
from autograder.instructor.answer_key import solve_notebook  # noqa: E402

BACKWARD_BODY = """        topo, visited = [], set()

        def build_topo(v):
            if v not in visited:
                visited.add(v)
                for child in v._prev:
                    build_topo(child)
                topo.append(v)  # after all of its children: a topological order
        build_topo(self)
        self.grad = 1.0  # ∂f/∂f = 1
        for v in reversed(topo):  # the output first, every node before its children
            v._backward()
"""

# name -> (what is wrong, [(old, new), ...] textual patches of the reference source)
MISTAKES: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "overwrite_gradient": (
        "every chain rule assigns (=) instead of adding (+=)",
        [("self.grad += out.grad", "self.grad = out.grad"),
         ("other.grad += out.grad", "other.grad = out.grad"),
         ("self.grad += other.data * out.grad", "self.grad = other.data * out.grad"),
         ("other.grad += self.data * out.grad", "other.grad = self.data * out.grad"),
         ("self.grad += exponent *", "self.grad = exponent *"),
         ("self.grad += out.data * out.grad", "self.grad = out.data * out.grad"),
         ("self.grad += out.data * (1.0", "self.grad = out.data * (1.0")],
    ),
    "children_first": (
        "backward runs the chain rules in topological order, not reversed",
        [("for v in reversed(topo):", "for v in topo:")],
    ),
    "no_seed": (
        "backward never sets self.grad = 1",
        [("        self.grad = 1.0  # ∂f/∂f = 1\n", "")],
    ),
    "exp_uses_input": (
        "∂e^a/∂a taken as a: self.grad += self.data * out.grad",
        [("self.grad += out.data * out.grad", "self.grad += self.data * out.grad")],
    ),
    "power_rule_n_a_to_the_n": (
        "∂(a^n)/∂a taken as n·a^n",
        [("exponent * self.data ** (exponent - 1) * out.grad",
          "exponent * self.data ** exponent * out.grad")],
    ),
    "sigmoid_uses_input": (
        "σ'(a) computed as a(1 − a) from the input instead of from out.data",
        [("out.data * (1.0 - out.data) * out.grad", "self.data * (1.0 - self.data) * out.grad")],
    ),
    "rsub_reversed": (
        "c − a computed as a − c in __rsub__",
        [("return other + (-self)", "return self + (-other)")],
    ),
    "any_depth_no_output_sigma_prime": (
        "backprop_any's BP1 without σ'(z^L): δ^L = a^L − y",
        [("delta = (activations[-1] - np.asarray(y)) * sigma(zs[-1]) * (1 - sigma(zs[-1]))",
          "delta = (activations[-1] - np.asarray(y))")],
    ),
    "unfinished": (
        "backward, network_gradients and backprop_any left as the released stubs",
        [(BACKWARD_BODY, '        raise NotImplementedError(\n'
                         '            "Value.backward: implement topological order, '
                         'self.grad = 1, then each "\n'
                         '            "node\'s _backward once, output first"\n        )\n')],
    ),
}
LEFT_AS_STUBS = {"unfinished": ("network_gradients", "backprop_any")}


class PatchError(RuntimeError):
    """A patch of the reference source does not apply exactly once."""


def patch(source: str, patches: list[tuple[str, str]], label: str) -> str:
    """``source`` with each ``old`` replaced by ``new``; each ``old`` must occur exactly once."""
    for old, new in patches:
        count = source.count(old)
        if count != 1:
            raise PatchError(f"{label}: the patch {old!r} applies {count} times to "
                             f"{REFERENCE.name}, not exactly once; update {Path(__file__).name}")
        source = source.replace(old, new)
    return source


def _module(source: str, name: str, tmp: str):
    """``source`` as a module (registered: inspect needs that for a class's source)."""
    path = Path(tmp) / f"{name}.py"  # a fresh path each time: inspect's line cache
    path.write_text(source, encoding="utf-8")
    sys.modules.pop(f"_autodiff_example_{name}", None)
    return load_module(path, f"_autodiff_example_{name}", register=True)


def _solved(notebook: nbformat.NotebookNode, source: str, name: str,
            leave_stubs: tuple[str, ...] = ()) -> str:
    """The notebook solved with the code of ``source``, as nbformat's JSON text."""
    with tempfile.TemporaryDirectory(prefix="make-examples-") as tmp:
        module = _module(source, name, tmp)
        for fn in leave_stubs:
            delattr(module, fn)
        solved = solve_notebook(notebook, module)
    return nbformat.writes(solved)


def script(source: str) -> str:
    """The reference's public class and functions as one plain .py file."""
    with tempfile.TemporaryDirectory(prefix="make-examples-") as tmp:
        found = public_functions(_module(source, "correct_script", tmp))
        bodies = [inspect.getsource(f).rstrip("\n") for f in found.values()]
    head = ('"""A correct submission as a plain script (made by the assignment\'s '
            'examples/make_examples.py)."""\n\n'
            "import math\n\nimport numpy as np\n")
    return head + "".join(f"\n\n{body}\n" for body in bodies)


def generate() -> dict[str, str]:
    """Every example file, by file name, as text."""
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    source = REFERENCE.read_text(encoding="utf-8")
    files = {"correct.ipynb": _solved(notebook, source, "correct")}
    for name, (_why, patches) in MISTAKES.items():
        files[f"{name}.ipynb"] = _solved(notebook, patch(source, patches, name), name,
                                         LEFT_AS_STUBS.get(name, ()))
    correct = files["correct.ipynb"]
    files["broken.ipynb"] = correct[: len(correct) // 2]  # truncated: not valid JSON
    files["correct_script.py"] = script(source)
    return files


def differences(out: Path = OUT) -> list[str]:
    """The example files in ``out`` that are missing, stale or not generated by this script."""
    return stale_files(generate(), out)


def main(argv: list[str] | None = None) -> int:
    return examples_main(generate, OUT, ROOT, Path(__file__), __doc__, argv)


if __name__ == "__main__":
    sys.exit(main())
