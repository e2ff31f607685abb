"""Every catalogued misconception of backprop, written with column vectors, is named.

Nielsen's ``network.py`` (and the lecture's slides) keep every vector a column ``(n, 1)``;
the contract accepts such answers, and answers given as lists. So the catalogue must name
a mistake whatever the shape the answer comes in: here each misconception of
``hidden/misconceptions.py`` is written into one column-vector submission (``COLUMNS``,
reshaping every vector to ``(n, 1)`` and returning columns), as a small textual patch, and
graded twice: as it is, and returning every answer as nested Python lists (``.tolist()``).

The name each must get is the catalogue's own (by the misconception's switch), never the
grader's output. The unpatched submission, in both forms, gets full marks.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import patch
from test_misconceptions import FULL, NAMES, part_scores

from autograder.core.config import load_assignment
from autograder.core.loader import discover
from autograder.engine.batch import Batch, run_batch

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "assignments" / "backprop" / "hidden"
SEED = 20250214

COLUMNS = '''\
import numpy as np


def col(v):
    """any vector as a column (n, 1), as in Nielsen's network.py"""
    return np.asarray(v, dtype=np.float64).reshape(-1, 1)


def sigmoid(z):
    z = col(z)
    return np.exp(-np.logaddexp(0.0, -z))


def sigmoid_prime(z):
    s = col(sigmoid(z))
    return s * (1 - s)


def forward(x, params):
    a1 = col(x)
    z2 = np.dot(params["W2"], a1) + col(params["b2"])
    a2 = sigmoid(z2)
    z3 = np.dot(params["W3"], a2) + col(params["b3"])
    a3 = sigmoid(z3)
    return {"a1": a1, "z2": z2, "a2": a2, "z3": z3, "a3": a3}


def cost(a3, y):
    d = col(a3) - col(y)
    return 0.5 * float(np.sum(d ** 2))


def backward(y, params, cache):
    a1, z2, a2, z3, a3 = (col(cache[k]) for k in ("a1", "z2", "a2", "z3", "a3"))
    delta3 = (a3 - col(y)) * sigmoid_prime(z3)
    delta2 = np.dot(params["W3"].transpose(), delta3) * sigmoid_prime(z2)
    nabla_w3 = np.dot(delta3, a2.transpose())
    nabla_w2 = np.dot(delta2, a1.transpose())
    return {"delta3": delta3, "delta2": delta2,
            "W3": nabla_w3, "b3": delta3, "W2": nabla_w2, "b2": delta2}


def update(params, grads, lr):
    new = {}
    for name in ("W2", "b2", "W3", "b3"):
        shape = col if name.startswith("b") else np.asarray
        new[name] = shape(params[name]) - lr * shape(grads[name])
    return new
'''

# Every function's answer as nested lists: [[0.1], [0.2]] for a column.
AS_LISTS = '''

def listed(fn):
    def wrapper(*args):
        out = fn(*args)
        if isinstance(out, dict):
            return {k: np.asarray(v).tolist() for k, v in out.items()}
        return np.asarray(out).tolist()
    return wrapper


sigmoid, sigmoid_prime, forward, cost, backward, update = map(
    listed, (sigmoid, sigmoid_prime, forward, cost, backward, update))
'''

D3 = "delta3 = (a3 - col(y)) * sigmoid_prime(z3)"
BP2 = 'np.dot(params["W3"].transpose(), delta3)'
# The misconception (by its switch in misconceptions.Mistake) as a column-vector student
# writes it: textual patches (old, new) of COLUMNS.
PATCHES: dict[str, list[tuple[str, str]]] = {
    "no_output_prime": [(D3, "delta3 = a3 - col(y)")],
    "prime_of_a": [("sigmoid_prime(z3)", "sigmoid_prime(a3)"),
                   ("sigmoid_prime(z2)", "sigmoid_prime(a2)")],
    "bp2_not_transposed": [(BP2, 'np.dot(params["W3"], delta3)')],
    # W³ᵀ * δ³ broadcasts the column δ³ along the rows: a 2×2 δ². Nielsen's BP4,
    # np.dot(δ², (a¹)ᵀ), then raises (2×2 by 1×2); this student's BP4 of layer 2 is
    # np.outer, which takes the matrix (and flattens it).
    "bp2_elementwise": [(BP2, 'params["W3"].transpose() * delta3'),
                        ("np.dot(delta2, a1.transpose())", "np.outer(delta2, a1)")],
    "bp4_elementwise": [("np.dot(delta3, a2.transpose())", "delta3 * a2"),
                        ("np.dot(delta2, a1.transpose())", "delta2 * a1")],
    "bp4_transposed": [("np.dot(delta3, a2.transpose())", "np.dot(a2, delta3.transpose())"),
                       ("np.dot(delta2, a1.transpose())", "np.dot(a1, delta2.transpose())")],
    "update_sign": [("shape(params[name]) - lr", "shape(params[name]) + lr")],
    "factor_two": [(D3, "delta3 = 2 * (a3 - col(y)) * sigmoid_prime(z3)")],
    "error_sign": [(D3, "delta3 = (col(y) - a3) * sigmoid_prime(z3)")],
    "no_bias_gradient": [('"b3": delta3', '"b3": np.zeros_like(delta3)'),
                         ('"b2": delta2', '"b2": np.zeros_like(delta2)')],
    "forward_transposed": [('np.dot(params["W2"], a1)', 'np.dot(params["W2"].T, a1)'),
                           ('np.dot(params["W3"], a2)', 'np.dot(params["W3"].T, a2)')],
    "no_output_sigmoid": [("a3 = sigmoid(z3)", "a3 = z3")],
    "sigmoid_sign": [("np.logaddexp(0.0, -z)", "np.logaddexp(0.0, z)")],
    "prime_of_z": [("s = col(sigmoid(z))", "s = col(z)")],
    "cost_no_half": [("return 0.5 * float(", "return float(")],
    "cost_mean": [("float(np.sum(d ** 2))", "float(np.mean(d ** 2))")],
    "no_forward_bias": [(' + col(params["b2"])', ""), (' + col(params["b3"])', "")],
    "update_skips_bias": [("new[name] = shape(params[name]) - lr * shape(grads[name])",
                           "new[name] = (shape(params[name]) - lr * shape(grads[name]) "
                           'if name[0] == "W" else shape(params[name]))')],
    "update_no_lr": [("shape(params[name]) - lr * shape", "shape(params[name]) - shape")],
}
FORMS = {"columns": "", "lists": AS_LISTS}


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Path:
    """Every misconception in both forms, and the unpatched submissions, in one batch."""
    folder = tmp_path_factory.mktemp("columns")
    subs, out = folder / "submissions", folder / "out"
    subs.mkdir()
    for form, tail in FORMS.items():
        (subs / f"{form}_control.py").write_text(COLUMNS + tail, encoding="utf-8")
        for name, patches in PATCHES.items():
            source = patch(COLUMNS, patches, name) + tail
            (subs / f"{form}_{name}.py").write_text(source, encoding="utf-8")
    run_batch(Batch(load_assignment("backprop"), REFERENCE, discover([subs]), out, SEED, 2))
    return out


def results(out: Path, student: str) -> dict:
    return json.loads((out / student / "results.json").read_text(encoding="utf-8"))


def test_every_catalogued_misconception_has_a_column_patch():
    assert set(PATCHES) == set(NAMES)


@pytest.mark.parametrize("form", list(FORMS))
def test_the_unpatched_column_submission_gets_full_marks(graded, form):
    assert part_scores(results(graded, f"{form}_control")) == tuple(map(float, FULL))


@pytest.mark.parametrize("form", list(FORMS))
@pytest.mark.parametrize("name", list(PATCHES))
def test_a_misconception_in_columns_is_named_by_every_check_it_fails(graded, form, name):
    """Every failed check that judged a quantity against the oracle's (its feedback says
    what was expected) names the mistake; full_step (which names the function that is off)
    and the gradient check (finite differences) name none."""
    data = results(graded, f"{form}_{name}")
    judged = [t["output"] for t in data["tests"] if t["status"] == "failed"
              and "full_step" not in t["tags"] and ". Expected " in t["output"]]
    assert judged, f"{form}_{name} lost no check that judges a quantity"
    unnamed = [text for text in judged if f"This looks like {NAMES[name]} (" not in text]
    assert not unnamed, unnamed
