"""The catalogue of wrong variants students typically write (hidden: never released).

Each misconception is the reference pipeline with one mistake switched on. When a check
fails, the grader computes every variant on the same inputs; the one the student's answer
matches is named in the feedback, with the lecture equation it breaks.

Quantities: ``sigmoid``, ``sigmoid_prime``, ``z2 a2 z3 a3`` (forward, from x and params),
``cost``, ``delta3 delta2 W3 b3 W2 b2`` (backward, from the given cache), ``new_W2 ...``
(update, from the given gradients). Vectors may be 1-D (the lecture's) or columns (n, 1)
(Nielsen's): each mistake is computed as code written either way computes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


def _sigmoid(z):
    """σ(z) = 1 / (1 + e^(−z)), written plainly: the variants need no overflow care."""
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=np.float64)))


@dataclass(frozen=True)
class Mistake:
    """Switches, each one a single mistake; all off is the correct algorithm."""

    sigmoid_sign: bool = False        # σ(z) = 1 / (1 + e^(+z))
    prime_of_z: bool = False          # σ'(z) = z(1 − z)
    forward_transposed: bool = False  # z = Wᵀ a + b
    no_forward_bias: bool = False     # z = W a
    no_output_sigmoid: bool = False   # a³ = z³
    cost_no_half: bool = False        # C = ‖y − a³‖²
    cost_mean: bool = False           # C = mean((y − a³)²) / 2
    no_output_prime: bool = False     # δ³ = (a³ − y)
    prime_of_a: bool = False          # σ'(a) instead of σ'(z)
    factor_two: bool = False          # δ³ = 2 (a³ − y) ⊙ σ'(z³)
    error_sign: bool = False          # δ³ = (y − a³) ⊙ σ'(z³)
    bp2_not_transposed: bool = False  # δ² = W³ δ³ ⊙ σ'(z²)
    bp2_elementwise: bool = False     # δ² = (W³)ᵀ ⊙ δ³ ⊙ σ'(z²), a matrix
    bp4_elementwise: bool = False     # ∂C/∂W = δ ⊙ a
    bp4_transposed: bool = False      # ∂C/∂W = a δᵀ
    no_bias_gradient: bool = False    # ∂C/∂b = 0
    update_sign: bool = False         # W ← W + η ∂C/∂W
    update_skips_bias: bool = False   # b ← b
    update_no_lr: bool = False        # W ← W − ∂C/∂W

    def sigmoid(self, z):
        return _sigmoid(-np.asarray(z)) if self.sigmoid_sign else _sigmoid(z)

    def sigmoid_prime(self, z):
        if self.prime_of_z:
            return z * (1.0 - z)
        s = self.sigmoid(z)
        return s * (1.0 - s)

    def forward(self, x, params):
        w2, w3 = params["W2"], params["W3"]
        if self.forward_transposed:
            w2, w3 = w2.T, w3.T
        b2, b3 = (0.0, 0.0) if self.no_forward_bias else (params["b2"], params["b3"])
        z2 = w2 @ x + b2
        a2 = self.sigmoid(z2)
        z3 = w3 @ a2 + b3
        a3 = z3 if self.no_output_sigmoid else self.sigmoid(z3)
        return {"z2": z2, "a2": a2, "z3": z3, "a3": a3}

    def cost(self, a3, y):
        squares = (y - a3) ** 2
        total = float(np.mean(squares)) if self.cost_mean else float(np.sum(squares))
        return (1.0 if self.cost_no_half else 0.5) * total

    def backward(self, y, params, cache):
        sp3 = self.sigmoid_prime(cache["a3"] if self.prime_of_a else cache["z3"])
        sp2 = self.sigmoid_prime(cache["a2"] if self.prime_of_a else cache["z2"])
        error = (y - cache["a3"]) if self.error_sign else (cache["a3"] - y)
        delta3 = error if self.no_output_prime else error * sp3
        delta3 = 2.0 * delta3 if self.factor_two else delta3
        w3 = params["W3"] if self.bp2_not_transposed else params["W3"].T
        delta2 = (w3 * delta3 if self.bp2_elementwise else w3 @ delta3) * sp2
        grads = {"delta3": delta3, "delta2": delta2}
        for layer, delta, a_prev in ((3, delta3, cache["a2"]), (2, delta2, cache["a1"])):
            if self.bp4_elementwise and delta.shape == a_prev.shape:  # two vectors
                grads[f"W{layer}"] = delta * a_prev
            elif self.bp4_transposed:
                grads[f"W{layer}"] = np.outer(a_prev, delta)
            else:
                grads[f"W{layer}"] = np.outer(delta, a_prev)
            grads[f"b{layer}"] = np.zeros_like(delta) if self.no_bias_gradient else delta
        return grads

    def update(self, params, grads, lr):
        step = (1.0 if self.update_no_lr else lr) * (1.0 if self.update_sign else -1.0)
        new = {}
        for name in ("W2", "b2", "W3", "b3"):
            moves = not (self.update_skips_bias and name.startswith("b"))
            new[f"new_{name}"] = params[name] + step * grads[name] if moves else params[name]
        return new


@dataclass(frozen=True)
class Misconception:
    """A named mistake, the lecture equation it breaks, and its switches."""

    name: str
    equation: str
    mistake: Mistake = field(default_factory=Mistake)


CATALOGUE = (
    Misconception("σ' missing at the output layer",
                  "BP1: δ³ = (a³ − y) ⊙ σ'(z³)", Mistake(no_output_prime=True)),
    Misconception("σ'(a) used instead of σ'(z): σ applied twice",
                  "δ^l uses σ'(z^l) = σ(z^l)(1 − σ(z^l)) = a^l (1 − a^l)",
                  Mistake(prime_of_a=True)),
    Misconception("W³ used instead of (W³)ᵀ when sending δ³ back",
                  "BP2: δ² = (W³)ᵀ δ³ ⊙ σ'(z²)", Mistake(bp2_not_transposed=True)),
    Misconception("element-wise product where BP2 needs the matrix product (W³)ᵀ δ³",
                  "BP2: δ² = (W³)ᵀ δ³ ⊙ σ'(z²)", Mistake(bp2_elementwise=True)),
    Misconception("element-wise δ ⊙ a where BP4 needs the outer product δ (a^(l−1))ᵀ",
                  "BP4: ∂C/∂w^l_jk = a^(l−1)_k δ^l_j", Mistake(bp4_elementwise=True)),
    Misconception("a^(l−1) and δ^l swapped in ∂C/∂W: the gradient is transposed",
                  "BP4: ∂C/∂w^l_jk = a^(l−1)_k δ^l_j, so row j belongs to δ^l_j",
                  Mistake(bp4_transposed=True)),
    Misconception("sign error in the update: the gradient is added",
                  "W^l ← W^l − η ∂C/∂W^l, b^l ← b^l − η ∂C/∂b^l", Mistake(update_sign=True)),
    Misconception("gradient of C without the ½ (a factor of 2)",
                  "C = ½‖y − a³‖², so ∂C/∂a³ = a³ − y", Mistake(factor_two=True)),
    Misconception("the error taken as (y − a³) instead of (a³ − y)",
                  "BP1: δ³ = (a³ − y) ⊙ σ'(z³)", Mistake(error_sign=True)),
    Misconception("the bias gradient left out",
                  "BP3: ∂C/∂b^l_j = δ^l_j", Mistake(no_bias_gradient=True)),
    Misconception("the biases not updated",
                  "b^l ← b^l − η ∂C/∂b^l, in update", Mistake(update_skips_bias=True)),
    Misconception("the learning rate η left out of the step",
                  "W^l ← W^l − η ∂C/∂W^l, with η = lr", Mistake(update_no_lr=True)),
    Misconception("the biases left out of the forward pass",
                  "z^l = W^l a^(l−1) + b^l", Mistake(no_forward_bias=True)),
    Misconception("W used as Wᵀ in the forward pass",
                  "z^l = W^l a^(l−1) + b^l, with W[j, k] = w^l_jk from neuron k to neuron j",
                  Mistake(forward_transposed=True)),
    Misconception("no sigmoid on the output layer",
                  "a³ = σ(z³): the exercise uses σ on both layers",
                  Mistake(no_output_sigmoid=True)),
    Misconception("the sign of the exponent in σ",
                  "σ(z) = 1 / (1 + e^(−z))", Mistake(sigmoid_sign=True)),
    Misconception("σ'(z) computed as z(1 − z): σ(z)(1 − σ(z)) needs σ(z), not z",
                  "σ'(z) = σ(z)(1 − σ(z))", Mistake(prime_of_z=True)),
    Misconception("the cost without the ½",
                  "C = ½‖y − a³‖² = ½ Σ_j (y_j − a³_j)²", Mistake(cost_no_half=True)),
    Misconception("a mean where the cost sums",
                  "C = ½ Σ_j (y_j − a³_j)², a sum over the outputs", Mistake(cost_mean=True)),
)
