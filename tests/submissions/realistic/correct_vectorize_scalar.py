import math

import numpy as np


@np.vectorize
def sigmoid(z):
    z = float(z)
    if z < -30:
        return math.exp(z)  # 1 + e^z is 1 to double precision here
    return 1.0 / (1.0 + math.exp(-z))


@np.vectorize
def sigmoid_prime(z):
    s = float(sigmoid(z))
    return s * (1.0 - s)


def forward(x, params):
    a1 = np.asarray(x, dtype=np.float64)
    z2 = params["W2"] @ a1 + params["b2"]
    a2 = sigmoid(z2).astype(np.float64)
    z3 = params["W3"] @ a2 + params["b3"]
    a3 = sigmoid(z3).astype(np.float64)
    return {"a1": a1, "z2": z2, "a2": a2, "z3": z3, "a3": a3}


def cost(a3, y):
    squares = np.vectorize(lambda o, t: (o - t) ** 2)(a3, y)
    return 0.5 * float(np.sum(squares))


def backward(y, params, cache):
    d3 = (cache["a3"] - y) * sigmoid_prime(cache["z3"])
    d2 = (params["W3"].T @ d3) * sigmoid_prime(cache["z2"])
    bp4 = np.vectorize(lambda dj, ak: dj * ak)
    return {"delta3": d3, "delta2": d2,
            "W3": bp4(d3[:, None], cache["a2"][None, :]), "b3": d3,
            "W2": bp4(d2[:, None], cache["a1"][None, :]), "b2": d2}


def update(params, grads, lr):
    step = np.vectorize(lambda p, g: p - lr * g)
    return {k: step(params[k], grads[k]) for k in params}
