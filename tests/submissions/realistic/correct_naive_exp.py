# %%
import numpy as np
from exercise import draw_network, load_exercise, step_table
exercise = load_exercise()

# %%
def sigmoid(z):
    return 1 / (1 + np.exp(-z))  # RuntimeWarning: overflow for z=-1000 but result is 0 which is right

# %%
def sigmoid_prime(z):
    return sigmoid(z) * (1 - sigmoid(z))

# %%
def forward(x, params):
    a1 = x
    z2 = np.matmul(params["W2"], a1) + params["b2"]
    a2 = sigmoid(z2)
    z3 = np.matmul(params["W3"], a2) + params["b3"]
    a3 = sigmoid(z3)
    cache = {"a1": a1, "z2": z2, "a2": a2, "z3": z3, "a3": a3}
    return cache

# %%
def cost(a3, y):
    return 1/2 * np.linalg.norm(y - a3) ** 2

# %%
def backward(y, params, cache):
    delta3 = (cache["a3"] - y) * sigmoid_prime(cache["z3"])
    delta2 = np.matmul(params["W3"].T, delta3) * sigmoid_prime(cache["z2"])
    dW3 = np.outer(delta3, cache["a2"])
    db3 = delta3
    dW2 = np.outer(delta2, cache["a1"])
    db2 = delta2
    return {"delta3": delta3, "delta2": delta2, "W3": dW3, "b3": db3, "W2": dW2, "b2": db2}

# %%
def update(params, grads, lr):
    W2 = params["W2"] - lr * grads["W2"]
    b2 = params["b2"] - lr * grads["b2"]
    W3 = params["W3"] - lr * grads["W3"]
    b3 = params["b3"] - lr * grads["b3"]
    return {"W2": W2, "b2": b2, "W3": W3, "b3": b3}

# %%
print(step_table(forward, backward, update, cost, exercise))
