"""Every catalogued misconception, written as a student would, loses exactly its parts.

Each misconception of reference/misconceptions.py is submitted as the reference source
with a small textual patch (one per misconception, each applying exactly once), as a .py
file. All of them are graded in one batch. For each, the test knows by hand which parts it
must lose (literal data below, derived from which functions each check calls) and that
its name must appear in the feedback of some failed check.

Which checks call what (see also tests/test_grade.py): the six backward checks call only
the student's backward, on the *reference's* cache; the backward gradient check compares
the student's backward (on the reference's cache) with finite differences of the
reference's forward and cost, so a forward or cost mistake costs no backward point;
the update rule check gets the reference's gradients; full_step chains the student's
forward, backward and update. The student's backward calls the student's sigmoid_prime,
which calls the student's sigmoid; forward calls sigmoid.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path

import pytest
from conftest import patch

from autograder.core.config import load_assignment
from autograder.core.loader import discover
from autograder.engine.batch import Batch, run_batch

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "assignments" / "backprop" / "hidden"
PARTS = ("sigmoid", "sigmoid_prime", "forward", "cost", "backward", "update", "full_step")
FULL = (1, 1, 2, 1, 7, 2, 2)
SEED = 20240917

D3 = 'delta3 = (cache["a3"] - y) * sigmoid_prime(cache["z3"])'
# The misconception (by its switch in misconceptions.Mistake) as a student writes it:
# textual patches (old, new) of reference/backprop.py.
PATCHES: dict[str, list[tuple[str, str]]] = {
    "no_output_prime": [(D3, 'delta3 = (cache["a3"] - y)')],
    "prime_of_a": [('sigmoid_prime(cache["z3"])', 'sigmoid_prime(cache["a3"])'),
                   ('sigmoid_prime(cache["z2"])', 'sigmoid_prime(cache["a2"])')],
    "bp2_not_transposed": [('params["W3"].T @ delta3', 'params["W3"] @ delta3')],
    "bp2_elementwise": [('params["W3"].T @ delta3', 'params["W3"].T * delta3')],
    "bp4_elementwise": [('np.outer(delta3, cache["a2"])', 'delta3 * cache["a2"]'),
                        ('np.outer(delta2, cache["a1"])', 'delta2 * cache["a1"]')],
    "bp4_transposed": [('np.outer(delta3, cache["a2"])', 'np.outer(cache["a2"], delta3)'),
                       ('np.outer(delta2, cache["a1"])', 'np.outer(cache["a1"], delta2)')],
    "update_sign": [("params[name] - lr * grads[name]", "params[name] + lr * grads[name]")],
    "factor_two": [(D3, 'delta3 = 2 * (cache["a3"] - y) * sigmoid_prime(cache["z3"])')],
    "error_sign": [(D3, 'delta3 = (y - cache["a3"]) * sigmoid_prime(cache["z3"])')],
    "no_bias_gradient": [('"b3": delta3,', '"b3": np.zeros_like(delta3),'),
                         ('"b2": delta2,', '"b2": np.zeros_like(delta2),')],
    "forward_transposed": [('params["W2"] @ a1', 'params["W2"].T @ a1'),
                           ('params["W3"] @ a2', 'params["W3"].T @ a2')],
    "no_output_sigmoid": [("a3 = sigmoid(z3)", "a3 = z3")],
    # σ(z) = 1 / (1 + e^(+z)), i.e. σ(−z): z negated on entry of the (stable) sigmoid
    "sigmoid_sign": [("z = np.asarray(z, dtype=np.float64)",
                      "z = -np.asarray(z, dtype=np.float64)")],
    # the lecture's y(1 − y) with z in place of y = σ(z)
    "prime_of_z": [("s = sigmoid(z)", "s = z")],
    "cost_no_half": [("return 0.5 * float(", "return float(")],
    "cost_mean": [("0.5 * float(np.sum(", "0.5 * float(np.mean(")],
    "no_forward_bias": [('params["W2"] @ a1 + params["b2"]', 'params["W2"] @ a1'),
                        ('params["W3"] @ a2 + params["b3"]', 'params["W3"] @ a2')],
    "update_skips_bias": [('return {name: params[name] - lr * grads[name] for name in ("W2", '
                           '"b2", "W3", "b3")}',
                           'return {name: params[name] - lr * grads[name] if name[0] == "W" '
                           'else params[name] for name in ("W2", "b2", "W3", "b3")}')],
    "update_no_lr": [("params[name] - lr * grads[name]", "params[name] - grads[name]")],
}

# Points per part (PARTS order) each misconception must keep, with the reasoning.
EXPECTED: dict[str, tuple[float, ...]] = {
    # δ³ wrong -> δ², all four gradients wrong; gradient check vs (correct) finite
    # differences fails; full_step uses these gradients.
    "no_output_prime": (1, 1, 2, 1, 0, 2, 0),
    # σ'(a) at both layers: δ³ and δ² wrong, so is everything built on them.
    "prime_of_a": (1, 1, 2, 1, 0, 2, 0),
    # δ³, ∂C/∂W³, ∂C/∂b³ right (no W³ involved); δ², ∂C/∂W², ∂C/∂b² wrong (W³ not
    # symmetric); the gradient check fails at ∂C/∂W².
    "bp2_not_transposed": (1, 1, 2, 1, 3, 2, 0),
    # δ² becomes a 2×2 matrix: δ², ∂C/∂W² (np.outer flattens: 4×2), ∂C/∂b² have the wrong
    # shape; the layer-3 quantities stay right. full_step: W² − η (4×2) cannot broadcast.
    "bp2_elementwise": (1, 1, 2, 1, 3, 2, 0),
    # ∂C/∂W³ and ∂C/∂W² are vectors δ ⊙ a (wrong shape); δ³, δ², ∂C/∂b³, ∂C/∂b² right;
    # the gradient check fails on the shape of ∂C/∂W³; full_step broadcasts wrongly.
    "bp4_elementwise": (1, 1, 2, 1, 4, 2, 0),
    # ∂C/∂W = a δᵀ: both weight gradients transposed (not symmetric), deltas and biases right.
    "bp4_transposed": (1, 1, 2, 1, 4, 2, 0),
    # W + η ∂C/∂W: the rule check fails (0/2: "inputs untouched" is feedback only).
    "update_sign": (1, 1, 2, 1, 7, 0, 0),
    # every backward quantity doubled; the student's cost keeps the ½, so the gradient
    # check fails too.
    "factor_two": (1, 1, 2, 1, 0, 2, 0),
    # every backward quantity negated.
    "error_sign": (1, 1, 2, 1, 0, 2, 0),
    # ∂C/∂b³ = ∂C/∂b² = 0: two checks fail, and the gradient check fails at ∂C/∂b³
    # (relative error 1); δ³, δ², ∂C/∂W³, ∂C/∂W² right. full_step: b never moves.
    "no_bias_gradient": (1, 1, 2, 1, 4, 2, 0),
    # z = Wᵀa + b: forward wrong (0/2); backward (correct, given the reference's cache,
    # checked against the reference's forward) 7/7; full_step starts from the wrong forward.
    "forward_transposed": (1, 1, 0, 1, 7, 2, 0),
    # a³ = z³: forward's a³ wrong; backward right (7/7); full_step from the wrong a³.
    "no_output_sigmoid": (1, 1, 0, 1, 7, 2, 0),
    # σ(−z): sigmoid wrong. σ(−z)(1 − σ(−z)) = σ(z)(1 − σ(z)): sigmoid_prime right, so is
    # backward (7/7); forward wrong; full_step: wrong forward.
    "sigmoid_sign": (0, 1, 0, 1, 7, 2, 0),
    # σ'(z) = z(1 − z): sigmoid_prime wrong, hence every backward quantity; forward and
    # cost right.
    "prime_of_z": (1, 0, 2, 1, 0, 2, 0),
    # C = ‖y − a³‖²: cost wrong, nothing else (no backward check and no step uses it).
    "cost_no_half": (1, 1, 2, 0, 7, 2, 2),
    # C as a mean over the two outputs: cost wrong (half the sum), nothing else.
    "cost_mean": (1, 1, 2, 0, 7, 2, 2),
    # z = W a: forward wrong (z² lacks b²); backward given a correct cache 7/7; full_step
    # starts from the wrong forward.
    "no_forward_bias": (1, 1, 0, 1, 7, 2, 0),
    # b ← b: the rule check fails on the biases; backward right; the step leaves b.
    "update_skips_bias": (1, 1, 2, 1, 7, 0, 0),
    # W − ∂C/∂W: the rule fails whenever η ≠ 1 (the exercise's η = 0.5, random η drawn
    # from [0.05, 2]); the step too.
    "update_no_lr": (1, 1, 2, 1, 7, 0, 0),
}


def catalogue() -> tuple:
    """CATALOGUE of reference/misconceptions.py, loaded by path (registered: dataclasses)."""
    name = "_test_misconceptions_catalogue"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, REFERENCE / "misconceptions.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name].CATALOGUE


def switch(misconception) -> str:
    """The one Mistake switch a misconception turns on: its id here."""
    (name,) = [k for k, v in vars(misconception.mistake).items() if v is True]
    return name


NAMES = {switch(m): m.name for m in catalogue()}


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Path:
    """All misconceptions, plus the unpatched reference as a control, in one batch."""
    folder = tmp_path_factory.mktemp("misconceptions")
    subs, out = folder / "submissions", folder / "out"
    subs.mkdir()
    source = (REFERENCE / "backprop.py").read_text(encoding="utf-8")
    (subs / "control.py").write_text(source, encoding="utf-8")
    for name, patches in PATCHES.items():
        (subs / f"{name}.py").write_text(patch(source, patches, name), encoding="utf-8")
    run_batch(Batch(load_assignment("backprop"), REFERENCE, discover([subs]), out, SEED, 2))
    return out


def results(out: Path, student: str) -> dict:
    return json.loads((out / student / "results.json").read_text(encoding="utf-8"))


def part_scores(data: dict) -> tuple[float, ...]:
    got = dict.fromkeys(PARTS, 0.0)
    for test in data["tests"]:
        for tag in test["tags"]:
            got[tag] += test["score"]
    return tuple(round(got[p], 9) for p in PARTS)


def test_every_catalogued_misconception_has_a_patch_and_an_expectation():
    assert len(NAMES) >= 8
    assert set(PATCHES) == set(NAMES) == set(EXPECTED)


def test_the_unpatched_reference_gets_full_marks(graded):
    assert part_scores(results(graded, "control")) == tuple(map(float, FULL))


@pytest.mark.parametrize("name", list(EXPECTED))
def test_a_misconception_loses_exactly_its_parts(graded, name):
    assert part_scores(results(graded, name)) == tuple(map(float, EXPECTED[name]))


@pytest.mark.parametrize("name", list(EXPECTED))
def test_a_misconception_is_named_in_the_feedback(graded, name):
    failed = [t["output"] for t in results(graded, name)["tests"] if t["status"] == "failed"]
    assert any(NAMES[name] in text for text in failed), failed


# Which of the student's functions a full step finds wrong first (forward, then backward's
# gradients, then update), by which function each patch changes and what calls it.
STEP_BLAME = {
    **dict.fromkeys(("no_output_prime", "prime_of_a", "bp2_not_transposed", "bp2_elementwise",
                     "bp4_elementwise", "bp4_transposed", "factor_two", "error_sign",
                     "no_bias_gradient", "prime_of_z"), "backward(y, params, cache)"),
    **dict.fromkeys(("forward_transposed", "no_output_sigmoid", "sigmoid_sign",
                     "no_forward_bias"), "forward(x, params)"),
    **dict.fromkeys(("update_sign", "update_skips_bias", "update_no_lr"),
                    "update(params, grads, lr)"),
}


@pytest.mark.parametrize("name", list(EXPECTED))
def test_a_wrong_step_names_the_function_that_is_wrong(graded, name):
    steps = [t["output"] for t in results(graded, name)["tests"]
             if "full_step" in t["tags"] and t["status"] == "failed"]
    if name.startswith("cost"):
        assert not steps  # a step does not use cost
        return
    assert steps and all(f"goes wrong in {STEP_BLAME[name]}" in text for text in steps), steps


# A number in feedback, e.g. 12, 0.35, 1.2e-05, -3. Unicode superscripts (W³) are not \d.
NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def significant_digits(token: str) -> int:
    mantissa = re.split(r"[eE]", token.lstrip("+-"))[0].replace(".", "")
    return len(mantissa.lstrip("0")) or 1


def test_feedback_never_shows_a_hidden_number(graded):
    """No number in any feedback has more than 4 significant digits.

    Expected values of the hidden cases are float64 with ~16 significant digits; any of
    them printed usefully (as the step table's 9 decimals, repr, or %.6g) would break this
    rule, as would the seed (8 digits). What feedback legitimately shows is small: relative
    errors (2 significant digits), shapes, cell and line numbers, limits in seconds.
    """
    texts = []
    for student in ["control", *PATCHES]:
        data = results(graded, student)
        texts += [data["output"]] + [t["output"] for t in data["tests"]]
    assert any("relative error" in t for t in texts)  # the rule is not vacuous
    offending = {tok for text in texts for tok in NUMBER.findall(text)
                 if significant_digits(tok) > 4}
    assert not offending, offending
    assert str(SEED) not in " ".join(texts)
