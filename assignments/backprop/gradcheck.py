"""Gradient check: your backward against centred finite differences of your own forward + cost.

    ∂C/∂θ ≈ (C(θ + h) − C(θ − h)) / 2h,   h = 1e-5,

for every entry θ of W², b², W³, b³. It needs no reference solution: if your backward
disagrees with your own forward and cost, one of them is wrong. Runs through the sandbox
proxy (``submission.call_many``), so every evaluation happens in the student's process.
"""

from __future__ import annotations

import numpy as np

H = 1e-5
PARAMS = ("W2", "b2", "W3", "b3")
HINTS = {
    "W3": "check δ³ = (a³ − y) ⊙ σ'(z³) (BP1) and ∂C/∂W³ = δ³ (a²)ᵀ (BP4)",
    "b3": "check δ³ = (a³ − y) ⊙ σ'(z³) (BP1) and ∂C/∂b³ = δ³ (BP3)",
    "W2": "check σ'(z²) and (W³)ᵀ in δ² = (W³)ᵀ δ³ ⊙ σ'(z²) (BP2) and ∂C/∂W² = δ² (a¹)ᵀ (BP4)",
    "b2": "check σ'(z²) and (W³)ᵀ in δ² = (W³)ᵀ δ³ ⊙ σ'(z²) (BP2) and ∂C/∂b² = δ² (BP3)",
}
LABELS = {"W3": "∂C/∂W³", "b3": "∂C/∂b³", "W2": "∂C/∂W²", "b2": "∂C/∂b²"}


def nudged(params: dict, name: str, index: tuple, step: float) -> dict:
    """A copy of params with one entry moved by ``step``."""
    new = {k: np.array(v, dtype=np.float64) for k, v in params.items()}
    new[name][index] += step
    return new


def numerical_gradient(submission, x, y, params) -> tuple[dict, str]:
    """Centred differences of your cost(forward(x, θ)["a3"], y) for every entry of θ."""
    points = [(name, idx, s) for name in PARAMS for idx in np.ndindex(np.shape(params[name]))
              for s in (H, -H)]
    caches = submission.call_many("forward", [(x, nudged(params, n, i, s)) for n, i, s in points],
                                  names=("x", "params"))
    a3s = []
    for answer in caches:
        if not answer.ok or not isinstance(answer.value, dict) or "a3" not in answer.value:
            return {}, f"forward(x, params): {answer.error or 'returned no a3'}"
        a3s.append((answer.value["a3"], y))
    costs = submission.call_many("cost", a3s, names=("a3", "y"))
    values = []
    for answer in costs:
        plain = answer.ok and not isinstance(answer.value, dict)
        value = np.asarray(answer.value, dtype=np.float64) if plain else None
        if value is None or value.size != 1 or not np.isfinite(value).all():
            return {}, f"cost(a3, y): {answer.error or 'did not return one finite number'}"
        values.append(float(value.reshape(())))
    grads = {name: np.zeros(np.shape(params[name])) for name in PARAMS}
    for k in range(0, len(points), 2):
        name, index, _ = points[k]
        grads[name][index] = (values[k] - values[k + 1]) / (2 * H)
    return grads, ""


def gradient_check(submission, net: dict, case: str) -> str:
    """'' when your ∂C/∂W², ∂C/∂b², ∂C/∂W³, ∂C/∂b³ match finite differences, else why not."""
    x, y, params = net["x"], net["y"], net["params"]
    cache = submission.call("forward", x, params, names=("x", "params"))
    if not cache.ok or not isinstance(cache.value, dict):
        return f"forward(x, params): {cache.error or 'did not return a dict'}"
    grads = submission.call("backward", y, params, cache.value, names=("y", "params", "cache"))
    if not grads.ok or not isinstance(grads.value, dict):
        return f"backward(y, params, cache): {grads.error or 'did not return a dict'}"
    numeric, why = numerical_gradient(submission, x, y, params)
    if why:
        return why
    if max(float(np.abs(g).max()) for g in numeric.values()) < 1e-10:
        return (f"the finite differences of your cost are all zero on {case}: it does not change "
                "when W², b², W³ or b³ change, so your forward must ignore the params it is "
                "given (z^l = W^l a^(l−1) + b^l)")
    for name in ("W3", "b3", "W2", "b2"):
        mine = grads.value.get(name)
        if mine is None or isinstance(mine, dict):
            return f"backward(y, params, cache) returned no {name!r} array"
        mine = np.asarray(mine, dtype=np.float64)
        if mine.size != numeric[name].size:
            return f"{LABELS[name]} has shape {mine.shape}, expected {numeric[name].shape}"
        mine = mine.reshape(numeric[name].shape)
        if not np.isfinite(mine).all():
            return f"{LABELS[name]} contains NaN or infinity"
        scale = max(float(np.abs(numeric[name]).max()), float(np.abs(mine).max()), 1e-8)
        error = float(np.abs(mine - numeric[name]).max()) / scale
        if error > 1e-5:
            return (f"your {LABELS[name]} disagrees with finite differences of your own cost on "
                    f"{case} (relative error {error:.2g}): {HINTS[name]}")
    return ""
