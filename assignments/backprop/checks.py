"""The checks of the backprop assignment: one suite, for the public checks and the grading.

Each check is an ordinary pytest test in a part (``@pytest.mark.part``); a part's points
(``exercise.toml``) are shared among its checks by weight. Every check calls the student's
functions through the ``submission`` fixture (a sandboxed child; only float arrays come
back) and judges the answers here, against the ``oracle``:

- ``autograder check`` and GitHub Classroom: the lecture (``lecture.py``: the formulas, and
  the derivatives by definition), on random cases drawn afresh on every run;
- ``autograder grade``: the hidden reference, on cases drawn from the hidden seed plus a
  few hidden-only ones (``cases.py``), naming catalogued mistakes.

So both give the same parts, weights, messages and points, unless a hidden-only case fails
(its message says so). Each function is checked on correct inputs from the oracle (backward
gets the oracle's cache, update the oracle's gradients): a mistake costs only the parts it
touches. ``full_step`` chains your own forward, backward and update.
"""

from __future__ import annotations

import functools
import weakref

import numpy as np
import pytest
from cases import EXTREMES as EXTREME_Z
from cases import PARAMS, SHIFTED, Case, networks, random_network, random_zs, shifted_cache
from exercise import load_exercise
from feedback import CALLS, HIDDEN_CASE, LABELS, check_value, entry, sentence, verdict

from autograder.contract import as_shape

GRADIENTS = ("W3", "b3", "W2", "b2")
H = 1e-5  # the step of the gradient check's centred differences
CACHE_KEYS = ("a1", "z2", "a2", "z3", "a3")


@pytest.fixture
def oracle(grading):
    """What answers are compared with: the lecture (public) or the reference (hidden)."""
    return grading.oracle


@pytest.fixture
def ex(grading):
    """The exercise network of the assignment being checked."""
    return _exercise(grading.assignment.folder)


@functools.cache
def _exercise(folder):
    return load_exercise(folder)


def _case_name(case: Case) -> str:
    return case.name + (HIDDEN_CASE if case.hidden_only else "")


def _check(submission, grading, fn: str, cases: list[Case], args, keys,
           names) -> tuple[list[str], list]:
    """Call ``fn`` on every case (one round trip) and judge each returned quantity against
    the oracle's (``_judge``); ``args(case)`` gives the inputs. The problems, and the
    answers."""
    inputs = [args(case) for case in cases]
    answers = submission.call_many(fn, inputs, names=names)
    return _judge(grading, fn, cases, inputs, answers, keys), answers


def _judge(grading, fn: str, cases: list[Case], inputs: list, answers: list,
           keys) -> list[str]:
    """Judge ``fn``'s answers to ``cases`` (given ``inputs``): ``keys`` are the (returned
    key, quantity) pairs to judge (key None: the value itself). After a case's first wrong
    quantity the later ones are not judged: they only repeat that mistake. One problem ('' when
    right) per case."""
    oracle, tol = grading.oracle, grading.assignment.tolerance
    problems = []
    for case, given, answer in zip(cases, inputs, answers):
        expected, problem = getattr(oracle, fn)(*given), ""
        for key, quantity in keys:
            want = expected[key] if key is not None else expected
            problem = check_value(
                answer, key, quantity, want, _case_name(case), fn, tol,
                lambda value, q=quantity, g=given, w=want: oracle.name_mistake(fn, g, q, value,
                                                                               w))
            if problem:
                break
        problems.append(problem)
    return problems


# ------------------------------------------------------------------ σ and σ'


def _elementwise(submission, grading, fn: str, cases: list[Case]) -> None:
    verdict(_check(submission, grading, fn, cases, lambda c: (c.data["z"],), [(None, fn)],
                   ("z",))[0])


@pytest.mark.part("sigmoid")
def test_sigmoid_values(submission, grading):
    """σ(z) = 1 / (1 + e^(−z)) at random 1-D z of varied magnitude"""
    _elementwise(submission, grading, "sigmoid", random_zs(grading.rng, grading.oracle.hidden))


@pytest.mark.part("sigmoid")
def test_sigmoid_extremes(submission, grading):
    """σ(z) at z = ±1000, ±50, ±1, 0: finite and right"""
    _elementwise(submission, grading, "sigmoid", [Case("z = ±1000, ±50, ±1, 0", {"z": EXTREME_Z})])


@pytest.mark.part("sigmoid_prime")
def test_sigmoid_prime_values(submission, grading):
    """σ'(z) = σ(z)(1 − σ(z)) at random 1-D z of varied magnitude"""
    _elementwise(submission, grading, "sigmoid_prime",
                 random_zs(grading.rng, grading.oracle.hidden))


@pytest.mark.part("sigmoid_prime")
def test_sigmoid_prime_extremes(submission, grading):
    """σ'(z) at z = ±1000, ±50, ±1, 0: finite and right"""
    _elementwise(submission, grading, "sigmoid_prime",
                 [Case("z = ±1000, ±50, ±1, 0", {"z": EXTREME_Z})])


# ------------------------------------------------------------------ forward and cost

FORWARD = [(key, key) for key in CACHE_KEYS]


@pytest.mark.part("forward")
def test_forward_exercise(submission, grading, ex):
    """the cache a¹, z², a², z³, a³ of the exercise network"""
    cases = networks(ex, grading.rng, grading.oracle.hidden)[:1]
    verdict(_check(submission, grading, "forward", cases,
                   lambda c: (c.data["x"], c.data["params"]), FORWARD, ("x", "params"))[0])


@pytest.mark.part("forward")
def test_forward_random(submission, grading, ex):
    """the cache a¹, z², a², z³, a³ of random networks"""
    cases = networks(ex, grading.rng, grading.oracle.hidden)[1:]
    verdict(_check(submission, grading, "forward", cases,
                   lambda c: (c.data["x"], c.data["params"]), FORWARD, ("x", "params"))[0])


@pytest.mark.part("cost")
def test_cost(submission, grading, ex):
    """C = ½‖y − a³‖², one number, on the exercise output, random outputs and a³ = y"""
    rng, oracle = grading.rng, grading.oracle
    net = networks(ex, rng, oracle.hidden)[0].data
    cases = [Case("the exercise network",
                  {"a3": oracle.forward(net["x"], net["params"])["a3"], "y": net["y"]})]
    cases += [Case(f"random output {i + 1}",
                   {"a3": rng.uniform(0, 1, 2), "y": rng.uniform(0, 1, 2)}) for i in range(3)]
    cases.append(Case("a³ = y", {"a3": cases[-1].data["y"].copy(), "y": cases[-1].data["y"]}))
    verdict(_check(submission, grading, "cost", cases, lambda c: (c.data["a3"], c.data["y"]),
                   [(None, "cost")], ("a3", "y"))[0])


# ------------------------------------------------------------------ backward


def _backward_cases(grading, ex) -> list[Case]:
    """Each network with the oracle's forward cache, then two shifted caches (a fresh pass
    from x lands near a shifted cache's answer only rarely, both at once never)."""
    oracle, rng = grading.oracle, grading.rng
    cases = [Case(c.name, {**c.data, "cache": oracle.forward(c.data["x"], c.data["params"])},
                  c.hidden_only) for c in networks(ex, rng, oracle.hidden)]
    for _ in range(2):
        net = random_network(rng)
        cases.append(Case(SHIFTED, {**net, "cache": shifted_cache(net, rng, oracle.forward)}))
    return cases


def _backward_args(case: Case) -> tuple:
    return case.data["y"], case.data["params"], case.data["cache"]


_ASKED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # per submission


def _backward_asked(submission, grading, ex) -> tuple[list[Case], list, list]:
    """The backward cases, their inputs and the submission's answers: drawn and asked once
    per submission (one round trip), by the first backward check that runs; each check of
    BP1 to BP4 then judges its own quantity on the same answers."""
    if submission not in _ASKED:
        cases = _backward_cases(grading, ex)
        inputs = [_backward_args(case) for case in cases]
        _ASKED[submission] = (cases, inputs, submission.call_many(
            "backward", inputs, names=("y", "params", "cache")))
    return _ASKED[submission]


def _check_backward(submission, grading, ex, key: str) -> None:
    cases, inputs, answers = _backward_asked(submission, grading, ex)
    problems = _judge(grading, "backward", cases, inputs, answers, [(key, key)])
    for problem, answer, case in list(zip(problems, answers, cases))[-2:]:
        if problem:  # a shifted cache: say so first if backward ignores the cache
            ignored = _ignores_cache(grading.oracle, answer, key, case.data)
            problems = [ignored, *problems] if ignored else problems
            break
    verdict(problems)


def _ignores_cache(oracle, answer, key: str, net: dict) -> str:
    """Name numerical differentiation: gradients of a fresh forward pass, not of the cache."""
    value, why = entry(answer, key, "backward")
    fresh = oracle.backward(net["y"], net["params"],
                            oracle.forward(net["x"], net["params"]))[key]
    value = None if why or isinstance(value, dict) else as_shape(value, fresh.shape)
    if value is None or not np.allclose(value, fresh, rtol=1e-4, atol=1e-8):
        return ""
    return (f"{CALLS['backward']}: {LABELS[key]} belongs to a fresh forward pass from x, not to "
            "the cache backward is given: this is numerical differentiation (finite "
            "differences or complex step) or a recomputed forward pass, not backpropagation. "
            "Backprop reads z and a from the cache: BP1 to BP4.")


@pytest.mark.part("backward")
def test_backward_delta3(submission, grading, ex):
    """δ³ = (a³ − y) ⊙ σ'(z³) (BP1), given a correct cache"""
    _check_backward(submission, grading, ex, "delta3")


@pytest.mark.part("backward")
def test_backward_delta2(submission, grading, ex):
    """δ² = (W³)ᵀ δ³ ⊙ σ'(z²) (BP2), given a correct cache"""
    _check_backward(submission, grading, ex, "delta2")


@pytest.mark.part("backward")
def test_backward_W3(submission, grading, ex):
    """∂C/∂W³ = δ³ (a²)ᵀ (BP4), given a correct cache"""
    _check_backward(submission, grading, ex, "W3")


@pytest.mark.part("backward")
def test_backward_b3(submission, grading, ex):
    """∂C/∂b³ = δ³ (BP3), given a correct cache"""
    _check_backward(submission, grading, ex, "b3")


@pytest.mark.part("backward")
def test_backward_W2(submission, grading, ex):
    """∂C/∂W² = δ² (a¹)ᵀ (BP4), given a correct cache"""
    _check_backward(submission, grading, ex, "W2")


@pytest.mark.part("backward")
def test_backward_b2(submission, grading, ex):
    """∂C/∂b² = δ² (BP3), given a correct cache"""
    _check_backward(submission, grading, ex, "b2")


GRADIENT_HINTS = {
    "W3": "BP1 δ³ = (a³ − y) ⊙ σ'(z³) and BP4 ∂C/∂W³ = δ³ (a²)ᵀ",
    "b3": "BP1 δ³ = (a³ − y) ⊙ σ'(z³) and BP3 ∂C/∂b³ = δ³",
    "W2": "BP2 δ² = (W³)ᵀ δ³ ⊙ σ'(z²) and BP4 ∂C/∂W² = δ² (a¹)ᵀ",
    "b2": "BP2 δ² = (W³)ᵀ δ³ ⊙ σ'(z²) and BP3 ∂C/∂b² = δ²",
}


def centred_differences(oracle, net: dict) -> dict:
    """∂C/∂θ ≈ (C(θ + h) − C(θ − h)) / 2h for every entry θ, through the oracle's forward
    and cost (never yours: a forward or cost mistake costs no backward point)."""
    def cost_at(name, index, step):
        params = {k: np.array(v, dtype=np.float64) for k, v in net["params"].items()}
        params[name][index] += step
        return oracle.cost(oracle.forward(net["x"], params)["a3"], net["y"])

    grads = {}
    for name in PARAMS:
        grads[name] = np.zeros(np.shape(net["params"][name]))
        for index in np.ndindex(grads[name].shape):
            grads[name][index] = (cost_at(name, index, H) - cost_at(name, index, -H)) / (2 * H)
    return grads


@pytest.mark.part("backward")
def test_backward_gradient_check(submission, grading):
    """your ∂C/∂W and ∂C/∂b agree with centred finite differences of C on a random network"""
    oracle, net = grading.oracle, random_network(grading.rng)
    tol = grading.assignment.tolerance
    cache = oracle.forward(net["x"], net["params"])
    answer = submission.call("backward", net["y"], net["params"], cache,
                             names=("y", "params", "cache"))
    numeric = centred_differences(oracle, net)
    for name in GRADIENTS:
        value, why = entry(answer, name, "backward")
        mine = None if why or isinstance(value, dict) else as_shape(value, numeric[name].shape)
        if mine is None:
            verdict([why or f"{CALLS['backward']}: {LABELS[name]} has shape "
                            f"{np.shape(value)}, expected {numeric[name].shape}"])
        if not np.isfinite(mine).all():
            verdict([f"{CALLS['backward']}: {LABELS[name]} contains NaN or infinity"])
        scale = max(float(np.abs(numeric[name]).max()), float(np.abs(mine).max()), 1e-8)
        error = float(np.abs(mine - numeric[name]).max()) / scale
        if 1e-5 < error <= tol.float32_rtol:  # float32's rounding, not a wrong equation
            if tol.float32 == "accept":
                continue
            verdict([f"{CALLS['backward']}: your {LABELS[name]} agrees with centred finite "
                     f"differences only to float32 precision (relative error {error:.2g}): it "
                     "was computed in float32; compute in float64, numpy's default"])
        if error > 1e-5:
            verdict([f"{CALLS['backward']}: your {LABELS[name]} disagrees with centred finite "
                     f"differences of C = ½‖y − a³‖² on a random network (relative error "
                     f"{error:.2g}): check {GRADIENT_HINTS[name]}"])


# ------------------------------------------------------------------ update


UPDATE = [(name, f"new_{name}") for name in PARAMS]


@pytest.mark.part("update")
def test_update_rule(submission, grading, ex):
    """W − η ∂C/∂W and b − η ∂C/∂b, given correct gradients"""
    oracle = grading.oracle
    cases = [Case(c.name, {**c.data, "grads": _oracle_step(oracle, c.data)[0]}, c.hidden_only)
             for c in networks(ex, grading.rng, oracle.hidden)]
    verdict(_check(submission, grading, "update", cases,
                   lambda c: (c.data["params"], c.data["grads"], c.data["lr"]), UPDATE,
                   ("params", "grads", "lr"))[0])


def _oracle_step(oracle, net: dict) -> tuple[dict, dict]:
    """The oracle's gradients of a network, and the parameters after one step."""
    grads = oracle.backward(net["y"], net["params"], oracle.forward(net["x"], net["params"]))
    grads = {name: grads[name] for name in PARAMS}
    return grads, oracle.update(net["params"], grads, net["lr"])


# ------------------------------------------------------------------ inputs left untouched


def _untouched(submission, fn: str, args: tuple, names: tuple[str, ...]) -> None:
    """Feedback only (0 points): whether ``fn`` changed its arguments in place.

    Only the student's own process can see that, and it could lie; the grader gives points
    only for what it judges itself, so these checks teach but do not score.
    """
    answer = submission.call(fn, *args, names=names, watch=True)
    if not answer.ok:
        verdict([entry(answer, None, fn)[1]])
    if answer.mutated:
        verdict([f"{CALLS[fn]} changed its input {', '.join(answer.mutated)} in place: compute "
                 "new arrays (W_new = W − η ∂C/∂W, not W -= ...), so the caller's values stay "
                 "as they were"])


@pytest.mark.part("forward", weight=0)
def test_forward_inputs_untouched(submission, grading):
    """forward leaves x and params as they were (feedback only, 0 points)"""
    net = random_network(grading.rng)
    _untouched(submission, "forward", (net["x"], net["params"]), ("x", "params"))


@pytest.mark.part("backward", weight=0)
def test_backward_inputs_untouched(submission, grading):
    """backward leaves y, params and the cache as they were (feedback only, 0 points)"""
    net = random_network(grading.rng)
    cache = grading.oracle.forward(net["x"], net["params"])
    _untouched(submission, "backward", (net["y"], net["params"], cache),
               ("y", "params", "cache"))


@pytest.mark.part("update", weight=0)
def test_update_inputs_untouched(submission, grading):
    """update leaves params and grads as they were (feedback only, 0 points)"""
    net = random_network(grading.rng)
    grads = _oracle_step(grading.oracle, net)[0]
    _untouched(submission, "update", (net["params"], grads, net["lr"]),
               ("params", "grads", "lr"))


# ------------------------------------------------------------------ one full step


def _full_step(submission, grading, case: str, net: dict) -> str:
    """Your forward, your backward on your cache, your update on your gradients; when the
    step is off, the first of your functions that is off is named ('' when right)."""
    oracle, tol = grading.oracle, grading.assignment.tolerance
    args = {"forward": (net["x"], net["params"])}
    cache = submission.call("forward", *args["forward"], names=("x", "params"))
    if not cache.ok or not isinstance(cache.value, dict):
        return entry(cache, "a3", "forward")[1]
    args["backward"] = (net["y"], net["params"], cache.value)
    grads = submission.call("backward", *args["backward"], names=("y", "params", "cache"))
    if not grads.ok or not isinstance(grads.value, dict):
        return entry(grads, "W3", "backward")[1]
    args["update"] = (net["params"], grads.value, net["lr"])
    new = submission.call("update", *args["update"], names=("params", "grads", "lr"))
    expected = _oracle_step(oracle, net)[1]
    problems = [check_value(new, name, f"new_{name}", expected[name], case, "update", tol)
                for name in PARAMS]
    if not any(problems):
        return ""
    answers = {"forward": cache, "backward": grads, "update": new}
    return _first_wrong(oracle, tol, case, args, answers) or next(p for p in problems if p)


def _first_wrong(oracle, tol, case: str, args: dict, answers: dict) -> str:
    """Which of forward, backward (its gradients) and update is off in this step: each is
    judged on what your previous function gave it."""
    for fn, keys in (("forward", CACHE_KEYS[1:]), ("backward", GRADIENTS), ("update", PARAMS)):
        try:
            expected = getattr(oracle, fn)(*[_as_vectors(a) for a in args[fn]])
        except (KeyError, ValueError, TypeError, IndexError):
            return ""  # your values do not fit the next function: its own checks say why
        for key in keys:
            problem = check_value(answers[fn], key, key if fn != "update" else f"new_{key}",
                                  expected[key], case, fn, tol)
            if problem:
                return (f"one step on {case} goes wrong in {CALLS[fn]}: "
                        f"{sentence(_without_call(problem, fn))} The checks of {fn} say more.")
    return ""


def _without_call(problem: str, fn: str) -> str:
    """A problem of ``fn`` said after its call was named: 'backward(y, params, cache)
    returned no 'b3' entry' -> 'it returned no 'b3' entry'."""
    if problem.startswith(f"{CALLS[fn]}: "):
        return problem.removeprefix(f"{CALLS[fn]}: ")
    if problem.startswith(f"{CALLS[fn]} "):
        return "it " + problem.removeprefix(f"{CALLS[fn]} ")
    return problem


def _as_vectors(value):
    """Your column vectors (n, 1) as the lecture's (n,) vectors, for the oracle."""
    if isinstance(value, dict):
        return {k: _as_vectors(v) for k, v in value.items()}
    if isinstance(value, np.ndarray) and value.ndim == 2 and value.shape[1] == 1:
        return value.reshape(-1)
    return value


@pytest.mark.part("full_step")
def test_full_step(submission, grading, ex):
    """one step of gradient descent with your own functions: the exercise network and a fresh random one"""  # noqa: E501
    cases = [("the exercise network", networks(ex, grading.rng, grading.oracle.hidden)[0].data),
             ("a random network", random_network(grading.rng))]
    verdict([_full_step(submission, grading, case, net) for case, net in cases])
