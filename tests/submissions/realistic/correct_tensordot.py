import numpy as np


def sigmoid(z):
    z = np.asarray(z, dtype=np.float64)
    return 0.5 + 0.5 * np.tanh(z / 2)


def sigmoid_prime(z):
    return sigmoid(z) * (1 - sigmoid(z))


def forward(x, params):
    a1 = np.asarray(x, dtype=np.float64)
    z2 = np.tensordot(params["W2"], a1, axes=1) + params["b2"]
    a2 = sigmoid(z2)
    z3 = np.tensordot(params["W3"], a2, axes=1) + params["b3"]
    a3 = sigmoid(z3)
    return {"a1": a1, "z2": z2, "a2": a2, "z3": z3, "a3": a3}


def cost(a3, y):
    r = np.asarray(y, dtype=np.float64) - a3
    return 0.5 * np.inner(r, r)


def backward(y, params, cache):
    delta3 = (cache["a3"] - y) * sigmoid_prime(cache["z3"])
    delta2 = np.tensordot(delta3, params["W3"], axes=([0], [0])) * sigmoid_prime(cache["z2"])
    return {
        "delta3": delta3,
        "b3": delta3,
        "W3": np.tensordot(delta3, cache["a2"], axes=0),
        "delta2": delta2,
        "b2": delta2,
        "W2": np.tensordot(delta2, cache["a1"], axes=0),
    }


def update(params, grads, lr):
    return {k: np.add(params[k], -lr * grads[k]) for k in ("W2", "b2", "W3", "b3")}
