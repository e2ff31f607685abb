import numpy as np


def sigmoid(z):
    z = np.clip(np.asarray(z, dtype=np.float64), -500, 500)
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_prime(z):
    sz = sigmoid(z)
    return sz - sz * sz


def forward(x, params):
    a1 = np.array(x, dtype=np.float64)
    z2 = np.dot(params["W2"], a1) + params["b2"]
    a2 = sigmoid(z2)
    z3 = np.dot(params["W3"], a2) + params["b3"]
    return {"a1": a1, "z2": z2, "a2": a2, "z3": z3, "a3": sigmoid(z3)}


def cost(a3, y):
    diff = np.subtract(y, a3)
    return 0.5 * np.dot(diff, diff)


def backward(y, params, cache):
    err_out = np.subtract(cache["a3"], y) * sigmoid_prime(cache["z3"])
    back = np.dot(np.transpose(params["W3"]), err_out)
    err_hid = back * sigmoid_prime(cache["z2"])
    out = {"delta3": err_out, "delta2": err_hid}
    out["W3"] = np.outer(err_out, cache["a2"])
    out["W2"] = np.outer(err_hid, cache["a1"])
    out["b3"] = err_out.copy()
    out["b2"] = err_hid.copy()
    return out


def update(params, grads, lr):
    stepped = {}
    for key in ["W2", "b2", "W3", "b3"]:
        stepped[key] = np.subtract(params[key], np.multiply(lr, grads[key]))
    return stepped
