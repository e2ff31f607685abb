from collections import namedtuple

import numpy as np

Pass = namedtuple("Pass", "a1 z2 a2 z3 a3")


def sigmoid(z):
    z = np.asarray(z, dtype=np.float64)
    small = np.exp(-np.abs(z))
    top = np.where(z >= 0, np.ones_like(z), small)
    return top / (1.0 + small)


def sigmoid_prime(z):
    s = sigmoid(z)
    return s * (1.0 - s)


def forward(x, params):
    a1 = np.asarray(x, dtype=np.float64)
    z2 = params["W2"] @ a1 + params["b2"]
    z3 = params["W3"] @ sigmoid(z2) + params["b3"]
    result = Pass(a1=a1, z2=z2, a2=sigmoid(z2), z3=z3, a3=sigmoid(z3))
    return result._asdict()


def cost(a3, y):
    return float(np.square(np.asarray(y, float) - a3).sum() * 0.5)


def backward(y, params, cache):
    p = Pass(**{f: cache[f] for f in Pass._fields})
    d_out = (p.a3 - y) * sigmoid_prime(p.z3)
    d_hid = (d_out @ params["W3"]) * sigmoid_prime(p.z2)  # row vector times W3 = W3ᵀ δ³
    Grads = namedtuple("Grads", "delta3 delta2 W3 b3 W2 b2")
    g = Grads(d_out, d_hid, np.outer(d_out, p.a2), d_out, np.outer(d_hid, p.a1), d_hid)
    return dict(g._asdict())


def update(params, grads, lr):
    Params = namedtuple("Params", "W2 b2 W3 b3")
    old = Params(**{k: params[k] for k in Params._fields})
    return Params(*(w - lr * grads[name] for name, w in zip(Params._fields, old)))._asdict()
