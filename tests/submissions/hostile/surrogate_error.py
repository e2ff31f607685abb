"""The correct script, and a cell whose error message holds a lone surrogate and 10 kB."""
# %%
raise ValueError("bad \udcff text " + "x" * 10_000)
# %%

import numpy as np


def sigmoid(z):
    """σ(z) = 1 / (1 + e^(−z)), elementwise; finite and warning-free for any float z."""
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(-np.minimum(np.abs(z), 700.0))  # e^(−|z|), clipped at 700 so it never underflows:
    # σ(−1000) comes out as about 1e-304 instead of 0, far inside any tolerance
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_prime(z):
    """σ'(z) = σ(z)(1 − σ(z)), elementwise."""
    s = sigmoid(z)
    return s * (1.0 - s)


def forward(x, params):
    """Forward pass: z^l = W^l a^(l−1) + b^l and a^l = σ(z^l), for l = 2, 3; a^1 = x."""
    a1 = np.asarray(x, dtype=np.float64)
    z2 = params["W2"] @ a1 + params["b2"]
    a2 = sigmoid(z2)
    z3 = params["W3"] @ a2 + params["b3"]
    a3 = sigmoid(z3)
    return {"a1": a1, "z2": z2, "a2": a2, "z3": z3, "a3": a3}


def cost(a3, y):
    """C = ½‖y − a³‖² = ½ Σ_j (y_j − a³_j)²."""
    return 0.5 * float(np.sum((np.asarray(y, dtype=np.float64) - a3) ** 2))


def backward(y, params, cache):
    """Backward pass, BP1 to BP4.

    BP1  δ³ = (a³ − y) ⊙ σ'(z³)
    BP2  δ² = (W³)ᵀ δ³ ⊙ σ'(z²)
    BP3  ∂C/∂b^l_j = δ^l_j
    BP4  ∂C/∂w^l_jk = a^(l−1)_k δ^l_j, i.e. ∂C/∂W^l = δ^l (a^(l−1))ᵀ
    """
    delta3 = (cache["a3"] - y) * sigmoid_prime(cache["z3"])
    delta2 = (params["W3"].T @ delta3) * sigmoid_prime(cache["z2"])
    return {
        "delta3": delta3,
        "delta2": delta2,
        "W3": np.outer(delta3, cache["a2"]),
        "b3": delta3,
        "W2": np.outer(delta2, cache["a1"]),
        "b2": delta2,
    }


def update(params, grads, lr):
    """Gradient descent step: W^l ← W^l − η ∂C/∂W^l and b^l ← b^l − η ∂C/∂b^l (new dict)."""
    return {name: params[name] - lr * grads[name] for name in ("W2", "b2", "W3", "b3")}
