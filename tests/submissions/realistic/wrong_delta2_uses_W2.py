# %%
import numpy as np
from exercise import draw_network, load_exercise, step_table

exercise = load_exercise()

# %%
def sigmoid(z):
    z = np.asarray(z, dtype=float)
    return np.where(z >= 0, 1 / (1 + np.exp(-np.abs(z))), np.exp(-np.abs(z)) / (1 + np.exp(-np.abs(z))))

# %%
def sigmoid_prime(z):
    s = sigmoid(z)
    return s * (1 - s)

# %%
def forward(x, params):
    cache = {"a1": np.asarray(x, dtype=float)}
    for l in (2, 3):
        cache[f"z{l}"] = params[f"W{l}"] @ cache[f"a{l-1}"] + params[f"b{l}"]
        cache[f"a{l}"] = sigmoid(cache[f"z{l}"])
    return cache

# %%
def cost(a3, y):
    return 0.5 * float(np.sum((y - a3) ** 2))

# %%
def backward(y, params, cache):
    grads = {}
    # BP1
    delta = (cache["a3"] - y) * sigmoid_prime(cache["z3"])
    grads["delta3"] = delta
    grads["W3"] = np.outer(delta, cache["a2"])
    grads["b3"] = delta
    # BP2, going back one layer: delta^l = (W^l)^T delta^(l+1) * sigma'(z^l), l = 2
    l = 2
    delta = (params[f"W{l}"].T @ delta) * sigmoid_prime(cache[f"z{l}"])
    grads["delta2"] = delta
    grads["W2"] = np.outer(delta, cache["a1"])
    grads["b2"] = delta
    return grads

# %%
def update(params, grads, lr):
    return {k: params[k] - lr * grads[k] for k in ("W2", "b2", "W3", "b3")}

# %%
print(step_table(forward, backward, update, cost, exercise))
