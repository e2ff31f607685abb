# %%
import numpy as np
from exercise import draw_network, load_exercise, step_table

exercise = load_exercise()

# %% [markdown]
# I like column vectors (like in the lecture slides), so every function reshapes its
# vectors to (n, 1) first and returns (n, 1) columns.

# %%
def col(v):
    """any vector -> (n, 1) column"""
    return np.asarray(v, dtype=float).reshape(-1, 1)


def sigmoid(z):
    z = col(z)
    out = np.empty_like(z)
    pos = z >= 0
    neg = ~pos
    out[pos] = 1 / (1 + np.exp(-z[pos]))
    out[neg] = np.exp(z[neg]) / (1 + np.exp(z[neg]))
    return out


# %%
def sigmoid_prime(z):
    s = sigmoid(col(z))
    return s * (1 - s)


# %%
def forward(x, params):
    a1 = col(x)
    z2 = params["W2"] @ a1 + col(params["b2"])
    a2 = sigmoid(z2)
    z3 = params["W3"] @ a2 + col(params["b3"])
    a3 = sigmoid(z3)
    return {"a1": a1, "z2": z2, "a2": a2, "z3": z3, "a3": a3}

cache = forward(exercise.x, exercise.params)
print(cache["a3"].shape)   # (2, 1)

# %%
def cost(a3, y):
    d = col(y) - col(a3)
    return 0.5 * (d.T @ d).item()


# %%
def backward(y, params, cache):
    a1, z2, a2 = col(cache["a1"]), col(cache["z2"]), col(cache["a2"])
    z3, a3 = col(cache["z3"]), col(cache["a3"])
    y = col(y)

    delta3 = (a3 - y) * sigmoid_prime(z3)                     # BP1
    delta2 = (params["W3"].T @ delta3) * sigmoid_prime(z2)    # BP2
    dW3 = delta3 @ a2.T                                       # BP4
    dW2 = delta2 @ a1.T
    return {"delta3": delta3, "delta2": delta2,
            "W3": dW3, "b3": delta3,                          # BP3
            "W2": dW2, "b2": delta2}


# %%
def update(params, grads, lr):
    # biases come in as (n,) from the notebook but as (n, 1) from my backward,
    # so make everything a column before subtracting (otherwise (2,) - (2,1) -> (2,2)!)
    return {
        "W2": params["W2"] - lr * np.asarray(grads["W2"]),
        "b2": col(params["b2"]) - lr * col(grads["b2"]),
        "W3": params["W3"] - lr * np.asarray(grads["W3"]),
        "b3": col(params["b3"]) - lr * col(grads["b3"]),
    }


# %%
print(step_table(forward, backward, update, cost, exercise))
