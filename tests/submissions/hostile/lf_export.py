#!/usr/bin/env python
# coding: utf-8

# In[1]:


from google.colab import drive
drive.mount('/content/drive')


# # Backpropagation by hand: one forward pass, one backward pass, one update
#
# ## Notation (the lecture's)
#
# Layer 1 is the input, layer 2 the hidden layer, layer 3 the output layer.
#
# * $w^l_{jk}$ is the weight from neuron $k$ in layer $l-1$ to neuron $j$ in layer $l$;
#   $b^l_j$ is the bias of neuron $j$ in layer $l$.
# * Total input to a neuron: $z^l_j = \sum_k w^l_{jk}\, a^{l-1}_k + b^l_j$, in matrix
#   notation $z^l = W^l a^{l-1} + b^l$. Output of a neuron: $a^l = \sigma(z^l)$, and $a^1 = x$.
# * Cost (mean squared error of one observation):
#   $C = \frac{1}{2}\|y - a^3\|^2 = \frac{1}{2}\sum_j (y_j - a^3_j)^2$.
# * The error of neuron $j$ in layer $l$: $\delta^l_j \equiv \partial C / \partial z^l_j$.
# * The sigmoid and its derivative: $\sigma(z) = 1/(1 + e^{-z})$ and
#   $\sigma'(z) = \sigma(z)\,(1 - \sigma(z))$.
#
# ## The four equations of backpropagation
#
# * **BP1**, output layer, *error × derivative of the activation function*:
#   $\delta^3_j = \dfrac{\partial C}{\partial a^3_j}\, \sigma'(z^3_j)$,
#   i.e. $\delta^3 = (a^3 - y) \odot \sigma'(z^3)$.
# * **BP2**, hidden layer, *weighted sum of the deltas of the layer after it × derivative of
#   the activation function*: $\delta^2_j = \sum_k w^3_{kj}\, \delta^3_k\, \sigma'(z^2_j)$,
#   i.e. $\delta^2 = \big((W^3)^T \delta^3\big) \odot \sigma'(z^2)$.
# * **BP3**, bias gradient = delta: $\dfrac{\partial C}{\partial b^l_j} = \delta^l_j$.
# * **BP4**, weight gradient = *activation in × delta out*:
#   $\dfrac{\partial C}{\partial w^l_{jk}} = a^{l-1}_k\, \delta^l_j$,
#   i.e. $\dfrac{\partial C}{\partial W^l} = \delta^l (a^{l-1})^T$.
#
# Then gradient descent with learning rate $\eta$:
# $w \leftarrow w - \eta\, \partial C/\partial w$ and $b \leftarrow b - \eta\, \partial C/\partial b$.
#
# ## The exercise
#
# The lecture's 2-2-2 network, sigmoid activation on the hidden and the output layer,
# correct output $t = 1.0$ on every output, learning rate $\eta = 0.5$. Implement one forward pass,
# one backward pass, and the update of every weight and bias. The picture below shows all
# the numbers; they come from `exercise.toml`.
#
# Implement the six functions below, in order, each in its own cell: replace the
# `raise NotImplementedError(...)` line by your code. Keep each function's name and
# arguments: the grader calls them. Vectors are 1-D NumPy arrays of shape `(n,)`;
# `params` is a dict with keys `"W2"`, `"b2"`, `"W3"`, `"b3"`, and `W2[j, k]` is
# $w^2_{jk}$ (Python counts from 0: `W2[0, 1]` is $w^2_{12}$).
#
# ## Checking your work
#
# The last cell runs one step on the exercise and prints every number (9 decimals), so you
# can compare it with your calculation by hand. To check a function against the grader, run
# `from autograder import check; check("backward")` in a cell, or `autograder check` in a
# terminal in this folder.
#
# ## How your work is graded
#
# Each function is graded on its own, given correct inputs (your `backward` gets a correct
# cache, your `update` correct gradients), so one mistake costs only the parts it touches.
# Answers are compared to about 7 significant digits ($|a - e| \le 1e-12 + 1e-07\,|e|$);
# answers computed in float32 (`np.float32` arrays) count as right when they are off by float32's rounding only, though float64, NumPy's default, is the precision to use. You may import Python's standard library and `numpy`, `matplotlib`, `scipy`; any other import
# fails its cell, with a message that names it.

# In[2]:


import numpy as np
from exercise import draw_network, load_exercise, step_table

np.set_printoptions(precision=9)  # as many decimals as the step table
exercise = load_exercise()


# In[3]:


draw_network(exercise);


# ### 1. `sigmoid(z)`
#
# The activation function of both layers, elementwise: $\sigma(z) = \dfrac{1}{1 + e^{-z}}$.
# `z` is a 1-D array; return an array of the same shape. The result must stay finite for
# any float, even $z = -1000$ where `np.exp(-z)` overflows (with a warning).
# Hint: $e^{-|z|}$ never overflows, and $\sigma(z) = \dfrac{e^{z}}{1 + e^{z}}$ is an equal
# form for $z < 0$ (mind that `np.where` computes both of its branches).

# In[4]:


def sigmoid(z):
    """σ(z) = 1 / (1 + e^(−z)), elementwise; finite and warning-free for any float z."""
    ### BEGIN SOLUTION
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(-np.minimum(np.abs(z), 700.0))  # e^(−|z|), clipped at 700 so it never underflows:
    # σ(−1000) comes out as about 1e-304 instead of 0, far inside any tolerance
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    ### END SOLUTION


# In[5]:


from autograder import check

check("sigmoid")  # on the saved notebook: save it first


# ### 2. `sigmoid_prime(z)`
#
# The derivative of the activation function, elementwise:
# $\sigma'(z) = \sigma(z)\,(1 - \sigma(z))$ (the lecture's $y(1 - y)$ with $y = \sigma(z)$).
# Use your `sigmoid`.

# In[6]:


def sigmoid_prime(z):
    """σ'(z) = σ(z)(1 − σ(z)), elementwise."""
    ### BEGIN SOLUTION
    s = sigmoid(z)
    return s * (1.0 - s)
    ### END SOLUTION


# In[7]:


from autograder import check

check("sigmoid_prime")  # on the saved notebook: save it first


# ### 3. `forward(x, params)` — one forward pass
#
# $a^1 = x$, then for $l = 2, 3$: $z^l = W^l a^{l-1} + b^l$ and $a^l = \sigma(z^l)$.
# Because `W[j, k]` is $w^l_{jk}$, the sum $\sum_k w^l_{jk} a^{l-1}_k$ is the
# matrix-vector product `W @ a`. Return the cache, a dict with the keys
# `"a1"`, `"z2"`, `"a2"`, `"z3"`, `"a3"`: the backward pass needs them.

# In[8]:


def forward(x, params):
    """Forward pass: z^l = W^l a^(l−1) + b^l and a^l = σ(z^l), for l = 2, 3; a^1 = x."""
    ### BEGIN SOLUTION
    a1 = np.asarray(x, dtype=np.float64)
    z2 = params["W2"] @ a1 + params["b2"]
    a2 = sigmoid(z2)
    z3 = params["W3"] @ a2 + params["b3"]
    a3 = sigmoid(z3)
    return {"a1": a1, "z2": z2, "a2": a2, "z3": z3, "a3": a3}
    ### END SOLUTION


# In[9]:


from autograder import check

check("forward")  # on the saved notebook: save it first


# ### 4. `cost(a3, y)`
#
# $C = \frac{1}{2}\|y - a^3\|^2 = \frac{1}{2}\sum_j (y_j - a^3_j)^2$, returned as a Python
# `float`.

# In[10]:


def cost(a3, y):
    """C = ½‖y − a³‖² = ½ Σ_j (y_j − a³_j)²."""
    ### BEGIN SOLUTION
    return 0.5 * float(np.sum((np.asarray(y, dtype=np.float64) - a3) ** 2))
    ### END SOLUTION


# In[11]:


from autograder import check

check("cost")  # on the saved notebook: save it first


# ### 5. `backward(y, params, cache)` — one backward pass
#
# BP1 gives $\delta^3$, BP2 gives $\delta^2$ from $\delta^3$, then BP3 and BP4 give the
# gradients of both layers. Return a dict with `"delta3"`, `"delta2"` and the gradients
# under the names of their parameters: `"W3"` is $\partial C/\partial W^3$ (same shape as
# `W3`), `"b3"` is $\partial C/\partial b^3$, and so on for `"W2"`, `"b2"`.
# Mind the transpose in BP2: the exercise's $W^3$ is not symmetric, so $W^3$ in place of
# $(W^3)^T$ gives wrong numbers. $\delta^l (a^{l-1})^T$ is an outer product (`np.outer`).

# In[12]:


def backward(y, params, cache):
    """Backward pass, BP1 to BP4.

    BP1  δ³ = (a³ − y) ⊙ σ'(z³)
    BP2  δ² = (W³)ᵀ δ³ ⊙ σ'(z²)
    BP3  ∂C/∂b^l_j = δ^l_j
    BP4  ∂C/∂w^l_jk = a^(l−1)_k δ^l_j, i.e. ∂C/∂W^l = δ^l (a^(l−1))ᵀ
    """
    ### BEGIN SOLUTION
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
    ### END SOLUTION


# In[13]:


from autograder import check

check("backward")  # on the saved notebook: save it first


# ### 6. `update(params, grads, lr)` — one gradient descent step
#
# With learning rate $\eta$ = `lr`, for $l = 2, 3$:
# $W^l \leftarrow W^l - \eta\, \partial C/\partial W^l$ and
# $b^l \leftarrow b^l - \eta\, \partial C/\partial b^l$.
# Return a new dict with the keys `"W2"`, `"b2"`, `"W3"`, `"b3"`; leave `params` unchanged.

# In[14]:


def update(params, grads, lr):
    """Gradient descent step: W^l ← W^l − η ∂C/∂W^l and b^l ← b^l − η ∂C/∂b^l (new dict)."""
    ### BEGIN SOLUTION
    return {name: params[name] - lr * grads[name] for name in ("W2", "b2", "W3", "b3")}
    ### END SOLUTION


# In[15]:


from autograder import check

check("update")  # on the saved notebook: save it first


# ## One step on the exercise
#
# Runs `forward`, `cost`, `backward` and `update` once on the exercise and prints every
# value. Until all six functions work it stops with a `NotImplementedError` that names the
# first missing one.

# In[16]:


print(step_table(forward, backward, update, cost, exercise))


# In[17]:


from autograder import check

check("full_step")  # on the saved notebook: save it first


# ## All the public checks
#
# The cell below runs every **public** check on the saved notebook: the same checks as your
# grade, on inputs drawn at random each time. "All checks pass" here is not your grade: the
# final grade runs the same checks on hidden inputs (and one more network per check).

# In[18]:


from autograder import check

check()  # on the saved notebook: save it first


