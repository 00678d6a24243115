"""Receptive fields against a walk over pixel indices: which input pixels can reach one output cell.

The reference knows nothing of the recurrence r ← r + (k − 1)·d·j: it maps output cell 0 (and 1) of
the last layer down through every layer, window tap by window tap (cell o of a layer with kernel k,
stride s, dilation d and padding p reads the cells o·s − p + t·d, t = 0 … k − 1, of the layer below),
and measures the span of input pixels reached (r) and how far cell 1's pixels sit from cell 0's (j).
"""
from __future__ import annotations

import numpy as np
import pytest

from dlcalc.calc.errors import BadInput
from dlcalc.calc.receptive_field import RIGHT, SLIPS, Window, Wrong, receptive_field


def reference(stack: list[tuple[int, int, int, int]]) -> tuple[int, int]:
    """(r, j) along one axis of (k, s, d, p) layers on an unbounded input."""
    def down(cells: set[int]) -> set[int]:
        for k, s, d, p in reversed(stack):
            cells = {o * s - p + t * d for o in cells for t in range(k)}
        return cells
    first, second = down({0}), down({1})
    return max(first) - min(first) + 1, min(second) - min(first)


def conv(k, s=1, d=1, p=0) -> Window:
    return Window("conv", (k, k), (s, s), (d, d), p)


def test_three_3x3_convolutions_see_7x7():
    sol = receptive_field([conv(3), conv(3), conv(3)])
    assert sol.answer["receptive_field"] == [7, 7] and sol.answer["jump"] == [1, 1]    # 1 + 2 + 2 + 2
    assert [row["receptive_field"] for row in sol.answer["layers"]] == [[3, 3], [5, 5], [7, 7]]


def test_alexnet_with_output_sizes():
    # conv 11/4, pool 3/2, conv 5 p2, pool 3/2, 3 × conv 3 p1, pool 3/2 on 227×227: r 195, j 32, 6×6 out
    layers = [conv(11, 4), Window("maxpool", (3, 3), (2, 2)), conv(5, p=2), Window("maxpool", (3, 3), (2, 2)),
              conv(3, p=1), conv(3, p=1), conv(3, p=1), Window("maxpool", (3, 3), (2, 2))]
    sol = receptive_field(layers, input_shape=(3, 227, 227))
    assert sol.answer["receptive_field"] == [195, 195] and sol.answer["jump"] == [32, 32]
    # ⌊(227 − 11)/4⌋ + 1 = 55, ⌊(55 − 3)/2⌋ + 1 = 27, 27 (5×5, padding 2), 13, 13, 13, 13, ⌊(13 − 3)/2⌋ + 1 = 6
    assert [row["output_shape"][0] for row in sol.answer["layers"]] == [55, 27, 27, 13, 13, 13, 13, 6]
    assert sol.answer["output_shape"] == [6, 6]


@pytest.mark.parametrize("seed", range(60))
def test_random_stacks_agree_with_the_pixel_walk(seed):
    rng = np.random.default_rng(seed)
    stack = [(int(rng.integers(1, 6)), int(rng.integers(1, 4)), int(rng.integers(1, 3)), int(rng.integers(0, 3)))
             for _ in range(int(rng.integers(1, 6)))]
    rows = [(k, s, d, p) for k, s, d, p in stack]
    cols = [(max(1, k - 1), s, d, p) for k, s, d, p in stack]   # a different kernel width: axes apart
    layers = [Window("conv", (kr, kc), (s, s), (d, d), p) for (kr, s, d, p), (kc, *_) in zip(rows, cols)]
    sol = receptive_field(layers)
    (r_rows, j_rows), (r_cols, j_cols) = reference(rows), reference(cols)
    assert sol.answer["receptive_field"] == [r_rows, r_cols]
    assert sol.answer["jump"] == [j_rows, j_cols]


def test_padding_changes_the_output_size_not_the_field():
    plain, padded = receptive_field([conv(3), conv(3)], (8, 8)), receptive_field([conv(3, p=1), conv(3, p=1)], (8, 8))
    assert plain.answer["receptive_field"] == padded.answer["receptive_field"] == [5, 5]
    assert plain.answer["output_shape"] == [4, 4] and padded.answer["output_shape"] == [8, 8]   # 8 − 2 − 2; kept


def test_same_padding_keeps_the_size_at_stride_1_and_halves_it_at_stride_2():
    sol = receptive_field([Window("conv", (3, 3), padding="same"), Window("conv", (3, 3), (2, 2), padding="same")],
                          (7, 7))
    assert [row["output_shape"] for row in sol.answer["layers"]] == [[7, 7], [4, 4]]     # ⌈7/1⌉, ⌈7/2⌉


def test_the_walk_ends_at_flatten_and_element_wise_layers_change_nothing():
    sol = receptive_field([conv(3), Window("relu"), Window("maxpool", (2, 2), (2, 2)), Window("flatten", ends=True),
                           Window("fc", ends=True)])
    assert sol.answer["receptive_field"] == [4, 4] and len(sol.answer["layers"]) == 3    # 1 + 2, then + 1·1
    assert any("ends the walk" in item for item in sol.steps[0].prose)


def test_the_worked_line_has_the_numbers_of_the_recurrence():
    sol = receptive_field([conv(3, 2), conv(3, d=2)])
    lines = [line.template.format(*line.values) for line in sol.steps[2].lines]
    assert lines[0] == "r₂ = r₁ + (k − 1)·d·j₁ = 3 + (3 − 1)·2·2 = 11"                   # j₁ = 2 from stride 2
    assert lines[1] == "j₂ = j₁·s = 2·1 = 2"


def test_rows_and_columns_are_worked_apart_when_they_differ():
    sol = receptive_field([Window("conv", (3, 5), (1, 2))])
    lines = [line.template.format(*line.values) for line in sol.steps[1].lines]
    assert lines[0].startswith("rows: r₁") and lines[2].startswith("columns: r₁")
    assert sol.answer["receptive_field"] == [3, 5] and sol.answer["jump"] == [1, 2]


def test_a_field_larger_than_the_input_is_warned_about():
    sol = receptive_field([conv(3, p=1), conv(3, p=1), conv(3, p=1)], (5, 5))   # r = 7 on a 5×5 input
    assert any("larger than the input" in w for w in sol.warnings)


def test_a_kernel_larger_than_the_padded_input_is_refused():
    with pytest.raises(BadInput, match="spans 5"):
        receptive_field([conv(5), conv(5)], (6, 6))          # 6 → 2, and a 5×5 kernel does not fit 2×2


def test_a_stack_starting_with_flatten_is_refused():
    with pytest.raises(BadInput, match="no convolution or pooling"):
        receptive_field([Window("flatten", ends=True)])


@pytest.mark.parametrize("wrong, expected", [
    (Wrong(add_k=True), 1 + 3 + 3),                  # r ← r + k
    (Wrong(no_jump=True), 1 + 2 + 2 * 2),            # j never multiplied in: 1 + (3 − 1) + (3 − 1)·2
    (Wrong(no_dilation=True), 1 + 2 + 2 * 2),        # d = 1 for both: 1 + 2 + (3 − 1)·1·2
])
def test_the_slips(wrong, expected):
    right = receptive_field([conv(3, 2), conv(3, d=2)])
    assert right.answer["receptive_field"] == [1 + 2 + 2 * 2 * 2] * 2                   # 11
    assert receptive_field([conv(3, 2), conv(3, d=2)], wrong=wrong).answer["receptive_field"] == [expected] * 2


def test_slips_that_change_nothing_are_not_offered():
    params = {"layers": [conv(3), conv(3)], "input_shape": None}
    offered = [s.name for s in SLIPS if s.params(params) is not None]
    assert offered == ["added k instead of (k − 1)·d·j"]                                  # no stride, no dilation
    assert RIGHT == Wrong()
