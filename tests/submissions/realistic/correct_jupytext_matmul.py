# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     name: python3
# ---

# %% [markdown]
# # Backprop by hand
# Forward pass with `np.matmul`, errors with BP1 and BP2, gradients with BP3 and BP4.

# %%
import numpy as np

# %%
def sigmoid(z):
    z = np.asarray(z, dtype=np.float64)
    neg_part = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + neg_part), neg_part / (1 + neg_part))


def sigmoid_prime(z):
    g = sigmoid(z)
    return g * (1 - g)

# %% [markdown]
# Forward: $z^l = W^l a^{l-1} + b^l$.

# %%
def forward(x, params):
    act_in = np.asarray(x, dtype=np.float64)
    pre_hidden = np.matmul(params["W2"], act_in) + params["b2"]
    act_hidden = sigmoid(pre_hidden)
    pre_out = np.matmul(params["W3"], act_hidden) + params["b3"]
    act_out = sigmoid(pre_out)
    return {"a1": act_in, "z2": pre_hidden, "a2": act_hidden, "z3": pre_out, "a3": act_out}


def cost(a3, y):
    return np.sum((a3 - y) ** 2) / 2

# %% [markdown]
# Backward.

# %%
def backward(y, params, cache):
    e_out = (cache["a3"] - y) * sigmoid_prime(cache["z3"])        # BP1
    e_hid = np.matmul(params["W3"].T, e_out) * sigmoid_prime(cache["z2"])  # BP2
    dW3 = np.matmul(e_out[:, None], cache["a2"][None, :])         # BP4
    dW2 = np.matmul(e_hid[:, None], cache["a1"][None, :])
    return {"delta3": e_out, "delta2": e_hid, "W3": dW3, "b3": e_out, "W2": dW2, "b2": e_hid}

# %%
def update(params, grads, lr):
    updated = params.copy()
    for name in ("W2", "W3", "b2", "b3"):
        updated[name] = params[name] - lr * grads[name]
    return updated
