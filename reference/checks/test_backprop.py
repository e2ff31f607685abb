"""Hidden grading checks of the backprop assignment: ordinary pytest tests with a part marker.

Every check calls the student's functions through the ``submission`` proxy (a sandboxed
child) and judges the plain float answers here, against the reference. Random networks
come from the hidden seed, are non-symmetric and of varied magnitude. Each backward and
update check is given the *reference's* cache or gradients, so one mistake costs one part.
"""

from __future__ import annotations

import numpy as np
import pytest
from checking import EXTREMES, PARAMS, given_cache, random_network, tol, verdict
from judging import LABELS, check_case

from autograder.compare import as_shape

SHIFTED = "a cache given to backward"


def exercise_network(ex) -> dict:
    return {"x": ex.x, "y": ex.y, "params": ex.params, "lr": ex.learning_rate}


def cases(ex, rng: np.random.Generator) -> list[tuple[str, dict]]:
    """The exercise network, then four random networks."""
    return [("the exercise network", exercise_network(ex))] + [
        (f"random network {i + 1}", random_network(rng)) for i in range(4)
    ]


# ------------------------------------------------------------------ σ and σ'


def _check_elementwise(submission, grading, ref, catalogue, fn: str,
                       zs: list[tuple[str, np.ndarray]]):
    answers = submission.call_many(fn, [(z,) for _, z in zs], names=("z",))
    problems = []
    for (case, z), answer in zip(zs, answers):
        problems.append(check_case(answer, None, fn, getattr(ref, fn)(z), case, tol(grading),
                                   lambda m, z=z: {fn: getattr(m, fn)(z)}, catalogue,
                                   call=f"{fn}(z)"))
    verdict(problems)


@pytest.mark.part("sigmoid")
def test_sigmoid_values(submission, grading, ref, catalogue):
    """σ(z) at random z of varied magnitude"""
    zs = [(f"random z {i + 1}", grading.rng.normal(0, s, 6)) for i, s in enumerate((0.5, 2, 8))]
    _check_elementwise(submission, grading, ref, catalogue, "sigmoid", zs)


@pytest.mark.part("sigmoid")
def test_sigmoid_extremes(submission, grading, ref, catalogue):
    """σ(z) at z = ±1000, ±50, ±1, 0: finite and correct"""
    _check_elementwise(submission, grading, ref, catalogue, "sigmoid", [("extreme z", EXTREMES)])


@pytest.mark.part("sigmoid_prime")
def test_sigmoid_prime_values(submission, grading, ref, catalogue):
    """σ'(z) at random z of varied magnitude"""
    zs = [(f"random z {i + 1}", grading.rng.normal(0, s, 6)) for i, s in enumerate((0.5, 2, 8))]
    _check_elementwise(submission, grading, ref, catalogue, "sigmoid_prime", zs)


@pytest.mark.part("sigmoid_prime")
def test_sigmoid_prime_extremes(submission, grading, ref, catalogue):
    """σ'(z) at z = ±1000, ±50, ±1, 0: finite and correct"""
    _check_elementwise(submission, grading, ref, catalogue, "sigmoid_prime",
                       [("extreme z", EXTREMES)])


# ------------------------------------------------------------------ forward and cost


def _check_forward(submission, grading, ref, catalogue, nets: list[tuple[str, dict]]):
    answers = submission.call_many("forward", [(n["x"], n["params"]) for _, n in nets],
                                   names=("x", "params"))
    problems = []
    for (case, net), answer in zip(nets, answers):
        expected = ref.forward(net["x"], net["params"])
        for key in ("z2", "a2", "z3", "a3"):
            problems.append(check_case(answer, key, key, expected[key], case, tol(grading),
                                       lambda m, n=net: m.forward(n["x"], n["params"]),
                                       catalogue, call="forward(x, params)"))
            if problems[-1]:
                break
    verdict(problems)


@pytest.mark.part("forward")
def test_forward_exercise(submission, grading, ref, catalogue, ex):
    """z², a², z³, a³ of the exercise network"""
    _check_forward(submission, grading, ref, catalogue,
                   [("the exercise network", exercise_network(ex))])


@pytest.mark.part("forward")
def test_forward_random(submission, grading, ref, catalogue):
    """z², a², z³, a³ of random networks"""
    nets = [(f"random network {i + 1}", random_network(grading.rng)) for i in range(5)]
    _check_forward(submission, grading, ref, catalogue, nets)


@pytest.mark.part("cost")
def test_cost(submission, grading, ref, catalogue, ex):
    """C = ½‖y − a³‖² on the exercise output and random outputs"""
    pairs = [("the exercise network", ref.forward(ex.x, ex.params)["a3"], ex.y)]
    pairs += [(f"random output {i + 1}", grading.rng.uniform(0, 1, 2), grading.rng.uniform(0, 1, 2))
              for i in range(4)]
    answers = submission.call_many("cost", [(a3, y) for _, a3, y in pairs], names=("a3", "y"))
    problems = []
    for (case, a3, y), answer in zip(pairs, answers):
        problems.append(check_case(answer, None, "cost", np.asarray(ref.cost(a3, y)), case,
                                   tol(grading), lambda m, a3=a3, y=y: {"cost": m.cost(a3, y)},
                                   catalogue, call="cost(a3, y)"))
    verdict(problems)


# ------------------------------------------------------------------ backward


def _check_backward(submission, grading, ref, catalogue, ex, key: str):
    nets = cases(ex, grading.rng)
    inputs = [(case, net, ref.forward(net["x"], net["params"])) for case, net in nets]
    probe = random_network(grading.rng)
    inputs.append((SHIFTED, probe, given_cache(probe, grading.rng)))
    answers = submission.call_many("backward", [(n["y"], n["params"], c) for _, n, c in inputs],
                                   names=("y", "params", "cache"))
    problems = []
    for (case, net, cache), answer in zip(inputs, answers):
        expected = ref.backward(net["y"], net["params"], cache)[key]
        problems.append(check_case(answer, key, key, expected, case, tol(grading),
                                   lambda m, n=net, c=cache: m.backward(n["y"], n["params"], c),
                                   catalogue, call="backward(y, params, cache)"))
    if not any(problems[:-1]) and problems[-1]:
        problems[-1] = _ignores_cache(answers[-1], key, ref, probe) or problems[-1]
    verdict(problems)


def _ignores_cache(answer, key: str, ref, net: dict) -> str:
    """Name numerical differentiation: right gradients, but of a fresh forward pass ('' if not)."""
    fresh = ref.backward(net["y"], net["params"], ref.forward(net["x"], net["params"]))[key]
    value = answer.value.get(key) if isinstance(answer.value, dict) else None
    value = None if value is None or isinstance(value, dict) else as_shape(value, fresh.shape)
    if value is not None and np.allclose(value, fresh, rtol=1e-4, atol=1e-8):
        return (f"{LABELS[key]} is right on fresh caches but wrong on {SHIFTED}. "
                "Your backward ignores the cache it is given and "
                "returns the gradient of a fresh forward pass: this is numerical differentiation "
                "(finite differences or complex step) or a recomputed forward pass, not "
                "backpropagation. Backprop reads z and a from the cache: BP1 to BP4.")
    return ""


@pytest.mark.part("backward")
def test_backward_delta3(submission, grading, ref, catalogue, ex):
    """δ³ = (a³ − y) ⊙ σ'(z³) (BP1), given the reference's cache"""
    _check_backward(submission, grading, ref, catalogue, ex, "delta3")


@pytest.mark.part("backward")
def test_backward_delta2(submission, grading, ref, catalogue, ex):
    """δ² = (W³)ᵀ δ³ ⊙ σ'(z²) (BP2), given the reference's cache"""
    _check_backward(submission, grading, ref, catalogue, ex, "delta2")


@pytest.mark.part("backward")
def test_backward_W3(submission, grading, ref, catalogue, ex):
    """∂C/∂W³ = δ³ (a²)ᵀ (BP4), given the reference's cache"""
    _check_backward(submission, grading, ref, catalogue, ex, "W3")


@pytest.mark.part("backward")
def test_backward_b3(submission, grading, ref, catalogue, ex):
    """∂C/∂b³ = δ³ (BP3), given the reference's cache"""
    _check_backward(submission, grading, ref, catalogue, ex, "b3")


@pytest.mark.part("backward")
def test_backward_W2(submission, grading, ref, catalogue, ex):
    """∂C/∂W² = δ² (a¹)ᵀ (BP4), given the reference's cache"""
    _check_backward(submission, grading, ref, catalogue, ex, "W2")


@pytest.mark.part("backward")
def test_backward_b2(submission, grading, ref, catalogue, ex):
    """∂C/∂b² = δ² (BP3), given the reference's cache"""
    _check_backward(submission, grading, ref, catalogue, ex, "b2")


@pytest.mark.part("backward")
def test_backward_gradient_check(submission, grading, gradcheck):
    """your gradients agree with finite differences of your own forward and cost"""
    problems = [gradcheck.gradient_check(submission, random_network(grading.rng),
                                         "a random network")]
    verdict(problems)


# ------------------------------------------------------------------ update and full step


def _reference_grads(ref, net: dict) -> dict:
    return ref.backward(net["y"], net["params"], ref.forward(net["x"], net["params"]))


@pytest.mark.part("update")
def test_update_rule(submission, grading, ref, catalogue, ex):
    """W − η ∂C/∂W and b − η ∂C/∂b, given the reference's gradients"""
    nets = cases(ex, grading.rng)
    grads = [{k: _reference_grads(ref, n)[k] for k in PARAMS} for _, n in nets]
    answers = submission.call_many("update", [(n["params"], g, n["lr"]) for (_, n), g in
                                              zip(nets, grads)], names=("params", "grads", "lr"))
    problems = []
    for (case, net), g, answer in zip(nets, grads, answers):
        expected = ref.update(net["params"], g, net["lr"])
        for name in PARAMS:
            problems.append(check_case(answer, name, f"new_{name}", expected[name], case,
                                       tol(grading),
                                       lambda m, n=net, g=g: m.update(n["params"], g, n["lr"]),
                                       catalogue, call="update(params, grads, lr)"))
            if problems[-1]:
                break
    verdict(problems)


@pytest.mark.part("update", weight=0)
def test_update_inputs_untouched(submission, grading, ref):
    """update leaves params and grads as they were (feedback only, 0 points)

    Whether a function changed its arguments can only be seen inside the student's own
    process, which could lie about it; the grader gives points only for what it judges
    itself, so this check teaches but does not score.
    """
    net = random_network(grading.rng)
    grads = {k: _reference_grads(ref, net)[k] for k in PARAMS}
    answer = submission.call("update", net["params"], grads, net["lr"],
                             names=("params", "grads", "lr"), watch=True)
    if not answer.ok:
        verdict([f"update(params, grads, lr): {answer.error}"])
    if answer.mutated:
        verdict([f"update changed its input {', '.join(answer.mutated)} in place. Return new "
                 "arrays: W_new = W − η ∂C/∂W (not W -= ...), so the caller's params stay as "
                 "they were."])


def _full_step(submission, grading, ref, case: str, net: dict) -> list[str]:
    """Your forward, then your backward on your cache, then your update on your gradients."""
    cache = submission.call("forward", net["x"], net["params"], names=("x", "params"))
    if not cache.ok or not isinstance(cache.value, dict):
        return [f"forward(x, params): {cache.error or 'did not return a dict'}"]
    grads = submission.call("backward", net["y"], net["params"], cache.value,
                            names=("y", "params", "cache"))
    if not grads.ok or not isinstance(grads.value, dict):
        return [f"backward(y, params, cache): {grads.error or 'did not return a dict'}"]
    new = submission.call("update", net["params"], grads.value, net["lr"],
                          names=("params", "grads", "lr"))
    expected = ref.update(net["params"], _reference_grads(ref, net), net["lr"])
    return [check_case(new, name, f"new_{name}", expected[name], case, tol(grading),
                       call="update(params, grads, lr)") for name in PARAMS]


@pytest.mark.part("full_step")
def test_full_step(submission, grading, ref, ex):
    """one forward, backward and update step with your own functions: the exercise network and a fresh random one"""  # noqa: E501
    problems = _full_step(submission, grading, ref, "the exercise network", exercise_network(ex))
    problems += _full_step(submission, grading, ref, "a random network",
                           random_network(grading.rng))
    verdict(problems)
