# In[1]:


import numpy as np


# In[2]:


ACT = {
    "f": lambda z: np.exp(-np.logaddexp(0.0, -z)),
    "df": lambda s: s * (1.0 - s),
}


def sigmoid(z):
    return ACT["f"](np.asarray(z, dtype=np.float64))


def sigmoid_prime(z):
    return ACT["df"](sigmoid(z))


# In[3]:


def forward(x, params):
    out = {"a1": np.asarray(x, dtype=np.float64)}
    for l in (2, 3):
        out["z" + str(l)] = np.einsum("ij,j->i", params["W" + str(l)], out["a" + str(l - 1)]) \
            + params["b" + str(l)]
        out["a" + str(l)] = sigmoid(out["z" + str(l)])
    return out


def cost(a3, y):
    return 0.5 * float(np.linalg.norm(np.subtract(a3, y)) ** 2)


# In[4]:


def backward(y, params, cache):
    g = {}
    g["delta3"] = np.multiply(np.subtract(cache["a3"], y), sigmoid_prime(cache["z3"]))
    g["delta2"] = np.multiply(np.einsum("ij,i->j", params["W3"], g["delta3"]),
                              sigmoid_prime(cache["z2"]))
    for l in (3, 2):
        g["b" + str(l)] = g["delta" + str(l)]
        g["W" + str(l)] = np.einsum("i,j->ij", g["delta" + str(l)], cache["a" + str(l - 1)])
    return g


# In[5]:


def update(params, grads, lr):
    return {p: params[p] - lr * grads[p] for p in sorted(params)}
