import numpy as np


def sigmoid(z):
    z = np.asarray(z, dtype=np.float64)
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-z))


def sigmoid_prime(z):
    value = sigmoid(z)
    return value * (1 - value)


def layers(params):
    """(number, W, b) of each layer after the input, in order."""
    number = 2
    while f"W{number}" in params:
        yield number, params[f"W{number}"], params[f"b{number}"]
        number += 1


def forward(x, params):
    cache = {"a1": np.asarray(x, dtype=np.float64)}
    a = cache["a1"]
    for number, W, b in layers(params):
        z = W @ a + b
        a = sigmoid(z)
        cache[f"z{number}"], cache[f"a{number}"] = z, a
    return cache


def cost(a3, y):
    return 0.5 * sum(float(e) ** 2 for e in np.asarray(a3) - np.asarray(y))


def backward(y, params, cache):
    found = list(layers(params))
    last = found[-1][0]
    delta = (cache[f"a{last}"] - y) * sigmoid_prime(cache[f"z{last}"])
    grads = {}
    for number, W, _ in reversed(found):
        grads[f"delta{number}"] = delta
        grads[f"b{number}"] = delta
        grads[f"W{number}"] = np.outer(delta, cache[f"a{number - 1}"])
        if number > 2:
            delta = (W.T @ delta) * sigmoid_prime(cache[f"z{number - 1}"])
    return grads


def update(params, grads, lr):
    new = {}
    for number, W, b in layers(params):
        new[f"W{number}"] = W - lr * grads[f"W{number}"]
        new[f"b{number}"] = b - lr * grads[f"b{number}"]
    return new
