"""calc.pool: the slide's 4×4 max-pool example by hand, properties against a plain loop, steps, slips, errors."""
from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlcalc.calc.errors import BadInput
from dlcalc.calc.pool import SLIPS, pool, pool2d, pool_steps
from dlcalc.cli.render.numbers import formatter

FMT = formatter(4)
# Deep Learning slide 'CNN - Max Pooling'
M = np.array([[12, 20, 30, 0], [8, 12, 2, 0], [34, 70, 37, 4], [112, 100, 25, 12]], float)


def test_slide_max_pool():
    # windows: {12, 20, 8, 12} → 20, {30, 0, 2, 0} → 30, {34, 70, 112, 100} → 112, {37, 4, 25, 12} → 37
    assert pool2d(M, 2).tolist() == [[20, 30], [112, 37]]
    sol = pool(M, 2)
    assert sol.answer["output"].tolist() == [[20, 30], [112, 37]] and sol.answer["output_shape"] == [2, 2]


def test_slide_average_and_min():
    # (12+20+8+12)/4 = 13, (30+0+2+0)/4 = 8, (34+70+112+100)/4 = 79, (37+4+25+12)/4 = 19.5
    assert pool2d(M, 2, mode="avg").tolist() == [[13, 8], [79, 19.5]]
    assert pool2d(M, 2, mode="min").tolist() == [[8, 0], [34, 4]]


def test_overlapping_windows_by_hand():
    # 3×3 windows at stride 1 over the 4×4 map: maxima 70, 70 / 112, 100
    assert pool2d(M, 3, stride=1).tolist() == [[70, 70], [112, 100]]


def test_avg_counts_padded_zeros_and_max_ignores_padding():
    x = np.array([[-1.0, -2.0], [-3.0, -4.0]])
    # padding 1, window 2, stride 2: each window holds one real value and three padded cells
    assert pool2d(x, 2, padding=1, mode="max").tolist() == [[-1, -2], [-3, -4]]        # −∞ never wins
    assert pool2d(x, 2, padding=1, mode="avg").tolist() == [[-0.25, -0.5], [-0.75, -1]]  # zeros count: v/4
    assert pool2d(-x, 2, padding=1, mode="min").tolist() == [[1, 2], [3, 4]]            # +∞ never wins


def test_channels_pooled_separately():
    x = np.stack([M, -M])
    y = pool2d(x, 2)
    assert y.shape == (2, 2, 2)
    assert y[1].tolist() == [[-8, 0], [-34, -4]]  # max of the negated windows = −min
    assert pool(x, 2).answer["output_shape"] == [2, 2, 2]


def loop_reference(x: np.ndarray, k: tuple, s: tuple, p: tuple, mode: str) -> np.ndarray:
    """Plain loops over every output cell, padding by hand."""
    C, H, W = x.shape
    fill = {"max": -np.inf, "min": np.inf, "avg": 0.0}[mode]
    xp = np.full((C, H + p[0] + p[1], W + p[2] + p[3]), fill)
    xp[:, p[0]: p[0] + H, p[2]: p[2] + W] = x
    Ho = (xp.shape[1] - k[0]) // s[0] + 1
    Wo = (xp.shape[2] - k[1]) // s[1] + 1
    out = np.zeros((C, Ho, Wo))
    for c in range(C):
        for i in range(Ho):
            for j in range(Wo):
                win = [xp[c, i * s[0] + a, j * s[1] + b] for a in range(k[0]) for b in range(k[1])]
                out[c, i, j] = max(win) if mode == "max" else min(win) if mode == "min" else sum(win) / len(win)
    return out


@st.composite
def pools(draw):
    k = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    s = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    p = (draw(st.integers(0, k[0] - 1)), draw(st.integers(0, k[0] - 1)),
         draw(st.integers(0, k[1] - 1)), draw(st.integers(0, k[1] - 1)))
    H = draw(st.integers(max(1, k[0] - p[0] - p[1]), 9))
    W = draw(st.integers(max(1, k[1] - p[2] - p[3]), 9))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.integers(-9, 10, size=(draw(st.integers(1, 3)), H, W)).astype(float)
    return x, k, s, p, draw(st.sampled_from(["max", "avg", "min"]))


@settings(max_examples=150, deadline=None)
@given(pools())
def test_pool2d_matches_loop(problem):
    x, k, s, p, mode = problem
    assert np.allclose(pool2d(x, k, s, p, mode), loop_reference(x, k, s, p, mode))


@settings(max_examples=40, deadline=None)
@given(pools(), st.booleans())
def test_steps_agree_with_loop(problem, full):
    x, k, s, p, mode = problem
    steps, y = pool_steps(x, k, s, p, mode, full)
    assert np.allclose(y, loop_reference(x, k, s, p, mode))
    windows = [st_ for st_ in steps if re.fullmatch(r"P\d*\(\d+,\d+\)", st_.title)]
    assert len(windows) == (y.size if full else min(y.size, 16))


def test_window_step_names_the_max_and_its_position():
    steps, _ = pool_steps(M, 2)
    third = next(s for s in steps if s.title == "P(2,1)")
    assert third.substitution.render(FMT) == "max(34, 70, 112, 100)"
    assert third.result.render(FMT) == "112"
    assert "row 4, column 1" in " ".join(third.prose)
    assert sorted(third.grids[0].highlight) == [(2, 0), (2, 1), (3, 0), (3, 1)]
    avg = next(s for s in pool_steps(M, 2, mode="avg")[0] if s.title == "P(2,2)")
    assert avg.substitution.render(FMT) == "(37 + 4 + 25 + 12) / 4" and avg.result.render(FMT) == "19.5"


def test_stride_defaults_to_size_and_is_stated():
    sol = pool(M, 2)
    assert "stride 2" in sol.steps[0].prose[0]
    assert sol.steps[1].lines[0].render(FMT) == "H' = W' = ⌊(4 + 2·0 − 2) / 2⌋ + 1 = 2"
    assert sol.steps[1].note == "with no padding this is the slide's ⌈(H − K + 1) / S⌉"  # ⌈3/2⌉ = 2; pools do not dilate


def test_slips():
    base = {"input": M, "size": (2, 2), "stride": None, "padding": 0, "mode": "max", "full": False}
    by_name = {s.name: s for s in SLIPS}
    assert by_name["average pooling instead of max pooling"].params(base)["mode"] == "avg"
    assert by_name["max pooling instead of average pooling"].params(base) is None
    assert by_name["stride 1 (overlapping windows) instead of the window size"].params(base)["stride"] == 1
    assert by_name["padding missing"].params(base) is None
    slipped = by_name["average pooling instead of max pooling"].params(base)
    assert pool(**slipped).answer["output"].tolist() == [[13, 8], [79, 19.5]]


@pytest.mark.parametrize("kw, where, fragment", [
    (dict(size=5), "size", "window spans 5"),
    (dict(size=2, stride=0), "stride", "≥ 1"),
    (dict(size=2, padding=2), "padding", "smaller than the window"),
    (dict(size=2, padding=-1), "padding", "negative"),
    (dict(size=2.5), "size", "integer"),
    (dict(size=2, mode="median"), "mode", "max, avg, min"),
    (dict(size=1e300), "size", "at most 1,000,000"),
])
def test_bad_input(kw, where, fragment):
    with pytest.raises(BadInput) as e:
        pool2d(M, **kw)
    assert e.value.where == where and fragment in e.value.message


def test_average_pooling_without_the_padded_zeros():
    # [[1, 2], [3, 4]], 2×2 windows at stride 1 over one ring of zeros: by hand, each window's real cells are
    # {1}, {1, 2}, {2}; {1, 3}, {1, 2, 3, 4}, {2, 4}; {3}, {3, 4}, {4}
    x = np.array([[1.0, 2], [3, 4]])
    real = pool(x, size=2, stride=1, padding=1, mode="avg", count_include_pad=False).answer["output"]
    np.testing.assert_allclose(real, [[1, 1.5, 2], [2, 2.5, 3], [3, 3.5, 4]])
    counted = pool(x, size=2, stride=1, padding=1, mode="avg").answer["output"]           # ÷ 4 everywhere
    np.testing.assert_allclose(counted, [[0.25, 0.75, 0.5], [1, 2.5, 1.5], [0.75, 1.75, 1]])


def test_the_divisor_convention_is_stated_and_its_slip_named():
    sol = pool(np.array([[1.0, 2], [3, 4]]), size=2, stride=1, padding=1, mode="avg", count_include_pad=False)
    assert any("not counted" in item for item in sol.steps[0].prose)
    from dlcalc.calc.pool import SLIPS

    params = {"input": np.array([[1.0, 2], [3, 4]]), "size": 2, "stride": 1, "padding": 1, "mode": "avg",
              "count_include_pad": False}
    offered = {s.name for s in SLIPS if s.params(params) is not None}
    assert "padded zeros counted in the average" in offered
    assert "padded zeros left out of the average" not in offered
