#!/usr/bin/env python
# coding: utf-8


# # Backprop, the way Nielsen's network.py does it
# Column vectors (n, 1) everywhere, weights and biases as lists, one loop per pass.
# BP2: delta^l = w^(l+1) delta^(l+1) * sigma'(z^l), the weights of the next layer.


# In[1]:

import numpy as np
from exercise import load_exercise, step_table

exercise = load_exercise()


def col(v):
    """a vector as a column (n, 1), like the biases in network.py"""
    return np.reshape(np.asarray(v, dtype=float), (-1, 1))



# In[2]:

def sigmoid(z):
    """The sigmoid function (network.py), elementwise on a column."""
    return 1.0 / (1.0 + np.exp(-col(z)))


def sigmoid_prime(z):
    """Derivative of the sigmoid function."""
    return sigmoid(z) * (1 - sigmoid(z))



# In[3]:

def forward(x, params):
    weights = [params["W2"], params["W3"]]
    biases = [col(params["b2"]), col(params["b3"])]
    activation = col(x)
    activations = [activation]  # list to store all the activations, layer by layer
    zs = []  # list to store all the z vectors, layer by layer
    for b, w in zip(biases, weights):
        z = np.dot(w, activation) + b
        zs.append(z)
        activation = sigmoid(z)
        activations.append(activation)
    return {"a1": activations[0], "z2": zs[0], "a2": activations[1],
            "z3": zs[1], "a3": activations[2]}



# In[4]:

def cost(a3, y):
    return 0.5 * np.linalg.norm(col(a3) - col(y)) ** 2


def cost_derivative(output_activations, y):
    """dC/da for the output activations."""
    return output_activations - y



# In[5]:

def backward(y, params, cache):
    weights = [params["W2"], params["W3"]]
    activations = [col(cache["a1"]), col(cache["a2"]), col(cache["a3"])]
    zs = [col(cache["z2"]), col(cache["z3"])]
    nabla_b = [None, None]
    nabla_w = [None, None]
    # backward pass
    delta = cost_derivative(activations[-1], col(y)) * sigmoid_prime(zs[-1])
    nabla_b[-1] = delta
    nabla_w[-1] = np.dot(delta, activations[-2].transpose())
    for l in range(2, 3):  # num_layers = 3
        z = zs[-l]
        sp = sigmoid_prime(z)
        delta = np.dot(weights[-l + 1], delta) * sp
        nabla_b[-l] = delta
        nabla_w[-l] = np.dot(delta, activations[-l - 1].transpose())
    return {"delta3": nabla_b[1], "delta2": nabla_b[0],
            "W3": nabla_w[1], "b3": nabla_b[1], "W2": nabla_w[0], "b2": nabla_b[0]}



# In[6]:

def update(params, grads, lr):
    weights = [params["W2"], params["W3"]]
    biases = [col(params["b2"]), col(params["b3"])]
    nabla_w = [np.asarray(grads["W2"]), np.asarray(grads["W3"])]
    nabla_b = [col(grads["b2"]), col(grads["b3"])]
    weights = [w - lr * nw for w, nw in zip(weights, nabla_w)]
    biases = [b - lr * nb for b, nb in zip(biases, nabla_b)]
    return {"W2": weights[0], "b2": biases[0], "W3": weights[1], "b3": biases[1]}



# In[7]:

print(step_table(forward, backward, update, cost, exercise))

