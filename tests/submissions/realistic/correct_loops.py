# Backprop assignment
# I did everything with for loops first so I understand the indices.
# w^l_jk = W[j, k] = weight from neuron k in layer l-1 to neuron j in layer l

import math

import numpy as np
from exercise import draw_network, load_exercise, step_table

exercise = load_exercise()


def sigmoid(z):
    z = np.asarray(z, dtype=float)
    out = np.zeros(len(z))
    for i in range(len(z)):
        if z[i] >= 0:
            out[i] = 1.0 / (1.0 + math.exp(-z[i]))
        else:
            # math.exp(-z) overflows for z = -1000, so use e^z / (1 + e^z) here
            e = math.exp(z[i])
            out[i] = e / (1.0 + e)
    return out


def sigmoid_prime(z):
    s = sigmoid(z)
    out = np.zeros(len(s))
    for i in range(len(s)):
        out[i] = s[i] * (1 - s[i])
    return out


def forward(x, params):
    W2, b2 = params["W2"], params["b2"]
    W3, b3 = params["W3"], params["b3"]
    a1 = np.array(x, dtype=float)

    # hidden layer: z^2_j = sum_k w^2_jk a^1_k + b^2_j
    z2 = np.zeros(W2.shape[0])
    for j in range(W2.shape[0]):
        total = 0.0
        for k in range(W2.shape[1]):
            total += W2[j, k] * a1[k]
        z2[j] = total + b2[j]
    a2 = sigmoid(z2)

    # output layer
    z3 = np.zeros(W3.shape[0])
    for j in range(W3.shape[0]):
        total = 0.0
        for k in range(W3.shape[1]):
            total += W3[j, k] * a2[k]
        z3[j] = total + b3[j]
    a3 = sigmoid(z3)

    return {"a1": a1, "z2": z2, "a2": a2, "z3": z3, "a3": a3}


def cost(a3, y):
    C = 0.0
    for j in range(len(y)):
        C += (y[j] - a3[j]) ** 2
    return 0.5 * C


def backward(y, params, cache):
    W3 = params["W3"]
    a1, z2, a2 = cache["a1"], cache["z2"], cache["a2"]
    z3, a3 = cache["z3"], cache["a3"]
    n1, n2, n3 = len(a1), len(a2), len(a3)

    # BP1
    sp3 = sigmoid_prime(z3)
    delta3 = np.zeros(n3)
    for j in range(n3):
        delta3[j] = (a3[j] - y[j]) * sp3[j]

    # BP2: delta^2_j = sum_k w^3_kj delta^3_k * sigma'(z^2_j)   (note w^3_kj, not w^3_jk!)
    sp2 = sigmoid_prime(z2)
    delta2 = np.zeros(n2)
    for j in range(n2):
        s = 0.0
        for k in range(n3):
            s += W3[k, j] * delta3[k]
        delta2[j] = s * sp2[j]

    # BP4: dC/dw^l_jk = a^(l-1)_k delta^l_j
    dW3 = np.zeros((n3, n2))
    for j in range(n3):
        for k in range(n2):
            dW3[j, k] = a2[k] * delta3[j]
    dW2 = np.zeros((n2, n1))
    for j in range(n2):
        for k in range(n1):
            dW2[j, k] = a1[k] * delta2[j]

    # BP3: dC/db = delta
    return {"delta3": delta3, "delta2": delta2,
            "W3": dW3, "b3": delta3.copy(), "W2": dW2, "b2": delta2.copy()}


def update(params, grads, lr):
    new = {}
    for name in ["W2", "b2", "W3", "b3"]:
        new[name] = params[name] - lr * grads[name]
    return new


print(step_table(forward, backward, update, cost, exercise))
