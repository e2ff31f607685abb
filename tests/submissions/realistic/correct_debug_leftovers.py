# %%
import numpy as np
from exercise import draw_network, load_exercise, step_table

exercise = load_exercise()
print(exercise)

# %%
def sigmoid(z):
    z = np.array(z, dtype=float)
    result = np.zeros_like(z)
    result[z >= 0] = 1 / (1 + np.exp(-z[z >= 0]))
    result[z < 0] = np.exp(z[z < 0]) / (1 + np.exp(z[z < 0]))
    # print("sigmoid in:", z, "out:", result)
    return result

# quick test
print(sigmoid(np.array([-1000., -1., 0., 1., 1000.])))
assert abs(sigmoid(np.array([0.0]))[0] - 0.5) < 1e-12

# %%
def sigmoid_prime(z):
    return sigmoid(z) * (1 - sigmoid(z))

print(sigmoid_prime(np.array([0.0])))   # should be 0.25

# %%
def forward(x, params):
    a1 = np.array(x, dtype=float)
    z2 = params["W2"] @ a1 + params["b2"]
    # print("z2 =", z2)
    a2 = sigmoid(z2)
    z3 = params["W3"] @ a2 + params["b3"]
    # print("z3 =", z3)
    a3 = sigmoid(z3)
    return {"a1": a1, "z2": z2, "a2": a2, "z3": z3, "a3": a3}

c = forward(exercise.x, exercise.params)
for k, v in c.items():
    print(k, v)

# %%
def cost(a3, y):
    return 0.5 * np.sum((y - a3) ** 2)

print("C =", cost(c["a3"], exercise.y))

# %%
def backward(y, params, cache):
    delta3 = (cache["a3"] - y) * sigmoid_prime(cache["z3"])
    print("delta3", delta3)
    delta2 = np.dot(params["W3"].T, delta3) * sigmoid_prime(cache["z2"])
    print("delta2", delta2)
    # dW3 = np.dot(delta3, cache["a2"].T)   # <- gives a number, not a matrix?!
    dW3 = np.outer(delta3, cache["a2"])
    dW2 = np.outer(delta2, cache["a1"])
    return {"delta3": delta3, "delta2": delta2, "W3": dW3, "b3": delta3, "W2": dW2, "b2": delta2}

g = backward(exercise.y, exercise.params, c)

# %%
# my own gradient check, like in the lecture: (C(w + h) - C(w - h)) / 2h
h = 1e-6
for name in ["W2", "b2", "W3", "b3"]:
    num = np.zeros_like(exercise.params[name])
    for idx in np.ndindex(num.shape):
        p_plus = {k: v.copy() for k, v in exercise.params.items()}
        p_minus = {k: v.copy() for k, v in exercise.params.items()}
        p_plus[name][idx] += h
        p_minus[name][idx] -= h
        num[idx] = (cost(forward(exercise.x, p_plus)["a3"], exercise.y)
                    - cost(forward(exercise.x, p_minus)["a3"], exercise.y)) / (2 * h)
    print(name, "max diff:", np.max(np.abs(num - g[name])))

# %%
def update(params, grads, lr):
    new = {}
    new["W2"] = params["W2"] - lr * grads["W2"]
    new["b2"] = params["b2"] - lr * grads["b2"]
    new["W3"] = params["W3"] - lr * grads["W3"]
    new["b3"] = params["b3"] - lr * grads["b3"]
    return new

# %%
print(step_table(forward, backward, update, cost, exercise))
