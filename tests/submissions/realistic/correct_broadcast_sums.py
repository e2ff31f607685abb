import numpy as np


def sigmoid(z):
    z = np.asarray(z, dtype=np.float64)
    return 1.0 / (1.0 + np.exp(-z)) if np.all(z > -700) else np.exp(-np.logaddexp(0, -z))


def sigmoid_prime(z):
    s = sigmoid(z)
    return s * (1 - s)


def forward(x, params):
    # each row of W times the input, summed along the row
    a1 = np.asarray(x, dtype=np.float64)
    z2 = (params["W2"] * a1[np.newaxis, :]).sum(axis=1) + params["b2"]
    a2 = sigmoid(z2)
    z3 = (params["W3"] * a2[np.newaxis, :]).sum(axis=1) + params["b3"]
    a3 = sigmoid(z3)
    return {"a1": a1, "z2": z2, "a2": a2, "z3": z3, "a3": a3}


def cost(a3, y):
    return 0.5 * ((np.asarray(a3) - np.asarray(y)) ** 2).sum()


def backward(y, params, cache):
    delta3 = (cache["a3"] - y) * sigmoid_prime(cache["z3"])
    # column k of W3 weighted by delta3, summed over j
    delta2 = (params["W3"] * delta3[:, np.newaxis]).sum(axis=0) * sigmoid_prime(cache["z2"])
    grad_W3 = np.tile(cache["a2"], (delta3.size, 1)) * delta3[:, np.newaxis]
    grad_W2 = np.tile(cache["a1"], (delta2.size, 1)) * delta2[:, np.newaxis]
    return {"delta3": delta3, "delta2": delta2, "W3": grad_W3, "b3": delta3,
            "W2": grad_W2, "b2": delta2}


def update(params, grads, lr):
    return {name: np.copy(params[name]) - lr * np.asarray(grads[name]) for name in params}
