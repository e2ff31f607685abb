# Backprop by hand -- my functions as one module (I test them in my own notebook).
import math

import numpy as np


def squash(values):
    """σ of every number in a list, one at a time: 1 / (1 + e^(−v))."""
    out = []
    for v in values:
        out.append(1.0 / (1.0 + math.exp(-v)))
    return out


def sigmoid(z):
    return np.array(squash(list(z)))


def sigmoid_prime(z):
    s = sigmoid(z)
    return s * (1.0 - s)


def forward(x, params):
    a1 = np.array(x, dtype=float)
    z2 = params["W2"] @ a1 + params["b2"]
    a2 = sigmoid(z2)
    z3 = params["W3"] @ a2 + params["b3"]
    a3 = sigmoid(z3)
    return {"a1": a1, "z2": z2, "a2": a2, "z3": z3, "a3": a3}


def cost(a3, y):
    return 0.5 * float(np.sum((np.asarray(y) - a3) ** 2))


def backward(y, params, cache):
    delta3 = (cache["a3"] - y) * sigmoid_prime(cache["z3"])          # BP1
    delta2 = (params["W3"].T @ delta3) * sigmoid_prime(cache["z2"])  # BP2
    return {"delta3": delta3, "delta2": delta2,
            "W3": np.outer(delta3, cache["a2"]), "b3": delta3,       # BP4, BP3
            "W2": np.outer(delta2, cache["a1"]), "b2": delta2}


def update(params, grads, lr):
    return {name: params[name] - lr * grads[name] for name in ("W2", "b2", "W3", "b3")}
