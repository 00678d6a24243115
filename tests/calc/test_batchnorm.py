"""Batch normalisation: a hand example, the forward pass against the definition written here with numpy's
reductions, and the backward pass against finite differences of L = Σ ∂L/∂y·y (never the three-term formula)."""
from __future__ import annotations

import numpy as np
import pytest

from dlcalc.calc.batchnorm import EPS, SLIPS, batchnorm
from dlcalc.calc.errors import BadInput

X = np.array([[1.0, 2], [3, 6], [5, 10]])


def test_the_hand_example():
    # μ = (9/3, 18/3) = (3, 6); σ² = ((−2)² + 0 + 2²)/3 = 8/3 and ((−4)² + 0 + 4²)/3 = 32/3 (biased)
    sol = batchnorm(X)
    np.testing.assert_allclose(sol.answer["mean"], [3, 6])
    np.testing.assert_allclose(sol.answer["var"], [8 / 3, 32 / 3])
    # x̂ of the first row: −2/√(8/3 + 1e-5) and −4/√(32/3 + 1e-5), both ≈ −1.2247 (−√1.5)
    np.testing.assert_allclose(sol.answer["normalized"][0], [-2 / np.sqrt(8 / 3 + EPS), -4 / np.sqrt(32 / 3 + EPS)])
    np.testing.assert_allclose(sol.answer["output"], sol.answer["normalized"])       # γ = 1, β = 0


def reference(x, gamma, beta, eps, axes):
    mu = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True)                                           # numpy's var is biased
    return gamma * (x - mu) / np.sqrt(var + eps) + beta


@pytest.mark.parametrize("seed", range(8))
def test_forward_matches_the_definition(seed):
    rng = np.random.default_rng(seed)
    x, g, b = rng.normal(size=(5, 3)), rng.normal(size=3), rng.normal(size=3)
    np.testing.assert_allclose(batchnorm(x, g, b).answer["output"], reference(x, g, b, EPS, 0), rtol=1e-10)
    x4 = rng.normal(size=(2, 3, 2, 2))                                                # N×C×H×W: per channel
    want = reference(x4, g[None, :, None, None], b[None, :, None, None], EPS, (0, 2, 3))
    np.testing.assert_allclose(batchnorm(x4, g, b).answer["output"], want, rtol=1e-10)


@pytest.mark.parametrize("seed", range(6))
def test_backward_matches_finite_differences(seed):
    rng = np.random.default_rng(10 + seed)
    x, g, b, dy = rng.normal(size=(4, 3)), rng.normal(size=3), rng.normal(size=3), rng.normal(size=(4, 3))
    sol = batchnorm(x, g, b, grad_output=dy)
    loss = lambda x_, g_, b_: float((dy * reference(x_, g_, b_, EPS, 0)).sum())  # noqa: E731

    def numeric(f, a):
        out, h = np.zeros_like(a), 1e-6
        for ix in np.ndindex(a.shape):
            up, down = a.copy(), a.copy()
            up[ix] += h
            down[ix] -= h
            out[ix] = (f(up) - f(down)) / (2 * h)
        return out

    np.testing.assert_allclose(sol.answer["grad_input"], numeric(lambda a: loss(a, g, b), x), atol=1e-6)
    np.testing.assert_allclose(sol.answer["grad_gamma"], numeric(lambda a: loss(x, a, b), g), atol=1e-6)
    np.testing.assert_allclose(sol.answer["grad_beta"], dy.sum(axis=0), atol=1e-12)


def test_the_slips():
    params = {"input": X, "gamma": None, "beta": None, "eps": EPS, "grad_output": None}
    slipped = {s.name: batchnorm(**s.params(params)).answer for s in SLIPS if s.params(params) is not None}
    # N − 1: 8/2 = 4 and 32/2 = 16
    np.testing.assert_allclose(slipped["unbiased variance (÷ N − 1) instead of the batch's own (÷ N)"]["var"], [4, 16])
    # ε outside: −2/(√(8/3) + 1e-5)
    out = slipped["ε added outside the square root"]["normalized"][0, 0]
    assert out == pytest.approx(-2 / (np.sqrt(8 / 3) + EPS), rel=1e-12)
    # per row: row 1 (1, 2) has mean 1.5, so its first value normalises to −1 (up to ε)
    rows = slipped["statistics over each sample's features instead of each feature's samples"]["normalized"]
    assert rows[0, 0] == pytest.approx(-0.5 / np.sqrt(0.25 + EPS))


@pytest.mark.parametrize("kwargs, where, message", [
    ({"input": np.array([[1.0, 2]])}, "input", "N ≥ 2"),
    ({"input": np.array([1.0, 2, 3])}, "input", "N×D"),
    ({"input": X, "gamma": [1, 2, 3]}, "gamma", "3 values for 2 features"),
    ({"input": X, "grad_output": np.ones((2, 2))}, "grad_output", "must match"),
])
def test_bad_input(kwargs, where, message):
    with pytest.raises(BadInput, match=message) as e:
        batchnorm(**kwargs)
    assert e.value.where == where
