from functools import reduce

import numpy as np

KEYS = ("W2", "b2", "W3", "b3")


def sigmoid(z):
    return np.exp(-np.logaddexp(0.0, np.negative(z)))


def sigmoid_prime(z):
    return np.exp(-np.logaddexp(0.0, np.negative(z)) - np.logaddexp(0.0, z))


def _layer(a, Wb):
    W, b = Wb
    z = W @ a + b
    return z, sigmoid(z)


def forward(x, params):
    a1 = np.asarray(x, dtype=np.float64)
    pairs = zip((params["W2"], params["W3"]), (params["b2"], params["b3"]))
    steps = reduce(lambda acc, Wb: acc + [_layer(acc[-1][1], Wb)], pairs, [(None, a1)])
    (_, a1), (z2, a2), (z3, a3) = steps
    return dict(zip(("a1", "z2", "a2", "z3", "a3"), (a1, z2, a2, z3, a3)))


def cost(a3, y):
    return 0.5 * sum(map(lambda p: (p[0] - p[1]) ** 2, zip(a3, y)))


def backward(y, params, cache):
    d3 = (cache["a3"] - y) * sigmoid_prime(cache["z3"])
    d2 = np.array([sum(w * d for w, d in zip(col, d3)) for col in params["W3"].T])
    d2 = d2 * sigmoid_prime(cache["z2"])
    gW = lambda d, a: np.array([[dj * ak for ak in a] for dj in d])  # noqa: E731
    return dict(delta3=d3, delta2=d2, W3=gW(d3, cache["a2"]), b3=d3,
                W2=gW(d2, cache["a1"]), b2=d2)


def update(params, grads, lr):
    return dict(zip(KEYS, map(lambda k: params[k] - lr * grads[k], KEYS)))
