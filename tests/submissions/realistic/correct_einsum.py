# %%
import numpy as np
from exercise import draw_network, load_exercise, step_table

exercise = load_exercise()

# %% [markdown]
# Everything with `np.einsum`, indices named like the lecture: j = neuron in layer l, k = neuron in layer l-1.

# %%
def sigmoid(z):
    z = np.asarray(z, dtype=np.float64)
    # e^(-log(1 + e^(-z))) = 1 / (1 + e^(-z)), logaddexp never overflows
    return np.exp(-np.logaddexp(0.0, -z))

def sigmoid_prime(z):
    s = sigmoid(z)
    return s - s**2

# %%
def forward(x, params):
    a1 = np.asarray(x, dtype=np.float64)
    z2 = np.einsum("jk,k->j", params["W2"], a1) + params["b2"]
    a2 = sigmoid(z2)
    z3 = np.einsum("jk,k->j", params["W3"], a2) + params["b3"]
    a3 = sigmoid(z3)
    return {"a1": a1, "z2": z2, "a2": a2, "z3": z3, "a3": a3}

def cost(a3, y):
    return 0.5 * np.einsum("j,j->", y - a3, y - a3)

# %%
def backward(y, params, cache):
    delta3 = (cache["a3"] - y) * sigmoid_prime(cache["z3"])
    # BP2: delta^2_k = sum_j w^3_jk delta^3_j sigma'(z^2_k)
    delta2 = np.einsum("jk,j->k", params["W3"], delta3) * sigmoid_prime(cache["z2"])
    grads = {
        "delta3": delta3,
        "delta2": delta2,
        "W3": np.einsum("j,k->jk", delta3, cache["a2"]),
        "b3": delta3,
        "W2": np.einsum("j,k->jk", delta2, cache["a1"]),
        "b2": delta2,
    }
    return grads

# %%
def update(params, grads, lr):
    new = dict()
    for name, value in params.items():
        new[name] = value - lr * grads[name]
    return new

# %%
print(step_table(forward, backward, update, cost, exercise))
