import numpy as np


def sigmoid(z):
    z = np.asarray(z, dtype=np.float64)
    return np.exp(np.minimum(z, 0)) / (np.exp(np.minimum(z, 0)) + np.exp(-np.maximum(z, 0)))


def sigmoid_prime(z):
    s = sigmoid(z)
    return s * (1 - s)


def col(v):
    return np.asarray(v, dtype=np.float64).reshape(-1, 1)


def row(v):
    return np.asarray(v, dtype=np.float64).reshape(1, -1)


def forward(x, params):
    a1 = col(x)
    z2 = params["W2"].dot(a1) + col(params["b2"])
    a2 = sigmoid(z2)
    z3 = params["W3"].dot(a2) + col(params["b3"])
    a3 = sigmoid(z3)
    return {name: value.ravel() for name, value in
            (("a1", a1), ("z2", z2), ("a2", a2), ("z3", z3), ("a3", a3))}


def cost(a3, y):
    d = col(a3) - col(y)
    return 0.5 * d.T.dot(d).item()


def backward(y, params, cache):
    d3 = (col(cache["a3"]) - col(y)) * sigmoid_prime(col(cache["z3"]))
    d2 = params["W3"].T.dot(d3) * sigmoid_prime(col(cache["z2"]))
    return {"delta3": d3.ravel(), "delta2": d2.ravel(),
            "W3": d3.dot(row(cache["a2"])), "b3": d3.ravel(),
            "W2": d2.dot(row(cache["a1"])), "b2": d2.ravel()}


def update(params, grads, lr):
    fresh = {}
    for k in ("W2", "W3"):
        fresh[k] = params[k] - lr * grads[k]
    for k in ("b2", "b3"):
        fresh[k] = params[k] - lr * np.ravel(grads[k])
    return fresh
