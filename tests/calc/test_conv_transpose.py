"""Transposed convolution: d2l's worked examples (14.10), and random cases against two independent facts:
the scatter definition written here with loops, and the adjoint identity ⟨T(x), y⟩ = ⟨x, C(y)⟩ with C the
strided, dilated, padded cross-correlation (written here with loops too)."""
from __future__ import annotations

import numpy as np
import pytest

from dlcalc.calc.conv_transpose import SLIPS, conv_transpose
from dlcalc.calc.errors import BadInput

X = K = np.array([[0.0, 1], [2, 3]])


@pytest.mark.parametrize("kwargs, expected", [
    ({}, [[0, 0, 1], [0, 4, 6], [4, 12, 9]]),                                        # d2l: stride 1
    ({"stride": 2}, [[0, 0, 0, 1], [0, 0, 2, 3], [0, 2, 0, 3], [4, 6, 6, 9]]),      # d2l: stride 2, gaps visible
    ({"padding": 1}, [[4]]),                                                         # d2l: padding 1 crops a ring
])
def test_d2l_examples(kwargs, expected):
    sol = conv_transpose(X, K, **kwargs)
    np.testing.assert_array_equal(sol.answer["output"], expected)
    assert sol.answer["output_shape"] == list(np.shape(expected))


def scatter(x, k, s, p, d):
    """x: C_in×H×W, k: C_in×C_out×kh×kw; every input value times the kernel, then P cropped."""
    c_in, c_out, kh, kw = k.shape
    H, W = x.shape[1:]
    full = np.zeros((c_out, (H - 1) * s + d * (kh - 1) + 1, (W - 1) * s + d * (kw - 1) + 1))
    for ci in range(c_in):
        for i in range(H):
            for j in range(W):
                for a in range(kh):
                    for b in range(kw):
                        full[:, i * s + a * d, j * s + b * d] += x[ci, i, j] * k[ci, :, a, b]
    return full[:, p: full.shape[1] - p, p: full.shape[2] - p]


def correlate(y, k, s, p, d, hw):
    """C(y)[ci, i, j] = Σ y_pad[co, i·s + a·d, j·s + b·d]·k[ci, co, a, b]: the forward conv this one transposes."""
    yp = np.pad(y, ((0, 0), (p, p), (p, p)))
    c_in, c_out, kh, kw = k.shape
    out = np.zeros((c_in, *hw))
    for ci in range(c_in):
        for i in range(hw[0]):
            for j in range(hw[1]):
                out[ci, i, j] = sum(yp[co, i * s + a * d, j * s + b * d] * k[ci, co, a, b]
                                    for co in range(c_out) for a in range(kh) for b in range(kw))
    return out


@pytest.mark.parametrize("seed", range(12))
def test_random_cases_scatter_and_are_the_adjoint_of_correlation(seed):
    rng = np.random.default_rng(seed)
    c_in, c_out = int(rng.integers(1, 3)), int(rng.integers(1, 3))
    h, w, kh, kw = (int(v) for v in rng.integers(1, 4, size=4))
    s, d = int(rng.integers(1, 3)), int(rng.integers(1, 3))
    x, k = rng.normal(size=(c_in, h, w)), rng.normal(size=(c_in, c_out, kh, kw))
    p = int(rng.integers(0, 2)) if min((h - 1) * s + d * (kh - 1) + 1, (w - 1) * s + d * (kw - 1) + 1) > 2 else 0
    got = np.asarray(conv_transpose(x, k, stride=s, padding=p, dilation=d).answer["output"])
    got = got if got.ndim == 3 else got[None]
    want = scatter(x, k, s, p, d)
    np.testing.assert_allclose(got, want, atol=1e-12)
    y = rng.normal(size=want.shape)
    assert float((got * y).sum()) == pytest.approx(float((x * correlate(y, k, s, p, d, (h, w))).sum()), rel=1e-9)


def test_output_padding_adds_rows_at_the_bottom_right():
    # stride 2, A = 1: H' = (2 − 1)·2 + (2 − 1) + 1 + 1 = 5; with no crop the added row and column are 0
    out = np.asarray(conv_transpose(X, K, stride=2, output_padding=1).answer["output"])
    assert out.shape == (5, 5) and not out[4].any() and not out[:, 4].any()


def test_the_slips():
    params = {"input": X, "kernel": K, "stride": 2, "padding": 0, "output_padding": 0, "dilation": 1, "bias": None}
    flipped, forward = (conv_transpose(**slip.params(params)).answer for slip in SLIPS)
    np.testing.assert_array_equal(flipped["output"], scatter(X[None], K[::-1, ::-1][None, None], 2, 0, 1)[0])
    assert forward["output_shape"] == [1, 1]            # ⌊(2 − 2)/2⌋ + 1: the forward conv's size


def test_bad_input():
    with pytest.raises(BadInput, match="leaves nothing"):
        conv_transpose(X, K, padding=2)
    with pytest.raises(BadInput, match="smaller than the stride"):
        conv_transpose(X, K, stride=1, output_padding=1)


def test_a_bias_must_be_one_value_or_one_per_output_channel():
    # found by tests/test_fuzz.py: two biases for one output channel crashed in numpy's broadcast
    with pytest.raises(BadInput, match="2 values for 1 output channel"):
        conv_transpose(X, K, bias=[0.0, 0.0])
    np.testing.assert_array_equal(conv_transpose(X, K, bias=1).answer["output"], np.array([[0, 0, 1], [0, 4, 6], [4, 12, 9]]) + 1)
