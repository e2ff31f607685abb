import numpy as np
from exercise import load_exercise, step_table

exercise = load_exercise()


def sigmoid(z):
    z = np.asarray(z, dtype=float)
    pos = 1.0 / (1.0 + np.exp(-np.clip(z, -700, 700)))
    return pos


def sigmoid_prime(z):
    s = sigmoid(z)
    return s * (1 - s)


def forward(x, params):
    a1 = np.asarray(x, dtype=float)
    z2 = np.dot(params["W2"], a1) + params["b2"]
    a2 = sigmoid(z2)
    z3 = np.dot(params["W3"], a2) + params["b3"]
    a3 = sigmoid(z3)
    return {"a1": a1, "z2": z2, "a2": a2, "z3": z3, "a3": a3}


def cost(a3, y):
    return 0.5 * np.sum((y - a3) ** 2)


def backward(y, params, cache):
    delta3 = (cache["a3"] - y) * sigmoid_prime(cache["z3"])
    delta2 = np.dot(params["W3"].T, delta3) * sigmoid_prime(cache["z2"])
    # BP4: dC/dw = a_in * delta_out
    dW3 = cache["a2"] * delta3
    dW2 = cache["a1"] * delta2
    return {"delta3": delta3, "delta2": delta2, "W3": dW3, "b3": delta3, "W2": dW2, "b2": delta2}


def update(params, grads, lr):
    return {k: params[k] - lr * grads[k] for k in ["W2", "b2", "W3", "b3"]}


print(step_table(forward, backward, update, cost, exercise))
