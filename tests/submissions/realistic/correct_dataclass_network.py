from dataclasses import dataclass, field

import numpy as np


def sigmoid(z):
    z = np.asarray(z, dtype=np.float64)
    return np.piecewise(z, [z >= 0, z < 0],
                        [lambda t: 1 / (1 + np.exp(-t)), lambda t: np.exp(t) / (1 + np.exp(t))])


def sigmoid_prime(z):
    s = sigmoid(z)
    return s * (1 - s)


@dataclass
class TwoLayerNet:
    W2: np.ndarray
    b2: np.ndarray
    W3: np.ndarray
    b3: np.ndarray
    trace: dict = field(default_factory=dict)

    @classmethod
    def of(cls, params):
        return cls(*(np.asarray(params[k], dtype=np.float64) for k in ("W2", "b2", "W3", "b3")))

    def run(self, x):
        t = self.trace
        t["a1"] = np.asarray(x, dtype=np.float64)
        t["z2"] = self.W2 @ t["a1"] + self.b2
        t["a2"] = sigmoid(t["z2"])
        t["z3"] = self.W3 @ t["a2"] + self.b3
        t["a3"] = sigmoid(t["z3"])
        return t

    def errors(self, y, cache):
        e3 = (cache["a3"] - y) * sigmoid_prime(cache["z3"])
        return e3, self.W3.T @ e3 * sigmoid_prime(cache["z2"])


def forward(x, params):
    return dict(TwoLayerNet.of(params).run(x))


def cost(a3, y):
    return 0.5 * float(np.vdot(a3 - np.asarray(y), a3 - np.asarray(y)))


def backward(y, params, cache):
    e3, e2 = TwoLayerNet.of(params).errors(y, cache)
    return {"delta3": e3, "delta2": e2, "b3": e3, "b2": e2,
            "W3": e3[:, None] * cache["a2"], "W2": e2[:, None] * cache["a1"]}


def update(params, grads, lr):
    net = TwoLayerNet.of(params)
    for k in ("W2", "b2", "W3", "b3"):
        setattr(net, k, getattr(net, k) - lr * grads[k])
    return {k: getattr(net, k) for k in ("W2", "b2", "W3", "b3")}
