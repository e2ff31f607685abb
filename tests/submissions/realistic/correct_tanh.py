# %% [markdown]
# # Backprop homework
# sigma via tanh: sigma(z) = 1/2 (1 + tanh(z/2)); tanh never overflows, so no warnings at z = -1000

# %%
import numpy as np
from exercise import draw_network, load_exercise, step_table

np.set_printoptions(precision=9)
exercise = load_exercise()

# %%
def sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=float)))

print(sigmoid(np.array([-1000.0, 0.0, 1000.0])))   # [0.  0.5 1. ]

# %%
def sigmoid_prime(z):
    s = sigmoid(z)
    return s * (1.0 - s)

# %%
def forward(x, params):
    a1 = np.array(x, dtype=float)
    z2 = np.dot(params["W2"], a1) + params["b2"]
    a2 = sigmoid(z2)
    z3 = np.dot(params["W3"], a2) + params["b3"]
    a3 = sigmoid(z3)
    return dict(a1=a1, z2=z2, a2=a2, z3=z3, a3=a3)

# %%
def cost(a3, y):
    return 0.5 * np.sum((y - a3) ** 2)

# %%
def backward(y, params, cache):
    d3 = (cache["a3"] - y) * sigmoid_prime(cache["z3"])
    d2 = np.dot(params["W3"].T, d3) * sigmoid_prime(cache["z2"])
    return dict(delta3=d3, delta2=d2,
                W3=np.outer(d3, cache["a2"]), b3=d3,
                W2=np.outer(d2, cache["a1"]), b2=d2)

# %%
def update(params, grads, lr):
    return {k: params[k] - lr * grads[k] for k in ["W2", "b2", "W3", "b3"]}

# %%
print(step_table(forward, backward, update, cost, exercise))
