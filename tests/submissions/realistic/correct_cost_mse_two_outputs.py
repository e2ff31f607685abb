import numpy as np
from exercise import load_exercise, step_table

exercise = load_exercise()


def sigmoid(z):
    z = np.clip(z, -500, 500)   # avoid overflow in exp
    return 1 / (1 + np.exp(-z))


def sigmoid_prime(z):
    s = sigmoid(z)
    return s * (1 - s)


def forward(x, params):
    z2 = params["W2"].dot(x) + params["b2"]
    a2 = sigmoid(z2)
    z3 = params["W3"].dot(a2) + params["b3"]
    a3 = sigmoid(z3)
    return {"a1": x, "z2": z2, "a2": a2, "z3": z3, "a3": a3}


def cost(a3, y):
    # mean squared error (with two outputs the mean is the same as 1/2 * sum)
    return np.mean((y - a3) ** 2)


def backward(y, params, cache):
    delta3 = (cache["a3"] - y) * sigmoid_prime(cache["z3"])
    delta2 = params["W3"].T.dot(delta3) * sigmoid_prime(cache["z2"])
    grads = {}
    grads["delta3"] = delta3
    grads["delta2"] = delta2
    grads["W3"] = np.outer(delta3, cache["a2"])
    grads["b3"] = delta3
    grads["W2"] = np.outer(delta2, cache["a1"])
    grads["b2"] = delta2
    return grads


def update(params, grads, lr):
    return {name: params[name] - lr * grads[name] for name in params}


print(step_table(forward, backward, update, cost, exercise))
