import math


def _sig(v):
    if v >= 0:
        return 1.0 / (1.0 + math.exp(-v))
    e = math.exp(v)
    return e / (1.0 + e)


def sigmoid(z):
    try:
        return [sigmoid(v) for v in z]
    except TypeError:
        return _sig(float(z))


def sigmoid_prime(z):
    try:
        return [sigmoid_prime(v) for v in z]
    except TypeError:
        s = _sig(float(z))
        return s * (1.0 - s)


def _affine(W, a, b):
    return [math.fsum(float(w) * float(x) for w, x in zip(row, a)) + float(bj)
            for row, bj in zip(W, b)]


def forward(x, params):
    a1 = [float(v) for v in x]
    z2 = _affine(params["W2"], a1, params["b2"])
    a2 = sigmoid(z2)
    z3 = _affine(params["W3"], a2, params["b3"])
    return {"a1": a1, "z2": z2, "a2": a2, "z3": z3, "a3": sigmoid(z3)}


def cost(a3, y):
    return 0.5 * math.fsum((float(t) - float(o)) ** 2 for t, o in zip(y, a3))


def backward(y, params, cache):
    d3 = [(float(o) - float(t)) * sp for o, t, sp in
          zip(cache["a3"], y, sigmoid_prime(cache["z3"]))]
    W3 = [[float(w) for w in row] for row in params["W3"]]
    cols = range(len(W3[0]))
    d2 = [math.fsum(W3[j][k] * d3[j] for j in range(len(d3))) * sp
          for k, sp in zip(cols, sigmoid_prime(cache["z2"]))]
    outer = lambda d, a: [[dj * float(ak) for ak in a] for dj in d]  # noqa: E731
    return {"delta3": d3, "delta2": d2, "W3": outer(d3, cache["a2"]), "b3": list(d3),
            "W2": outer(d2, cache["a1"]), "b2": list(d2)}


def _minus(p, g, lr):
    try:
        return [_minus(pi, gi, lr) for pi, gi in zip(p, g)]
    except TypeError:
        return float(p) - lr * float(g)


def update(params, grads, lr):
    return {k: _minus(params[k], grads[k], lr) for k in ("W2", "b2", "W3", "b3")}
