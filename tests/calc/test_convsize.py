"""calc.conv.convsize: the slide's parameter count by hand, shapes against scipy, slips, errors."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.signal import correlate2d

from dlcalc.calc.conv import CONVSIZE_SLIPS, convsize
from dlcalc.calc.errors import BadInput


def test_slide_conv_vs_fully_connected():
    # 6×6 image, 3 filters of 3×3: output 3 × (6 − 3 + 1) × (6 − 3 + 1) = 3×4×4;
    # conv (3×3 + 1)×3 = 30 parameters; fully connected, 3 neurons on 36 pixels: (36 + 1)×3 = 111;
    # fully connected with as many outputs as the conv (48): (36 + 1)×48 = 1776.
    a = convsize((6, 6), 3, 3).answer
    assert a["output_shape"] == [3, 4, 4]
    assert (a["params"], a["weights"], a["biases"]) == (30, 27, 3)
    assert (a["fc_params"], a["fc_params_same_output"]) == (111, 1776)


def test_rgb_layer_same_padding():
    # 3×56×56, 64 filters 3×3, 'same': 64×56×56; (3·3·3 + 1)·64 = 28·64 = 1792; fc (9408 + 1)·64 = 602176
    a = convsize((3, 56, 56), 3, 64, padding="same").answer
    assert a["output_shape"] == [64, 56, 56] and a["params"] == 1792 and a["fc_params"] == 602176


def test_channels_option_stride_no_bias():
    # 2 channels of 7×7, 2 filters 3×3, stride 2: ⌊(7 − 3)/2⌋ + 1 = 3; 3·3·2·2 = 36 weights, no biases
    a = convsize((7, 7), 3, 2, stride=2, channels=2, bias=False).answer
    assert a["output_shape"] == [2, 3, 3] and a["params"] == 36 and a["fc_params"] == 98 * 2


def test_steps_read_like_the_slide():
    sol = convsize((6, 6), 3, 3)
    fmt = lambda v: str(v)  # noqa: E731
    params = next(s for s in sol.steps if s.title == "Convolution parameters")
    assert params.substitution.render(fmt) == "(3×3 + 1)×3" and params.result.render(fmt) == "30"
    fc = next(s for s in sol.steps if s.title.startswith("Fully connected"))
    assert any(line.render(fmt).endswith("(36 + 1)×3 = 111") for line in fc.lines)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 12), st.integers(1, 12), st.integers(1, 4), st.integers(1, 3), st.integers(0, 2),
       st.integers(1, 2), st.integers(1, 4), st.integers(1, 3))
def test_shape_matches_scipy(H, W, k, s, p, d, F, C):
    span = d * (k - 1) + 1
    if H + 2 * p < span or W + 2 * p < span:
        with pytest.raises(BadInput):
            convsize((C, H, W), k, F, s, p, d)
        return
    kd = np.zeros((span, span))
    kd[::d, ::d] = 1
    ref = correlate2d(np.zeros((H + 2 * p, W + 2 * p)), kd, mode="valid")[::s, ::s]
    a = convsize((C, H, W), k, F, s, p, d).answer
    assert a["output_shape"] == [F, *ref.shape]
    assert a["params"] == (k * k * C + 1) * F


def test_slips():
    base = {"input_shape": (3, 6, 6), "kernel": (3, 3), "filters": 2, "stride": 2, "padding": 1, "dilation": 1,
            "channels": None, "bias": True}
    by_name = {s.name: s for s in CONVSIZE_SLIPS}
    no_c = by_name["input channels not counted in each filter"].params(base)
    assert convsize(**no_c).answer["params"] == (9 + 1) * 2          # instead of (27 + 1)·2 = 56
    assert convsize(**by_name["bias not counted"].params(base)).answer["params"] == 54
    assert by_name["padding missing"].params(base)["padding"] == 0
    assert by_name["stride ignored"].params(base)["stride"] == 1


@pytest.mark.parametrize("kw, where", [
    (dict(input_shape=(6, 6), kernel=7), "kernel"),
    (dict(input_shape=(3, 6, 6), channels=2), "channels"),
    (dict(input_shape=(6, 6, 6, 6)), "input_shape"),
    (dict(input_shape=(6.5, 6)), "input_shape"),
    (dict(input_shape=(6, 6), filters=0), "filters"),
    (dict(input_shape=(6, 6), stride=0), "stride"),
])
def test_bad_input(kw, where):
    with pytest.raises(BadInput) as e:
        convsize(**kw)
    assert e.value.where == where
