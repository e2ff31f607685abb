# %% [markdown]
# ## Backprop exercise

# %%
import numpy as np
from exercise import draw_network, load_exercise, step_table

exercise = load_exercise()

# %%
def sigmoid(z):
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    m = z >= 0
    out[m] = 1.0 / (1.0 + np.exp(-z[m]))
    ez = np.exp(z[~m])
    out[~m] = ez / (1.0 + ez)
    return out

# %%
def sigmoid_prime(z):
    s = sigmoid(z)
    return s * (1.0 - s)

# %%
def forward(x, params):
    a1 = np.asarray(x, dtype=float)
    z2 = params["W2"] @ a1 + params["b2"]
    a2 = sigmoid(z2)
    z3 = params["W3"] @ a2 + params["b3"]
    a3 = z3   # output layer
    return {"a1": a1, "z2": z2, "a2": a2, "z3": z3, "a3": a3}

# %%
def cost(a3, y):
    return 0.5 * float(np.sum((y - a3) ** 2))

# %%
def backward(y, params, cache):
    delta3 = (cache["a3"] - y) * sigmoid_prime(cache["z3"])
    delta2 = (params["W3"].T @ delta3) * sigmoid_prime(cache["z2"])
    return {"delta3": delta3, "delta2": delta2,
            "W3": np.outer(delta3, cache["a2"]), "b3": delta3,
            "W2": np.outer(delta2, cache["a1"]), "b2": delta2}

# %%
def update(params, grads, lr):
    return {k: params[k] - lr * grads[k] for k in params}

# %%
print(step_table(forward, backward, update, cost, exercise))
