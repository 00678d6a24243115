"""calc.cnn: forward passes checked against a reference written here (scipy for the convolution,
plain loops for pooling and fc), and course-style examples worked by hand in the comments."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.signal import convolve2d, correlate2d

from dlcalc.calc import cnn
from dlcalc.calc.cnn import CnnLayer
from dlcalc.calc.errors import BadInput
from dlcalc.cli.render.numbers import formatter

# ── the reference: an independent forward pass ───────────────────────────────


def ref_conv(x, k, stride=1, pad=0, dil=1, flip=True, bias=None):
    """x C×H×W, k F×C×kh×kw. scipy's convolve2d flips (true convolution), correlate2d does not;
    dilation inserts zeros between the taps, stride keeps every s-th valid position."""
    f_, c_, kh, kw = k.shape
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad)))
    out = []
    for f in range(f_):
        acc = 0
        for c in range(c_):
            kd = np.zeros((dil * (kh - 1) + 1, dil * (kw - 1) + 1))
            kd[::dil, ::dil] = k[f, c]
            acc = acc + (convolve2d if flip else correlate2d)(xp[c], kd, mode="valid")
        out.append(acc[::stride, ::stride] + (0 if bias is None else bias[f]))
    return np.array(out, dtype=float)


def ref_pool(x, size, stride, pad, mode):
    c_, h, w = x.shape
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad)), constant_values=-math.inf if mode == "max" else 0.0)
    ho, wo = (h + 2 * pad - size) // stride + 1, (w + 2 * pad - size) // stride + 1
    out = np.zeros((c_, ho, wo))
    for c in range(c_):
        for i in range(ho):
            for j in range(wo):
                vals = [xp[c, i * stride + a, j * stride + b] for a in range(size) for b in range(size)]
                out[c, i, j] = max(vals) if mode == "max" else sum(vals) / len(vals)
    return out


def ref_act(z, name):
    if name == "relu":
        return np.where(z > 0, z, 0.0)
    if name == "sigmoid":
        return 1 / (1 + np.exp(-z))
    if name == "tanh":
        return np.tanh(z)
    if name == "softmax":
        e = np.exp(z)
        return e / e.sum()
    return z


def ref_fc(v, w, b):
    out = []
    for i in range(len(w)):
        out.append(sum(w[i][j] * v[j] for j in range(len(v))) + (0 if b is None else b[i]))
    return np.array(out)


def ref_forward(x, specs):
    """specs: dicts describing each layer; returns the output of every layer (C×H×W or vectors)."""
    x = np.asarray(x, dtype=float)
    x = x[None] if x.ndim == 2 else x
    outs = []
    for s in specs:
        if s["type"] == "conv":
            x = ref_act(ref_conv(x, s["k"], s["stride"], s["pad"], s["dil"], s["flip"], s["bias"]), s["act"])
        elif s["type"] in ("maxpool", "avgpool"):
            x = ref_pool(x, s["size"], s["stride"], s["pad"], s["type"][:3])
        elif s["type"] == "flatten":
            x = np.array([x[c, i, j] for c in range(x.shape[0]) for i in range(x.shape[1]) for j in range(x.shape[2])])
        elif s["type"] == "fc":
            v = x.reshape(-1)
            x = ref_act(ref_fc(v, s["w"], s["bias"]), s["act"])
        else:
            x = ref_act(x, s["type"])
        outs.append(x)
    return outs


def ref_params(specs):
    total = 0
    for s in specs:
        if s["type"] == "conv":
            f_, c_, kh, kw = s["k"].shape
            total += f_ * c_ * kh * kw + (f_ if s["bias"] is not None else 0)
        elif s["type"] == "fc":
            total += len(s["w"]) * len(s["w"][0]) + (len(s["w"]) if s["bias"] is not None else 0)
    return total


def to_layer(s) -> CnnLayer:
    if s["type"] == "conv":
        return CnnLayer("conv", kernel=s["k"], bias=s["bias"], stride=s["stride"], padding=s["pad"], dilation=s["dil"],
                     flip=s["flip"], activation=s["act"])
    if s["type"] in ("maxpool", "avgpool"):
        return CnnLayer(s["type"], size=s["size"], stride=s["stride"], padding=s["pad"])
    if s["type"] == "fc":
        return CnnLayer("fc", weights=np.array(s["w"]), bias=s["bias"], activation=s["act"])
    return CnnLayer(s["type"])


def squeezed(a):
    a = np.asarray(a)
    return a[0] if a.ndim == 3 and a.shape[0] == 1 else a


# ── random small networks ────────────────────────────────────────────────────

small = st.integers(-3, 3).map(float)


@st.composite
def networks(draw):
    c, h, w = draw(st.integers(1, 2)), draw(st.integers(3, 6)), draw(st.integers(3, 6))
    x = np.array(draw(st.lists(small, min_size=c * h * w, max_size=c * h * w))).reshape(c, h, w)
    specs = []
    for _ in range(draw(st.integers(1, 2))):  # conv layers
        pad, dil, stride = draw(st.integers(0, 1)), draw(st.integers(1, 2)), draw(st.integers(1, 2))
        room = min(h, w) + 2 * pad
        kmax = min(3, (room - 1) // dil + 1)
        kh, kw = draw(st.integers(1, kmax)), draw(st.integers(1, kmax))
        f = draw(st.integers(1, 2))
        k = np.array(draw(st.lists(small, min_size=f * c * kh * kw, max_size=f * c * kh * kw))).reshape(f, c, kh, kw)
        bias = draw(st.none() | st.lists(small, min_size=f, max_size=f).map(np.array))
        specs.append(dict(type="conv", k=k, bias=bias, stride=stride, pad=pad, dil=dil, flip=draw(st.booleans()),
                          act=draw(st.sampled_from(cnn.CONV_ACTIVATIONS))))
        h = (h + 2 * pad - dil * (kh - 1) - 1) // stride + 1
        w = (w + 2 * pad - dil * (kw - 1) - 1) // stride + 1
        c = f
    if min(h, w) >= 2 and draw(st.booleans()):
        size = draw(st.integers(1, 2))
        stride = draw(st.integers(1, 2))
        pad = draw(st.integers(0, size - 1))
        specs.append(dict(type=draw(st.sampled_from(["maxpool", "avgpool"])), size=size, stride=stride, pad=pad))
        h, w = (h + 2 * pad - size) // stride + 1, (w + 2 * pad - size) // stride + 1
    if draw(st.booleans()):
        specs.append(dict(type=draw(st.sampled_from(["relu", "sigmoid", "tanh"]))))
    if draw(st.booleans()):
        n = c * h * w
        if draw(st.booleans()):
            specs.append(dict(type="flatten"))
        out = draw(st.integers(1, 3))
        wts = [[draw(small) / 2 for _ in range(n)] for _ in range(out)]
        bias = draw(st.none() | st.lists(small, min_size=out, max_size=out).map(np.array))
        specs.append(dict(type="fc", w=wts, bias=bias, act=draw(st.sampled_from(cnn.FC_ACTIVATIONS))))
        if draw(st.booleans()):
            specs.append(dict(type="softmax"))
    return x, specs


@settings(max_examples=40, deadline=None)
@given(networks())
def test_random_networks_match_the_reference(net):
    x, specs = net
    sol = cnn.solve(x, [to_layer(s) for s in specs])
    expected = ref_forward(x, specs)
    assert len(sol.answer["layers"]) == len(specs)
    for got, want, s in zip(sol.answer["layers"], expected, specs):
        assert got["type"] == s["type"]
        assert got["output_shape"] == list(squeezed(want).shape)
        np.testing.assert_allclose(got["output"], squeezed(want), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(sol.answer["output"], squeezed(expected[-1]), rtol=1e-9, atol=1e-9)
    assert sol.answer["params"] == ref_params(specs)


@settings(max_examples=15, deadline=None)
@given(networks())
def test_the_summary_table_lists_every_layer_with_its_shapes(net):
    x, specs = net
    sol = cnn.solve(x, [to_layer(s) for s in specs])
    summary = next(s for s in sol.steps if s.title == "Model summary")
    rows = summary.table.rows
    assert len(rows) == len(specs) + 1 and rows[-1][0] == "total"
    shapes = [squeezed(x).shape] + [squeezed(o).shape for o in ref_forward(x, specs)]
    for i, row in enumerate(rows[:-1]):
        assert row[2] == f"{'×'.join(map(str, shapes[i]))} → {'×'.join(map(str, shapes[i + 1]))}"


# ── course-style examples, worked by hand ────────────────────────────────────

SLIDE_INPUT = np.array([[1, 2, 0, 1], [0, 1, 3, 1], [2, 1, 0, 0], [1, 0, 1, 2]], dtype=float)


def contract_layers():
    return [CnnLayer("conv", kernel=np.array([[1.0, 0], [0, -1]]), activation="relu"), CnnLayer("maxpool", size=2),
            CnnLayer("flatten"), CnnLayer("fc", weights=np.array([[0.5]]), bias=np.array([0.1]), activation="sigmoid")]


def test_the_contract_example_by_hand():
    # Kernel [[1,0],[0,−1]] rotated 180° is [[−1,0],[0,1]]: O(i,j) = −x(i,j) + x(i+1,j+1).
    #   row 1: −1+1 = 0, −2+3 = 1, −0+1 = 1
    #   row 2: −0+1 = 1, −1+0 = −1, −3+0 = −3
    #   row 3: −2+0 = −2, −1+1 = 0, −0+2 = 2
    # ReLU: [[0,1,1],[1,0,0],[0,0,2]]; 2×2 max pool, stride 2, on 3×3 → one window max(0,1,1,0) = 1;
    # flatten [1]; fc net = 0.5·1 + 0.1 = 0.6; σ(0.6) = 1/(1 + e^−0.6) = 0.645656306...
    sol = cnn.solve(SLIDE_INPUT, contract_layers())
    layers = sol.answer["layers"]
    np.testing.assert_allclose(layers[0]["output"], [[0, 1, 1], [1, 0, 0], [0, 0, 2]])
    assert layers[0]["output_shape"] == [3, 3]
    np.testing.assert_allclose(layers[1]["output"], [[1]])
    np.testing.assert_allclose(layers[2]["output"], [1])
    np.testing.assert_allclose(sol.answer["output"], [0.6456563062257954])
    # parameters: conv 2·2·1 = 4 weights (no bias given), fc 1 weight + 1 bias
    assert [entry["params"] for entry in layers] == [4, 0, 0, 2] and sol.answer["params"] == 6


LEE_IMAGE = np.array([[1, 0, 0, 0, 0, 1], [0, 1, 0, 0, 1, 0], [0, 0, 1, 1, 0, 0],
                      [1, 0, 0, 0, 1, 0], [0, 1, 0, 0, 1, 0], [0, 0, 1, 0, 1, 0]], dtype=float)
FILTER1 = [[1, -1, -1], [-1, 1, -1], [-1, -1, 1]]
FILTER2 = [[-1, 1, -1], [-1, 1, -1], [-1, 1, -1]]


def test_the_whole_of_cnn_example():
    # Deep-learning notes, 'CNN - Max Pooling' (the 6×6 image with Filter 1 and Filter 2, stride 1).
    # Both filters are unchanged by a 180° rotation, so flipped or not the maps are the slide's:
    # Filter 1 at (1,1): the diagonal 1,1,1 meets the kernel's diagonal 1,1,1 and zeros elsewhere → 3;
    # at (1,2): window [[0,0,0],[1,0,0],[0,1,1]] → 1·(−1) + 1·(−1) + 1·1 = −1.
    #   Filter 1: [[3,−1,−3,−1],[−3,1,0,−3],[−3,−3,0,1],[3,−2,−2,−1]]
    #   Filter 2: [[−1,−1,−1,−1],[−1,−1,−2,1],[−1,−1,−2,1],[−1,0,−4,3]]
    # 2×2 max pooling: Filter 1 → [[3,0],[3,1]], Filter 2 → [[−1,1],[0,3]].
    bank = np.array([[FILTER1], [FILTER2]], dtype=float)
    sol = cnn.solve(LEE_IMAGE, [CnnLayer("conv", kernel=bank), CnnLayer("maxpool", size=2), CnnLayer("flatten")])
    conv = sol.answer["layers"][0]["output"]
    np.testing.assert_allclose(conv[0], [[3, -1, -3, -1], [-3, 1, 0, -3], [-3, -3, 0, 1], [3, -2, -2, -1]])
    np.testing.assert_allclose(conv[1], [[-1, -1, -1, -1], [-1, -1, -2, 1], [-1, -1, -2, 1], [-1, 0, -4, 3]])
    np.testing.assert_allclose(sol.answer["layers"][1]["output"], [[[3, 0], [3, 1]], [[-1, 1], [0, 3]]])
    # flatten is row-major: channel 1 row by row, then channel 2
    np.testing.assert_allclose(sol.answer["output"], [3, 0, 3, 1, -1, 1, 0, 3])
    assert sol.answer["layers"][2]["output_shape"] == [8]


def test_parameter_counts_of_the_course_slide():
    # 'Convolution vs Fully connected (# of parameters)': three 3×3 filters with bias on a 6×6 image
    # have (3×3 + 1)×3 = 30 parameters; a fully connected layer of 3 units on the 36 pixels (36 + 1)×3 = 111.
    k = np.ones((3, 1, 3, 3))
    conv = cnn.solve(LEE_IMAGE, [CnnLayer("conv", kernel=k, bias=np.zeros(3))])
    fc = cnn.solve(LEE_IMAGE, [CnnLayer("fc", weights=np.ones((3, 36)), bias=np.zeros(3))])
    assert conv.answer["params"] == 30 and fc.answer["params"] == 111
    counts = next(s for s in conv.steps if s.title == "Parameter counts")
    assert "(3·3·1 + 1)·3 = 30" in counts.lines[0].template


def test_two_channel_input_with_bias_and_softmax():
    # Channels [[1,2],[3,4]] and [[0,1],[1,0]]; one 2×2×2 filter, flip off, bias 1:
    #   Σ channel 1: 1·1 + 2·0 + 3·0 + 4·1 = 5;  Σ channel 2: 0·1 + 1·1 + 1·1 + 0·1 = 2;  O = 5 + 2 + 1 = 8
    # fc 2×1 weights [[1],[−1]], no bias: net = (8, −8); softmax: e^0/(e^0 + e^−16) = 0.99999988746...
    x = np.array([[[1, 2], [3, 4]], [[0, 1], [1, 0]]], dtype=float)
    k = np.array([[[1, 0], [0, 1]], [[1, 1], [1, 1]]], dtype=float)  # C×kh×kw: one filter
    sol = cnn.solve(x, [CnnLayer("conv", kernel=k, bias=np.array(1.0), flip=False),
                        CnnLayer("fc", weights=np.array([[1.0], [-1.0]]), activation="softmax")])
    assert sol.answer["layers"][0]["output"].item() == 8
    q = math.exp(-16)
    np.testing.assert_allclose(sol.answer["output"], [1 / (1 + q), q / (1 + q)], rtol=1e-12)


def test_a_layer_flip_overrides_the_default():
    # Kernel [[1,2],[3,4]] on [[1,0],[0,0]]: flipped (K' = [[4,3],[2,1]]) gives 4, not flipped 1.
    x = np.array([[1.0, 0], [0, 0]])
    k = np.array([[1.0, 2], [3, 4]])
    assert cnn.solve(x, [CnnLayer("conv", kernel=k)]).answer["output"].item() == 4
    assert cnn.solve(x, [CnnLayer("conv", kernel=k)], flip=False).answer["output"].item() == 1
    assert cnn.solve(x, [CnnLayer("conv", kernel=k, flip=True)], flip=False).answer["output"].item() == 4
    assert cnn.solve(x, [CnnLayer("conv", kernel=k, flip=False)]).answer["output"].item() == 1


def test_the_loss_reuses_the_loss_solvers():
    # Contract network, output σ(0.6) = 0.645656...; binary cross-entropy with label 1:
    # −ln 0.645656 = 0.437488...; MSE against 1: (1 − 0.645656)² = 0.125559...
    p = 1 / (1 + math.exp(-0.6))
    ce = cnn.solve(SLIDE_INPUT, contract_layers(), target=np.array(1.0), loss="cross_entropy")
    assert ce.answer["loss"] == pytest.approx(-math.log(p))
    assert any(s.title.startswith("Loss: ") for s in ce.steps)
    mse = cnn.solve(SLIDE_INPUT, contract_layers(), target=np.array([1.0]), loss="mse")
    assert mse.answer["loss"] == pytest.approx((1 - p) ** 2)


def test_cross_entropy_on_raw_scores_applies_softmax_first():
    # fc without activation gives scores (1, 0) for input x = [1]: softmax = (e/(e+1), 1/(e+1));
    # class 0: CE = −ln(e/(e+1)) = ln(1 + e^−1) = 0.313261...
    x = np.array([[1.0]])
    layers = [CnnLayer("fc", weights=np.array([[1.0], [0.0]]))]
    sol = cnn.solve(x, layers, target=np.array(0.0), loss="cross_entropy")
    assert sol.answer["loss"] == pytest.approx(math.log(1 + math.exp(-1)))
    onehot = cnn.solve(x, layers, target=np.array([0.0, 1.0]), loss="cross_entropy")
    assert onehot.answer["loss"] == pytest.approx(math.log(1 + math.e))


def test_steps_summary_first_then_every_feature_map():
    sol = cnn.solve(SLIDE_INPUT, contract_layers())
    titles = [s.title for s in sol.steps]
    assert titles[:2] == ["Conventions", "Model summary"]
    assert any("row-major" in p for s in sol.steps for p in s.prose)
    labels = {g.label for s in sol.steps for g in s.grids}
    assert {"conv1", "pool1", "flatten", "fc1"} <= labels


def test_feature_maps_are_named_after_their_layer_channel_by_channel():
    # The two-filter network of the slides: the input, conv1's two maps and pool1's two maps are drawn
    # one grid per channel, counted from 1; each layer's windows are drawn in the map it reads.
    bank = np.array([[FILTER1], [FILTER2]], dtype=float)
    sol = cnn.solve(LEE_IMAGE, [CnnLayer("conv", kernel=bank, padding=1), CnnLayer("maxpool", size=2)])
    step = {s.title: s for s in sol.steps}
    assert [g.label for g in step["Input x (6×6)"].grids] == ["x"]
    assert [g.label for g in step["conv1: Output feature maps"].grids] == ["conv1 channel 1", "conv1 channel 2"]
    assert [g.label for g in step["pool1: Pooled output"].grids] == ["pool1 channel 1", "pool1 channel 2"]
    assert step["conv1: Output feature maps"].prose == ["shape 2×6×6"]
    assert [g.label for g in step["conv1: Zero padding"].grids] == ["x_pad"]
    assert [g.label for g in step["conv1: O1(1,1)"].grids] == ["x_pad"]
    assert [g.label for g in step["pool1: P2(1,1)"].grids] == ["conv1 channel 2"]


def test_maps_too_large_to_draw_are_described():
    # a 30×30 input (not in the answer) and its 29×29 conv map (in the answer, without the filter axis)
    sol = cnn.solve(np.zeros((30, 30)), [CnnLayer("conv", kernel=np.ones((2, 2)))])
    prose = [p for s in sol.steps for p in s.prose]
    assert "x is 30×30: too large to draw here" in prose
    assert "conv1 is 29×29: too large to draw here (the answer holds every value)" in prose


def test_an_activation_draws_each_channel():
    # ReLU of conv1's maps: channel 1 of the slides' Filter 1 map starts 3, −1 → 3, 0
    bank = np.array([[FILTER1], [FILTER2]], dtype=float)
    sol = cnn.solve(LEE_IMAGE, [CnnLayer("conv", kernel=bank), CnnLayer("relu")])
    relu = next(s for s in sol.steps if s.title.startswith("relu"))
    assert [g.label for g in relu.grids] == ["relu channel 1", "relu channel 2"]
    assert relu.grids[0].array()[0].tolist()[:2] == [3, 0]


def test_long_fc_sums_are_written_with_sigma_and_their_value():
    # one unit summing the first two rows of the 6×6 image (2 + 2 ones), bias −1: Σ = 4, net = 4 + (−1) = 3
    w = np.zeros((1, 36))
    w[0, :12] = 1
    sol = cnn.solve(LEE_IMAGE, [CnnLayer("fc", weights=w, bias=np.array([-1.0]))])
    fc = next(s for s in sol.steps if s.title.startswith("fc1: fully connected"))
    assert fc.lines[0].render(formatter(4)) == "net_1 = Σ_j w_1j·x_j + b_1 = 4 + (-1) = 3"
    short = cnn.solve(np.array([[2.0, -1.0]]), [CnnLayer("fc", weights=np.array([[0.5, 3.0]]), bias=np.array([-1.0]))])
    # 0.5·2 + 3·(−1) + (−1) = −3
    line = next(s for s in short.steps if s.title.startswith("fc1: fully connected")).lines[0]
    assert line.render(formatter(4)) == "net_1 = 0.5·2 + 3·(-1) + (-1) = -3"


def test_pooling_conventions_name_the_padding_only_when_there_is_some():
    plain = cnn.solve(SLIDE_INPUT, [CnnLayer("maxpool", size=2)]).steps[0].prose
    assert "pooling: stride = window unless given" in plain
    padded = cnn.solve(SLIDE_INPUT, [CnnLayer("avgpool", size=2, padding=1)]).steps[0].prose
    assert "pooling: stride = window unless given; avg pooling counts padded zeros" in padded


def test_cross_entropy_after_a_one_unit_softmax_is_refused():
    layers = [CnnLayer("flatten"), CnnLayer("fc", weights=np.ones((1, 16)), activation="softmax")]
    with pytest.raises(BadInput, match="softmax over one unit"):
        cnn.solve(SLIDE_INPUT, layers, target=np.array(0.0), loss="cross_entropy")


def test_the_flip_slip_gives_the_unflipped_answer():
    slip = next(s for s in cnn.SLIPS if "flipped" in s.name)
    x = np.array([[1.0, 0], [0, 0]])
    params = {"input": x, "layers": [CnnLayer("conv", kernel=np.array([[1.0, 2], [3, 4]]))], "flip": True}
    assert cnn.solve(**slip.params(params)).answer["output"].item() == 1
    assert slip.params({**params, "layers": [CnnLayer("flatten")]}) is None


# ── bad input names the layer and field ──────────────────────────────────────

@pytest.mark.parametrize("layers, where, words", [
    ([CnnLayer("flatten"), CnnLayer("fc", weights=np.ones((2, 5)), index=1, line=7)], "layers[1].weights", "expected 2×16"),
    ([CnnLayer("fc", weights=np.ones((16, 2)), line=3)], "layers[0].weights", "transposed"),
    ([CnnLayer("conv", kernel=np.ones((2, 2, 2)), line=4)], "layers[0].kernel", "channel"),
    ([CnnLayer("flatten"), CnnLayer("maxpool", size=2, index=1)], "layers[1].type", "feature maps"),
    ([CnnLayer("softmax")], "layers[0].type", "vector"),
    ([CnnLayer("conv", kernel=np.ones((5, 5)))], "layers[0].kernel", "input is 4×4"),
    ([CnnLayer("pool", size=2)], "layers[0].type", "unknown layer type"),
])
def test_bad_layers(layers, where, words):
    with pytest.raises(BadInput) as e:
        cnn.validate({"input": SLIDE_INPUT, "layers": layers})
    assert e.value.where.startswith(where) and words in e.value.message
    assert e.value.line == layers[-1].line


def test_target_and_loss_go_together():
    with pytest.raises(BadInput, match="needs a loss"):
        cnn.validate({"input": SLIDE_INPUT, "layers": contract_layers(), "target": np.array(1.0)})
    with pytest.raises(BadInput, match="needs a target"):
        cnn.validate({"input": SLIDE_INPUT, "layers": contract_layers(), "loss": "mse"})
