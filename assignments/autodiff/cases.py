"""The cases the autodiff checks try: one-operation expressions, random trees and DAGs,
and 2-2-2 networks.

Public: students may read it. The public checks draw their cases with fresh entropy on
every run; the hidden grading draws them from its seed and adds a few cases of its own
(``hidden_only``), so a public pass is a true preview unless one of those fails.

Every random expression stays where its operations are defined and well conditioned:
powers with a non-integer exponent only of positive bases, divisions only by values at
least 0.25 away from 0, e^a only for |a| ≤ 3, σ(a) for |a| ≤ 6, every value between 1e-3
and 50 in size, and no sum or difference that cancels (|a ± b| ≥ 0.1 (|a| + |b|)): so
every correct way of writing an operation gives the same digits the checks compare.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import numpy as np
from driver import AUTODIFF_OPS
from lecture import apply
from network import PARAMS, random_network  # noqa: F401 - the checks take PARAMS from here

CODE = {op[0]: i for i, op in enumerate(AUTODIFF_OPS)}
WRITTEN = {op[0]: op[1] for op in AUTODIFF_OPS}
METHOD = {op[0]: op[2] for op in AUTODIFF_OPS}
SECOND = {op[0]: op[3] for op in AUTODIFF_OPS}  # "value", "number" or "unused"
ALL_OPS = tuple(CODE)
BINARY = tuple(name for name in ALL_OPS if SECOND[name] == "value")
INT_EXPONENTS = (2, 3, -1, -2)
FLOAT_EXPONENTS = (0.5, 1.5, -0.5, 2.5)
MAX_DEPTH = 20

NUMBERS = ("add_number", "radd", "sub_number", "rsub", "mul_number", "rmul",
           "truediv_number", "rtruediv")
# The operations each check of "operations" and of "local_derivatives" tries.
OPERATION_GROUPS = {
    "two_values": ("add", "sub", "mul", "truediv"),
    "numbers": NUMBERS,
    "neg_pow": ("neg", "pow"),
    "exp_sigmoid": ("exp", "sigmoid"),
}
LOCAL_GROUPS = {
    "add_sub": ("add", "sub"),
    "mul_div": ("mul", "truediv"),
    "numbers": NUMBERS,
    "neg_pow": ("neg", "pow"),
    "exp": ("exp",),
    "sigmoid": ("sigmoid",),
}


@dataclass(frozen=True)
class Expression:
    """An expression as the driver receives it: leaves, then nodes (op, a, b) where a and b
    index the operands (leaves first, then nodes) or b is a number; the last node is the
    output. ``upstream``: the output's gradient for the local checks."""

    name: str
    leaves: tuple[float, ...]
    nodes: tuple[tuple[str, int, float], ...]
    hidden_only: bool = False
    upstream: float = 1.0
    ops: tuple[str, ...] = field(default=(), compare=False)

    @staticmethod
    def takes_value(name: str) -> bool:
        return SECOND[name] == "value"

    def graph(self) -> dict:
        """The plain data the driver reads: float arrays only."""
        return {"leaves": np.array(self.leaves, dtype=np.float64),
                "nodes": np.array([(CODE[n], a, b) for n, a, b in self.nodes],
                                  dtype=np.float64).reshape(-1, 3)}

    def depth(self) -> int:
        """The longest path from the output to a leaf, in operations."""
        depths = [0] * len(self.leaves)
        for name, a, b in self.nodes:
            operands = [int(a), int(b)] if self.takes_value(name) else [int(a)]
            depths.append(1 + max(depths[i] for i in operands))
        return depths[-1]

    def uses(self) -> list[int]:
        """How many operations use each operand (leaves, then nodes)."""
        count = [0] * (len(self.leaves) + len(self.nodes))
        for name, a, b in self.nodes:
            count[int(a)] += 1
            if self.takes_value(name):
                count[int(b)] += 1
        return count


# ------------------------------------------------------------------ one operation


def _signed(rng, low: float, high: float) -> float:
    return float(rng.uniform(low, high) * rng.choice([-1.0, 1.0]))


def _operands(rng, name: str, exponent: float | None) -> tuple[list[float], float]:
    """Leaves and the number c (or n) of a one-operation case, inside the op's domain."""
    if name == "pow":
        integer = float(exponent).is_integer()
        base = _signed(rng, 0.5, 2.5) if integer else float(rng.uniform(0.3, 2.5))
        return [base], float(exponent)
    if name == "exp":
        return [float(rng.uniform(-2.0, 2.0))], 0.0
    if name == "sigmoid":
        return [float(rng.uniform(-4.0, 4.0))], 0.0
    if name == "neg":
        return [_signed(rng, 0.3, 3.0)], 0.0
    a = _signed(rng, 0.5, 3.0)
    if SECOND[name] == "value":
        return [a, _signed(rng, 0.5, 3.0)], 0.0
    return [a], _signed(rng, 0.5, 3.0)


def describe_inputs(expression: Expression) -> str:
    """'a = 1.25, b = −0.5' (and c or n) of a one-operation case."""
    name, _, b = expression.nodes[-1]
    parts = [f"{letter} = {v:.6g}" for letter, v in zip("ab", expression.leaves)]
    if SECOND[name] == "number":
        parts.append(f"{'n' if name == 'pow' else 'c'} = {b:.6g}")
    return ", ".join(parts).replace("-", "−")


def one_operation(rng, name: str, exponent: float | None = None,
                  hidden_only: bool = False) -> Expression:
    """``a op b`` (or ``a op c``, ``c op a``, ``op(a)``) on random inputs in its domain,
    with a random upstream gradient out.grad for the local checks."""
    leaves, number = _operands(rng, name, exponent)
    second = 1 if SECOND[name] == "value" else number
    expression = Expression("", tuple(leaves), ((name, 0, second),), hidden_only,
                            upstream=_signed(rng, 0.5, 2.0), ops=(name,))
    label = f"{WRITTEN[name]} at {describe_inputs(expression)}"
    return Expression(label, expression.leaves, expression.nodes, hidden_only,
                      expression.upstream, (name,))


def one_operation_cases(rng, names: tuple[str, ...], hidden: bool) -> list[Expression]:
    """Two cases of each operation (powers: two integer and two non-integer exponents),
    and for the hidden grading one more of each."""
    cases = []
    for name in names:
        if name == "pow":
            exponents = [*rng.choice(INT_EXPONENTS, 2, replace=False),
                         *rng.choice(FLOAT_EXPONENTS, 2, replace=False)]
            if hidden:
                exponents.append(rng.choice(INT_EXPONENTS + FLOAT_EXPONENTS))
            for i, n in enumerate(exponents):
                n = float(n)
                cases.append(one_operation(rng, name, n, hidden_only=i >= 4))
            continue
        for i in range(3 if hidden else 2):
            cases.append(one_operation(rng, name, hidden_only=i >= 2))
    return cases


# ------------------------------------------------------------------ random expressions


def well_defined(name: str, a: float, b: float, out: float) -> bool:
    """Whether ``a op b = out`` is inside the domain and conditioning the checks promise."""
    if name == "pow":
        if not float(b).is_integer() and a < 0.1:
            return False
        if b < 0 and abs(a) < 0.25:
            return False
    if name in ("truediv", "truediv_number") and abs(b) < 0.25:
        return False
    if name == "rtruediv" and abs(a) < 0.25:
        return False
    if name == "exp" and abs(a) > 3.0:
        return False
    if name == "sigmoid" and abs(a) > 6.0:
        return False
    if name in ("add", "add_number", "radd", "sub", "sub_number", "rsub") and \
            abs(out) < 0.1 * (abs(a) + abs(b)):
        return False
    return bool(np.isfinite(out)) and 1e-3 <= abs(out) <= 50.0


class _Builder:
    """An expression being grown: operands (leaves, then nodes), their values and depths."""

    def __init__(self, rng, ops: tuple[str, ...], leaves: int) -> None:
        self.rng, self.ops = rng, ops
        self.values = [_signed(rng, 0.3, 2.5) for _ in range(leaves)]
        self.leaves = len(self.values)
        self.depths = [0] * self.leaves
        self.parents = [0] * self.leaves
        self.nodes: list[tuple[str, int, float]] = []

    def number(self, name: str) -> float:
        if name == "pow":
            return float(self.rng.choice(INT_EXPONENTS + FLOAT_EXPONENTS))
        return _signed(self.rng, 0.5, 3.0)

    def attempt(self, name: str, a: int, b: int | None) -> bool:
        """Add ``a op b`` (b: an operand's index, or None for a fresh number) if well defined."""
        if SECOND[name] == "value":
            second, b_value = b, self.values[b]
        else:
            second = self.number(name) if SECOND[name] == "number" else 0.0
            b_value = second
        out = apply(name, self.values[a], b_value)
        if not well_defined(name, self.values[a], b_value, out):
            return False
        self.nodes.append((name, a, float(second)))
        self.values.append(float(out))
        operands = [a, b] if SECOND[name] == "value" else [a]
        self.depths.append(1 + max(self.depths[i] for i in operands))
        self.parents.append(0)
        for i in operands:
            self.parents[i] += 1
        return True

    def grow(self, pick, tries: int = 60) -> bool:
        """One more operation, with operands from ``pick(name)``; False when none fits."""
        for _ in range(tries):
            name = str(self.rng.choice(self.ops))
            a, b = pick(name)
            if a is not None and self.attempt(name, a, b):
                return True
        return False

    def undo(self) -> None:
        """Take the last operation back."""
        name, a, second = self.nodes.pop()
        self.values.pop()
        self.depths.pop()
        self.parents.pop()
        for i in ([a, int(second)] if SECOND[name] == "value" else [a]):
            self.parents[i] -= 1

    def expression(self, name: str, hidden_only: bool) -> Expression:
        return Expression(name, tuple(self.values[: self.leaves]), tuple(self.nodes),
                          hidden_only, ops=self.ops)


def random_expression(rng, ops: tuple[str, ...], depth: int, shared: bool, name: str,
                      hidden_only: bool = False, repeat: bool = False) -> Expression:
    """A random expression of depth ``depth`` (at most MAX_DEPTH) built from ``ops``.

    ``shared``: a DAG, whose operations reuse earlier sub-expressions and leaves (at least
    one node and one leaf used twice); else a tree (every leaf and node used once).
    ``repeat``: one operation takes the same Value as both operands (a + a or a · a).
    Everything left unused at the end is summed or multiplied into the output, so every
    leaf counts.
    """
    depth = min(depth, MAX_DEPTH)
    binary = [n for n in ops if SECOND[n] == "value"]
    rng = random.Random(int(rng.integers(2**63)))  # its many scalar draws: Python's, faster
    for _ in range(200):
        leaves = min(rng.randrange(2, 6), max(depth, 2)) if binary else 1
        if binary and not shared and len(binary) == len(ops):  # a tree of binary ops only
            leaves = depth + 1
        b = _Builder(rng, ops, leaves)
        if _grow(b, binary, depth, shared, repeat) and _fold(b, binary, depth):
            expression = b.expression(name, hidden_only)
            if _fits(expression, depth, shared, repeat, bool(binary)):
                return expression
    raise RuntimeError(f"no expression of depth {depth} from {ops}")


def _grow(b: _Builder, binary: list[str], depth: int, shared: bool, repeat: bool) -> bool:
    """Grow until the expression, once folded, is exactly ``depth`` deep and (a DAG) shares
    a node and a leaf; a step that would fold beyond ``depth`` is undone. Folding adds one
    level per operand left unused: the folded depth is the deepest operand's depth plus the
    number of unused operands less one."""
    rng = b.rng

    def roots() -> list[int]:
        return [i for i, n in enumerate(b.parents) if n == 0]

    def folded_depth() -> int:
        return max(b.depths) + len(roots()) - 1

    def shares() -> bool:
        inner = b.parents[b.leaves:-1] if len(b.nodes) > 1 else []
        return not shared or not binary or repeat or (any(n >= 2 for n in inner) and any(
            n >= 2 for n in b.parents[: b.leaves]))

    def unshared() -> list[int]:
        """Operands whose second use gives a DAG the sharing it still lacks: a leaf used
        once while no leaf is used twice, a node used once while no node is."""
        if not shared or not binary or repeat:
            return []
        leaves, inner = b.parents[: b.leaves], b.parents[b.leaves:]
        found = [] if any(n >= 2 for n in leaves) else \
            [i for i, n in enumerate(leaves) if n == 1]
        if not any(n >= 2 for n in inner[:-1]):
            found += [b.leaves + i for i, n in enumerate(inner) if n == 1]
        return [i for i in found if b.depths[i] < depth]

    def pick(name: str) -> tuple[int | None, int | None]:
        pool = [i for i in (range(len(b.values)) if shared else roots()) if b.depths[i] < depth]
        if not pool:
            return None, None
        deepest = max(pool, key=lambda i: (b.depths[i], i))
        a = deepest if rng.random() < 0.6 else int(rng.choice(pool))
        lacking = unshared() if SECOND[name] == "value" else []
        if lacking and rng.random() < 0.7:  # share early: later, sharing only deepens
            a = int(rng.choice(lacking))
        if SECOND[name] != "value":
            return a, None
        free = [i for i in roots() if i != a and b.depths[i] < depth]
        others = free if free and (not shared or rng.random() < 0.5) else \
            [i for i in pool if i != a]
        return (a, int(rng.choice(others))) if others else (None, None)

    if repeat:  # a + a or a · a, on a leaf, before the rest grows on top of it
        same = [n for n in binary if n in ("add", "mul")]
        if not same or not any(b.attempt(str(rng.choice(same)), i, i)
                               for i in (rng.randrange(b.leaves) for _ in range(60))):
            return False
    for _ in range(8 * MAX_DEPTH):
        if folded_depth() == depth and shares():
            return True
        if not b.grow(pick):
            return False
        if folded_depth() > depth or len(b.nodes) > 3 * MAX_DEPTH:
            b.undo()
    return False


def _fold(b: _Builder, binary: list[str], depth: int) -> bool:
    """Combine every unused operand into the output, deepest first."""
    rng = b.rng
    while True:
        roots = [i for i, n in enumerate(b.parents) if n == 0]
        if len(roots) == 1:
            return True
        if not binary:
            return False
        out = max(roots, key=lambda i: (b.depths[i], i))
        other = next(i for i in roots if i != out)
        for _ in range(60):
            if b.attempt(str(rng.choice(binary)), out, other):
                break
            if b.attempt(str(rng.choice(binary)), other, out):
                break
        else:
            return False


def _fits(e: Expression, depth: int, shared: bool, repeat: bool, binary: bool) -> bool:
    """The expression is what was asked for: its depth, its sharing, its repeat."""
    if e.depth() != min(depth, MAX_DEPTH):
        return False
    uses = e.uses()
    if not all(u >= 1 for u in uses[:-1]):
        return False
    if repeat:
        return any(SECOND[n] == "value" and a == second for n, a, second in e.nodes)
    if shared and binary:
        nodes_shared = any(u >= 2 for u in uses[len(e.leaves):-1])
        leaves_shared = any(u >= 2 for u in uses[: len(e.leaves)])
        return nodes_shared and leaves_shared
    return all(u == 1 for u in uses[:-1])


# ------------------------------------------------------------------ the backward checks

# The expressions of each backward check: how many (the hidden grading adds one, hidden
# only), the depths they are drawn from (both ends included: every expression is exactly
# as deep as drawn), whether a DAG (sub-expressions and leaves used several times), whether
# one operation takes the same Value twice, and their names. The checks' titles and the
# README state these depths.
BACKWARD = {
    "trees": (3, 3, 10, False, False, "random tree {}"),
    "shared": (3, 5, 12, True, False, "random DAG {}"),
    "deep": (2, 16, 20, True, False, "deep random DAG {}"),
    "repeated": (3, 3, 6, True, True, "random expression {} with a Value used twice in one "
                                      "operation"),
}


def backward_cases(rng, ops: tuple[str, ...], kind: str, hidden: bool) -> list[Expression]:
    """The expressions of the backward check ``kind`` (``BACKWARD``), built from ``ops``."""
    count, low, high, shared, repeat, label = BACKWARD[kind]
    return [random_expression(rng, ops, int(rng.integers(low, high + 1)), shared,
                              label.format(i + 1), hidden_only=i >= count, repeat=repeat)
            for i in range(count + (1 if hidden else 0))]


# ------------------------------------------------------------------ networks



def random_networks(rng, hidden: bool, count: int = 3) -> list[tuple[str, dict, bool]]:
    """(name, network, hidden_only): ``count`` random 2-2-2 networks (``network.py``), and
    for the hidden grading two more."""
    total = count + (2 if hidden else 0)
    return [(f"random network {i + 1}", random_network(rng), i >= count) for i in range(total)]


def deep_network(rng, sizes: list[int]) -> dict:
    """A network of layer widths ``sizes`` (input first): W^l, b^l for l = 2 .. L, x, y."""
    scale = float(np.exp(rng.uniform(np.log(0.5), np.log(2.0))))
    params = {}
    for layer, (n_in, n_out) in enumerate(zip(sizes, sizes[1:]), start=2):
        params[f"W{layer}"] = rng.normal(0, scale, (n_out, n_in))
        params[f"b{layer}"] = rng.normal(0, 1, n_out)
    return {"x": rng.uniform(-1, 1, sizes[0]), "y": rng.uniform(0, 1, sizes[-1]),
            "params": params, "sizes": list(sizes)}


def deep_networks(rng, hidden: bool) -> list[tuple[str, dict, bool]]:
    """(name, network, hidden_only): one network with no hidden layer, two with 1 to 4, of
    widths 1 to 5 (never all equal); for the hidden grading one more with 1 to 4."""
    depths = [0, *(int(d) for d in rng.integers(1, 5, 3 if hidden else 2))]
    cases = []
    for i, depth in enumerate(depths):
        sizes = [int(n) for n in rng.integers(1, 6, depth + 2)]
        while len(set(sizes)) == 1:
            sizes[int(rng.integers(len(sizes)))] = int(rng.integers(1, 6))
        name = f"random network {i + 1} (widths {'-'.join(map(str, sizes))})"
        cases.append((name, deep_network(rng, sizes), i >= 3))
    return cases
