import numpy as np


def sigmoid(z):
    return np.where(z >= 0, 1 / (1 + np.exp(-np.abs(z))), np.exp(-np.abs(z)) / (1 + np.exp(-np.abs(z))))


def sigmoid_prime(z):
    s = sigmoid(z)
    return s * (1 + s)


def forward(x, params):
    z2 = params["W2"] @ x + params["b2"]
    a2 = sigmoid(z2)
    z3 = params["W3"] @ a2 + params["b3"]
    a3 = sigmoid(z3)
    return {"a1": x, "z2": z2, "a2": a2, "z3": z3, "a3": a3}


def cost(a3, y):
    return 0.5 * np.sum(np.square(y - a3))


def backward(y, params, cache):
    delta3 = (cache["a3"] - y) * sigmoid_prime(cache["z3"])
    delta2 = params["W3"].T @ delta3 * sigmoid_prime(cache["z2"])
    return {
        "delta3": delta3,
        "delta2": delta2,
        "W3": np.outer(delta3, cache["a2"]),
        "b3": delta3,
        "W2": np.outer(delta2, cache["a1"]),
        "b2": delta2,
    }


def update(params, grads, lr):
    out = {}
    for p in ["W2", "b2", "W3", "b3"]:
        out[p] = params[p] - lr * grads[p]
    return out
