import numpy as np


class Layer:
    """One dense sigmoid layer: z = W a + b, a' = σ(z)."""

    def __init__(self, W, b):
        self.W = np.asarray(W, dtype=np.float64)
        self.b = np.asarray(b, dtype=np.float64)

    def pre_activation(self, a_in):
        return self.W.dot(a_in) + self.b

    def error_below(self, delta, z_below):
        return self.W.T.dot(delta) * sigmoid_prime(z_below)

    def weight_gradient(self, delta, a_in):
        return np.multiply.outer(delta, a_in)


def sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=np.float64)))


def sigmoid_prime(z):
    t = np.tanh(0.5 * np.asarray(z, dtype=np.float64))
    return 0.25 * (1.0 - t * t)


def _layers(params):
    return Layer(params["W2"], params["b2"]), Layer(params["W3"], params["b3"])


def forward(x, params):
    hidden, output = _layers(params)
    a1 = np.asarray(x, dtype=np.float64)
    z2 = hidden.pre_activation(a1)
    a2 = sigmoid(z2)
    z3 = output.pre_activation(a2)
    return dict(a1=a1, z2=z2, a2=a2, z3=z3, a3=sigmoid(z3))


def cost(a3, y):
    r = np.asarray(a3) - np.asarray(y)
    return 0.5 * float(r @ r)


def backward(y, params, cache):
    hidden, output = _layers(params)
    d3 = (cache["a3"] - np.asarray(y)) * sigmoid_prime(cache["z3"])
    d2 = output.error_below(d3, cache["z2"])
    return dict(delta3=d3, delta2=d2,
                W3=output.weight_gradient(d3, cache["a2"]), b3=d3,
                W2=hidden.weight_gradient(d2, cache["a1"]), b2=d2)


def update(params, grads, lr):
    result = dict(params)
    for key in result:
        result[key] = result[key] - lr * grads[key]
    return result
