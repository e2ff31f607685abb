"""sigmoid and sigmoid_prime only (2 of 16 points), under a hostile file name."""

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
