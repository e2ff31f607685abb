"""The catalogue of wrong variants students typically write (hidden: never released).

Each misconception is the reference's ``Value`` with one mistake switched on (all
switches off: the reference's algorithm, built the same way, so that a student's mistake
in the reference's style gives exactly the variant's numbers; a / b is written directly
only when its own rule is the mistake), or the reference's ``backprop_any`` likewise.
When a check fails, the hidden oracle runs every variant on the same expression or
network (through the same driver the student's code ran in); the one the student's
answer matches is named in the feedback, with the rule it breaks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

MAX_PATHS = 20_000  # a per-path walk of a large DAG is not worth the grader's time


@dataclass(frozen=True)
class Mistake:
    """Switches, each one a single mistake; all off is the correct algorithm."""

    overwrite: bool = False           # child.grad = ... instead of +=
    topo_not_reversed: bool = False   # for v in topo: children before parents
    per_path: bool = False            # a walk from the output, a node's rule once per path
    no_seed: bool = False             # backward without self.grad = 1
    repeated_lost: bool = False       # a · a: one contribution, not two
    no_upstream: bool = False         # child.grad += ∂out/∂child, without · out.grad
    mul_own_data: bool = False        # ∂(a·b)/∂a = a
    pow_no_minus_one: bool = False    # ∂(a^n)/∂a = n·a^n
    pow_no_factor: bool = False       # ∂(a^n)/∂a = a^(n−1)
    exp_of_input: bool = False        # ∂e^a/∂a = a
    sigmoid_of_input: bool = False    # ∂σ(a)/∂a = a(1 − a)
    sigmoid_sign: bool = False        # σ(a) = 1 / (1 + e^(+a)), i.e. σ(−a)
    div_sign: bool = False            # ∂(a/b)/∂b = +a/b²
    div_inverse: bool = False         # ∂(a/b)/∂b = −1/b²
    rsub_reversed: bool = False       # c − a computed as a − c
    rtruediv_reversed: bool = False   # c / a computed as a / c
    no_rule: str = ""                 # this operation sets no _backward: "exp", "σ", "**"


def value_class(m: Mistake) -> type:
    """A Value class with the mistake ``m``."""

    class Value:
        def __init__(self, data, _children=(), _op=""):
            self.data = data
            self.grad = 0.0
            self._backward = lambda: None
            self._prev = tuple(_children)
            self._op = _op

        @staticmethod
        def _wrap(other):
            return other if isinstance(other, Value) else Value(other)

        def _rule(self, out, pairs):
            """out._backward: each (child, ∂out/∂child) gets its share of out.grad."""
            if out._op == m.no_rule:
                return

            def _backward():
                seen = []
                for child, local in pairs:
                    if m.repeated_lost and any(child is s for s in seen):
                        continue
                    seen.append(child)
                    amount = local() * (1.0 if m.no_upstream else out.grad)
                    child.grad = amount if m.overwrite else child.grad + amount
            out._backward = _backward

        def __add__(self, other):
            other = self._wrap(other)
            out = Value(self.data + other.data, (self, other), "+")
            self._rule(out, [(self, lambda: 1.0), (other, lambda: 1.0)])
            return out

        def __mul__(self, other):
            other = self._wrap(other)
            out = Value(self.data * other.data, (self, other), "*")
            if m.mul_own_data:
                self._rule(out, [(self, lambda: self.data), (other, lambda: other.data)])
            else:
                self._rule(out, [(self, lambda: other.data), (other, lambda: self.data)])
            return out

        def __pow__(self, n):
            out = Value(self.data ** n, (self,), "**")
            if m.pow_no_minus_one:
                local = lambda: n * self.data ** n  # noqa: E731
            elif m.pow_no_factor:
                local = lambda: self.data ** (n - 1)  # noqa: E731
            else:
                local = lambda: n * self.data ** (n - 1)  # noqa: E731
            self._rule(out, [(self, local)])
            return out

        def exp(self):
            out = Value(math.exp(self.data), (self,), "exp")
            self._rule(out, [(self, lambda: self.data if m.exp_of_input else out.data)])
            return out

        def sigmoid(self):
            a = -self.data if m.sigmoid_sign else self.data
            s = 1.0 / (1.0 + math.exp(-a)) if a >= 0 else math.exp(a) / (1.0 + math.exp(a))
            out = Value(s, (self,), "σ")
            x = (lambda: self.data) if m.sigmoid_of_input else (lambda: out.data)
            self._rule(out, [(self, lambda: x() * (1.0 - x()))])
            return out

        def _divide(self, top, bottom):
            """top / bottom with ∂/∂top = 1/b and ∂/∂bottom = −a/b² (or the mistake)."""
            out = Value(top.data / bottom.data, (top, bottom), "/")
            if m.div_sign:
                rule = lambda: top.data / bottom.data ** 2  # noqa: E731
            elif m.div_inverse:
                rule = lambda: -1.0 / bottom.data ** 2  # noqa: E731
            else:
                rule = lambda: -top.data / bottom.data ** 2  # noqa: E731
            self._rule(out, [(top, lambda: 1.0 / bottom.data), (bottom, rule)])
            return out

        def __neg__(self):
            return self * -1

        def __sub__(self, other):
            return self + (-other)

        def __truediv__(self, other):
            if m.div_sign or m.div_inverse:  # a / b written directly, its rule switched
                return self._divide(self, self._wrap(other))
            return self * other ** -1

        def __radd__(self, other):
            return self + other

        def __rsub__(self, other):
            return self + (-other) if m.rsub_reversed else other + (-self)

        def __rmul__(self, other):
            return self * other

        def __rtruediv__(self, other):
            if m.rtruediv_reversed:
                return self * other ** -1
            if m.div_sign or m.div_inverse:
                return self._divide(self._wrap(other), self)
            return other * self ** -1

        def backward(self):
            if not m.no_seed:
                self.grad = 1.0
            if m.per_path:
                if paths(self) > MAX_PATHS:
                    raise RuntimeError("too many paths to walk")
                stack = [self]
                while stack:  # depth first, a node's rule each time a path reaches it
                    v = stack.pop()
                    v._backward()
                    stack.extend(reversed(v._prev))
                return
            topo, visited = [], set()

            def build_topo(v):
                if v not in visited:
                    visited.add(v)
                    for child in v._prev:
                        build_topo(child)
                    topo.append(v)
            build_topo(self)
            for v in (topo if m.topo_not_reversed else reversed(topo)):
                v._backward()

    return Value


def paths(output) -> int:
    """How many paths lead from ``output`` to the leaves (a per-path walk's work)."""
    count, order, seen, stack = {}, [], set(), [(output, False)]
    while stack:
        v, done = stack.pop()
        if done:
            order.append(v)
        elif id(v) not in seen:
            seen.add(id(v))
            stack.append((v, True))
            stack.extend((c, False) for c in v._prev)
    for v in order:
        count[id(v)] = 1 + sum(count[id(c)] for c in v._prev)
    return count[id(output)]


@dataclass(frozen=True)
class Misconception:
    """A named mistake, the rule it breaks, and its switches."""

    name: str
    rule: str
    mistake: Mistake | DeepMistake = field(default_factory=Mistake)


CATALOGUE = (
    Misconception("the gradient overwritten (=) instead of accumulated (+=)",
                  "a Value used several times gets the sum of its contributions: "
                  "child.grad += ∂out/∂child · out.grad", Mistake(overwrite=True)),
    Misconception("children visited before their parents: the topological order not reversed",
                  "backward runs a node's chain rule only after every node that uses it: "
                  "for v in reversed(topo)", Mistake(topo_not_reversed=True)),
    Misconception("the chain rule run along every path from the output, with no "
                  "topological order",
                  "a node's chain rule runs once, after all of its gradient has arrived: "
                  "topological order", Mistake(per_path=True)),
    Misconception("the output's gradient not seeded with 1",
                  "backward starts with self.grad = 1: ∂f/∂f = 1", Mistake(no_seed=True)),
    Misconception("a Value used twice in one operation gets one contribution instead of two",
                  "in a · a both operands are the same Value, so ∂(a·a)/∂a = 2a: each "
                  "operand adds its share (+=)", Mistake(repeated_lost=True)),
    Misconception("the local derivative not multiplied by out.grad",
                  "the chain rule: child.grad += ∂out/∂child · out.grad",
                  Mistake(no_upstream=True)),
    Misconception("∂(a·b)/∂a taken as a instead of b",
                  "∂(a·b)/∂a = b and ∂(a·b)/∂b = a: each operand gets the other's data",
                  Mistake(mul_own_data=True)),
    Misconception("the power rule written as n·a^n",
                  "∂(a^n)/∂a = n·a^(n−1)", Mistake(pow_no_minus_one=True)),
    Misconception("the power rule without the factor n",
                  "∂(a^n)/∂a = n·a^(n−1)", Mistake(pow_no_factor=True)),
    Misconception("∂e^a/∂a taken as a", "∂e^a/∂a = e^a, which is out.data",
                  Mistake(exp_of_input=True)),
    Misconception("σ'(a) computed as a(1 − a) from the input",
                  "∂σ(a)/∂a = σ(a)(1 − σ(a)), from out.data = σ(a)",
                  Mistake(sigmoid_of_input=True)),
    Misconception("the sign of ∂(a/b)/∂b lost", "∂(a/b)/∂b = −a/b²", Mistake(div_sign=True)),
    Misconception("∂(a/b)/∂b taken as −1/b²", "∂(a/b)/∂b = −a/b²", Mistake(div_inverse=True)),
    Misconception("c − a computed as a − c in __rsub__",
                  "Python calls a.__rsub__(c) for c − a: the number c is on the left",
                  Mistake(rsub_reversed=True)),
    Misconception("c / a computed as a / c in __rtruediv__",
                  "Python calls a.__rtruediv__(c) for c / a: the number c is on top",
                  Mistake(rtruediv_reversed=True)),
    Misconception("the sign of the exponent in σ",
                  "σ(a) = 1 / (1 + e^(−a)): e to the minus a",
                  Mistake(sigmoid_sign=True)),
    Misconception("no chain rule for exp: out._backward never set",
                  "∂e^a/∂a = e^a: a.grad += out.data · out.grad", Mistake(no_rule="exp")),
    Misconception("no chain rule for sigmoid: out._backward never set",
                  "∂σ(a)/∂a = σ(a)(1 − σ(a)): a.grad += out.data (1 − out.data) · out.grad",
                  Mistake(no_rule="σ")),
    Misconception("no chain rule for **: out._backward never set",
                  "∂(a^n)/∂a = n·a^(n−1)", Mistake(no_rule="**")),
)


# ------------------------------------------------------------------ any depth


@dataclass(frozen=True)
class DeepMistake:
    """Switches of backprop_any, each one a single mistake; all off is the reference."""

    no_output_prime: bool = False   # δ^L = a^L − y
    prime_of_a: bool = False        # σ'(a^l) instead of σ'(z^l)
    not_transposed: bool = False    # δ^l = W^(l+1) δ^(l+1) ⊙ σ'(z^l) (square W only)
    no_hidden_prime: bool = False   # δ^l = (W^(l+1))ᵀ δ^(l+1), without σ'(z^l)
    error_sign: bool = False        # δ^L = (y − a^L) ⊙ σ'(z^L)
    factor_two: bool = False        # δ^L = 2 (a^L − y) ⊙ σ'(z^L)
    bp4_transposed: bool = False    # ∂C/∂W^l = a^(l−1) (δ^l)ᵀ (square W only)
    sigmoid_sign: bool = False      # σ(z) = 1 / (1 + e^(+z)), i.e. σ(−z), on every layer


def deep_backprop(m: DeepMistake, x, y, weights, biases):
    """backprop_any with the mistake ``m``: (grads_W, grads_b)."""
    def sigma(z):
        return np.exp(-np.logaddexp(0.0, z if m.sigmoid_sign else -z))

    def prime(z, a):
        s = sigma(a) if m.prime_of_a else sigma(z)
        return s * (1 - s)

    activations, zs = [np.asarray(x, dtype=np.float64)], []
    for W, b in zip(weights, biases):
        zs.append(np.asarray(W) @ activations[-1] + np.asarray(b))
        activations.append(sigma(zs[-1]))
    error = (np.asarray(y) - activations[-1]) if m.error_sign else (activations[-1] - y)
    delta = error if m.no_output_prime else error * prime(zs[-1], activations[-1])
    delta = 2 * delta if m.factor_two else delta
    grads_W, grads_b = [None] * len(weights), [None] * len(weights)
    for i in reversed(range(len(weights))):
        if i < len(weights) - 1:
            W = np.asarray(weights[i + 1])
            back = (W if m.not_transposed else W.T) @ delta
            delta = back if m.no_hidden_prime else back * prime(zs[i], activations[i + 1])
        grads_W[i] = (np.outer(activations[i], delta) if m.bp4_transposed
                      else np.outer(delta, activations[i]))
        grads_b[i] = delta
    return grads_W, grads_b


DEEP_CATALOGUE = (
    Misconception("σ' missing at the output layer", "BP1: δ^L = (a^L − y) ⊙ σ'(z^L)",
                  DeepMistake(no_output_prime=True)),
    Misconception("σ'(a) used instead of σ'(z): σ applied twice",
                  "δ^l uses σ'(z^l) = σ(z^l)(1 − σ(z^l)) = a^l (1 − a^l)",
                  DeepMistake(prime_of_a=True)),
    Misconception("W^(l+1) used instead of (W^(l+1))ᵀ when sending δ back",
                  "BP2: δ^l = (W^(l+1))ᵀ δ^(l+1) ⊙ σ'(z^l)", DeepMistake(not_transposed=True)),
    Misconception("σ'(z^l) missing in the hidden layers",
                  "BP2: δ^l = (W^(l+1))ᵀ δ^(l+1) ⊙ σ'(z^l)", DeepMistake(no_hidden_prime=True)),
    Misconception("the error taken as (y − a^L) instead of (a^L − y)",
                  "BP1: δ^L = (a^L − y) ⊙ σ'(z^L)", DeepMistake(error_sign=True)),
    Misconception("the gradient of C without the ½ (a factor of 2)",
                  "C = ½‖y − a^L‖², so ∂C/∂a^L = a^L − y", DeepMistake(factor_two=True)),
    Misconception("a^(l−1) and δ^l swapped in ∂C/∂W: the gradient is transposed",
                  "BP4: ∂C/∂w^l_jk = a^(l−1)_k δ^l_j", DeepMistake(bp4_transposed=True)),
    Misconception("the sign of the exponent in σ",
                  "σ(z) = 1 / (1 + e^(−z)), so a^l = σ(z^l) on every layer",
                  DeepMistake(sigmoid_sign=True)),
)
