# %%
import numpy as np

# %% [markdown]
# I keep the layers in lists: weights[0] is W², weights[1] is W³.

# %%
LAYERS = (2, 3)


def sigmoid(z):
    z = np.asarray(z, dtype=np.float64)
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out


def sigmoid_prime(z):
    return sigmoid(z) * sigmoid(-z)


# %%
def forward(x, params):
    weights = [params[f"W{l}"] for l in LAYERS]
    biases = [params[f"b{l}"] for l in LAYERS]
    activations = [np.asarray(x, dtype=np.float64)]
    zs = []
    for W, b in zip(weights, biases):
        zs.append(W @ activations[-1] + b)
        activations.append(sigmoid(zs[-1]))
    cache = {"a1": activations[0]}
    for i, l in enumerate(LAYERS):
        cache[f"z{l}"] = zs[i]
        cache[f"a{l}"] = activations[i + 1]
    return cache


def cost(a3, y):
    return float(0.5 * np.sum(np.square(np.asarray(y) - np.asarray(a3))))


# %%
def backward(y, params, cache):
    deltas = [None, None]
    deltas[1] = (cache["a3"] - y) * sigmoid_prime(cache["z3"])
    deltas[0] = params["W3"].T @ deltas[1] * sigmoid_prime(cache["z2"])
    inputs = [cache["a1"], cache["a2"]]
    grads = {}
    for i, l in enumerate(LAYERS):
        grads[f"delta{l}"] = deltas[i]
        grads[f"W{l}"] = deltas[i][:, np.newaxis] * inputs[i][np.newaxis, :]
        grads[f"b{l}"] = deltas[i]
    return grads


def update(params, grads, lr):
    names = [f"{p}{l}" for l in LAYERS for p in "Wb"]
    return {n: params[n] - lr * grads[n] for n in names}
