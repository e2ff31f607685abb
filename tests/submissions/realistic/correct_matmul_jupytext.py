# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.16.4
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Backpropagation by hand: one forward pass, one backward pass, one update
#
# Layer 1 is the input, layer 2 the hidden layer, layer 3 the output layer.
# $z^l = W^l a^{l-1} + b^l$, $a^l = \sigma(z^l)$, $C = \frac{1}{2}\|y - a^3\|^2$.

# %%
import numpy as np
from exercise import draw_network, load_exercise, step_table

np.set_printoptions(precision=9)  # as many decimals as the step table
exercise = load_exercise()

# %%
draw_network(exercise);

# %% [markdown]
# ### 1. `sigmoid(z)`

# %%
def sigmoid(z):
    """σ(z) = 1 / (1 + e^(−z)), elementwise; finite and warning-free for any float z."""
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))          # never overflows
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


# %% [markdown]
# ### 2. `sigmoid_prime(z)`

# %%
def sigmoid_prime(z):
    """σ'(z) = σ(z)(1 − σ(z)), elementwise."""
    return sigmoid(z) * (1 - sigmoid(z))


# %% [markdown]
# ### 3. `forward(x, params)` — one forward pass

# %%
def forward(x, params):
    """Forward pass: z^l = W^l a^(l−1) + b^l and a^l = σ(z^l), for l = 2, 3; a^1 = x."""
    a1 = np.asarray(x, dtype=float)
    z2 = params["W2"] @ a1 + params["b2"]
    a2 = sigmoid(z2)
    z3 = params["W3"] @ a2 + params["b3"]
    a3 = sigmoid(z3)
    return {"a1": a1, "z2": z2, "a2": a2, "z3": z3, "a3": a3}


# %%
forward(exercise.x, exercise.params)

# %% [markdown]
# ### 4. `cost(a3, y)`

# %%
def cost(a3, y):
    """C = ½‖y − a³‖² = ½ Σ_j (y_j − a³_j)²."""
    diff = y - a3
    return float(0.5 * diff @ diff)


# %% [markdown]
# ### 5. `backward(y, params, cache)` — one backward pass

# %%
def backward(y, params, cache):
    """Backward pass, BP1 to BP4."""
    delta3 = (cache["a3"] - y) * sigmoid_prime(cache["z3"])              # BP1
    delta2 = (params["W3"].T @ delta3) * sigmoid_prime(cache["z2"])      # BP2
    dW3 = delta3[:, None] @ cache["a2"][None, :]                         # BP4, δ³ (a²)ᵀ
    dW2 = delta2[:, None] @ cache["a1"][None, :]                         # BP4, δ² (a¹)ᵀ
    return {"delta3": delta3, "delta2": delta2,
            "W3": dW3, "b3": delta3,                                     # BP3
            "W2": dW2, "b2": delta2}


# %% [markdown]
# ### 6. `update(params, grads, lr)` — one gradient descent step

# %%
def update(params, grads, lr):
    """Gradient descent step: W^l ← W^l − η ∂C/∂W^l and b^l ← b^l − η ∂C/∂b^l (new dict)."""
    new_params = {}
    for key in ("W2", "b2", "W3", "b3"):
        new_params[key] = params[key] - lr * grads[key]
    return new_params


# %% [markdown]
# ## One step on the exercise

# %%
print(step_table(forward, backward, update, cost, exercise))
