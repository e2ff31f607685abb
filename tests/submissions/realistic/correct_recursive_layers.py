import numpy as np


def sigmoid(z):
    z = np.asarray(z, dtype=np.float64)
    return np.where(z < 0, np.exp(np.minimum(z, 0)) / (1 + np.exp(np.minimum(z, 0))),
                    1 / (1 + np.exp(-np.maximum(z, 0))))


def sigmoid_prime(z):
    s = sigmoid(z)
    return s * (1.0 - s)


def _run(a, layers, trace):
    """Feed a through the remaining layers, recording (z, a) of each."""
    if not layers:
        return trace
    (W, b), rest = layers[0], layers[1:]
    z = W @ a + b
    a_next = sigmoid(z)
    return _run(a_next, rest, trace + [(z, a_next)])


def forward(x, params):
    a1 = np.asarray(x, dtype=np.float64)
    (z2, a2), (z3, a3) = _run(a1, [(params["W2"], params["b2"]), (params["W3"], params["b3"])], [])
    return {"a1": a1, "z2": z2, "a2": a2, "z3": z3, "a3": a3}


def cost(a3, y):
    return 0.5 * np.linalg.norm(np.asarray(y) - a3) ** 2


def _deltas(delta, layer, params, cache, found):
    """BP2 applied layer by layer, down to layer 2."""
    found[layer] = delta
    if layer == 2:
        return found
    below = params[f"W{layer}"].T @ delta * sigmoid_prime(cache[f"z{layer - 1}"])
    return _deltas(below, layer - 1, params, cache, found)


def backward(y, params, cache):
    deltas = _deltas((cache["a3"] - y) * sigmoid_prime(cache["z3"]), 3, params, cache, {})
    grads = {}
    for layer, delta in deltas.items():
        grads[f"delta{layer}"] = delta
        grads[f"b{layer}"] = delta
        grads[f"W{layer}"] = delta.reshape(-1, 1) @ cache[f"a{layer - 1}"].reshape(1, -1)
    return grads


def update(params, grads, lr):
    return {k: v - lr * grads[k] for k, v in params.items()}
