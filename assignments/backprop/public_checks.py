"""Public checks of the backprop assignment: what ``autograder check`` and GitHub Classroom run.

They need no solution and hide nothing. Every expected value is computed here from the
lecture's definitions, on networks drawn at random each time the checks run (fresh
entropy, so numbers copied from a worked example cannot pass):

- forward: the composition z^l = W^l a^(l−1) + b^l, a^l = σ(z^l);
- backward: a gradient check of your gradients against centred differences of your own
  forward and cost (``gradcheck.py``); your δ^l against the definition δ^l = ∂C/∂z^l at the
  cache you are given; your gradients against your δ's (BP3 ∂C/∂b = δ, BP4 ∂C/∂W = δ aᵀ);
- update: the rule W − η ∂C/∂W on random inputs, inputs left untouched;
- shapes and finiteness everywhere.

Your functions run in the grader's sandboxed child, reached through the ``submission``
fixture; only float arrays come back. Each ``@pytest.mark.part(name, weight)`` check earns
its share (by weight) of the part's points in ``exercise.toml``.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from checking import (
    EXTREMES,
    PARAMS,
    given_cache,
    lecture_forward,
    random_network,
    sigma,
    tol,
    verdict,
)
from exercise import load_exercise
from gradcheck import gradient_check

from autograder.compare import as_shape, rel_error

GRADS = ("delta3", "delta2", "W3", "b3", "W2", "b2")
CACHE = ("a1", "z2", "a2", "z3", "a3")
H = 1e-5  # step of the centred differences computed here
LABELS = {
    "sigmoid": "σ(z)", "sigmoid_prime": "σ'(z)", "cost": "C",
    "a1": "a¹", "z2": "z²", "a2": "a²", "z3": "z³", "a3": "a³", "delta3": "δ³", "delta2": "δ²",
    "W3": "∂C/∂W³", "b3": "∂C/∂b³", "W2": "∂C/∂W²", "b2": "∂C/∂b²",
}
HINTS = {
    "sigmoid": "σ(z) = 1 / (1 + e^(−z)), elementwise; for z ≪ 0 use e^z / (1 + e^z) so that "
               "nothing overflows",
    "sigmoid_prime": "σ'(z) = σ(z)(1 − σ(z)), elementwise, with your σ",
    "a1": "the cache's a¹ is the input x itself",
    "z2": "z² = W² a¹ + b²; W2[j, k] is w²_jk, so Σ_k w²_jk a¹_k is the product W2 @ a1",
    "a2": "a² = σ(z²)",
    "z3": "z³ = W³ a² + b³, with the hidden layer's output a² as the input of layer 3",
    "a3": "a³ = σ(z³): the output layer uses σ as well",
    "cost": "C = ½‖y − a³‖² = ½ Σ_j (y_j − a³_j)², one number",
    "delta3": "BP1: δ³ = (a³ − y) ⊙ σ'(z³), with a³ and z³ read from the cache",
    "delta2": "BP2: δ² = (W³)ᵀ δ³ ⊙ σ'(z²), with z² read from the cache; mind the transpose",
    "W3": "BP4: ∂C/∂w³_jk = a²_k δ³_j, i.e. ∂C/∂W³ = δ³ (a²)ᵀ = np.outer(delta3, a2)",
    "b3": "BP3: ∂C/∂b³ = δ³",
    "W2": "BP4: ∂C/∂w²_jk = a¹_k δ²_j, i.e. ∂C/∂W² = δ² (a¹)ᵀ = np.outer(delta2, a1)",
    "b2": "BP3: ∂C/∂b² = δ²",
}
_STUB = re.compile(r"([\w.]+\([^()]*\)): NotImplementedError(?:: \1:)?:?\s*")


# ------------------------------------------------------------------ the lecture, computed here


def lecture_cost(a3, y) -> float:
    """C = ½‖y − a³‖²."""
    return 0.5 * float(np.sum((np.asarray(y) - np.asarray(a3)) ** 2))


def centred_differences(f, point: np.ndarray) -> np.ndarray:
    """∂f/∂point, entry by entry: (f(p + h) − f(p − h)) / 2h."""
    grad = np.zeros_like(point, dtype=np.float64)
    for index in np.ndindex(point.shape):
        up, down = point.copy(), point.copy()
        up[index] += H
        down[index] -= H
        grad[index] = (f(up) - f(down)) / (2 * H)
    return grad


def deltas_by_definition(y, params, cache) -> dict:
    """δ^l ≡ ∂C/∂z^l at the cache's z^l, from C as a function of z³, and of z² through layer 3."""
    def cost_of_z3(z3):
        return lecture_cost(sigma(z3), y)

    def cost_of_z2(z2):
        return cost_of_z3(params["W3"] @ sigma(z2) + params["b3"])

    return {"delta3": centred_differences(cost_of_z3, cache["z3"]),
            "delta2": centred_differences(cost_of_z2, cache["z2"])}


def gradient_by_definition(net: dict) -> dict:
    """∂C/∂θ of C(θ) = ½‖y − a³(x; θ)‖², by centred differences of the lecture's forward."""
    def cost_with(name):
        def f(value):
            return lecture_cost(lecture_forward(net["x"], {**net["params"], name: value})["a3"],
                                net["y"])
        return f

    return {name: centred_differences(cost_with(name), net["params"][name]) for name in PARAMS}


# ------------------------------------------------------------------ judging and wording


@pytest.fixture(scope="module")
def exercise_network(request) -> dict:
    """The assignment's exercise network, read from its exercise.toml."""
    ex = load_exercise(request.path.parent)
    return {"x": ex.x, "y": ex.y, "params": ex.params, "lr": ex.learning_rate}


def explain(text: str) -> str:
    """An error from the child in words; a stub's NotImplementedError says 'not implemented yet'."""
    if "NotImplementedError" not in text:
        return text
    text = _STUB.sub(lambda m: f"{m.group(1)}: not implemented yet — ", text)
    return text.replace("NotImplementedError", "not implemented yet")


def unusable(answer, call: str) -> str:
    """'' when the call returned a value, else why not."""
    return "" if answer.ok else explain(f"{call}: {answer.error}")


def entry(answer, key: str, call: str) -> tuple[object, str]:
    """One entry of a returned dict, or why there is none."""
    if not answer.ok:
        return None, unusable(answer, call)
    if not isinstance(answer.value, dict):
        return None, f"{call} did not return a dict"
    if key not in answer.value:
        return None, f"{call} returned no {key!r} entry"
    return answer.value[key], ""


def compare(value, expected, what: str, case: str, hint: str, rtol: float, atol: float) -> str:
    """'' when ``value`` is ``expected`` (exact shape, finite, close), else the feedback."""
    expected = np.asarray(expected, dtype=np.float64)
    if isinstance(value, dict):
        return f"{what} is a dict, expected an array of shape {expected.shape}"
    actual = as_shape(value, expected.shape)
    if actual is None:
        return f"{what} has shape {np.shape(value)}, expected {expected.shape} on {case}"
    if not np.all(np.isfinite(actual)):
        return f"{what} contains NaN or infinity on {case}: {hint}"
    if np.allclose(actual, expected, rtol=rtol, atol=atol, equal_nan=False):
        return ""
    return (f"{what} is wrong on {case} (relative error {rel_error(actual, expected):.2g}): "
            f"{hint}")


# ------------------------------------------------------------------ σ and σ'


def _check_elementwise(submission, grading, fn: str, zs: list[tuple[str, object]]) -> None:
    formula = {"sigmoid": sigma, "sigmoid_prime": lambda z: sigma(z) * (1.0 - sigma(z))}[fn]
    answers = submission.call_many(fn, [(z,) for _, z in zs], names=("z",))
    problems = []
    for (case, z), answer in zip(zs, answers):
        problems.append(unusable(answer, f"{fn}(z)") or compare(
            answer.value, formula(z), LABELS[fn], case, HINTS[fn], *tol(grading)))
    verdict(problems)


def _random_zs(rng: np.random.Generator) -> list[tuple[str, object]]:
    zs: list[tuple[str, object]] = [(f"random z {i + 1}", rng.normal(0, s, 6))
                                    for i, s in enumerate((0.5, 2.0, 8.0))]
    zs.append(("a random 3×4 array z (the result keeps its shape)", rng.normal(0, 3, (3, 4))))
    zs.append(("a single number z", float(rng.normal(0, 2))))
    return zs


@pytest.mark.part("sigmoid")
def test_sigmoid_formula(submission, grading):
    """σ(z) = 1 / (1 + e^(−z)) at random z, elementwise, same shape"""
    _check_elementwise(submission, grading, "sigmoid", _random_zs(grading.rng))


@pytest.mark.part("sigmoid")
def test_sigmoid_extremes(submission, grading):
    """σ(z) at z = ±1000, ±50, ±1, 0: finite and right"""
    _check_elementwise(submission, grading, "sigmoid", [("z = ±1000, ±50, ±1, 0", EXTREMES)])


@pytest.mark.part("sigmoid_prime")
def test_sigmoid_prime_formula(submission, grading):
    """σ'(z) = σ(z)(1 − σ(z)) at random z, elementwise, same shape"""
    _check_elementwise(submission, grading, "sigmoid_prime", _random_zs(grading.rng))


@pytest.mark.part("sigmoid_prime")
def test_sigmoid_prime_extremes(submission, grading):
    """σ'(z) at z = ±1000, ±50, ±1, 0: finite and right"""
    _check_elementwise(submission, grading, "sigmoid_prime",
                       [("z = ±1000, ±50, ±1, 0", EXTREMES)])


# ------------------------------------------------------------------ forward and cost


@pytest.mark.part("forward")
def test_forward_composition(submission, grading, exercise_network):
    """z², a², z³, a³ are the composition z = W a + b, a = σ(z), on random networks"""
    nets = [("the exercise network", exercise_network)]
    nets += [(f"random network {i + 1}", random_network(grading.rng)) for i in range(4)]
    call = "forward(x, params)"
    answers = submission.call_many("forward", [(n["x"], n["params"]) for _, n in nets],
                                   names=("x", "params"))
    problems = []
    for (case, net), answer in zip(nets, answers):
        expected = lecture_forward(net["x"], net["params"])
        for key in ("z2", "a2", "z3", "a3"):
            value, why = entry(answer, key, call)
            problems.append(why or compare(value, expected[key], LABELS[key], case, HINTS[key],
                                           *tol(grading)))
            if problems[-1]:
                break  # the later quantities only repeat the first mistake
    verdict(problems)


@pytest.mark.part("forward")
def test_forward_cache(submission, grading):
    """the cache has a1 = x, z2, a2, z3, a3: vectors of the right length, finite; x untouched"""
    net = random_network(grading.rng)
    call = "forward(x, params)"
    answer = submission.call("forward", net["x"], net["params"], names=("x", "params"), watch=True)
    expected = lecture_forward(net["x"], net["params"])
    problems = []
    for key in CACHE:
        value, why = entry(answer, key, call)
        label = f"the cache's {LABELS[key]} ({key!r})"
        if why:
            problems.append(f"{why}: the cache is a dict with {', '.join(CACHE)}")
        elif key == "a1":
            problems.append(compare(value, net["x"], label, "a random network", HINTS["a1"],
                                    0.0, 0.0))
        elif isinstance(value, dict) or as_shape(value, expected[key].shape) is None:
            problems.append(f"{label} has shape {np.shape(value)}, expected {expected[key].shape}")
        elif not np.all(np.isfinite(value)):
            problems.append(f"{label} contains NaN or infinity on a random network")
    if answer.ok and answer.mutated:
        problems.append(f"forward changed its input {', '.join(answer.mutated)} in place: "
                        "compute new arrays, leave x and params as they were")
    verdict(problems)


@pytest.mark.part("cost")
def test_cost_formula(submission, grading, exercise_network):
    """C = ½‖y − a³‖², one finite number, on the exercise output and random outputs"""
    rng = grading.rng
    ex = exercise_network
    pairs = [("the exercise network", lecture_forward(ex["x"], ex["params"])["a3"], ex["y"])]
    pairs += [(f"random output {i + 1}", rng.uniform(0, 1, 2), rng.uniform(0, 1, 2))
              for i in range(4)]
    pairs.append(("a³ = y", pairs[-1][2].copy(), pairs[-1][2]))
    answers = submission.call_many("cost", [(a3, y) for _, a3, y in pairs], names=("a3", "y"))
    problems = []
    for (case, a3, y), answer in zip(pairs, answers):
        problems.append(unusable(answer, "cost(a3, y)") or compare(
            answer.value, lecture_cost(a3, y), "C", case, HINTS["cost"], *tol(grading)))
    verdict(problems)


# ------------------------------------------------------------------ backward


@pytest.mark.part("backward", weight=3)
def test_backward_gradient_check(submission, grading):
    """your ∂C/∂W and ∂C/∂b agree with finite differences of your own forward and cost"""
    problems = [explain(gradient_check(submission, random_network(grading.rng),
                                       f"random network {i + 1}")) for i in range(2)]
    verdict(problems)


def _backward_cases(rng: np.random.Generator) -> list[tuple[str, dict, dict]]:
    """A cache from the lecture's forward pass, and a given cache from a shifted z²."""
    first, second = random_network(rng), random_network(rng)
    return [("a random network", first, lecture_forward(first["x"], first["params"])),
            ("a cache given to backward", second, given_cache(second, rng))]


def _call_backward(submission, cases):
    return submission.call_many("backward", [(n["y"], n["params"], c) for _, n, c in cases],
                                names=("y", "params", "cache"))


@pytest.mark.part("backward", weight=2)
def test_backward_deltas_are_dC_dz(submission, grading):
    """δ³ and δ² are ∂C/∂z³ and ∂C/∂z² at the cache given to backward"""
    cases = _backward_cases(grading.rng)
    problems = []
    for (case, net, cache), answer in zip(cases, _call_backward(submission, cases)):
        expected = deltas_by_definition(net["y"], net["params"], cache)
        for key in ("delta3", "delta2"):
            value, why = entry(answer, key, "backward(y, params, cache)")
            what = f"your {LABELS[key]} (= ∂C/∂z{LABELS[key][-1]} by definition)"
            problem = why or compare(value, expected[key], what, case, HINTS[key], 1e-5, 1e-9)
            if problem and not why and case.startswith("a cache given"):
                problem = _ignores_cache(value, key, net, problem)
            problems.append(problem)
            if problem:
                break
    verdict(problems)


def _ignores_cache(value, key: str, net: dict, problem: str) -> str:
    """Say so when the δ is right for a fresh forward pass from x rather than the given cache."""
    fresh = deltas_by_definition(net["y"], net["params"],
                                 lecture_forward(net["x"], net["params"]))[key]
    actual = as_shape(value, fresh.shape)
    if actual is not None and np.allclose(actual, fresh, rtol=1e-4, atol=1e-8):
        return (f"your {LABELS[key]} belongs to a fresh forward pass from x, not to the cache "
                "backward was given: backpropagation reads z and a from the cache (BP1, BP2); "
                "finite differences or calling forward again inside backward are not backprop")
    return problem


@pytest.mark.part("backward")
def test_backward_gradients_from_deltas(submission, grading):
    """BP3 and BP4 with your own δ's: ∂C/∂b = δ and ∂C/∂W = δ (a^(l−1))ᵀ"""
    cases = _backward_cases(grading.rng)
    problems = []
    for (case, _, cache), answer in zip(cases, _call_backward(submission, cases)):
        problems += _gradients_from_deltas(answer, cache, f"{case}, with your own δ's",
                                           *tol(grading))
    verdict(problems)


def _gradients_from_deltas(answer, cache: dict, case: str, rtol: float, atol: float) -> list[str]:
    call = "backward(y, params, cache)"
    deltas = {}
    for key in ("delta3", "delta2"):
        value, why = entry(answer, key, call)
        shape = cache["z" + key[-1]].shape
        deltas[key] = None if why or isinstance(value, dict) else as_shape(value, shape)
        if deltas[key] is None:
            return [why or f"{LABELS[key]} has shape {np.shape(value)}, expected {shape}"]
    expected = {"W3": np.outer(deltas["delta3"], cache["a2"]), "b3": deltas["delta3"],
                "W2": np.outer(deltas["delta2"], cache["a1"]), "b2": deltas["delta2"]}
    problems = []
    for key, want in expected.items():
        value, why = entry(answer, key, call)
        problems.append(why or compare(value, want, f"your {LABELS[key]}", case, HINTS[key],
                                       rtol, atol))
    return problems


@pytest.mark.part("backward")
def test_backward_returns(submission, grading):
    """backward returns delta3, delta2, W3, b3, W2, b2, of the right shapes, finite; inputs kept"""
    case, net, cache = _backward_cases(grading.rng)[0]
    answer = submission.call("backward", net["y"], net["params"], cache,
                             names=("y", "params", "cache"), watch=True)
    shapes = {"delta3": (2,), "delta2": (2,), **{k: v.shape for k, v in net["params"].items()}}
    problems = []
    for key in GRADS:
        value, why = entry(answer, key, "backward(y, params, cache)")
        label = f"{LABELS[key]} ({key!r})"
        if why:
            problems.append(f"{why}: return a dict with {', '.join(GRADS)}")
        elif isinstance(value, dict) or as_shape(value, shapes[key]) is None:
            same = f", the shape of {key}" if key in PARAMS else ""
            problems.append(f"{label} has shape {np.shape(value)}, expected {shapes[key]}{same}")
        elif not np.all(np.isfinite(value)):
            problems.append(f"{label} contains NaN or infinity on {case}")
    if answer.ok and answer.mutated:
        problems.append(f"backward changed its input {', '.join(answer.mutated)} in place: "
                        "leave y, params and the cache as they were")
    verdict(problems)


# ------------------------------------------------------------------ update and one full step


@pytest.mark.part("update")
def test_update_rule(submission, grading, exercise_network):
    """W ← W − η ∂C/∂W and b ← b − η ∂C/∂b, on random parameters, gradients and η"""
    rng = grading.rng
    nets = [("the exercise parameters", exercise_network)]
    nets += [(f"random parameters {i + 1}", random_network(rng)) for i in range(3)]
    grads = [{k: rng.normal(0, 1, np.shape(v)) for k, v in n["params"].items()} for _, n in nets]
    answers = submission.call_many("update", [(n["params"], g, n["lr"]) for (_, n), g in
                                              zip(nets, grads)], names=("params", "grads", "lr"))
    problems = []
    for (case, net), g, answer in zip(nets, grads, answers):
        for key in PARAMS:
            value, why = entry(answer, key, "update(params, grads, lr)")
            hint = f"the new {key} is {key} − η ∂C/∂{key}, η = lr"
            problems.append(why or compare(value, net["params"][key] - net["lr"] * g[key],
                                           f"the updated {key}", f"{case} (η = {net['lr']:.3g})",
                                           hint, *tol(grading)))
            if problems[-1]:
                break
    verdict(problems)


@pytest.mark.part("update")
def test_update_leaves_inputs(submission, grading):
    """update returns new arrays and leaves params and grads as they were"""
    rng = grading.rng
    net = random_network(rng)
    grads = {k: rng.normal(0, 1, np.shape(v)) for k, v in net["params"].items()}
    answer = submission.call("update", net["params"], grads, net["lr"],
                             names=("params", "grads", "lr"), watch=True)
    problems = [unusable(answer, "update(params, grads, lr)")]
    if answer.ok and not isinstance(answer.value, dict):
        problems.append("update(params, grads, lr) did not return a dict")
    if answer.ok and answer.mutated:
        problems.append(f"update changed its input {', '.join(answer.mutated)} in place: return "
                        "new arrays, W_new = W − η ∂C/∂W (not W -= ...), so the caller's params "
                        "stay as they were")
    verdict(problems)


def _check_full_step(submission, net: dict, case: str) -> None:
    """forward → backward → update with your functions, against W − η ∂C/∂W by definition."""
    cache = submission.call("forward", net["x"], net["params"], names=("x", "params"))
    if not cache.ok or not isinstance(cache.value, dict):
        verdict([unusable(cache, "forward(x, params)") or "forward(x, params) returned no dict"])
    grads = submission.call("backward", net["y"], net["params"], cache.value,
                            names=("y", "params", "cache"))
    if not grads.ok or not isinstance(grads.value, dict):
        verdict([unusable(grads, "backward(y, params, cache)")
                 or "backward(y, params, cache) returned no dict"])
    new = submission.call("update", net["params"], grads.value, net["lr"],
                          names=("params", "grads", "lr"))
    gradient = gradient_by_definition(net)
    problems = []
    for key in PARAMS:
        value, why = entry(new, key, "update(params, grads, lr)")
        problems.append(why or compare(
            value, net["params"][key] - net["lr"] * gradient[key], f"the new {key}", case,
            "one step is your forward, then your backward (BP1 to BP4), then your update; "
            "the checks of those parts say which one is off", 1e-7, 1e-8))
    verdict(problems)


@pytest.mark.part("full_step")
def test_full_step_exercise(submission, exercise_network):
    """one step of gradient descent on the exercise network, with your own functions"""
    _check_full_step(submission, exercise_network, "the exercise network")


@pytest.mark.part("full_step")
def test_full_step_random(submission, grading):
    """one step of gradient descent on a random network, with your own functions"""
    _check_full_step(submission, random_network(grading.rng), "a random network")
