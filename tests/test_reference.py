"""Tests of the hidden reference solution against independent oracles.

Notation (the lecture's): layer 1 = input, 2 = hidden, 3 = output; ``W[j, k]`` = w^l_jk;
z^l = W^l a^(l-1) + b^l, a^l = σ(z^l), C = ½‖y − a³‖², δ³ = (a³ − y) ⊙ σ'(z³),
δ² = (W³)ᵀ δ³ ⊙ σ'(z²), ∂C/∂b^l = δ^l, ∂C/∂W^l = δ^l (a^(l−1))ᵀ.

The oracles never call the function they check to produce an expected value:
gradients are checked against centred finite differences of the cost, the exercise
network against plain ``math`` arithmetic and against literals computed with ``decimal``,
the update rule against an element-by-element Python computation.
"""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pytest

PARAM_NAMES = ("W2", "b2", "W3", "b3")
N_NETWORKS = 200
FD_STEP = 1e-5
FD_RTOL = 1e-7


# --------------------------------------------------------------------------- helpers


def _cost_at(reference, x, y, params):
    return reference.cost(reference.forward(x, params)["a3"], y)


def _finite_difference_gradients(reference, x, y, params):
    """Centred differences (C(θ+h) − C(θ−h)) / (2h), h = 1e-5, of the reference cost.

    The denominator is the step actually taken, ``(θ+h) − (θ−h)`` in floating point,
    so that the rounding of θ ± h does not add to the error.
    """
    work = {name: np.array(params[name], dtype=np.float64) for name in PARAM_NAMES}
    grads = {}
    for name in PARAM_NAMES:
        arr = work[name]
        grad = np.empty_like(arr)
        for idx in np.ndindex(arr.shape):
            theta = arr[idx]
            plus, minus = theta + FD_STEP, theta - FD_STEP
            arr[idx] = plus
            c_plus = _cost_at(reference, x, y, work)
            arr[idx] = minus
            c_minus = _cost_at(reference, x, y, work)
            arr[idx] = theta
            grad[idx] = (c_plus - c_minus) / (plus - minus)
        grads[name] = grad
    return grads


def _relative_error(a, n):
    """|a − n| / max(|a|, |n|, 1e-12), elementwise."""
    a, n = np.asarray(a), np.asarray(n)
    return np.abs(a - n) / np.maximum(np.maximum(np.abs(a), np.abs(n)), 1e-12)


def _widths(rng):
    return tuple(int(w) for w in rng.integers(1, 7, size=3))  # n_in, n_hidden, n_out


def _log_uniform_scale(rng):
    return float(np.exp(rng.uniform(np.log(0.1), np.log(3.0))))


def _well_conditioned_network(rng):
    """A random network whose every gradient entry is large enough for FD to certify 1e-7.

    Random widths 1..6 and a weight scale log-uniform in [0.1, 3]; then
    * |x_k| ∈ [0.5, 1] with random sign, so ∂C/∂w²_jk = δ²_j x_k is never small because x is;
    * |w| = U(0.5, 1) · scale / (fan_in + 1)^0.75, so |z| ≤ 3 · 7^0.25 ≈ 4.9 on both
      layers: σ'(z) ≥ 0.007 and a² ≥ 0.007 (no saturation);
    * targets outside (0, 1), y_j = 1 + d or −d with d ∈ [0.05, 0.5], so a³_j − y_j never
      vanishes and the sign of δ³_j is known in advance;
    * W³_ij = c_j · sign(δ³_i) · |w|, with a random sign c_j per hidden neuron, so the sum
      (W³ᵀ δ³)_j = c_j Σ_i |W³_ij| |δ³_i| never cancels (random-looking signs, no
      cancellation).
    """
    n_in, n_hidden, n_out = _widths(rng)
    scale = _log_uniform_scale(rng)

    def sign(shape):
        return rng.choice([-1.0, 1.0], size=shape)

    def magnitude(shape, fan_in):
        return rng.uniform(0.5, 1.0, size=shape) * scale / (fan_in + 1) ** 0.75

    x = sign(n_in) * rng.uniform(0.5, 1.0, size=n_in)
    above = rng.random(n_out) < 0.5
    d = rng.uniform(0.05, 0.5, size=n_out)
    y = np.where(above, 1.0 + d, -d)
    sign_delta3 = np.where(above, -1.0, 1.0)
    params = {
        "W2": sign((n_hidden, n_in)) * magnitude((n_hidden, n_in), n_in),
        "b2": sign(n_hidden) * magnitude(n_hidden, n_in),
        "W3": np.outer(sign_delta3, sign(n_hidden)) * magnitude((n_out, n_hidden), n_hidden),
        "b3": sign(n_out) * magnitude(n_out, n_hidden),
    }
    return x, y, params


def _unconstrained_network(rng):
    """Random widths 1..6, weights scale·N(0, 1) with scale log-uniform in [0.1, 3],
    x ~ U(−1, 1), y ~ U(0, 1): saturated neurons, cancellations and tiny gradients included.
    """
    n_in, n_hidden, n_out = _widths(rng)
    scale = _log_uniform_scale(rng)
    params = {
        "W2": scale * rng.standard_normal((n_hidden, n_in)),
        "b2": scale * rng.standard_normal(n_hidden),
        "W3": scale * rng.standard_normal((n_out, n_hidden)),
        "b3": scale * rng.standard_normal(n_out),
    }
    return rng.uniform(-1.0, 1.0, size=n_in), rng.uniform(0.0, 1.0, size=n_out), params


def _analytic_and_numeric(reference, x, y, params):
    """Pairs (label, reference value, FD value) for every gradient and both δ's."""
    grads = reference.backward(y, params, reference.forward(x, params))
    numeric = _finite_difference_gradients(reference, x, y, params)
    pairs = [(name, grads[name], numeric[name]) for name in PARAM_NAMES]
    pairs.append(("delta3 vs dC/db3", grads["delta3"], numeric["b3"]))
    pairs.append(("delta2 vs dC/db2", grads["delta2"], numeric["b2"]))
    return pairs


def _random_network(rng, n_in, n_hidden, n_out):
    params = {
        "W2": rng.standard_normal((n_hidden, n_in)),
        "b2": rng.standard_normal(n_hidden),
        "W3": rng.standard_normal((n_out, n_hidden)),
        "b3": rng.standard_normal(n_out),
    }
    return rng.standard_normal(n_in), rng.uniform(0.0, 1.0, size=n_out), params


# ------------------------------------------------------- gradients vs finite differences


def test_gradients_match_finite_differences(reference):
    """Every entry of ∂C/∂W², ∂C/∂b², ∂C/∂W³, ∂C/∂b³ (and δ³, δ²) agrees with centred
    finite differences (h = 1e-5) of the reference cost to a relative error
    |a − n| / max(|a|, |n|, 1e-12) below 1e-7, on 200 random networks.

    The rule is the plain relative error, with no absolute escape. That is only honest
    where FD itself is accurate to much better than 1e-7: its rounding noise is about
    ε·C / (2h·|g|) relative (ε = 2.2e-16), so entries must satisfy |g| ≳ 1e-3·C. The networks
    are built so that every entry does (see ``_well_conditioned_network``); the worst
    relative error observed on them is about 1.5e-8. Saturated, cancelling and tiny
    gradients are covered by the next test.
    """
    rng = np.random.default_rng(20240601)
    worst = (0.0, None)
    for i in range(N_NETWORKS):
        x, y, params = _well_conditioned_network(rng)
        for label, analytic, numeric in _analytic_and_numeric(reference, x, y, params):
            err = float(_relative_error(analytic, numeric).max())
            if err > worst[0]:
                worst = (err, f"network {i}, {label}: {analytic} vs FD {numeric}")
    assert worst[0] < FD_RTOL, f"max relative error {worst[0]:.3g} at {worst[1]}"


def test_gradients_match_finite_differences_on_unconstrained_networks(reference):
    """Same check on unconstrained random networks (saturation, cancellation, y in (0, 1)).

    Here some gradient entries are far smaller than the FD noise floor, so the rule is
    |a − n| ≤ max(1e-7 · max(|a|, |n|), 1e-10 · (1 + C)): relative 1e-7 for entries FD can
    resolve, absolute 1e-10·(1 + C) below that. The absolute part is about 6× the largest FD
    error observed on such networks (|a − n| ≤ 1.7e-11·(1 + C)), which is rounding in the
    cost, of order ε·C/h. A ``|a|, |n| < 1e-9`` cut-off would not do: FD noise is ~1e-11,
    i.e. far above 1e-7 relative already for gradients of 1e-5.
    """
    rng = np.random.default_rng(20240602)
    worst = (0.0, None)
    for i in range(N_NETWORKS):
        x, y, params = _unconstrained_network(rng)
        c = _cost_at(reference, x, y, params)
        for label, analytic, numeric in _analytic_and_numeric(reference, x, y, params):
            bound = np.maximum(
                FD_RTOL * np.maximum(np.abs(analytic), np.abs(numeric)), 1e-10 * (1.0 + c)
            )
            ratio = float((np.abs(analytic - numeric) / bound).max())
            if ratio > worst[0]:
                worst = (ratio, f"network {i}, {label}: {analytic} vs FD {numeric}")
    assert worst[0] <= 1.0, f"error {worst[0]:.3g}× the allowed bound at {worst[1]}"


# ------------------------------------------------------------ the exercise network


def test_exercise_network_step_by_step(reference, exercise):
    """forward, cost, backward and update on the exercise network against ``math`` arithmetic
    written out neuron by neuron (no numpy, no reference), to a relative 1e-12."""
    shapes = {name: exercise.params[name].shape for name in PARAM_NAMES}
    assert shapes == {"W2": (2, 2), "b2": (2,), "W3": (2, 2), "b3": (2,)}, (
        "this test is written out for the lecture's 2-2-2 network"
    )
    x1, x2 = exercise.x.tolist()
    y1, y2 = exercise.y.tolist()
    eta = exercise.learning_rate
    (w2_11, w2_12), (w2_21, w2_22) = exercise.params["W2"].tolist()
    b2_1, b2_2 = exercise.params["b2"].tolist()
    (w3_11, w3_12), (w3_21, w3_22) = exercise.params["W3"].tolist()
    b3_1, b3_2 = exercise.params["b3"].tolist()

    def sig(z):
        return 1.0 / (1.0 + math.exp(-z))

    def sig_prime(z):
        return sig(z) * (1.0 - sig(z))

    # forward
    z2_1 = w2_11 * x1 + w2_12 * x2 + b2_1
    z2_2 = w2_21 * x1 + w2_22 * x2 + b2_2
    a2_1, a2_2 = sig(z2_1), sig(z2_2)
    z3_1 = w3_11 * a2_1 + w3_12 * a2_2 + b3_1
    z3_2 = w3_21 * a2_1 + w3_22 * a2_2 + b3_2
    a3_1, a3_2 = sig(z3_1), sig(z3_2)
    cost = 0.5 * ((y1 - a3_1) ** 2 + (y2 - a3_2) ** 2)
    # backward: δ³_j = (a³_j − y_j) σ'(z³_j);  δ²_k = (Σ_j w³_jk δ³_j) σ'(z²_k)
    d3_1 = (a3_1 - y1) * sig_prime(z3_1)
    d3_2 = (a3_2 - y2) * sig_prime(z3_2)
    d2_1 = (w3_11 * d3_1 + w3_21 * d3_2) * sig_prime(z2_1)
    d2_2 = (w3_12 * d3_1 + w3_22 * d3_2) * sig_prime(z2_2)
    # ∂C/∂w^l_jk = a^(l−1)_k δ^l_j,  ∂C/∂b^l_j = δ^l_j
    g_w3 = [[d3_1 * a2_1, d3_1 * a2_2], [d3_2 * a2_1, d3_2 * a2_2]]
    g_w2 = [[d2_1 * x1, d2_1 * x2], [d2_2 * x1, d2_2 * x2]]
    # w ← w − η ∂C/∂w
    new = {
        "W2": [
            [w2_11 - eta * g_w2[0][0], w2_12 - eta * g_w2[0][1]],
            [w2_21 - eta * g_w2[1][0], w2_22 - eta * g_w2[1][1]],
        ],
        "b2": [b2_1 - eta * d2_1, b2_2 - eta * d2_2],
        "W3": [
            [w3_11 - eta * g_w3[0][0], w3_12 - eta * g_w3[0][1]],
            [w3_21 - eta * g_w3[1][0], w3_22 - eta * g_w3[1][1]],
        ],
        "b3": [b3_1 - eta * d3_1, b3_2 - eta * d3_2],
    }

    def close(actual, expected):
        np.testing.assert_allclose(actual, expected, rtol=1e-12, atol=0)

    cache = reference.forward(exercise.x, exercise.params)
    close(cache["a1"], [x1, x2])
    close(cache["z2"], [z2_1, z2_2])
    close(cache["a2"], [a2_1, a2_2])
    close(cache["z3"], [z3_1, z3_2])
    close(cache["a3"], [a3_1, a3_2])
    close(reference.cost(cache["a3"], exercise.y), cost)
    grads = reference.backward(exercise.y, exercise.params, cache)
    close(grads["delta3"], [d3_1, d3_2])
    close(grads["delta2"], [d2_1, d2_2])
    close(grads["b3"], [d3_1, d3_2])
    close(grads["b2"], [d2_1, d2_2])
    close(grads["W3"], g_w3)
    close(grads["W2"], g_w2)
    updated = reference.update(exercise.params, grads, eta)
    for name in PARAM_NAMES:
        close(updated[name], new[name])


# The lecture's 2-2-2 network (the bundled exercise.toml at the time of writing), hard-coded
# here so that editing the config for a new term does not invalidate the literals below.
LECTURE_X = [0.35, 0.90]
LECTURE_Y = [1.0, 1.0]
LECTURE_ETA = 0.5
LECTURE_PARAMS = {
    "W2": [[0.10, 0.80], [0.40, 0.60]],
    "b2": [0.25, -0.15],
    "W3": [[0.30, 0.90], [-0.50, 0.20]],
    "b3": [0.10, -0.20],
}
# Expected values, derived by hand and evaluated with Python's ``decimal`` module at 40
# significant digits from the decimal inputs above (no float, numpy or reference code),
# then rounded to 17 digits.
LECTURE_EXPECTED = {
    # z²_1 = 0.10·0.35 + 0.80·0.90 + 0.25 = 0.035 + 0.72 + 0.25 = 1.005 exactly
    # z²_2 = 0.40·0.35 + 0.60·0.90 − 0.15 = 0.14 + 0.54 − 0.15 = 0.53 exactly
    "z2": [1.005, 0.53],
    # a²_j = 1 / (1 + e^(−z²_j))
    "a2": [7.3204050184163177e-1, 6.2948311196739487e-1],
    # z³_1 = 0.30·a²_1 + 0.90·a²_2 + 0.10;  z³_2 = −0.50·a²_1 + 0.20·a²_2 − 0.20
    "z3": [8.8614695132314492e-1, -4.4012362852733691e-1],
    "a3": [7.0809439907245153e-1, 3.9171151144448271e-1],
    # C = ½((1 − a³_1)² + (1 − a³_2)²)
    "cost": 2.2761188258101444e-1,
    # δ³_j = (a³_j − 1) a³_j (1 − a³_j)
    "delta3": [-6.0335930575056961e-2, -1.4493908998140630e-1],
    # δ²_k = (w³_1k δ³_1 + w³_2k δ³_2) a²_k (1 − a²_k)
    "delta2": [1.0664825169655692e-2, -1.9426106435374718e-2],
    # w ← w − 0.5 ∂C/∂w, with ∂C/∂w^l_jk = δ^l_j a^(l−1)_k and ∂C/∂b^l_j = δ^l_j
    "W2": [
        [9.8133655595310254e-2, 7.9520082867365494e-1],
        [4.0339956862619058e-1, 6.0874174789591862e-1],
    ],
    "b2": [2.4466758741517215e-1, -1.4028694678231264e-1],
    "W3": [
        [3.2208417244862328e-1, 9.1899022467091777e-1],
        [-4.4694935791677096e-1, 2.4561835470360895e-1],
    ],
    "b3": [1.3016796528752848e-1, -1.2753045500929685e-1],
}


def test_lecture_network_literal_values(reference):
    """Forward, cost, δ's and one update step on the lecture network vs pinned literals."""
    x, y = np.array(LECTURE_X), np.array(LECTURE_Y)
    params = {name: np.array(value) for name, value in LECTURE_PARAMS.items()}
    cache = reference.forward(x, params)
    grads = reference.backward(y, params, cache)
    actual = {
        **{key: cache[key] for key in ("z2", "a2", "z3", "a3")},
        "cost": reference.cost(cache["a3"], y),
        "delta3": grads["delta3"],
        "delta2": grads["delta2"],
        **reference.update(params, grads, LECTURE_ETA),
    }
    for key, expected in LECTURE_EXPECTED.items():
        np.testing.assert_allclose(actual[key], expected, rtol=1e-12, atol=0, err_msg=key)


# ------------------------------------------------------------------- σ and σ' at extremes


def _strict(func, z, **errstate):
    """func(z) with every warning an error and numpy floating-point errors raising."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(**errstate):
            return func(z)


ALL_RAISE = {"all": "raise"}
# Underflow of e^(−|z|) to a subnormal or 0 is the correct result at |z| ≳ 708; what
# must never happen is an overflow, a division by zero or a NaN.
NO_UNDERFLOW_CHECK = {"over": "raise", "divide": "raise", "invalid": "raise", "under": "ignore"}
E_MINUS_50 = 1.9287498479639178e-22  # e^−50; σ(−50) = e^−50 / (1 + e^−50) equals it in float


def test_sigmoid_moderate_inputs(reference):
    """σ at 0 and ±50, scalar and vector: exact values, no warnings, no FP flags at all."""
    assert float(_strict(reference.sigmoid, 0.0, **ALL_RAISE)) == 0.5
    # σ(50) = 1 − e^−50 + …, which is 1.0 in float64
    assert float(_strict(reference.sigmoid, 50.0, **ALL_RAISE)) == pytest.approx(1.0, abs=1e-15)
    np.testing.assert_allclose(
        _strict(reference.sigmoid, -50.0, **ALL_RAISE), E_MINUS_50, rtol=1e-12, atol=0
    )
    vector = _strict(reference.sigmoid, np.array([-50.0, 0.0, 50.0]), **ALL_RAISE)
    assert vector.shape == (3,) and vector.dtype == np.float64
    np.testing.assert_allclose(vector, [E_MINUS_50, 0.5, 1.0], rtol=1e-12, atol=0)


def test_sigmoid_extreme_inputs(reference):
    """σ at ±1000 (and mixed with ±50, 0): finite, in [0, 1], σ(1000) = 1, σ(−1000) ≈ 0."""
    z = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0])
    for value, expected in ((1000.0, 1.0), (-1000.0, 0.0)):
        s = float(_strict(reference.sigmoid, value, **NO_UNDERFLOW_CHECK))
        assert math.isfinite(s) and 0.0 <= s <= 1.0
        assert s == pytest.approx(expected, abs=1e-300)  # e^−1000 ≈ 5e−435: 0 or subnormal
    s = _strict(reference.sigmoid, z, **NO_UNDERFLOW_CHECK)
    assert s.shape == z.shape and np.all(np.isfinite(s))
    assert s[0] >= 0.0 and s[0] <= 1e-300 and s[4] == 1.0
    np.testing.assert_allclose(s[1:4], [E_MINUS_50, 0.5, 1.0], rtol=1e-12, atol=0)


def test_sigmoid_prime_moderate_and_extreme_inputs(reference):
    """σ'(0) = 0.25, σ'(−50) ≈ e^−50, σ'(50) ≈ 0 (the s(1 − s) form gives exactly 0 there),
    finite and ≥ 0 at ±1000; scalar and vector."""
    assert float(_strict(reference.sigmoid_prime, 0.0, **ALL_RAISE)) == 0.25
    np.testing.assert_allclose(
        _strict(reference.sigmoid_prime, -50.0, **ALL_RAISE), E_MINUS_50, rtol=1e-12, atol=0
    )
    assert 0.0 <= float(_strict(reference.sigmoid_prime, 50.0, **ALL_RAISE)) <= 1e-21
    z = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0])
    sp = _strict(reference.sigmoid_prime, z, **NO_UNDERFLOW_CHECK)
    assert sp.shape == z.shape and sp.dtype == np.float64 and np.all(np.isfinite(sp))
    assert np.all(sp >= 0.0) and sp[0] <= 1e-300 and sp[4] <= 1e-300
    assert sp[2] == 0.25
    np.testing.assert_allclose(sp[1], E_MINUS_50, rtol=1e-12, atol=0)


@pytest.mark.parametrize("func", ["sigmoid", "sigmoid_prime"])
@pytest.mark.parametrize("z", [1000.0, -1000.0])
def test_extreme_inputs_raise_no_floating_point_flag_at_all(reference, func, z):
    """e^(−|z|) is clipped at |z| = 700, so not even numpy's underflow flag is raised."""
    _strict(getattr(reference, func), np.array([z, 0.0]), **ALL_RAISE)


# ------------------------------------------------------------------- no in-place writes


def _frozen_copies(arrays):
    """Copies of ``arrays`` (for comparison), after making the originals read-only."""
    copies = {key: np.array(value, copy=True) for key, value in arrays.items()}
    for value in arrays.values():
        value.flags.writeable = False
    return copies


def _assert_unchanged(arrays, copies):
    assert arrays.keys() == copies.keys()
    for key in copies:
        np.testing.assert_array_equal(arrays[key], copies[key], err_msg=key, strict=True)


def test_forward_backward_update_do_not_modify_their_inputs(reference):
    """forward leaves x and params, backward y, params and the cache, update params and
    grads untouched; the inputs are read-only, so any in-place write would raise."""
    rng = np.random.default_rng(7)
    for _ in range(20):
        x, y, params = _random_network(rng, *_widths(rng))
        x_copy = _frozen_copies({"x": x})
        y_copy = _frozen_copies({"y": y})
        params_copy = _frozen_copies(params)

        cache = reference.forward(x, params)
        _assert_unchanged({"x": x}, x_copy)
        _assert_unchanged(params, params_copy)

        cache_copy = _frozen_copies({k: v for k, v in cache.items() if v.flags.writeable})
        cache_copy.update({k: v.copy() for k, v in cache.items() if k not in cache_copy})
        grads = reference.backward(y, params, cache)
        _assert_unchanged(cache, cache_copy)
        _assert_unchanged({"y": y}, y_copy)
        _assert_unchanged(params, params_copy)

        grads_copy = _frozen_copies({k: v for k, v in grads.items() if v.flags.writeable})
        grads_copy.update({k: v.copy() for k, v in grads.items() if k not in grads_copy})
        reference.update(params, grads, float(rng.uniform(0.01, 2.0)))
        _assert_unchanged(params, params_copy)
        _assert_unchanged(grads, grads_copy)


# ------------------------------------------------------------------------- update rule


@pytest.mark.parametrize("seed", range(5))
def test_update_is_exactly_gradient_descent(reference, seed):
    """update returns W − η ∂C/∂W and b − η ∂C/∂b bit for bit, as new arrays."""
    rng = np.random.default_rng(100 + seed)
    n_in, n_hidden, n_out = _widths(rng)
    shapes = {"W2": (n_hidden, n_in), "b2": (n_hidden,), "W3": (n_out, n_hidden), "b3": (n_out,)}
    params = {k: rng.standard_normal(s) * rng.uniform(0.1, 10.0) for k, s in shapes.items()}
    grads = {k: rng.standard_normal(s) * rng.uniform(1e-6, 10.0) for k, s in shapes.items()}
    lr = 0.0 if seed == 0 else float(rng.uniform(1e-3, 3.0))

    updated = reference.update(params, grads, lr)

    assert set(updated) == set(PARAM_NAMES)
    for name in PARAM_NAMES:
        flat_p, flat_g = params[name].ravel().tolist(), grads[name].ravel().tolist()
        expected = [p - lr * g for p, g in zip(flat_p, flat_g, strict=True)]
        expected = np.array(expected).reshape(shapes[name])
        assert updated[name].dtype == np.float64
        np.testing.assert_array_equal(updated[name], expected, strict=True)
        assert not np.shares_memory(updated[name], params[name])
        assert not np.shares_memory(updated[name], grads[name])


# ----------------------------------------------------------------------------- widths


def test_shapes_for_all_widths(reference):
    """forward, backward and update give the right keys, shapes and dtype for every
    (n_in, n_hidden, n_out) in 1..6 — including non-square layers, where W vs Wᵀ shows."""
    rng = np.random.default_rng(3)
    for n_in, n_hidden, n_out in itertools.product(range(1, 7), repeat=3):
        x, y, params = _random_network(rng, n_in, n_hidden, n_out)
        cache = reference.forward(x, params)
        assert set(cache) == {"a1", "z2", "a2", "z3", "a3"}
        expected = {
            "a1": (n_in,),
            "z2": (n_hidden,),
            "a2": (n_hidden,),
            "z3": (n_out,),
            "a3": (n_out,),
        }
        for key, shape in expected.items():
            assert cache[key].shape == shape and cache[key].dtype == np.float64, key
        assert isinstance(reference.cost(cache["a3"], y), float)

        grads = reference.backward(y, params, cache)
        assert set(grads) == {"delta3", "delta2", "W3", "b3", "W2", "b2"}
        expected = {
            "delta3": (n_out,),
            "delta2": (n_hidden,),
            "W3": (n_out, n_hidden),
            "b3": (n_out,),
            "W2": (n_hidden, n_in),
            "b2": (n_hidden,),
        }
        for key, shape in expected.items():
            assert grads[key].shape == shape and grads[key].dtype == np.float64, key

        updated = reference.update(params, grads, 0.5)
        for name in PARAM_NAMES:
            assert updated[name].shape == params[name].shape, name
