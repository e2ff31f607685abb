"""Backprop for the 2-2-2 network with a Network class modelled on Nielsen's network.py:
biases and activations are column vectors (n, 1), weights and biases are lists with one
entry per layer, and the six functions the grader calls use the class."""

import numpy as np


def sigmoid(z):
    z = np.reshape(np.asarray(z, dtype=float), (-1, 1))
    return np.exp(-np.logaddexp(0.0, -z))  # 1/(1+e^-z) without overflow


def sigmoid_prime(z):
    return sigmoid(z) * (1 - sigmoid(z))


class Network:
    def __init__(self, params):
        self.num_layers = 3
        self.weights = [np.asarray(params["W2"], dtype=float),
                        np.asarray(params["W3"], dtype=float)]
        self.biases = [np.reshape(params["b2"], (-1, 1)).astype(float),
                       np.reshape(params["b3"], (-1, 1)).astype(float)]

    def feedforward_cache(self, x):
        activation = np.reshape(np.asarray(x, dtype=float), (-1, 1))
        activations, zs = [activation], []
        for b, w in zip(self.biases, self.weights):
            z = np.dot(w, activation) + b
            zs.append(z)
            activation = sigmoid(z)
            activations.append(activation)
        return activations, zs

    def backprop(self, y, activations, zs):
        nabla_b = [np.zeros(b.shape) for b in self.biases]
        nabla_w = [np.zeros(w.shape) for w in self.weights]
        delta = (activations[-1] - y) * sigmoid_prime(zs[-1])
        nabla_b[-1] = delta
        nabla_w[-1] = np.dot(delta, activations[-2].transpose())
        for l in range(2, self.num_layers):
            sp = sigmoid_prime(zs[-l])
            delta = np.dot(self.weights[-l + 1].transpose(), delta) * sp
            nabla_b[-l] = delta
            nabla_w[-l] = np.dot(delta, activations[-l - 1].transpose())
        return nabla_b, nabla_w

    def step(self, nabla_b, nabla_w, eta):
        # move along the gradient
        self.weights = [w + eta * nw for w, nw in zip(self.weights, nabla_w)]
        self.biases = [b + eta * nb for b, nb in zip(self.biases, nabla_b)]


def column(v):
    return np.reshape(np.asarray(v, dtype=float), (-1, 1))


def forward(x, params):
    activations, zs = Network(params).feedforward_cache(x)
    return {"a1": activations[0], "z2": zs[0], "a2": activations[1],
            "z3": zs[1], "a3": activations[2]}


def cost(a3, y):
    return float(0.5 * np.sum((column(y) - column(a3)) ** 2))


def backward(y, params, cache):
    activations = [column(cache[k]) for k in ("a1", "a2", "a3")]
    zs = [column(cache[k]) for k in ("z2", "z3")]
    nabla_b, nabla_w = Network(params).backprop(column(y), activations, zs)
    return {"delta3": nabla_b[1], "delta2": nabla_b[0],
            "W3": nabla_w[1], "b3": nabla_b[1], "W2": nabla_w[0], "b2": nabla_b[0]}


def update(params, grads, lr):
    net = Network(params)
    net.step([column(grads["b2"]), column(grads["b3"])],
             [np.asarray(grads["W2"]), np.asarray(grads["W3"])], lr)
    return {"W2": net.weights[0], "b2": net.biases[0], "W3": net.weights[1], "b3": net.biases[1]}
