import numpy as np


def sigmoid(z):
    z = np.asarray(z, dtype=np.float64)
    return np.reciprocal(1.0 + np.exp(-np.clip(z, -709.0, 709.0)))


def sigmoid_prime(z):
    s = sigmoid(z)
    return s * (1.0 - s)


def layer(W, b, a):
    n_out, n_in = W.shape
    z = np.zeros(n_out)
    j = 0
    while j < n_out:
        total = b[j]
        k = 0
        while k < n_in:
            total += W[j, k] * a[k]
            k += 1
        z[j] = total
        j += 1
    return z


def forward(x, params):
    a1 = np.asarray(x, dtype=np.float64)
    z2 = layer(params["W2"], params["b2"], a1)
    a2 = sigmoid(z2)
    z3 = layer(params["W3"], params["b3"], a2)
    return {"a1": a1, "z2": z2, "a2": a2, "z3": z3, "a3": sigmoid(z3)}


def cost(a3, y):
    c, j = 0.0, 0
    while j < len(y):
        c += 0.5 * (y[j] - a3[j]) ** 2
        j += 1
    return c


def backward(y, params, cache):
    W3 = params["W3"]
    d3 = (cache["a3"] - y) * sigmoid_prime(cache["z3"])
    sp2 = sigmoid_prime(cache["z2"])
    d2 = np.zeros(W3.shape[1])
    k = 0
    while k < W3.shape[1]:
        d2[k] = sum(W3[j, k] * d3[j] for j in range(W3.shape[0])) * sp2[k]
        k += 1
    g3 = np.zeros(W3.shape)
    g2 = np.zeros(params["W2"].shape)
    for g, d, a in ((g3, d3, cache["a2"]), (g2, d2, cache["a1"])):
        j = 0
        while j < g.shape[0]:
            g[j, :] = d[j] * a
            j += 1
    return {"delta3": d3, "delta2": d2, "W3": g3, "b3": d3, "W2": g2, "b2": d2}


def update(params, grads, lr):
    out = {}
    for name in params:
        out[name] = params[name] - lr * grads[name]
    return out
