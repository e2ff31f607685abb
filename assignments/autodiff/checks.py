"""The checks of the autodiff assignment: one suite, for the public checks and the grading.

Each check is an ordinary pytest test in a part (``@pytest.mark.part``); a part's points
(``exercise.toml``) are shared among its checks. Every check builds expressions with the
student's ``Value`` through the driver (``driver.py``, run in the sandboxed child;
only numbers come back) and judges the answers here, against the ``oracle``:

- ``autograder check`` and GitHub Classroom: the lecture (``lecture.py``: the value by float
  arithmetic, the derivatives by the complex step), on cases drawn afresh on every run;
- ``autograder grade``: the hidden reference, on cases drawn from the hidden seed plus a
  few hidden-only ones, naming catalogued mistakes.

So a mistake costs only the parts it touches: ``operations`` judges forward values;
``local_derivatives`` each operation's chain rule alone (the driver runs the ``_backward``
rules in its own order, not your ``backward``); ``backward`` your ``backward()`` on random
trees and DAGs built only from the operations that pass their own checks; ``network``
your ``network_gradients`` against back-propagation's gradients; ``any_depth`` your
NumPy ``backprop_any`` on networks of random depths and widths.
"""

from __future__ import annotations

import functools
import weakref
from dataclasses import replace

import pytest
from cases import (
    ALL_OPS,
    BACKWARD,
    LOCAL_GROUPS,
    OPERATION_GROUPS,
    PARAMS,
    SECOND,
    WRITTEN,
    backward_cases,
    deep_networks,
    one_operation_cases,
    random_networks,
)
from exercise import load_network
from feedback import (
    ANY_DEPTH,
    HIDDEN_CASE,
    LABELS,
    NETWORK,
    backward_problem,
    cause_of,
    deep_label,
    deep_rule,
    entry,
    judged,
    local_problem,
    value_problem,
    verdict,
)

# ------------------------------------------------------------------ driving the child


def _ask(submission, kind: str, cases: list) -> list:
    """The driver's answers for ``cases`` (one round trip)."""
    if kind == "local":
        return submission.call_many("autodiff_local", [(c.graph(), c.upstream) for c in cases],
                                    names=("graph", "upstream"))
    fn = {"value": "autodiff_value", "gradients": "autodiff_gradients"}[kind]
    return submission.call_many(fn, [(c.graph(),) for c in cases], names=("graph",))


def _judge(submission, grading, kind: str, cases: list, problem_of) -> list[str]:
    """One problem per case ('' when right), then a catalogued mistake named: the one that
    explains the most failing cases (the hidden oracle only), told in the first of them."""
    oracle, tol = grading.oracle, grading.assignment.tolerance
    answers = _ask(submission, kind, cases)
    problems = [problem_of(answer, case, getattr(oracle, kind)(case), tol)
                for case, answer in zip(cases, answers)]
    matched = [oracle.mistakes(kind, (case,), answer.value) if problem and answer.ok else []
               for case, answer, problem in zip(cases, answers, problems)]
    return named(problems, matched)


def named(problems: list[str], matched: list[list[str]]) -> list[str]:
    """``problems`` with the catalogued mistake that matches the most of them named in the
    first one it matches, which goes first."""
    counts: dict[str, int] = {}
    for names in matched:
        for name in names:
            counts[name] = counts.get(name, 0) + 1
    if not counts:
        return problems
    top = max(counts.values())
    best = [name for name, count in counts.items() if count == top][:2]  # a tie: say both
    first = next(i for i, names in enumerate(matched) if best[0] in names)
    text = best[0] + "".join(" Or it" + name.removeprefix(" This") for name in best[1:])
    return [problems[first] + text, *(p for i, p in enumerate(problems) if i != first)]


# ------------------------------------------------------------------ operations


def _operations(submission, grading, group: str) -> None:
    cases = one_operation_cases(grading.rng, OPERATION_GROUPS[group], grading.oracle.hidden)
    verdict(_judge(submission, grading, "value", cases, value_problem))


@pytest.mark.part("operations")
def test_operations_two_values(submission, grading):
    """the values of a + b, a − b, a · b and a / b for two Values"""
    _operations(submission, grading, "two_values")


@pytest.mark.part("operations")
def test_operations_with_numbers(submission, grading):
    """the values of a + c, c + a, a − c, c − a, a · c, c · a, a / c, c / a for a number c"""
    _operations(submission, grading, "numbers")


@pytest.mark.part("operations")
def test_operations_neg_pow(submission, grading):
    """the values of −a and a ** n (int and float n)"""
    _operations(submission, grading, "neg_pow")


@pytest.mark.part("operations")
def test_operations_exp_sigmoid(submission, grading):
    """the values of a.exp() and a.sigmoid()"""
    _operations(submission, grading, "exp_sigmoid")


# ------------------------------------------------------------------ local derivatives


def _local(submission, grading, group: str) -> None:
    cases = one_operation_cases(grading.rng, LOCAL_GROUPS[group], grading.oracle.hidden)
    verdict(_judge(submission, grading, "local", cases, local_problem))


@pytest.mark.part("local_derivatives")
def test_local_add_sub(submission, grading):
    """the chain rules of a + b and a − b, given out.grad"""
    _local(submission, grading, "add_sub")


@pytest.mark.part("local_derivatives")
def test_local_mul_div(submission, grading):
    """the chain rules of a · b and a / b, given out.grad"""
    _local(submission, grading, "mul_div")


@pytest.mark.part("local_derivatives")
def test_local_with_numbers(submission, grading):
    """the chain rules with a number c on either side (c + a, c − a, c · a, c / a, ...)"""
    _local(submission, grading, "numbers")


@pytest.mark.part("local_derivatives")
def test_local_neg_pow(submission, grading):
    """the chain rules of −a and a ** n (int and float n), given out.grad"""
    _local(submission, grading, "neg_pow")


@pytest.mark.part("local_derivatives")
def test_local_exp(submission, grading):
    """the chain rule of a.exp(), given out.grad"""
    _local(submission, grading, "exp")


@pytest.mark.part("local_derivatives")
def test_local_sigmoid(submission, grading):
    """the chain rule of a.sigmoid(), given out.grad"""
    _local(submission, grading, "sigmoid")


# ------------------------------------------------------------------ backward


_WORKING: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # per submission


def _working(submission, grading) -> tuple[tuple[str, ...], str]:
    """The operations whose values and chain rules pass on fresh one-operation cases:
    backward is judged on expressions built from these alone, so that a wrong operation
    costs its own checks, not backward's. And the cause of their failures, when the
    first one that raised has a cause the feedback knows ('' otherwise). Found once per
    submission, by the first backward check that runs (the others build on the same)."""
    if submission not in _WORKING:
        _WORKING[submission] = _find_working(submission, grading)
    return _WORKING[submission]


def _find_working(submission, grading) -> tuple[tuple[str, ...], str]:
    oracle, tol = grading.oracle, grading.assignment.tolerance
    cases = one_operation_cases(grading.rng, ALL_OPS, hidden=False)
    answers = _ask(submission, "local", cases)
    failing, why = set(), ""
    for case, answer in zip(cases, answers):
        if local_problem(answer, case, oracle.local(case), tol):
            failing.add(case.nodes[-1][0])
            why = why or cause_of(answer.context)
    return tuple(name for name in ALL_OPS if name not in failing), why


def _backward(submission, grading, kind: str) -> None:
    ops, why = _working(submission, grading)
    shared, repeat = BACKWARD[kind][3:5]
    if repeat:
        ready, needed = any(n in ops for n in ("add", "mul")), "+ or ·"
    elif shared:
        ready, needed = any(SECOND[n] == "value" for n in ops), "an operation of two Values"
    else:
        ready, needed = bool(ops), "an operation"
    if not ready:
        later = (f"can be judged here once {needed} passes its own checks (see "
                 "local_derivatives): these expressions are built only from operations that do.")
        verdict([f"Value.backward(): {why} It {later}" if why else f"Value.backward() {later}"])
    cases = [_named(c) for c in backward_cases(grading.rng, ops, kind, grading.oracle.hidden)]
    problems = _judge(submission, grading, "gradients", cases, backward_problem)
    left_out = [WRITTEN[n] for n in ALL_OPS if n not in ops]
    if left_out and any(problems):
        problems = [p + f" (Built without {', '.join(left_out)}: their own checks fail.)"
                    if p else p for p in problems]
    verdict(problems)


def _named(case):
    """'random DAG 2 (14 operations, depth 9)'."""
    name = f"{case.name} ({len(case.nodes)} operations, depth {case.depth()})"
    return replace(case, name=name)


@pytest.mark.part("backward")
def test_backward_trees(submission, grading):
    """f.backward() on random trees (every Value used once), depth 3 to 10"""
    _backward(submission, grading, "trees")


@pytest.mark.part("backward")
def test_backward_shared(submission, grading):
    """f.backward() on random DAGs whose sub-expressions and leaves are used several times, depth 5 to 12"""  # noqa: E501
    _backward(submission, grading, "shared")


@pytest.mark.part("backward")
def test_backward_deep(submission, grading):
    """f.backward() on deep random DAGs, depth 16 to 20"""
    _backward(submission, grading, "deep")


@pytest.mark.part("backward")
def test_backward_repeated(submission, grading):
    """f.backward() on expressions where one operation takes the same Value twice (a · a), depth 3 to 6"""  # noqa: E501
    _backward(submission, grading, "repeated")


# ------------------------------------------------------------------ the network


@functools.cache
def _exercise(folder) -> dict:
    return load_network(folder)


def _network(submission, grading, cases: list[tuple[str, dict, bool]]) -> None:
    oracle, tol = grading.oracle, grading.assignment.tolerance
    args = [(n["x"], n["y"], n["params"]) for _, n, _ in cases]
    answers = submission.call_many("autodiff_network", args, names=("x", "y", "params"))
    problems = []
    for (name, _, hidden_only), given, answer in zip(cases, args, answers):
        expected, problem = oracle.network(*given), ""
        case = name + (HIDDEN_CASE if hidden_only else "")
        for key in PARAMS:
            value, why = entry(answer, key, NETWORK)
            if why:
                problem = why
                break
            ok, wrong = judged(value, expected[key], tol)
            if not ok:
                problem = (f"{NETWORK}: {LABELS[key]} {wrong} on {case}. Expected "
                           f"back-propagation's {LABELS[key]}: every w^l_jk and b^l_j a leaf "
                           "Value, a^l = σ(W^l a^(l−1) + b^l), C = ½‖y − a³‖², and each "
                           "leaf's .grad after C.backward().")
                break
        problems.append(problem)
    matched = [oracle.mistakes("network", given, answer.value) if problem and answer.ok else []
               for given, answer, problem in zip(args, answers, problems)]
    verdict(named(problems, matched))


@pytest.mark.part("network")
def test_network_exercise(submission, grading):
    """∂C/∂W and ∂C/∂b of the exercise network from network_gradients, as backprop's"""
    _network(submission, grading, [("the exercise network",
                                    _exercise(grading.assignment.folder), False)])


@pytest.mark.part("network")
def test_network_random(submission, grading):
    """∂C/∂W and ∂C/∂b of random 2-2-2 networks from network_gradients, as backprop's"""
    _network(submission, grading, random_networks(grading.rng, grading.oracle.hidden))


# ------------------------------------------------------------------ any depth


def _any_depth(submission, grading, cases: list[tuple[str, dict, bool]]) -> None:
    """backprop_any on each network: the gradients from the output layer back, the first
    wrong one told with the equations that give it."""
    oracle, tol = grading.oracle, grading.assignment.tolerance
    args = [(n["x"], n["y"], n["params"]) for _, n, _ in cases]
    answers = submission.call_many("autodiff_backprop_any", args, names=("x", "y", "params"))
    problems = []
    for (name, _, hidden_only), given, answer in zip(cases, args, answers):
        expected, problem = oracle.any_depth(*given), ""
        case = name + (HIDDEN_CASE if hidden_only else "")
        last = max(int(key[1:]) for key in expected)
        for layer in range(last, 1, -1):
            for key in (f"W{layer}", f"b{layer}"):
                value, why = entry(answer, key, ANY_DEPTH)
                if why:
                    problem = why
                    break
                ok, wrong = judged(value, expected[key], tol)
                if not ok:
                    problem = (f"{ANY_DEPTH}: {deep_label(key)} {wrong} on {case}. Expected "
                               f"{deep_rule(key, last)}.")
                    break
            if problem:
                break
        problems.append(problem)
    matched = [oracle.mistakes("any_depth", given, answer.value) if problem and answer.ok
               else [] for given, answer, problem in zip(args, answers, problems)]
    verdict(named(problems, matched))


@pytest.mark.part("any_depth")
def test_any_depth_exercise(submission, grading):
    """backprop_any on the exercise network: the lecture's BP1 to BP4"""
    net = _exercise(grading.assignment.folder)
    _any_depth(submission, grading, [("the exercise network (widths 2-2-2)", net, False)])


@pytest.mark.part("any_depth")
def test_any_depth_random(submission, grading):
    """backprop_any on random depths (0 to 4 hidden layers) and widths (1 to 5)"""
    _any_depth(submission, grading, deep_networks(grading.rng, grading.oracle.hidden))
