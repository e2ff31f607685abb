# Autodiff exercise, my solution as a script

import math

import numpy as np


class Value:
    """A scalar in a computation graph: .data (float), .grad (float, starts at 0.0).

    An operation makes a new Value ``out`` from its operands (its children, ``_prev``) and
    sets ``out._backward``: the operation's chain rule, which adds
    ``∂out/∂child · out.grad`` to each child's ``.grad`` (``+=``: a Value used several
    times gets every contribution). Numbers on either side are wrapped as Values.
    """

    def __init__(self, data, _children=(), _op=""):
        self.data = data                  # the number this node holds
        self.grad = 0.0                   # ∂f/∂(this node), filled in by f.backward()
        self._backward = lambda: None     # the chain rule of the operation that made it
        self._prev = tuple(_children)     # the Values it was computed from
        self._op = _op                    # that operation's symbol, for the drawings

    def __repr__(self):
        return f"Value(data={self.data!r}, grad={self.grad!r})"

    def __add__(self, other):
        """out = a + b; ∂out/∂a = 1, ∂out/∂b = 1."""
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        """out = a · b; ∂out/∂a = b, ∂out/∂b = a."""
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def __pow__(self, exponent):
        """out = a ** n for a number n (int or float); ∂out/∂a = n · a^(n−1)."""
        assert isinstance(exponent, (int, float)), "only int or float exponents"
        out = Value(self.data ** exponent, (self,), f"**{exponent}")

        def _backward():
            self.grad += exponent * self.data ** (exponent - 1) * out.grad
        out._backward = _backward

    def exp(self):
        """out = e^a; ∂out/∂a = e^a, which is out.data."""
        out = Value(math.exp(self.data), (self,), "exp")

        def _backward():
            self.grad += out.data * out.grad
        out._backward = _backward
        return out

    def sigmoid(self):
        """out = σ(a) = 1 / (1 + e^(−a)); ∂out/∂a = σ(a)(1 − σ(a)), from out.data."""
        if self.data >= 0:
            s = 1.0 / (1.0 + math.exp(-self.data))
        else:  # e^(−a) would overflow for a ≪ 0: σ(a) = e^a / (1 + e^a)
            e = math.exp(self.data)
            s = e / (1.0 + e)
        out = Value(s, (self,), "σ")

        def _backward():
            self.grad += out.data * (1.0 - out.data) * out.grad
        out._backward = _backward
        return out

    def __neg__(self):
        """out = −a; ∂out/∂a = −1 (a · (−1) gives it)."""
        return self * -1

    def __sub__(self, other):
        """out = a − b; ∂out/∂a = 1, ∂out/∂b = −1 (a + (−b) gives both)."""
        return self + (-other)

    def __truediv__(self, other):
        """out = a / b; ∂out/∂a = 1/b, ∂out/∂b = −a/b² (a · b^(−1) gives both)."""
        return self * other ** -1

    def __radd__(self, other):
        """out = c + a for a number c (Python calls this for c + a); ∂out/∂a = 1."""
        return self + other

    def __rsub__(self, other):
        """out = c − a for a number c; ∂out/∂a = −1."""
        return other + (-self)

    def __rmul__(self, other):
        """out = c · a for a number c; ∂out/∂a = c."""
        return self * other

    def __rtruediv__(self, other):
        """out = c / a for a number c; ∂out/∂a = −c/a²."""
        return other * self ** -1

    def backward(self):
        """Topological order, self.grad = 1, then each node's chain rule once, accumulating
        (+=) into its children: a Value used twice gets both contributions."""
        topo, visited = [], set()

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


def network_gradients(x, y, params):
    """The first assignment's 2-2-2 network built from Values (every w^l_jk and b^l_j a
    leaf), C = ½‖y − a³‖², C.backward(); returns {"W2", "b2", "W3", "b3"} as float arrays,
    which must equal backprop's ∂C/∂W and ∂C/∂b."""
    weights = {name: [[Value(float(w)) for w in row] for row in params[name]]
               for name in ("W2", "W3")}
    biases = {name: [Value(float(b)) for b in params[name]] for name in ("b2", "b3")}
    a = [float(v) for v in x]  # a¹ = x: numbers, not leaves
    for layer in (2, 3):  # z^l_j = Σ_k w^l_jk a^(l−1)_k + b^l_j, a^l_j = σ(z^l_j)
        a = [sum((w * a_k for w, a_k in zip(row, a)), b).sigmoid()
             for row, b in zip(weights[f"W{layer}"], biases[f"b{layer}"])]
    C = 0.5 * sum((float(y_j) - a_j) ** 2 for y_j, a_j in zip(y, a))
    C.backward()
    grads = {name: np.array([[w.grad for w in row] for row in rows])
             for name, rows in weights.items()}
    grads.update({name: np.array([b.grad for b in values]) for name, values in biases.items()})
    return {name: grads[name] for name in ("W2", "b2", "W3", "b3")}


def backprop_any(x, y, weights, biases):
    """The lecture's equations for a network of any depth and widths, in NumPy.

    ``weights[i]`` and ``biases[i]`` are W^l and b^l of layer l = i + 2 (W[j, k] = w^l_jk),
    σ on every layer, C = ½‖y − a^L‖². BP1 δ^L = (a^L − y) ⊙ σ'(z^L); BP2
    δ^l = (W^(l+1))ᵀ δ^(l+1) ⊙ σ'(z^l); BP3 ∂C/∂b^l = δ^l; BP4 ∂C/∂W^l = δ^l (a^(l−1))ᵀ.
    Returns (grads_W, grads_b): lists of arrays shaped like weights and biases."""
    def sigma(z):  # σ(z) = 1 / (1 + e^(−z)), as e^(−log(1 + e^(−z))): no overflow
        return np.exp(-np.logaddexp(0.0, -z))

    activations, zs = [np.asarray(x, dtype=np.float64)], []
    for W, b in zip(weights, biases):  # z^l = W^l a^(l−1) + b^l, a^l = σ(z^l)
        zs.append(np.asarray(W) @ activations[-1] + np.asarray(b))
        activations.append(sigma(zs[-1]))
    grads_W, grads_b = [None] * len(weights), [None] * len(weights)
    delta = (activations[-1] - np.asarray(y)) * sigma(zs[-1]) * (1 - sigma(zs[-1]))  # BP1
    for i in reversed(range(len(weights))):
        if i < len(weights) - 1:  # BP2: from layer i + 3 back to layer i + 2
            delta = (np.asarray(weights[i + 1]).T @ delta) * sigma(zs[i]) * (1 - sigma(zs[i]))
        grads_W[i] = np.outer(delta, activations[i])  # BP4
        grads_b[i] = delta  # BP3
    return grads_W, grads_b
