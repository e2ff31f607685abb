"""The autodiff assignment: its oracles, cases, catalogue, driver, notebook and examples.

Oracles, each independent of what it checks: arithmetic written out by hand (f = a·b + a
at a = 2, b = −3, and each operation's local derivative at fixed inputs); centred finite
differences of the reference's forward values; the first assignment's reference
(``assignments/backprop/hidden/backprop.py``, BP1 to BP4) for the network's gradients;
the designed per-part scores of ``examples/README.md``, reasoned by hand, for the graded
examples (with the hidden and with the public oracle); three correct submissions written
in other styles than the reference's, which must lose nothing.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import replace
from pathlib import Path

import nbformat
import numpy as np
import pytest
from conftest import patch
from messages import problems

from autograder.core.config import load_assignment, read_toml
from autograder.core.loader import discover
from autograder.core.modules import load_module, prefer_folders
from autograder.engine.batch import Batch, run_batch
from autograder.engine.public import run_public_checks
from autograder.instructor.release import audit, build_release

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT = load_assignment("autodiff")
FOLDER = ASSIGNMENT.folder
HIDDEN = ASSIGNMENT.hidden
PARTS = tuple(ASSIGNMENT.points)
SEED = 4242
prefer_folders(*ASSIGNMENT.module_folders)  # its public modules, as the checks see them
import cases as ex  # noqa: E402
import lecture  # noqa: E402
from cases import Expression  # noqa: E402
from exercise import draw_graph, load_network  # noqa: E402


@pytest.fixture(scope="module")
def reference():
    return load_module(HIDDEN / "autodiff.py", "autodiff_reference_under_test", register=True)


@pytest.fixture(scope="module")
def hidden():
    return load_module(HIDDEN / "oracle.py", "autodiff_hidden_oracle").make_oracle(ASSIGNMENT)


@pytest.fixture(scope="module")
def public():
    return lecture.make_oracle(ASSIGNMENT)


@pytest.fixture(scope="module")
def catalogue():
    return load_module(HIDDEN / "misconceptions.py", "autodiff_misconceptions_under_test",
                       register=True)


def driver_with(value_class, network_gradients=None):
    """The assignment's driver as a module, running ``value_class`` (trusted code only)."""
    driver = load_module(FOLDER / "driver.py", "autodiff_driver_under_test")
    driver.Value, driver.network_gradients = value_class, network_gradients
    return driver


def some_expressions(seed: int = 0, count: int = 12) -> list[Expression]:
    """Expressions of every kind the checks build: one operation, trees, DAGs, repeats."""
    rng = np.random.default_rng(seed)
    cases = ex.one_operation_cases(rng, ex.ALL_OPS, hidden=True)
    for i in range(count):
        cases.append(ex.random_expression(rng, ex.ALL_OPS, int(rng.integers(3, 11)), False,
                                          f"tree {i}"))
        cases.append(ex.random_expression(rng, ex.ALL_OPS, int(rng.integers(5, 21)), True,
                                          f"DAG {i}"))
        cases.append(ex.random_expression(rng, ex.ALL_OPS, int(rng.integers(3, 7)), True,
                                          f"repeat {i}", repeat=True))
    return cases


# ------------------------------------------------------------------ by hand


def test_f_equals_ab_plus_a_by_hand(reference, public, hidden):
    """f = a·b + a at a = 2, b = −3: f = −4, ∂f/∂a = b + 1 = −2, ∂f/∂b = a = 2."""
    a, b = reference.Value(2.0), reference.Value(-3.0)
    f = a * b + a
    f.backward()
    assert (f.data, a.grad, b.grad) == (-4.0, -2.0, 2.0)
    expression = Expression("f", (2.0, -3.0), (("mul", 0, 1), ("add", 2, 0)))
    for oracle in (public, hidden):
        answer = oracle.gradients(expression)
        assert float(answer["value"]) == pytest.approx(-4.0, rel=1e-15)
        np.testing.assert_allclose(answer["grads"], [-2.0, 2.0], rtol=1e-15)


A, B, G = 1.5, -0.8, 0.7  # operand a, operand b or the number c, the upstream out.grad
S = 1.0 / (1.0 + math.exp(-A))
BY_HAND = {  # op: (second operand, value, [∂out/∂a · g, ∂out/∂b · g])
    "add": (B, A + B, [G, G]),
    "sub": (B, A - B, [G, -G]),
    "mul": (B, A * B, [G * B, G * A]),
    "truediv": (B, A / B, [G / B, -G * A / B**2]),
    "add_number": (B, A + B, [G]),
    "radd": (B, B + A, [G]),
    "sub_number": (B, A - B, [G]),
    "rsub": (B, B - A, [-G]),
    "mul_number": (B, A * B, [G * B]),
    "rmul": (B, B * A, [G * B]),
    "truediv_number": (B, A / B, [G / B]),
    "rtruediv": (B, B / A, [-G * B / A**2]),
    "neg": (0.0, -A, [-G]),
    "exp": (0.0, math.exp(A), [G * math.exp(A)]),
    "sigmoid": (0.0, S, [G * S * (1 - S)]),
}


@pytest.mark.parametrize("name", [*BY_HAND, "pow 3", "pow -2", "pow 0.5"])
def test_each_operation_and_its_local_derivative_by_hand(name, public, hidden):
    if name.startswith("pow"):
        n = float(name.split()[1])
        second, value, grads = n, A**n, [G * n * A ** (n - 1)]
        name = "pow"
    else:
        second, value, grads = BY_HAND[name]
    binary = ex.SECOND[name] == "value"
    leaves = (A, B) if binary else (A,)
    expression = Expression(name, leaves, ((name, 0, 1 if binary else second),), upstream=G)
    for oracle in (public, hidden):
        answer = oracle.local(expression)
        assert float(answer["value"]) == pytest.approx(value, rel=1e-14)
        np.testing.assert_allclose(answer["grads"], grads, rtol=1e-13)


# ------------------------------------------------------------------ the two oracles


def test_the_oracles_agree_with_each_other_and_with_finite_differences(public, hidden):
    for expression in some_expressions(seed=1):
        mine, theirs = public.gradients(expression), hidden.gradients(expression)
        assert float(mine["value"]) == pytest.approx(float(theirs["value"]), rel=1e-12)
        np.testing.assert_allclose(mine["grads"], theirs["grads"], rtol=1e-9, atol=1e-14)
        scale = max(float(np.abs(theirs["grads"]).max()), 1e-3)
        for i, grad in enumerate(theirs["grads"]):  # the reference's forward, nudged
            h = 1e-6 * max(1.0, abs(expression.leaves[i]))
            up = list(expression.leaves)
            down = list(expression.leaves)
            up[i] += h
            down[i] -= h
            slope = (float(hidden.value(replace(expression, leaves=tuple(up)))["value"])
                     - float(hidden.value(replace(expression, leaves=tuple(down)))["value"])
                     ) / (2 * h)
            assert abs(slope - grad) <= 1e-5 * scale, (expression.name, i)
        local = public.local(expression), hidden.local(expression)
        np.testing.assert_allclose(local[0]["grads"], local[1]["grads"], rtol=1e-9, atol=1e-14)


def test_the_network_gradients_are_backprops(public, hidden):
    backprop = load_module(ROOT / "assignments" / "backprop" / "hidden" / "backprop.py",
                           "backprop_reference_for_autodiff")
    rng = np.random.default_rng(7)
    nets = [load_network(FOLDER)] + [ex.random_network(rng) for _ in range(5)]
    for net in nets:
        x, y, params = net["x"], net["y"], net["params"]
        cache = backprop.forward(x, params)
        expected = backprop.backward(y, params, cache)  # BP1 to BP4
        for oracle in (public, hidden):
            got = oracle.network(x, y, params)
            for key in ex.PARAMS:
                np.testing.assert_allclose(got[key], expected[key], rtol=1e-9, atol=1e-15)


def test_any_depth_gradients_agree_with_finite_differences_and_with_backprop(public, hidden):
    rng = np.random.default_rng(8)
    nets = [ex.deep_network(rng, [int(n) for n in rng.integers(1, 6, d + 2)])
            for d in (0, 1, 2, 3, 4, 4)]

    def cost(net, params):  # the forward pass written out here
        a = net["x"]
        for layer in range(2, len(net["sizes"]) + 1):
            a = 1 / (1 + np.exp(-(params[f"W{layer}"] @ a + params[f"b{layer}"])))
        return 0.5 * float(np.sum((net["y"] - a) ** 2))

    for net in nets:
        mine = public.any_depth(net["x"], net["y"], net["params"])
        theirs = hidden.any_depth(net["x"], net["y"], net["params"])
        assert list(theirs) == [f"{k}{layer}" for layer in range(2, len(net["sizes"]) + 1)
                                for k in "Wb"]
        for key, grad in theirs.items():
            np.testing.assert_allclose(mine[key], grad, rtol=1e-9, atol=1e-15)
            for index in np.ndindex(grad.shape):
                up = {k: v.copy() for k, v in net["params"].items()}
                down = {k: v.copy() for k, v in net["params"].items()}
                up[key][index] += 1e-6
                down[key][index] -= 1e-6
                slope = (cost(net, up) - cost(net, down)) / 2e-6
                assert abs(slope - grad[index]) <= 1e-8, (net["sizes"], key, index)
    two = load_network(FOLDER)  # the 2-2-2 exercise: part 3 gives part 2's numbers
    for key, grad in hidden.network(two["x"], two["y"], two["params"]).items():
        np.testing.assert_allclose(hidden.any_depth(two["x"], two["y"], two["params"])[key],
                                   grad, rtol=1e-12)


def test_the_exercise_network_is_the_first_assignments():
    first = load_assignment("backprop")
    from autograder.core.config import read_config

    theirs, mine = read_config(first.folder)["exercise"], read_config(FOLDER)["network"]
    assert {k: theirs[k] for k in mine} == mine


# ------------------------------------------------------------------ the cases


@pytest.mark.parametrize("seed", range(20))
def test_random_expressions_keep_the_promises_of_expressions_py(seed):
    """Depth, sharing and domains, recomputed here with plain arithmetic."""
    rng = np.random.default_rng(seed)
    kinds = [(3, 10, False, False), (5, 12, True, False), (16, 20, True, False),
             (3, 6, True, True)]
    seen = set()
    for low, high, shared, repeat in kinds:
        depth = int(rng.integers(low, high + 1))
        e = ex.random_expression(rng, ex.ALL_OPS, depth, shared, "x", repeat=repeat)
        assert e.depth() == depth
        uses = e.uses()
        assert all(u >= 1 for u in uses[:-1]) and uses[-1] == 0
        if repeat:
            assert any(ex.SECOND[n] == "value" and a == b for n, a, b in e.nodes)
        elif shared:
            assert max(uses[: len(e.leaves)]) >= 2 and max(uses[len(e.leaves):-1]) >= 2
        else:
            assert all(u == 1 for u in uses[:-1])
        values = list(e.leaves)
        for name, a, b in e.nodes:
            x = values[int(a)]
            y = values[int(b)] if ex.SECOND[name] == "value" else b
            if name == "pow":
                assert y in (2, 3, -1, -2, 0.5, 1.5, -0.5, 2.5)
                assert float(y).is_integer() or x > 0.05
                out = x ** y
            elif name in ("truediv", "truediv_number"):
                assert abs(y) >= 0.25
                out = x / y
            elif name == "rtruediv":
                assert abs(x) >= 0.25
                out = y / x
            elif name == "exp":
                assert abs(x) <= 3
                out = math.exp(x)
            elif name == "sigmoid":
                assert abs(x) <= 6
                out = 1 / (1 + math.exp(-x))
            else:
                out = {"add": x + y, "add_number": x + y, "radd": y + x, "sub": x - y,
                       "sub_number": x - y, "rsub": y - x, "mul": x * y, "mul_number": x * y,
                       "rmul": y * x, "neg": -x}[name]
                if name not in ("mul", "mul_number", "rmul", "neg"):  # no cancellation
                    assert abs(out) >= 0.1 * (abs(x) + abs(y)) - 1e-12
            assert 1e-3 <= abs(out) <= 50
            values.append(out)
            seen.add(name)
        assert lecture.value(e) == pytest.approx(values[-1], rel=1e-12)
    assert len(seen) >= 8


BACKWARD_CHECKS = ("trees", "shared", "deep", "repeated")  # in the README's order
# the operations a backward check may be left with (those that pass their own checks):
# all, and some a student may have working alone, sums and products among them
SOME_OPS = {"all": (ex.ALL_OPS, 40), "+ and ·": (("add", "mul"), 15),
            "two Values": (ex.BINARY, 15), "+": (("add",), 8), "·": (("mul",), 4),
            "one Value": (tuple(n for n in ex.ALL_OPS if n not in ex.BINARY), 8)}


def test_each_backward_expression_is_as_deep_as_the_title_and_the_readme_say():
    """The depths of BACKWARD are those of each check's title and of the README; every
    expression drawn (public and hidden, many seeds, whatever operations work) lies in
    its check's range."""
    import ast

    tree = ast.parse((FOLDER / "checks.py").read_text(encoding="utf-8"))
    titles = {f.name: ast.get_docstring(f) for f in tree.body if isinstance(f, ast.FunctionDef)}
    row = next(line for line in (FOLDER / "README.md").read_text(encoding="utf-8").splitlines()
               if line.startswith("| `backward` |"))
    stated = [tuple(map(int, pair)) for pair in re.findall(r"depth (\d+)–(\d+)", row)]
    assert stated == [ex.BACKWARD[kind][1:3] for kind in BACKWARD_CHECKS]
    for kind in BACKWARD_CHECKS:
        low, high = ex.BACKWARD[kind][1:3]
        assert titles[f"test_backward_{kind}"].endswith(f", depth {low} to {high}"), kind
    for label, (ops, seeds) in SOME_OPS.items():
        for seed in range(seeds):
            rng = np.random.default_rng(seed)
            for kind in BACKWARD_CHECKS:
                count, low, high, shared, repeat, _ = ex.BACKWARD[kind]
                if (repeat and not {"add", "mul"} & set(ops)) or (shared and not any(
                        ex.SECOND[n] == "value" for n in ops)):
                    continue  # the check says what must work first
                drawn = ex.backward_cases(rng, ops, kind, hidden=seed % 2 == 0)
                assert len(drawn) == count + (seed % 2 == 0)
                depths = [e.depth() for e in drawn]
                assert all(low <= d <= high for d in depths), (label, seed, kind, depths)


def test_every_operation_appears_in_the_checks_expressions():
    rng = np.random.default_rng(3)
    seen = {n for _ in range(10) for n, _, _ in
            ex.random_expression(rng, ex.ALL_OPS, 18, True, "x").nodes}
    assert seen == set(ex.ALL_OPS)


# ------------------------------------------------------------------ the catalogue


def test_the_catalogue_with_no_switch_is_the_reference(reference, catalogue):
    plain = driver_with(catalogue.value_class(catalogue.Mistake()))
    theirs = driver_with(reference.Value)
    for e in some_expressions(seed=2, count=6):
        for fn in ("autodiff_gradients", "autodiff_value"):
            a, b = getattr(plain, fn)(e.graph()), getattr(theirs, fn)(e.graph())
            np.testing.assert_allclose(np.hstack(list(a.values())), np.hstack(list(b.values())),
                                       rtol=1e-12)


def test_every_catalogued_mistake_is_seen_and_named(hidden, catalogue):
    """Each variant differs from the reference on the checks' cases, and its own answers
    are named as that mistake."""
    cases = some_expressions(seed=4, count=4)
    rng = np.random.default_rng(5)
    nets = [ex.random_network(rng) for _ in range(2)]
    for i, misconception in enumerate(catalogue.CATALOGUE):
        variant = load_module(HIDDEN / "autodiff.py", f"autodiff_variant_under_test_{i}")
        variant.Value = catalogue.value_class(misconception.mistake)
        driver = driver_with(variant.Value, variant.network_gradients)
        named = False
        for kind in ("value", "local", "gradients"):
            for e in cases:
                try:
                    answer = hidden_answer(driver, kind, e)
                except (RuntimeError, ArithmeticError, TypeError):  # e.g. a reversed c − a
                    continue  # leaves the domain: (−2) ** 0.5 is complex, no number
                found = hidden.mistakes(kind, (e,), answer)
                named |= any(misconception.name in text for text in found)
        for net in nets:
            answer = driver.autodiff_network(net["x"], net["y"], net["params"])
            found = hidden.mistakes("network", (net["x"], net["y"], net["params"]),
                                    {k: np.asarray(v) for k, v in answer.items()})
            named |= any(misconception.name in text for text in found)
        assert named, misconception.name
    nets = [ex.deep_network(rng, sizes) for sizes in ([3, 3, 3, 3], [2, 4, 3], [4, 2])]
    for misconception in catalogue.DEEP_CATALOGUE:
        named = False
        for net in nets:
            args = (net["x"], net["y"], net["params"])
            driver = driver_with(None)
            driver.backprop_any = lambda *a, m=misconception.mistake: catalogue.deep_backprop(
                m, *a)
            try:
                answer = {k: np.asarray(v) for k, v in driver.autodiff_backprop_any(*args).items()}
            except ValueError:  # W for Wᵀ on a layer that is not square
                continue
            named |= any(misconception.name in t for t in hidden.mistakes("any_depth", args,
                                                                          answer))
        assert named, misconception.name


def hidden_answer(driver, kind: str, e: Expression) -> dict:
    if kind == "local":
        raw = driver.autodiff_local(e.graph(), e.upstream)
    else:
        raw = getattr(driver, f"autodiff_{kind}")(e.graph())
    return {k: np.asarray(v, dtype=np.float64) for k, v in raw.items()}


# ------------------------------------------------------------------ the driver


def test_the_driver_says_what_is_not_a_number_and_needs_no_recursion(reference):
    class Floats(reference.Value):
        def __radd__(self, other):
            return other + self.data  # a float, not a Value

    driver = driver_with(Floats)
    one = Expression("c + a", (1.0,), (("radd", 0, 2.0),))
    with pytest.raises(TypeError, match=r"c \+ a gave a float, not a Value: "
                                        r"Value.__radd__ must return a new Value"):
        driver.autodiff_value(one.graph())

    class Nested(reference.Value):
        def __mul__(self, other):
            return reference.Value.__mul__(self, other) if isinstance(other, Nested) else \
                Nested(Nested(self.data * other), (self,), "*")

    driver = driver_with(Nested)
    with pytest.raises(TypeError, match="the output's .data is a Value, not a number: an "
                                        "operation wrapped a Value in a Value"):
        driver.autodiff_value(Expression("a·c", (1.0,), (("mul_number", 0, 2.0),)).graph())

    driver = driver_with(reference.Value, lambda x, y, p: {"W2": [[reference.Value(1.0)]]})
    with pytest.raises(TypeError, match="returned Values in 'W2': return their .grad"):
        driver.autodiff_network([0.0], [0.0], {})

    driver = driver_with(reference.Value)  # a chain 3000 deep: the driver's walk is a loop
    chain = Expression("chain", (0.5,), (("neg", 0, 0.0),) + tuple(
        ("neg", i, 0.0) for i in range(1, 3000)))
    assert driver.autodiff_local(chain.graph(), 1.0)["grads"] == [1.0]


def test_draw_graph_shows_every_node_with_data_and_grad(reference):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    a, b = reference.Value(2.0), reference.Value(-3.0)
    f = a * b + a
    f.backward()
    figure = draw_graph(f, {"a": a, "b": b, "f": f})
    texts = [t.get_text() for t in figure.axes[0].texts]
    assert "a | data 2.0000 | grad -2.0000" in texts
    assert "b | data -3.0000 | grad 2.0000" in texts
    assert "f | data -4.0000 | grad 1.0000" in texts
    assert "data -6.0000 | grad 1.0000" in texts  # a · b
    assert sorted(t for t in texts if t and "data" not in t) == ["*", "+"]
    plt.close(figure)


# ------------------------------------------------------------------ notebook and examples


def test_the_notebook_is_what_make_notebook_generates_and_holds_no_solution(reference):
    maker = load_module(FOLDER / "make_notebook.py", "autodiff_make_notebook")
    committed = nbformat.read(ASSIGNMENT.notebook, as_version=4)
    fresh = maker.build_notebook(reference)
    assert [c.source for c in committed.cells] == [c.source for c in fresh.cells]
    assert [c.metadata for c in committed.cells] == [c.metadata for c in fresh.cells]
    solutions = {c.metadata["nbgrader"]["grade_id"]: c.source for c in committed.cells
                 if c.metadata["nbgrader"]["solution"]}
    assert set(solutions) == {"Value", "network_gradients", "backprop_any"}
    code = "\n".join(solutions.values())
    body = [line.strip() for line in (HIDDEN / "autodiff.py").read_text().splitlines()
            if line.strip().startswith(("self.grad +=", "other.grad +=", "out = Value(",
                                        "return self", "return other", "topo.append",
                                        "for v in reversed", "C = 0.5", "build_topo(",
                                        "delta = ", "grads_W[i] =", "zs.append("))]
    assert body and not [line for line in body if line in code]
    for cell in committed.cells:
        assert cell.metadata["nbgrader"]["schema_version"] == 3
        assert cell.metadata["nbgrader"]["locked"] is not cell.metadata["nbgrader"]["solution"]


def test_the_examples_are_what_make_examples_generates():
    maker = load_module(FOLDER / "examples" / "make_examples.py", "autodiff_make_examples")
    assert maker.differences() == []


def designed_scores() -> dict[str, dict[str, float]]:
    """The table of examples/README.md: student -> part -> points."""
    rows = {}
    for line in (FOLDER / "examples" / "README.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == len(PARTS) + 3 and re.fullmatch(r"[\d.]+", cells[-1]):
            rows[cells[0]] = dict(zip(PARTS, map(float, cells[2:-1])))
            assert sum(rows[cells[0]].values()) == float(cells[-1]), cells[0]
    return rows


CORRECT_STYLES = {
    # every operation written with its own rule, _prev a set, an iterative topological
    # sort, σ and exp by math, the network by loops, lists returned
    "other_correct_direct_rules.py": '''
import math


class Value:
    def __init__(self, data, _children=(), _op=""):
        self.data = data
        self.grad = 0.0
        self._backward = lambda: None
        self._prev = set(_children)
        self._op = _op

    def _lift(self, other):
        return other if isinstance(other, Value) else Value(other)

    def __add__(self, other):
        other = self._lift(other)
        out = Value(self.data + other.data, (self, other), "+")
        def _backward():
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out

    def __sub__(self, other):
        other = self._lift(other)
        out = Value(self.data - other.data, (self, other), "-")
        def _backward():
            self.grad += out.grad
            other.grad -= out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = self._lift(other)
        out = Value(self.data * other.data, (self, other), "*")
        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def __truediv__(self, other):
        other = self._lift(other)
        out = Value(self.data / other.data, (self, other), "/")
        def _backward():
            self.grad += out.grad / other.data
            other.grad += -self.data / other.data ** 2 * out.grad
        out._backward = _backward
        return out

    def __pow__(self, n):
        out = Value(self.data ** n, (self,), f"**{n}")
        def _backward():
            self.grad += n * self.data ** (n - 1) * out.grad
        out._backward = _backward
        return out

    def __neg__(self):
        out = Value(-self.data, (self,), "neg")
        def _backward():
            self.grad -= out.grad
        out._backward = _backward
        return out

    def __radd__(self, other):
        return self + other

    def __rsub__(self, other):
        return Value(other) - self

    def __rmul__(self, other):
        return self * other

    def __rtruediv__(self, other):
        return Value(other) / self

    def exp(self):
        out = Value(math.exp(self.data), (self,), "exp")
        def _backward():
            self.grad += math.exp(self.data) * out.grad
        out._backward = _backward
        return out

    def sigmoid(self):
        out = Value(1 / (1 + math.exp(-self.data)), (self,), "sigmoid")
        def _backward():
            self.grad += out.data * (1 - out.data) * out.grad
        out._backward = _backward
        return out

    def backward(self):
        order, seen, stack = [], {self}, [(self, iter(self._prev))]
        while stack:
            node, children = stack[-1]
            for child in children:
                if child not in seen:
                    seen.add(child)
                    stack.append((child, iter(child._prev)))
                    break
            else:
                stack.pop()
                order.append(node)
        self.grad = 1
        for node in order[::-1]:
            node._backward()


def network_gradients(x, y, params):
    W2 = [[Value(float(w)) for w in row] for row in params["W2"]]
    b2 = [Value(float(b)) for b in params["b2"]]
    W3 = [[Value(float(w)) for w in row] for row in params["W3"]]
    b3 = [Value(float(b)) for b in params["b3"]]
    a1 = [float(v) for v in x]
    a2, a3 = [], []
    for j in range(2):
        z = b2[j]
        for k in range(2):
            z = z + W2[j][k] * a1[k]
        a2.append(z.sigmoid())
    for j in range(2):
        z = b3[j]
        for k in range(2):
            z = z + W3[j][k] * a2[k]
        a3.append(z.sigmoid())
    C = Value(0.0)
    for j in range(2):
        d = a3[j] - float(y[j])
        C = C + d * d
    C = C / 2
    C.backward()
    return {"W2": [[w.grad for w in row] for row in W2], "b2": [b.grad for b in b2],
            "W3": [[w.grad for w in row] for row in W3], "b3": [b.grad for b in b3]}


def backprop_any(x, y, weights, biases):
    # with this file's own Value: every weight a leaf, the gradients from C.backward()
    Ws = [[[Value(float(w)) for w in row] for row in W] for W in weights]
    bs = [[Value(float(b)) for b in bias] for bias in biases]
    a = [float(v) for v in x]
    for W, b in zip(Ws, bs):
        a = [sum((w * ak for w, ak in zip(row, a)), bj).sigmoid() for row, bj in zip(W, b)]
    C = sum(((aj - float(yj)) ** 2 for aj, yj in zip(a, y)), Value(0.0)) * 0.5
    C.backward()
    return ([[[w.grad for w in row] for row in W] for W in Ws],
            [[b.grad for b in bias] for bias in bs])
''',
    # NumPy scalars throughout, σ through tanh, operators shared (__radd__ = __add__),
    # the network through np.vectorize
    "other_correct_numpy_scalars.py": '''
import numpy as np


class Value:
    def __init__(self, data, _children=(), _op=""):
        self.data = np.float64(data)
        self.grad = 0.0
        self._backward = lambda: None
        self._prev = tuple(_children)
        self._op = _op

    @staticmethod
    def lift(x):
        return x if isinstance(x, Value) else Value(x)

    def __add__(self, other):
        other = Value.lift(other)
        out = Value(self.data + other.data, (self, other), "+")
        def back():
            self.grad = self.grad + out.grad
            other.grad = other.grad + out.grad
        out._backward = back
        return out

    __radd__ = __add__

    def __mul__(self, other):
        other = Value.lift(other)
        out = Value(self.data * other.data, (self, other), "*")
        def back():
            self.grad = self.grad + other.data * out.grad
            other.grad = other.grad + self.data * out.grad
        out._backward = back
        return out

    __rmul__ = __mul__

    def __pow__(self, p):
        out = Value(np.power(self.data, p), (self,), "pow")
        def back():
            self.grad = self.grad + p * np.power(self.data, p - 1) * out.grad
        out._backward = back
        return out

    def __neg__(self):
        return -1.0 * self

    def __sub__(self, other):
        return self + (-Value.lift(other))

    def __rsub__(self, other):
        return Value.lift(other) - self

    def __truediv__(self, other):
        return self * Value.lift(other) ** -1

    def __rtruediv__(self, other):
        return Value.lift(other) * self ** -1

    def exp(self):
        out = Value(np.exp(self.data), (self,), "exp")
        def back():
            self.grad = self.grad + out.data * out.grad
        out._backward = back
        return out

    def sigmoid(self):
        out = Value(0.5 * (1.0 + np.tanh(0.5 * self.data)), (self,), "sigmoid")
        def back():
            self.grad = self.grad + out.data * (1.0 - out.data) * out.grad
        out._backward = back
        return out

    def backward(self):
        topo, visited = [], set()
        def build(v):
            if id(v) not in visited:
                visited.add(id(v))
                for c in v._prev:
                    build(c)
                topo.append(v)
        build(self)
        self.grad = 1.0
        for v in reversed(topo):
            v._backward()


def network_gradients(x, y, params):
    P = {k: np.vectorize(Value, otypes=[object])(v) for k, v in params.items()}
    a = list(x)
    for l in (2, 3):
        W, b = P[f"W{l}"], P[f"b{l}"]
        a = [sum((W[j, k] * a[k] for k in range(len(a))), b[j]).sigmoid()
             for j in range(len(b))]
    C = 0.5 * sum((yj - aj) ** 2 for yj, aj in zip(y, a))
    C.backward()
    return {k: np.vectorize(lambda v: v.grad, otypes=[float])(v) for k, v in P.items()}


def backprop_any(x, y, weights, biases):
    # Nielsen's network.py: activations and zs forward, nabla_b and nabla_w backward
    sig = lambda z: 0.5 * (1.0 + np.tanh(0.5 * z))
    activation, activations, zs = np.array(x, dtype=float), [np.array(x, dtype=float)], []
    for w, b in zip(weights, biases):
        z = np.dot(w, activation) + b
        zs.append(z)
        activation = sig(z)
        activations.append(activation)
    nabla_b = [np.zeros(np.shape(b)) for b in biases]
    nabla_w = [np.zeros(np.shape(w)) for w in weights]
    delta = (activations[-1] - y) * sig(zs[-1]) * (1 - sig(zs[-1]))
    nabla_b[-1] = delta
    nabla_w[-1] = np.dot(delta[:, None], activations[-2][None, :])
    for l in range(2, len(weights) + 1):
        sp = sig(zs[-l]) * (1 - sig(zs[-l]))
        delta = np.dot(weights[-l + 1].T, delta) * sp
        nabla_b[-l] = delta
        nabla_w[-l] = np.dot(delta[:, None], activations[-l - 1][None, :])
    return nabla_w, nabla_b
''',
}


# mistakes the driver explains (its own errors, with no place in a cell of the student's):
# name -> the patch of correct_script.py
DRIVER_EXPLAINS = {
    "radd_returns_a_float": ("        return self + other\n",
                             "        return other + self.data\n"),
    "wraps_a_value_in_a_value": (
        "        other = other if isinstance(other, Value) else Value(other)\n"
        "        out = Value(self.data * other.data",
        "        other = Value(other)\n"
        "        out = Value(self.data * other.data"),
}
# c + a is a float: the numbers checks fail (1.5, 2.5); backward is judged without it (4);
# the network's 0.5 * sum(...) starts with 0 + Value, a float with no backward (0).
# Value(Value) in a · b: two Values' · and / (a · b^(−1)) fail (1.5, 2.5); a number is
# wrapped once, so backward without them keeps 4; σ(z) of a nested z fails the network (0).
DRIVER_SCORES = {name: dict(zip(PARTS, (1.5, 2.5, 4.0, 0.0, 2.0))) for name in DRIVER_EXPLAINS}
DRIVER_WORDS = {"radd_returns_a_float": "Value.__radd__ (c + a): TypeError: c + a gave a "
                                        "float, not a Value: Value.__radd__ must return a new "
                                        "Value (",
                "wraps_a_value_in_a_value": "Value.__mul__ (a · b): TypeError: the output's "
                                            ".data is a Value, not a number: an operation "
                                            "wrapped a Value in a Value"}


def test_the_driver_explains_what_is_not_a_value_or_not_a_number(graded):
    out, public, _ = graded
    for student, expected in DRIVER_SCORES.items():
        got, text = hidden_result(out, student)
        assert got == expected and public[student] == expected, (student, got, text)
        assert DRIVER_WORDS[student] in text
        assert "_autodiff" not in text and "autodiff_" not in text  # no driver's place


# Mistakes written by hand into correct_script.py, and the same script in Nielsen's style
# (network.py: column vectors (n, 1) throughout in backprop_any; network_gradients returns
# its biases' gradients as columns): name -> the patches, in order.
SCRIPT = ASSIGNMENT.examples / "correct_script.py"
NIELSEN_BACKPROP_ANY = '''def backprop_any(x, y, weights, biases):
    # Nielsen's network.py backprop, with column vectors (n, 1) throughout
    def sigmoid(z):
        return np.exp(-np.logaddexp(0.0, -z))

    def sigmoid_prime(z):
        return sigmoid(z) * (1 - sigmoid(z))

    biases = [np.reshape(b, (-1, 1)) for b in biases]
    activation = np.reshape(x, (-1, 1))
    activations, zs = [activation], []
    for b, w in zip(biases, weights):
        z = np.dot(w, activation) + b
        zs.append(z)
        activation = sigmoid(z)
        activations.append(activation)
    nabla_b = [np.zeros(b.shape) for b in biases]
    nabla_w = [np.zeros(np.shape(w)) for w in weights]
    delta = (activations[-1] - np.reshape(y, (-1, 1))) * sigmoid_prime(zs[-1])
    nabla_b[-1] = delta
    nabla_w[-1] = np.dot(delta, activations[-2].transpose())
    for l in range(2, len(weights) + 1):
        sp = sigmoid_prime(zs[-l])
        delta = np.dot(weights[-l + 1].transpose(), delta) * sp
        nabla_b[-l] = delta
        nabla_w[-l] = np.dot(delta, activations[-l - 1].transpose())
    return nabla_w, nabla_b
'''
COLUMNS = [("grads.update({name: np.array([b.grad for b in values])",
            "grads.update({name: np.array([[b.grad] for b in values])")]
SIGN = [("s = 1.0 / (1.0 + math.exp(-self.data))", "s = 1.0 / (1.0 + math.exp(self.data))"),
        ("e = math.exp(self.data)\n", "e = math.exp(-self.data)\n")]  # a < 0: e / (1 + e)
WRITTEN_BY_HAND = {
    "sigmoid_sign": SIGN,
    "any_depth_sigmoid_sign": [("np.logaddexp(0.0, -z)", "np.logaddexp(0.0, z)")],
    "nielsen_columns": COLUMNS,
    "nielsen_columns_sigmoid_sign": COLUMNS + SIGN,
    "nielsen_columns_no_output_prime": COLUMNS + [
        ("delta = (activations[-1] - np.reshape(y, (-1, 1))) * sigmoid_prime(zs[-1])",
         "delta = activations[-1] - np.reshape(y, (-1, 1))")],
}
# Scores by hand. σ(−a) in Value.sigmoid: out.data of a.sigmoid() is wrong, its chain rule
# σ(−a)(1 − σ(−a)) = σ'(a) is not, but its check reads out.data first: the σ check of
# operations (1.5 of 2) and of local_derivatives (2.5 of 3) fail; backward is built without
# σ (4); the network's activations are wrong (0); backprop_any has its own σ (2). In
# backprop_any, σ(−z) makes every activation wrong (0 of 2), nothing else. Column vectors
# lose nothing; BP1 without σ'(z^L) fails any_depth alone.
HAND_SCORES = {
    "sigmoid_sign": (1.5, 2.5, 4.0, 0.0, 2.0),
    "any_depth_sigmoid_sign": (2.0, 3.0, 4.0, 3.0, 0.0),
    "nielsen_columns": (2.0, 3.0, 4.0, 3.0, 2.0),
    "nielsen_columns_sigmoid_sign": (1.5, 2.5, 4.0, 0.0, 2.0),
    "nielsen_columns_no_output_prime": (2.0, 3.0, 4.0, 3.0, 0.0),
}
# What the hidden feedback of every failed check must say (the catalogue's name, by the
# mistake's definition), and how many checks of each part fail (by the scores above).
SIGN_NAME = "This looks like the sign of the exponent in σ ("
HAND_NAMED = {
    "sigmoid_sign": (SIGN_NAME, {"operations": 1, "local_derivatives": 1, "network": 2}),
    "any_depth_sigmoid_sign": (SIGN_NAME, {"any_depth": 2}),
    "nielsen_columns": ("", {}),
    "nielsen_columns_sigmoid_sign": (SIGN_NAME, {"operations": 1, "local_derivatives": 1,
                                                 "network": 2}),
    "nielsen_columns_no_output_prime": ("This looks like σ' missing at the output layer (",
                                        {"any_depth": 2}),
}


def written_by_hand(name: str) -> str:
    """correct_script.py (Nielsen's: with its backprop_any in place of the script's, which
    is kept under another name), then the patches of ``name``."""
    source = SCRIPT.read_text(encoding="utf-8")
    if name.startswith("nielsen_"):
        source = source.replace("def backprop_any(", "def backprop_any_1d(")
        source += "\n\n" + NIELSEN_BACKPROP_ANY
    return patch(source, WRITTEN_BY_HAND[name], name)


def test_mistakes_written_by_hand_get_their_scores_and_are_named(graded):
    """σ's sign (in Value.sigmoid, in backprop_any) and Nielsen's column vectors: the
    scores by hand, public and hidden alike, and each failed check names the mistake."""
    out, public, _ = graded
    for student, scores in HAND_SCORES.items():
        expected = dict(zip(PARTS, scores))
        got, text = hidden_result(out, student)
        assert got == expected and public[student] == expected, (student, got, text)
        data = json.loads((out / student / "results.json").read_text(encoding="utf-8"))
        failed = [t for t in data["tests"] if t["status"] == "failed"]
        words, counts = HAND_NAMED[student]
        assert {p: sum(t["tags"][0] == p for t in failed) for p in counts} == counts
        assert len(failed) == sum(counts.values()), (student, failed)
        for test in failed:
            assert words in test["output"], (student, test["output"])


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> tuple[Path, dict, list[str]]:
    """The examples, two correct submissions in other styles and the released (stub)
    notebook, graded with the hidden oracle and checked with the public one."""
    extra = tmp_path_factory.mktemp("autodiff-extra")
    for name, source in CORRECT_STYLES.items():
        (extra / name).write_text(source.lstrip(), encoding="utf-8")
    (extra / "released_stubs.ipynb").write_bytes(ASSIGNMENT.notebook.read_bytes())
    script = (ASSIGNMENT.examples / "correct_script.py").read_text(encoding="utf-8")
    for name, (old, new) in DRIVER_EXPLAINS.items():
        assert script.count(old) == 1, name
        (extra / f"{name}.py").write_text(script.replace(old, new), encoding="utf-8")
    for name in WRITTEN_BY_HAND:
        (extra / f"{name}.py").write_text(written_by_hand(name), encoding="utf-8")
    for name, expect in read_toml(RAISES / "expected.toml").items():
        (extra / f"{name}.py").write_text(patch(script, expect["patches"], name),
                                          encoding="utf-8")
    subs = discover([ASSIGNMENT.examples, extra])
    out = tmp_path_factory.mktemp("autodiff-hidden")
    run_batch(Batch(ASSIGNMENT, HIDDEN, subs, out, SEED, 2))
    public = run_public_checks(ASSIGNMENT, subs)
    PUBLIC_MESSAGES[:] = [(f"{s} (public)", c.message) for s, checks in public.items()
                          for c in checks if c.message]
    public_points = {s: {p: round(sum(c.score for c in checks if c.part == p), 9)
                         for p in PARTS} for s, checks in public.items()}
    return out, public_points, [s.student for s in subs]


RAISES = ROOT / "tests" / "submissions" / "autodiff"  # code that raises: expected.toml
PUBLIC_MESSAGES: list[tuple[str, str]] = []  # the graded submissions' public messages


def hidden_result(out: Path, student: str) -> tuple[dict[str, float], str]:
    data = json.loads((out / student / "results.json").read_text(encoding="utf-8"))
    got = dict.fromkeys(PARTS, 0.0)
    for test in data["tests"]:
        got[test["tags"][0]] += test["score"]
    text = "\n".join([data["output"], *(t["output"] for t in data["tests"])])
    return {p: round(v, 9) for p, v in got.items()}, text


def test_every_example_has_a_designed_score():
    examples = {p.stem for p in ASSIGNMENT.examples.iterdir()}
    assert set(designed_scores()) == examples


def test_examples_get_their_designed_scores_hidden_and_public(graded):
    out, public, _ = graded
    for student, expected in designed_scores().items():
        got, _ = hidden_result(out, student)
        assert got == expected, f"{student}: hidden {got}"
        assert public[student] == expected, f"{student}: public {public[student]}"


def test_correct_submissions_in_other_styles_lose_nothing(graded):
    out, public, _ = graded
    for name in CORRECT_STYLES:
        student = Path(name).stem
        got, text = hidden_result(out, student)
        assert got == ASSIGNMENT.points, f"{student}: {text}"
        assert public[student] == ASSIGNMENT.points


FEEDBACK = {  # what the hidden feedback must say: the method and the catalogued mistake
    "overwrite_gradient": ["Value.backward()", "random DAG",
                           "the gradient overwritten (=) instead of accumulated (+="],
    "children_first": ["Value.backward()", "the topological order not reversed"],
    "no_seed": ["Value.backward()", "not seeded with 1"],
    "exp_uses_input": ["Value.exp (a.exp())", "a.grad has wrong values",
                       "Expected ∂e^a/∂a = e^a", "∂e^a/∂a taken as a"],
    "power_rule_n_a_to_the_n": ["Value.__pow__ (a ** n)", "∂(a^n)/∂a = n·a^(n−1)",
                                "the power rule written as n·a^n",
                                "Value.__truediv__ (a / b)", "∂(a/b)/∂b = −a/b²"],
    "sigmoid_uses_input": ["Value.sigmoid (a.sigmoid())", "σ'(a) computed as a(1 − a)",
                           "network_gradients(x, y, params)"],
    "rsub_reversed": ["Value.__rsub__ (c − a)", "Expected out = c − a",
                      "c − a computed as a − c in __rsub__"],
    "any_depth_no_output_sigma_prime": ["backprop_any(x, y, weights, biases): ∂C/∂W³",
                                        "Expected BP1 δ³ = (a³ − y) ⊙ σ'(z³)",
                                        "σ' missing at the output layer"],
    "unfinished": ["Value.backward is not implemented yet",
                   "network_gradients is not implemented yet",
                   "backprop_any is not implemented yet"],
    "released_stubs": ["Value.__add__ is not implemented yet", "Value.exp is not implemented yet",
                       "Value.__neg__ is not implemented yet"],
}


def test_feedback_names_the_method_the_rule_and_the_mistake(graded):
    out, _, _ = graded
    for student, words in FEEDBACK.items():
        _, text = hidden_result(out, student)
        for word in words:
            assert word in text, f"{student}: no {word!r} in\n{text}"


def test_the_released_notebook_scores_nothing(graded):
    out, public, _ = graded
    got, _ = hidden_result(out, "released_stubs")
    assert sum(got.values()) == 0 and sum(public["released_stubs"].values()) == 0


def test_the_release_ships_the_driver_and_the_checks_modules_and_nothing_hidden(tmp_path):
    out = tmp_path / "student"
    build_release(ASSIGNMENT, out)
    names = {p.name for p in out.iterdir() if p.is_file()}
    assert {"autodiff.ipynb", "exercise.toml", "driver.py", "checks.py",
            "lecture.py", "cases.py", "feedback.py", "exercise.py", "network.py"} <= names
    assert not (out / "hidden").exists() and audit(out) == []
    text = "\n".join(p.read_text(encoding="utf-8", errors="replace")
                     for p in out.rglob("*") if p.is_file())
    for name in ("This looks like", "overwritten (=) instead of accumulated"):
        assert name not in text


def test_the_solved_notebook_runs_in_a_kernel_and_shows_both_gradients_agree(tmp_path):
    """The example cell prints f, ∂f/∂a, ∂f/∂b of the hand-derived example and draws its
    graph; the comparison cell's differences from the lecture's BP1 to BP4 are rounding."""
    from nbclient import NotebookClient

    for path in ASSIGNMENT.support_paths:
        (tmp_path / path.name).write_bytes(path.read_bytes())
    nb = nbformat.read(ASSIGNMENT.examples / "correct.ipynb", as_version=4)
    NotebookClient(nb, timeout=60, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    out = {c.metadata["nbgrader"]["grade_id"]: c.outputs for c in nb.cells
           if c.cell_type == "code"}
    assert not [o for outputs in out.values() for o in outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") for o in out["example"])
    assert "f = -4.0,  df/da = -2.0,  df/db = 2.0" in text
    assert any("image/png" in o.get("data", {}) for o in out["example"])
    rows = [line.split() for line in "".join(o.get("text", "") for o in out["compare"])
            .splitlines() if line.startswith("dC/d")]
    assert len(rows) == 12 and all(abs(float(r[-1])) < 1e-15 for r in rows)


def test_code_that_raises_gets_its_hand_derived_scores_and_says_the_cause_first(graded):
    """``tests/submissions/autodiff/expected.toml``: each submission (the correct script with
    its patches) gets the scores derived by hand there, hidden and public, and the cause
    and the hint in the hidden feedback."""
    out, public, _ = graded
    expected = read_toml(RAISES / "expected.toml")
    assert expected and not list(RAISES.glob("*.py"))  # made from the correct script
    for student, expect in expected.items():
        want = {p: float(expect[p]) for p in PARTS}
        assert sum(want.values()) == expect["total"], student
        got, text = hidden_result(out, student)
        assert got == want and public[student] == want, (student, got, public[student])
        for words in expect["feedback"]:
            assert words in text, f"{student}: no {words!r} in\n{text}"


def test_every_message_is_complete_sentences_said_once(graded):
    """Every message a check gives the graded submissions (the examples, the other styles,
    the driver's explanations, the released stubs, the code that raises), hidden and
    public, keeps the rules of ``tests/messages.py``."""
    out, _, students = graded
    messages = list(PUBLIC_MESSAGES)
    for student in students:
        data = json.loads((out / student / "results.json").read_text(encoding="utf-8"))
        messages += [(student, t["output"]) for t in data["tests"] if t["output"]]
    broken = [f"{who}: {problems(text)}: {text}" for who, text in messages if problems(text)]
    assert messages and not broken, "\n".join(broken[:10])


def test_the_child_s_words_give_names_only():
    """The context of an error is the student's text: only Python names of the expected
    shape are taken from it, and an unknown method or an ambiguous attribute says less."""
    import feedback

    def given(attributes, missing="_prev", owner="Value"):
        return feedback.given_replaced({"owner": owner, "missing": missing,
                                        "attributes": attributes})

    assert given("data=float, _kids=list, _op=str") == (
        "the given __init__ defines _prev: keep it (your Value stores its inputs in _kids).")
    assert given("_a=tuple, _b=set") == "the given __init__ defines _prev: keep it."
    assert given("<b>x</b>=tuple, _a=tuple y") == "the given __init__ defines _prev: keep it."
    assert given("_kids=tuple", owner="Other") == "" and given("_kids=tuple", missing="x") == ""
    notes = {"notes": "Value.__evil__ returned None; Value.exp returned None"}
    assert feedback.cause_of(notes).startswith("Value.exp returned None: every operation")
    error = "TypeError: x (cell 1, line 2, in <b>)"
    assert feedback.explain(error, "Value.exp (a.exp())", {"function": "<b>"}) == (
        f"Value.exp (a.exp()): {error}")
