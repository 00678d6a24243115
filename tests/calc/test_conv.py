"""calc.conv: the course examples (worked by hand below), properties against scipy, steps, slips, errors."""
from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.signal import convolve2d, correlate2d

from dlcalc.calc.conv import CONV_SLIPS, conv, conv2d, conv_steps
from dlcalc.calc.sizes import output_size
from dlcalc.calc.errors import BadInput
from dlcalc.cli.render.numbers import formatter

# The Deep Learning slides' 5×5 images: A (stride-1 slide) and B (stride-2 and padding slides,
# last row 0 0 1 1 0 instead of 0 1 1 0 0). X is the X-shaped kernel, symmetric under 180°.
A = np.array([[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]], float)
B = np.array([[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0], [0, 0, 1, 1, 0]], float)
X = np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]], float)
FMT = formatter(4)


# ── course examples, by hand ─────────────────────────────────────────────────
# With X, O(i,j) = I(i,j) + I(i,j+2) + I(i+1,j+1) + I(i+2,j) + I(i+2,j+2) (0-based window corner).

def test_slide_stride1():
    # O00 = 1+1+1+0+1 = 4   O01 = 1+0+1+0+1 = 3   O02 = 1+0+1+1+1 = 4
    # O10 = 0+1+0+0+1 = 2   O11 = 1+1+1+0+1 = 4   O12 = 1+0+1+1+0 = 3
    # O20 = 0+1+0+0+1 = 2   O21 = 0+1+1+1+0 = 3   O22 = 1+1+1+1+0 = 4
    expected = [[4, 3, 4], [2, 4, 3], [2, 3, 4]]
    assert conv2d(A, X).tolist() == [expected]
    sol = conv(A, X)
    assert sol.answer["output"].tolist() == expected
    assert sol.answer["output_shape"] == [3, 3]


def test_slide_stride2():
    # windows at corners (0,0), (0,2), (2,0), (2,2) of B:
    # (0,0): 1+1+1+0+1 = 4   (0,2): 1+0+1+1+1 = 4   (2,0): 0+1+0+0+1 = 2   (2,2): 1+1+1+1+0 = 4
    assert conv(B, X, stride=2).answer["output"].tolist() == [[4, 4], [2, 4]]


def test_slide_padding_corrects_the_slide():
    # P = B padded with one ring of zeros (7×7); O(i,j) = P(i,j) + P(i,j+2) + P(i+1,j+1) + P(i+2,j) + P(i+2,j+2).
    # The slide prints 2 at row 1, column 3; by hand P02 + P04 + P13 + P22 + P24 = 0 + 0 + 1 + 1 + 1 = 3.
    # Every other cell matches the slide, e.g. O11 = P11 + P13 + P22 + P31 + P33 = 1 + 1 + 1 + 0 + 1 = 4.
    expected = [[2, 2, 3, 1, 1],   # the slide has 2 2 2 1 1: its third value is wrong
                [1, 4, 3, 4, 1],
                [1, 2, 4, 3, 3],
                [0, 2, 3, 4, 2],
                [0, 1, 2, 2, 1]]
    assert conv(B, X, padding=1).answer["output"].tolist() == expected
    assert conv(B, X, padding="same").answer["output"].tolist() == expected  # (3 − 1)/2 = 1 on each side


def test_asymmetric_kernel_flip_by_hand():
    # K = [[1, 2], [0, −1]] rotated 180° is K' = [[−1, 0], [2, 1]].
    # convolution:  O11 = 1·(−1) + 2·0 + 0·2 + 1·1 = 0     O12 = 2·(−1) + 0 + 1·2 + 3·1 = 3
    #               O21 = 0 + 0 + 2·2 + 1·1 = 5             O22 = 1·(−1) + 0 + 1·2 + 0 = 1
    # correlation:  O11 = 1 + 4 + 0 − 1 = 4   O12 = 2 + 0 + 0 − 3 = −1   O21 = 0 + 2 + 0 − 1 = 1   O22 = 1 + 6 + 0 − 0 = 7
    x = np.array([[1, 2, 0], [0, 1, 3], [2, 1, 0]], float)
    k = np.array([[1, 2], [0, -1]], float)
    assert conv2d(x, k).tolist() == [[[0, 3], [5, 1]]]
    assert conv2d(x, k, flip=False).tolist() == [[[4, -1], [1, 7]]]


def test_dilation_by_hand():
    # Dilation 2 spreads X's taps to offsets (0,0), (0,4), (2,2), (4,0), (4,4); padding 1 makes A 7×7 (P).
    # O00 = P00 + P04 + P22 + P40 + P44 = 0 + 0 + 1 + 0 + 1 = 2   O12 = P12 + P16 + P34 + P52 + P56 = 1 + 0 + 1 + 1 + 0 = 3
    expected = [[2, 1, 1], [0, 2, 3], [1, 1, 2]]
    assert conv2d(A, X, dilation=2, padding=1).tolist() == [expected]


def test_asymmetric_padding_by_hand():
    # x = [[1, 2], [3, 4]], kernel [[1]] (1×1): padding top 1, bottom 0, left 0, right 2 just places x in zeros.
    x = np.array([[1, 2], [3, 4]], float)
    assert conv2d(x, [[1.0]], padding=(1, 0, 0, 2)).tolist() == [[[0, 0, 0, 0], [1, 2, 0, 0], [3, 4, 0, 0]]]


def test_two_channels_two_filters_bias_relu_by_hand():
    # filter 1 (symmetric kernels): O11 = (1+1) + (1+1) = 4, O12 = 0 + 0 = 0, O21 = 2 + 2 = 4, O22 = 1 + 1 = 2.
    # filter 2, K' channel 1 = [[0,0],[1,1]], channel 2 = [[0,0],[0,1]], bias −2:
    #   O11 = (0+1) + 0 − 2 = −1, O12 = (1+0) + 1 − 2 = 0, O21 = (1+2) + 0 − 2 = 1, O22 = (2+0) + 1 − 2 = 1.
    x = [[[1, 0, 2], [0, 1, 0], [1, 2, 0]], [[0, 1, 0], [1, 0, 1], [2, 0, 1]]]
    k = [[[[1, 0], [0, 1]], [[0, 1], [1, 0]]], [[[1, 1], [0, 0]], [[1, 0], [0, 0]]]]
    sol = conv(x, k, bias=[0, -2], activation="relu")
    assert sol.answer["pre_activation"].tolist() == [[[4, 0], [4, 2]], [[-1, 0], [1, 1]]]
    assert sol.answer["output"].tolist() == [[[4, 0], [4, 2]], [[0, 0], [1, 1]]]
    assert sol.answer["output_shape"] == [2, 2, 2]


def test_activation_sigmoid_and_tanh():
    # 1×1 kernel [[1]] on [[0, 2]]: σ(0) = 0.5, tanh(0) = 0, σ(2) = 1/(1 + e^−2) = 0.880797…
    assert np.allclose(conv([[0.0, 2.0]], [[1.0]], activation="sigmoid").answer["output"], [[0.5, 0.8807970779778823]])
    assert np.allclose(conv([[0.0, 2.0]], [[1.0]], activation="tanh").answer["output"], [[0.0, np.tanh(2.0)]])


# ── output size ──────────────────────────────────────────────────────────────

@pytest.mark.parametrize("n, k, s, p, d, expected", [
    (5, 3, 1, 0, 1, 3),   # 5 − 3 + 1
    (5, 3, 2, 0, 1, 2),   # ⌊2/2⌋ + 1
    (5, 3, 1, 2, 1, 5),   # ⌊(5 + 2 − 3)/1⌋ + 1
    (7, 3, 1, 0, 2, 3),   # footprint 2·2 + 1 = 5: 7 − 5 + 1
    (6, 2, 2, 1, 1, 3),   # ⌊(6 + 1 − 2)/2⌋ + 1 = ⌊2.5⌋ + 1
    (56, 3, 1, 2, 1, 56),
    (224, 7, 2, 6, 1, 112),  # ResNet conv1: ⌊(224 + 6 − 7)/2⌋ + 1
])
def test_output_size(n, k, s, p, d, expected):
    assert output_size(n, k, s, p, d) == expected


@pytest.mark.parametrize("args, where, fragment", [
    ((2, 3, 1, 0, 1), "kernel", "spans 3"),
    ((5, 3, 1, 0, 3), "kernel", "3 dilated by 3"),
    ((5, 3, 0, 0, 1), "stride", "≥ 1"),
    ((5, 3, 1, 0, 0), "dilation", "≥ 1"),
    ((5, 3, 1, -1, 1), "padding", "negative"),
])
def test_output_size_errors(args, where, fragment):
    with pytest.raises(BadInput) as e:
        output_size(*args)
    assert e.value.where == where and fragment in e.value.message


# ── properties against scipy ─────────────────────────────────────────────────

def reference(x: np.ndarray, k: np.ndarray, s: tuple, p: tuple, d: tuple, flip: bool, b: np.ndarray) -> np.ndarray:
    """Pad, insert D − 1 zeros between kernel taps, scipy's valid convolve/correlate, keep every S-th cell."""
    F, C = k.shape[:2]
    out = []
    for f in range(F):
        acc = 0
        for c in range(C):
            kd = np.zeros((d[0] * (k.shape[2] - 1) + 1, d[1] * (k.shape[3] - 1) + 1))
            kd[::d[0], ::d[1]] = k[f, c]
            xp = np.pad(x[c], ((p[0], p[1]), (p[2], p[3])))
            full = (convolve2d if flip else correlate2d)(xp, kd, mode="valid")
            acc = acc + full[::s[0], ::s[1]]
        out.append(acc + b[f])
    return np.array(out)


@st.composite
def problems(draw):
    C, F = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    d = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    s = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    p = tuple(draw(st.integers(0, 2)) for _ in range(4))
    # the input is at least as large as the dilated footprint after padding
    H = draw(st.integers(max(1, d[0] * (kh - 1) + 1 - p[0] - p[1]), 12))
    W = draw(st.integers(max(1, d[1] * (kw - 1) + 1 - p[2] - p[3]), 12))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    x = rng.integers(-5, 6, size=(C, H, W)).astype(float)
    k = rng.integers(-3, 4, size=(F, C, kh, kw)).astype(float)
    b = rng.integers(-2, 3, size=F).astype(float)
    return x, k, s, p, d, draw(st.booleans()), b


@settings(max_examples=150, deadline=None)
@given(problems())
def test_conv2d_matches_scipy(problem):
    x, k, s, p, d, flip, b = problem
    assert np.allclose(conv2d(x, k, s, p, d, flip, b), reference(x, k, s, p, d, flip, b))


@settings(max_examples=60, deadline=None)
@given(problems())
def test_flip_equals_correlation_with_rotated_kernel(problem):
    x, k, s, p, d, _, b = problem
    rotated = k[..., ::-1, ::-1]
    assert np.allclose(conv2d(x, k, s, p, d, True, b), conv2d(x, rotated, s, p, d, False, b))


@settings(max_examples=40, deadline=None)
@given(problems(), st.booleans())
def test_steps_output_equals_core_and_answer_layout(problem, full):
    x, k, s, p, d, flip, b = problem
    steps, y = conv_steps(x, k, s, p, d, flip, b, full=full)
    assert np.allclose(y, reference(x, k, s, p, d, flip, b))
    cells = [st_ for st_ in steps if re.fullmatch(r"O\d*\(\d+,\d+\)", st_.title)]
    assert len(cells) == (y.size if full else min(y.size, 16))
    # each written-out cell's result is that cell's value
    for step in cells:
        name = step.title
        f = int(name[1:name.index("(")]) - 1 if name[1] != "(" else 0
        r, c = (int(v) - 1 for v in name[name.index("(") + 1:-1].split(","))
        assert step.result is not None and np.isclose(step.result.values[0], y[f, r, c])


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 12), st.integers(1, 12), st.integers(1, 5), st.integers(1, 5), st.integers(1, 3), st.integers(1, 2))
def test_same_padding_keeps_ceil_n_over_s(H, W, kh, s, d, kw):
    y = conv2d(np.ones((H, W)), np.ones((kh, kw)), stride=s, dilation=d, padding="same")
    assert y.shape == (1, -(-H // s), -(-W // s))


def test_matches_scipy_on_a_large_multichannel_case():
    rng = np.random.default_rng(7)
    x, k = rng.normal(size=(3, 20, 17)), rng.normal(size=(4, 3, 5, 3))
    want = np.array([sum(convolve2d(x[c], k[f, c], mode="valid") for c in range(3)) for f in range(4)])
    assert np.allclose(conv2d(x, k), want)


# ── steps ────────────────────────────────────────────────────────────────────

def test_first_cell_written_out():
    steps, _ = conv_steps(A, X)
    first = next(s for s in steps if s.title == "O(1,1)")
    # window rows 1–3, columns 1–3 of A times K' = X, row by row
    assert first.substitution.render(FMT) == "1·1 + 1·0 + 1·1 + 0·0 + 1·1 + 1·0 + 0·1 + 0·0 + 1·1"
    assert first.result.render(FMT) == "4"
    # the window is highlighted in the input grid
    assert sorted(first.grids[0].highlight) == [(i, j) for i in range(3) for j in range(3)]
    assert "rows 1–3, columns 1–3" in first.prose[0]


def test_steps_show_size_flip_padding_dilation():
    steps, _ = conv_steps(A, [[1.0, 2.0], [3.0, 4.0]], 1, 1, 2, True, None)
    titles = [s.title for s in steps]
    assert titles[:4] == ["Output size", "Kernel rotated 180° (true convolution)", "Zero padding",
                          "Dilated kernel footprint (dilation 2)"]
    # ⌊(5 + 2·1 − 2·(2 − 1) − 1)/1⌋ + 1 = 5
    assert steps[0].lines[0].render(FMT) == "H' = W' = ⌊(5 + 2·1 − 2·(2 − 1) − 1) / 1⌋ + 1 = 5"
    assert steps[1].grids[1].array().tolist() == [[4, 3], [2, 1]]
    assert steps[3].grids[0].array().tolist() == [[4, 0, 3], [0, 0, 0], [2, 0, 1]]


def test_negative_values_and_bias_written_with_parentheses():
    steps, _ = conv_steps([[1.0, -2.0]], [[1.0, -1.0]], 1, 0, 1, False, -3)
    cell = next(s for s in steps if s.title == "O(1,1)")
    # 1·1 + (−2)·(−1) + (−3) = 0
    assert cell.substitution.render(FMT) == "1·1 + (-2)·(-1) + (-3) (bias)"
    assert cell.result.render(FMT) == "0"


def test_summary_past_sixteen_cells_and_full():
    x = np.arange(36.0).reshape(6, 6)
    steps, y = conv_steps(x, [[1.0]], full=False)
    assert sum(s.title.startswith("O(") for s in steps) == 16
    assert any("other 20 of the 36" in p for s in steps for p in s.prose)
    steps, _ = conv_steps(x, [[1.0]], full=True)
    assert sum(s.title.startswith("O(") for s in steps) == 36


def test_big_input_shows_the_window_not_the_whole_image():
    steps, _ = conv_steps(np.zeros((3, 20, 20)), np.ones((2, 3, 3, 3)))
    cell = next(s for s in steps if s.title == "O1(1,1)")
    assert [g.label for g in cell.grids] == ["window channel 1", "window channel 2", "window channel 3"]
    assert all(g.array().shape == (3, 3) for g in cell.grids)
    assert len(cell.lines) == 3  # one product line per channel


def test_conventions_name_the_flip():
    assert "rotated 180°" in conv(A, X).steps[0].prose[0]
    assert "cross-correlation" in conv(A, X, flip=False).steps[0].prose[0]


# ── slips ────────────────────────────────────────────────────────────────────

def slip(name: str):
    return next(s for s in CONV_SLIPS if s.name.startswith(name))


def params(**kw):
    return {"input": A, "kernel": X, "stride": 1, "padding": 0, "dilation": 1, "flip": True, "bias": None,
            "activation": "none", "full": False, **kw}


def test_slips():
    k = np.array([[1.0, 2.0], [3.0, 4.0]])
    assert slip("kernel not flipped").params(params(kernel=k))["flip"] is False
    assert slip("kernel not flipped").params(params()) is None  # X is symmetric: no slip to find
    assert slip("kernel flipped").params(params(kernel=k, flip=False))["flip"] is True
    assert slip("stride one too large").params(params())["stride"] == (2, 2)
    assert slip("stride one too small").params(params()) is None
    assert slip("padding missing").params(params(padding="same"))["padding"] == 0
    assert slip("padding missing").params(params()) is None
    assert slip("padding one too small").params(params(padding=2))["padding"] == (1, 1, 1, 1)
    # a slipped problem still solves: the unflipped A ⋆ K' differs from the true convolution
    p = slip("kernel not flipped").params(params(kernel=k))
    assert not np.allclose(conv(**p).answer["output"], conv(**params(kernel=k)).answer["output"])


# ── bad input ────────────────────────────────────────────────────────────────

@pytest.mark.parametrize("kw, where, fragment", [
    (dict(k=np.ones((6, 6))), "kernel", "padded input has only 5"),
    (dict(k=np.ones((3, 3)), padding=(0, 0, 0, -1)), "padding", "negative"),
    (dict(k=np.ones((3, 3)), stride=0), "stride", "≥ 1"),
    (dict(k=np.ones((3, 3)), dilation=(1, 0)), "dilation", "≥ 1"),
    (dict(k=np.ones((3, 3)), stride=1.5), "stride", "integer"),
    (dict(k=np.ones((2, 3, 3))), "kernel", "1 channel but the kernel has 2"),
    (dict(k=np.ones((3, 3)), padding="full"), "padding", "'same', 'valid'"),
    (dict(k=np.ones((3, 3)), bias=[1, 2]), "bias", "one bias per filter"),
])
def test_bad_input(kw, where, fragment):
    k = kw.pop("k")
    with pytest.raises(BadInput) as e:
        conv2d(A, k, **kw)
    assert e.value.where == where and fragment in e.value.message


def test_bad_shapes_and_values():
    with pytest.raises(BadInput, match="C×H×W"):
        conv2d(np.ones((1, 1, 3, 3)), X)
    with pytest.raises(BadInput, match="F×C×kh×kw"):
        conv2d(A, np.ones((1, 1, 1, 3, 3)))
    with pytest.raises(BadInput, match="finite"):
        conv2d([[1.0, np.nan]], [[1.0]])
    with pytest.raises(BadInput, match="unknown activation"):
        conv(A, X, activation="softmax")


@settings(max_examples=40, deadline=None)
@given(problems())
def test_tap_by_tap_path_for_big_problems_matches_scipy(problem):
    # past IM2COL_LIMIT copied window values, conv2d accumulates one kernel tap at a time instead
    import dlcalc.calc.conv as module

    x, k, s, p, d, flip, b = problem
    old, module.IM2COL_LIMIT = module.IM2COL_LIMIT, 0
    try:
        assert np.allclose(conv2d(x, k, s, p, d, flip, b), reference(x, k, s, p, d, flip, b))
    finally:
        module.IM2COL_LIMIT = old


def test_absurd_sizes_are_refused_before_any_arithmetic():
    # 1e300 is an integer to float(); without a bound the message would print all its 301 digits
    for kw, where in ((dict(stride=1e300), "stride"), (dict(dilation=10**7), "dilation"), (dict(padding=1e300), "padding")):
        with pytest.raises(BadInput, match="at most 1,000,000") as e:
            conv2d(A, X, **kw)
        assert e.value.where == where and len(e.value.message) < 60


def test_single_channel_conventions_name_plain_shapes():
    assert conv(A, X).steps[0].prose[1] == "input 5×5, kernel 3×3"
    assert conv(A, X, bias=1).steps[0].prose[1] == "input 5×5, kernel 3×3; the bias is added to every cell"
    two = conv(np.stack([A, B]), np.ones((3, 2, 2, 2)), bias=[1, 2, 3]).steps[0].prose[1]
    assert two == ("input 2×5×5 (C×H×W), 3 filters of 2×2×2; each output cell sums over all channels; "
                   "one bias per filter, added to every cell")


def test_sizes_no_one_works_by_hand_are_refused():
    # 2×2 input with 100000 zeros on every side: 200002² ≈ 4·10¹⁰ values would not fit in memory
    with pytest.raises(BadInput, match="too large") as e:
        conv2d([[1.0, 2.0], [3.0, 4.0]], [[1.0]], padding=100_000)
    assert e.value.where == "padding"
    with pytest.raises(BadInput, match="too large"):
        conv2d(np.ones((3, 3)), np.ones((3, 3)), dilation=10**6, padding="same")  # 2·10⁶ zeros a side
