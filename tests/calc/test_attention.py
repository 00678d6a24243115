"""Scaled dot-product attention against the definition written here with numpy (no dlcalc code), by hand
on a 2×2 example, with the causal mask, the slips and bad input."""
from __future__ import annotations

from math import exp, sqrt

import numpy as np
import pytest

from dlcalc.calc.attention import SLIPS, attention
from dlcalc.calc.errors import BadInput


def reference(q, k, v, causal=False, scale=None):
    s = q @ k.T * (1 / np.sqrt(q.shape[1]) if scale is None else scale)
    if causal:
        s = s + np.triu(np.full(s.shape, -np.inf), 1)
    w = np.exp(s - s.max(axis=1, keepdims=True))
    w = w / w.sum(axis=1, keepdims=True)
    return s, w, w @ v


def test_the_hand_example():
    # Q = K = I, d_k = 2: scores = I/√2; row 1: e^(1/√2) / (e^(1/√2) + 1) = 0.6698; out_11 = 0.6698·1 + 0.3302·3
    sol = attention(np.eye(2), np.eye(2), np.array([[1.0, 2], [3, 4]]))
    a = exp(1 / sqrt(2)) / (exp(1 / sqrt(2)) + 1)
    np.testing.assert_allclose(sol.answer["weights"], [[a, 1 - a], [1 - a, a]])
    np.testing.assert_allclose(sol.answer["output"][0], [a * 1 + (1 - a) * 3, a * 2 + (1 - a) * 4])


@pytest.mark.parametrize("seed", range(8))
def test_random_inputs_match_the_definition(seed):
    rng = np.random.default_rng(seed)
    n, dk, dv = rng.integers(1, 5), rng.integers(1, 4), rng.integers(1, 4)
    q, k, v = rng.normal(size=(n, dk)), rng.normal(size=(n, dk)), rng.normal(size=(n, dv))
    for causal in (False, True):
        sol = attention(q, k, v, mask="causal" if causal else "none")
        s, w, out = reference(q, k, v, causal)
        np.testing.assert_allclose(sol.answer["scores"], s)
        np.testing.assert_allclose(sol.answer["weights"], w)
        np.testing.assert_allclose(sol.answer["output"], out)


def test_the_causal_mask_gives_later_keys_no_weight():
    sol = attention(np.ones((3, 2)), np.ones((3, 2)), np.array([[1.0], [2], [3]]), mask="causal")
    # equal scores: row i spreads 1/i over the first i keys; out = means of 1, (1, 2), (1, 2, 3)
    np.testing.assert_allclose(sol.answer["weights"], [[1, 0, 0], [0.5, 0.5, 0], [1 / 3, 1 / 3, 1 / 3]])
    np.testing.assert_allclose(sol.answer["output"][:, 0], [1, 1.5, 2])
    assert np.isneginf(sol.answer["scores"][0, 1])


def test_a_given_scale_replaces_one_over_root_dk():
    q, k, v = np.array([[1.0, 2]]), np.array([[1.0, 0], [0, 1]]), np.array([[1.0], [0]])
    _, w, _ = reference(q, k, v, scale=1.0)
    np.testing.assert_allclose(attention(q, k, v, scale=1.0).answer["weights"], w)


def test_the_slips():
    q, k, v = np.array([[1.0, 2]]), np.array([[1.0, 0], [0, 1]]), np.array([[1.0, 0, 2], [0, 1, 1]])
    params = {"query": q, "key": k, "value": v, "mask": "none", "scale": None}
    out = {s.name: attention(**s.params(params)).answer["weights"] for s in SLIPS if s.params(params) is not None}
    np.testing.assert_allclose(out["no scaling by 1/√d_k"], reference(q, k, v, scale=1.0)[1])
    np.testing.assert_allclose(out["scaled by 1/√d_v (the value width) instead of 1/√d_k"],
                               reference(q, k, v, scale=1 / np.sqrt(3))[1])
    # one query: the column softmax puts weight 1 on every key
    np.testing.assert_allclose(out["softmax over the columns (the queries) instead of each row"], [[1, 1]])


@pytest.mark.parametrize("q, k, v, mask, where", [
    (np.ones((2, 2)), np.ones((2, 3)), np.ones((2, 1)), "none", "key"),
    (np.ones((2, 2)), np.ones((3, 2)), np.ones((2, 1)), "none", "value"),
    (np.ones((2, 2)), np.ones((3, 2)), np.ones((3, 1)), "causal", "mask"),
])
def test_bad_shapes_name_the_field(q, k, v, mask, where):
    with pytest.raises(BadInput) as e:
        attention(q, k, v, mask=mask)
    assert e.value.where == where
