import math

import numpy as np


def sigmoid(z):
    arr = np.asarray(z, dtype=np.float64)
    flat = [1 / (1 + math.exp(-v)) if v >= 0 else math.exp(v) / (1 + math.exp(v))
            for v in arr.ravel()]
    return np.array(flat).reshape(arr.shape)


def sigmoid_prime(z):
    s = sigmoid(z)
    return s * (1 - s)


def as_layers(params):
    """{"W2", "b2", "W3", "b3"} -> {2: {"W", "b"}, 3: {"W", "b"}}"""
    return {layer: {"W": params["W%d" % layer], "b": params["b%d" % layer]}
            for layer in (2, 3)}


def forward(x, params):
    net = as_layers(params)
    state = {"a1": np.asarray(x, dtype=np.float64)}
    for layer in (2, 3):
        prev = state["a%d" % (layer - 1)]
        state["z%d" % layer] = net[layer]["W"] @ prev + net[layer]["b"]
        state["a%d" % layer] = sigmoid(state["z%d" % layer])
    return state


def cost(a3, y):
    return sum(0.5 * (yj - aj) ** 2 for yj, aj in zip(np.ravel(y), np.ravel(a3)))


def backward(y, params, cache):
    net = as_layers(params)
    delta = {3: (cache["a3"] - y) * sigmoid_prime(cache["z3"])}
    delta[2] = (net[3]["W"].T @ delta[3]) * sigmoid_prime(cache["z2"])
    grads = {}
    for layer in (3, 2):
        grads["delta%d" % layer] = delta[layer]
        grads["b%d" % layer] = delta[layer]
        grads["W%d" % layer] = np.outer(delta[layer], cache["a%d" % (layer - 1)])
    return grads


def update(params, grads, lr):
    net = as_layers(params)
    new = {}
    for layer, p in net.items():
        new["W%d" % layer] = p["W"] - lr * grads["W%d" % layer]
        new["b%d" % layer] = p["b"] - lr * grads["b%d" % layer]
    return new
