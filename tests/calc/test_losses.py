"""calc/losses.py against lecture 12 (worked examples and Homework 12-1/2/3), by hand, and by property.

Every expected value is derived here, independently of the code under test: by hand in a
comment (ln 0.6 = −0.510826, ln 0.7 = −0.356675, ln 0.4 = −0.916291, ln 0.3 = −1.203973,
ln 0.5 = −0.693147, ln 0.75 = −0.287682, ln 2 = 0.693147, ln 10 = 2.302585), or by a
reference formula written in the test with `math`.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlcalc.calc.errors import BadInput
from dlcalc.calc.losses import CROSS_ENTROPY_SLIPS, DICE_SLIPS, MSE_SLIPS, cross_entropy, dice, mse

HAND = 1e-6  # hand values below carry 7 significant decimals

# Lecture 12, "The Calculation Process of Dice Coefficient"
DICE_X = [[0, 1, 0, 1], [0, 0, 0, 0], [1, 0, 1, 0], [1, 1, 0, 1]]
DICE_Y = [[0.02, 0.73, 0.13, 0.85], [0.11, 0.03, 0.05, 0.09], [0.98, 0.15, 0.89, 0.10], [0.93, 0.82, 0.07, 0.97]]
# Homework 12-2 (same X)
HW2_Y = [[0.05, 0.83, 0.13, 0.85], [0.15, 0.03, 0.05, 0.19], [0.77, 0.21, 0.91, 0.10], [0.94, 0.82, 0.07, 0.97]]
# Lecture 12, cataract grading (3 classes)
CATARACT_P = [[0.6, 0.2, 0.2], [0.1, 0.7, 0.2], [0.3, 0.3, 0.4]]
# Homework 12-1 (myopia)
HW1_P = [[0.6, 0.3, 0.1], [0.2, 0.5, 0.3], [0.0, 0.25, 0.75]]


def titles(sol) -> list[str]:
    return [s.title for s in sol.steps]


# ── cross-entropy: the lecture's examples ────────────────────────────────────

def test_glaucoma_binary_ce_correct_value_not_the_slide():
    # Labels {1,0,1,0}, p = {0.6,0.6,0.3,0.4}.
    #   L1 = −ln 0.6 = 0.5108256     (y=1, p=0.6)
    #   L2 = −ln(1−0.6) = −ln 0.4 = 0.9162907   (y=0, p=0.6)
    #   L3 = −ln 0.3 = 1.2039728     (y=1, p=0.3)
    #   L4 = −ln(1−0.4) = −ln 0.6 = 0.5108256   (y=0, p=0.4)
    #   mean = 3.1419147 / 4 = 0.7854787
    # The slide prints 0.6841 = (3·0.5108 + 1.2040)/4: it writes log(1 − 0.4) for the second
    # sample, whose p is 0.6. The course's arithmetic is wrong there; we assert the correct mean.
    sol = cross_entropy(np.array([1, 0, 1, 0]), np.array([0.6, 0.6, 0.3, 0.4]))
    assert sol.kind == "cross_entropy"
    assert sol.answer["loss"] == pytest.approx(0.7854787, abs=HAND)
    assert sol.answer["per_sample"] == pytest.approx([0.5108256, 0.9162907, 1.2039728, 0.5108256], abs=HAND)
    assert abs(sol.answer["loss"] - 0.6841) > 0.1  # not the slide's slip
    assert sol.warnings == []


def test_cataract_three_class_ce():
    # Labels {0,1,2} → one-hot (1,0,0), (0,1,0), (0,0,1); only the true class's p counts:
    #   CE1 = −ln 0.6 = 0.5108256, CE2 = −ln 0.7 = 0.3566749, CE3 = −ln 0.4 = 0.9162907
    #   L = (0.5108256 + 0.3566749 + 0.9162907) / 3 = 1.7837912 / 3 = 0.5945971  (slide: 0.5946 ✓)
    sol = cross_entropy(np.array([0, 1, 2]), np.array(CATARACT_P))
    assert sol.answer["loss"] == pytest.approx(0.5945971, abs=HAND)
    assert sol.answer["per_sample"] == pytest.approx([0.5108256, 0.3566749, 0.9162907], abs=HAND)
    assert titles(sol) == ["Conventions", "One-hot encoding of the labels", "Each sample's cross-entropy",
                           "Mean over samples"]
    onehot = sol.steps[1].grids[0].array()
    assert onehot.tolist() == [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
    assert sol.warnings == []


def test_cataract_with_one_hot_target_needs_no_encoding_step():
    # Same problem typed with the table's one-hot labels: same 0.5945971, no encoding step.
    sol = cross_entropy(np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1]]), np.array(CATARACT_P))
    assert sol.answer["loss"] == pytest.approx(0.5945971, abs=HAND)
    assert "One-hot encoding of the labels" not in titles(sol)


def test_homework_12_1_myopia_ce():
    # Labels {0,1,2}; one-hot (1,0,0), (0,1,0), (0,0,1).
    #   CE1 = −ln 0.6 = 0.5108256, CE2 = −ln 0.5 = 0.6931472, CE3 = −ln 0.75 = 0.2876821
    #   L = 1.4916549 / 3 = 0.4972183
    # Row 3 has p = 0.0 for a wrong class: 0·ln 0 counts as 0, so the loss stays finite.
    sol = cross_entropy(np.array([0, 1, 2]), np.array(HW1_P))
    assert sol.answer["loss"] == pytest.approx(0.4972183, abs=HAND)
    assert sol.answer["per_sample"] == pytest.approx([0.5108256, 0.6931472, 0.2876821], abs=HAND)
    assert sol.warnings == []


@pytest.mark.parametrize("base, expected", [
    ("2", 0.8578223),   # 0.5945971 / ln 2 = 0.5945971 / 0.6931472
    ("10", 0.2582302),  # 0.5945971 / ln 10 = 0.5945971 / 2.3025851
])
def test_ce_log_bases(base, expected):
    sol = cross_entropy(np.array([0, 1, 2]), np.array(CATARACT_P), base=base)
    assert sol.answer["loss"] == pytest.approx(expected, abs=HAND)
    assert any(("log₂" if base == "2" else "log₁₀") in p for p in sol.steps[0].prose)


def test_binary_ce_base_2():
    # Glaucoma in bits: 0.7854787 / 0.6931472 = 1.1332062
    sol = cross_entropy(np.array([1, 0, 1, 0]), np.array([0.6, 0.6, 0.3, 0.4]), base="2")
    assert sol.answer["loss"] == pytest.approx(1.1332062, abs=HAND)


def test_softmax_logits():
    # z = (2, 1, 0), label 0: softmax_0 = e²/(e² + e + 1) = 7.389056/11.107338 = 0.665241
    #   CE = −ln 0.665241 = ln(11.107338) − 2 = 2.407606 − 2 = 0.407606
    sol = cross_entropy(np.array([0]), np.array([[2.0, 1.0, 0.0]]), logits=True)
    assert sol.answer["loss"] == pytest.approx(0.407606, abs=HAND)
    assert sol.answer["probabilities"][0] == pytest.approx([0.665241, 0.244728, 0.090031], abs=HAND)
    assert "Softmax of the logits (max subtracted for stability)" in titles(sol)


def test_sigmoid_logits():
    # z = (0, 2), y = (1, 0): L1 = −ln σ(0) = ln 2 = 0.693147; L2 = −ln(1 − σ(2)) = ln(1 + e²) = 2.126928
    #   mean = 2.820075 / 2 = 1.410038
    sol = cross_entropy(np.array([1, 0]), np.array([0.0, 2.0]), logits=True)
    assert sol.answer["loss"] == pytest.approx(1.410038, abs=HAND)
    assert "Sigmoid of the logits" in titles(sol)


def test_large_logits_stay_finite():
    # σ(40) rounds to 1.0 in float64, yet −ln(1 − σ(40)) = ln(1 + e⁴⁰) = 40 + ln(1 + e⁻⁴⁰) ≈ 40.
    sol = cross_entropy(np.array([0, 1]), np.array([40.0, -40.0]), logits=True)
    assert sol.answer["per_sample"] == pytest.approx([40.0, 40.0], rel=1e-12)
    # softmax(1000, 0, 0), label 1: CE = logsumexp − z_1 = 1000 + ln(1 + 2e⁻¹⁰⁰⁰) − 0 ≈ 1000
    sol = cross_entropy(np.array([1]), np.array([[1000.0, 0.0, 0.0]]), logits=True)
    assert sol.answer["loss"] == pytest.approx(1000.0, rel=1e-12)
    assert sol.warnings == []


def test_zero_loss_is_not_negative_zero():
    # A confident right answer costs 0 exactly, and prints as 0, not −0.
    sol = cross_entropy(np.array([1, 0]), np.array([1.0, 0.0]))
    assert [math.copysign(1, v) for v in sol.answer["per_sample"]] == [1, 1]


@pytest.mark.parametrize("target, pred", [
    ([1, 0], [0.0, 0.5]),        # y=1 with p=0: −ln 0
    ([0, 1], [1.0, 0.5]),        # y=0 with p=1: −ln(1 − 1)
])
def test_binary_log_zero_is_inf_with_a_warning(target, pred):
    sol = cross_entropy(np.array(target), np.array(pred))
    assert math.isinf(sol.answer["loss"]) and sol.answer["loss"] > 0
    assert math.isinf(sol.answer["per_sample"][0])
    assert sol.answer["per_sample"][1] == pytest.approx(0.6931472, abs=HAND)  # −ln 0.5
    assert any("log(0)" in w for w in sol.warnings)


def test_categorical_log_zero_is_inf_with_a_warning():
    sol = cross_entropy(np.array([0, 1]), np.array([[0.0, 1.0], [0.5, 0.5]]))
    assert math.isinf(sol.answer["loss"])
    assert sol.answer["per_sample"][1] == pytest.approx(0.6931472, abs=HAND)
    assert any("log(0)" in w for w in sol.warnings)


def test_rows_not_summing_to_one_warn_but_solve():
    # Row 1 sums to 0.9: warned, and the loss still uses the given p: (−ln 0.1 − ln 0.8)/2 =
    #   (2.3025851 + 0.2231436)/2 = 1.2628643
    sol = cross_entropy(np.array([0, 1]), np.array([[0.1, 0.8], [0.2, 0.8]]))
    assert sol.answer["loss"] == pytest.approx(1.2628643, abs=HAND)
    assert sol.warnings == ["pred row 1 sums to 0.9, not 1"]


def test_single_sample_with_a_class_index():
    # One sample, label 2, p = (0.2, 0.3, 0.5): CE = −ln 0.5 = 0.6931472 (not a binary problem: 1 label, 3 values)
    sol = cross_entropy(np.array(2.0), np.array([0.2, 0.3, 0.5]))
    assert sol.answer["loss"] == pytest.approx(0.6931472, abs=HAND)
    assert sol.title == "Categorical cross-entropy"


def test_column_vectors_are_vectors():
    # A file with one value per line gives an n×1 column: labels as a column, p as a column.
    sol = cross_entropy(np.array([[0], [1], [2]]), np.array(CATARACT_P))
    assert sol.answer["loss"] == pytest.approx(0.5945971, abs=HAND)
    sol = cross_entropy(np.array([1, 0, 1, 0]), np.array([[0.6], [0.6], [0.3], [0.4]]))
    assert sol.answer["loss"] == pytest.approx(0.7854787, abs=HAND)


@pytest.mark.parametrize("target, pred, where, fragment", [
    ([1, 0], [0.1, 0.9, 0.3], "target", "one per prediction"),
    ([1, 0], [0.1, 1.9], "pred", "[0, 1]"),
    ([1, 0], [-0.1, 0.5], "pred", "[0, 1]"),
    ([1, 2], [0.1, 0.5], "target", "[0, 1]"),
    ([0, 3], [[0.2, 0.8], [0.3, 0.7]], "target", "out of range"),
    ([0, -1], [[0.2, 0.8], [0.3, 0.7]], "target", "out of range"),
    ([0, 0.5], [[0.2, 0.8], [0.3, 0.7]], "target", "integers"),
    ([0, 1, 1], [[0.2, 0.8], [0.3, 0.7]], "target", "3 labels for 2"),
    ([[1, 1], [0, 1]], [[0.2, 0.8], [0.3, 0.7]], "target", "neither one-hot nor a distribution"),
    ([[0.5, 0.6], [0, 1]], [[0.2, 0.8], [0.3, 0.7]], "target", "it sums to 1.1"),
    ([[1, 0, 0], [0, 1, 0]], [[0.2, 0.8], [0.3, 0.7]], "target", "shape"),
    ([0, 1], [[0.2, 1.8], [0.3, 0.7]], "pred", "[0, 1]"),
    ([0], [[[0.2, 0.8]]], "pred", "shape"),
])
def test_ce_bad_input(target, pred, where, fragment):
    with pytest.raises(BadInput) as e:
        cross_entropy(np.array(target, dtype=float), np.array(pred, dtype=float))
    assert e.value.where == where
    assert fragment in e.value.message


def test_ce_logits_skip_the_probability_checks():
    # Logits may be any real number; rows need not sum to 1.
    sol = cross_entropy(np.array([0, 1]), np.array([[5.0, -3.0], [2.0, 7.0]]), logits=True)
    assert sol.warnings == []
    # CE1 = ln(1 + e^(−8)) = 3.3540e-4, CE2 = ln(1 + e^(−5)) = 6.7153e-3; mean = 3.5253e-3
    assert sol.answer["loss"] == pytest.approx(0.5 * (math.log1p(math.exp(-8)) + math.log1p(math.exp(-5))), rel=1e-12)


def test_ce_bad_base():
    with pytest.raises(BadInput) as e:
        cross_entropy(np.array([0]), np.array([[0.5, 0.5]]), base="3")
    assert e.value.where == "--base"


# ── Dice ─────────────────────────────────────────────────────────────────────

def test_dice_lecture_example_sum_mode():
    # X∘Y keeps 0.73, 0.85, 0.98, 0.89, 0.93, 0.82, 0.97 → |X∩Y| = 6.17
    # |X| = 7 ones; |Y| = 1.73 + 0.28 + 2.12 + 2.79 = 6.92 (row sums)
    # Dice = 2·6.17 / (7 + 6.92) = 12.34 / 13.92 = 0.8864943; loss = 0.1135057 (slide: 0.1135 ✓)
    sol = dice(np.array(DICE_X), np.array(DICE_Y))
    assert sol.kind == "dice"
    assert sol.answer["coefficient"] == pytest.approx(0.8864943, abs=HAND)
    assert sol.answer["loss"] == pytest.approx(0.1135057, abs=HAND)
    assert sol.answer["intersection"] == pytest.approx(6.17, abs=1e-12)
    assert titles(sol) == ["Conventions", "Element-wise product X∘Y", "Intersection", "Denominator terms",
                           "Dice coefficient", "Dice loss"]
    product = sol.steps[1].grids[0].array()
    assert product == pytest.approx(np.array([[0, 0.73, 0, 0.85], [0, 0, 0, 0], [0.98, 0, 0.89, 0], [0.93, 0.82, 0, 0.97]]))


def test_homework_12_2_squared_dice():
    # Σxy = 0.83 + 0.85 + 0.77 + 0.91 + 0.94 + 0.82 + 0.97 = 6.09; Σx² = 7
    # Σy² by rows: 1.4308 + 0.0620 + 1.4751 + 2.5018 = 5.4697
    #   (0.0025+0.6889+0.0169+0.7225, 0.0225+0.0009+0.0025+0.0361, 0.5929+0.0441+0.8281+0.01, 0.8836+0.6724+0.0049+0.9409)
    # Dice = 12.18 / 12.4697 = 0.9767677; loss = 0.0232323
    sol = dice(np.array(DICE_X), np.array(HW2_Y), mode="squared")
    assert sol.answer["coefficient"] == pytest.approx(0.9767677, abs=HAND)
    assert sol.answer["loss"] == pytest.approx(0.0232323, abs=HAND)
    assert any("Σx² + Σy²" in p for p in sol.steps[0].prose)


def test_dice_smoothing():
    # X = (1, 0), Y = (0.5, 0.5), S = 1: sum (2·0.5 + 1)/(1 + 1 + 1) = 2/3; squared (1 + 1)/(1 + 0.5 + 1) = 0.8
    assert dice(np.array([1, 0]), np.array([0.5, 0.5]), smooth=1.0).answer["coefficient"] == pytest.approx(2 / 3)
    assert dice(np.array([1, 0]), np.array([0.5, 0.5]), mode="squared", smooth=1.0).answer["coefficient"] == \
        pytest.approx(0.8)


def test_dice_all_zero_is_nan_with_a_warning_unless_smoothed():
    sol = dice(np.zeros((2, 2)), np.zeros((2, 2)))
    assert math.isnan(sol.answer["coefficient"])
    assert any("--smooth" in w for w in sol.warnings)
    # With S = 1: (0 + 1)/(0 + 0 + 1) = 1
    assert dice(np.zeros((2, 2)), np.zeros((2, 2)), smooth=1.0).answer["coefficient"] == 1.0


def test_dice_row_and_column_vectors_match():
    # (1, 0, 1) vs (0.5, 0.5, 1) as a column: 2·1.5 / (2 + 2) = 0.75
    assert dice(np.array([1, 0, 1]), np.array([[0.5], [0.5], [1.0]])).answer["coefficient"] == pytest.approx(0.75)


@pytest.mark.parametrize("target, pred, kwargs, where", [
    ([1, 0], [0.5, 0.5, 0.5], {}, "pred"),
    ([[1, 0], [0, 1]], [0.5, 0.5, 0.5, 0.5], {}, "pred"),
    ([2, 0], [0.5, 0.5], {}, "target"),
    ([1, 0], [0.5, -0.5], {}, "pred"),
    ([1, 0], [0.5, 0.5], {"mode": "cube"}, "--mode"),
])
def test_dice_bad_input(target, pred, kwargs, where):
    with pytest.raises(BadInput) as e:
        dice(np.array(target, dtype=float), np.array(pred, dtype=float), **kwargs)
    assert e.value.where == where


# ── MSE ──────────────────────────────────────────────────────────────────────

def test_mse_lecture_example():
    # y = (9, 6, 8), ŷ = (8.5, 6.7, 7.8): (0.25 + 0.49 + 0.04)/3 = 0.78/3 = 0.26 (slide ✓)
    sol = mse(np.array([9, 6, 8]), np.array([8.5, 6.7, 7.8]))
    assert sol.kind == "mse"
    assert sol.answer["loss"] == pytest.approx(0.26, abs=1e-12)
    assert sol.answer["squared_errors"] == pytest.approx([0.25, 0.49, 0.04])
    assert titles(sol) == ["Conventions", "Squared error of each sample", "Sum", "Mean"]


def test_homework_12_3_mse():
    # y = (3, −1, 2, −5), ŷ = (2.5, −1.2, 3.1, −4.9): differences 0.5, 0.2, −1.1, −0.1
    #   squares 0.25, 0.04, 1.21, 0.01 → sum 1.51 → mean 1.51/4 = 0.3775
    sol = mse(np.array([3, -1, 2, -5]), np.array([2.5, -1.2, 3.1, -4.9]))
    assert sol.answer["loss"] == pytest.approx(0.3775, abs=1e-12)
    assert sol.answer["sum"] == pytest.approx(1.51, abs=1e-12)


def test_mse_writes_a_subtracted_negative_in_brackets():
    sol = mse(np.array([-1.0]), np.array([-1.2]))
    assert sol.steps[1].lines[0].template == "({} − ({}))² = {}"


def test_mse_shape_mismatch():
    with pytest.raises(BadInput) as e:
        mse(np.array([1, 2]), np.array([1, 2, 3]))
    assert e.value.where == "pred"
    with pytest.raises(BadInput):
        mse(np.ones((2, 2)), np.ones(4))


# ── slips: each wrong convention gives the value of that convention ─────────

def slip_values(slips, solver, params, key):
    out = {}
    for slip in slips:
        p = slip.params(dict(params))
        out[slip.name] = None if p is None else solver(**p).answer[key]
    return out


def test_cross_entropy_slips():
    base_e = {"target": np.array([0, 1, 2]), "pred": np.array(CATARACT_P), "logits": False, "base": "e"}
    got = slip_values(CROSS_ENTROPY_SLIPS, cross_entropy, base_e, "loss")
    assert got == {
        "log base 10 instead of natural log": pytest.approx(0.2582302, abs=HAND),   # 0.5945971 / 2.3025851
        "log base 2 instead of natural log": pytest.approx(0.8578223, abs=HAND),    # 0.5945971 / 0.6931472
        "natural log instead of the asked base": None,                              # the asked base is ln
        "sum over samples instead of the mean": pytest.approx(1.7837912, abs=HAND),  # 0.5108+0.3567+0.9163
    }
    # Asked in bits: the ln slip gives the natural-log mean 0.5945971; summing bits gives 1.7837912/ln 2 = 2.5734669
    got = slip_values(CROSS_ENTROPY_SLIPS, cross_entropy, {**base_e, "base": "2"}, "loss")
    assert got == {
        "log base 10 instead of natural log": None,
        "log base 2 instead of natural log": None,
        "natural log instead of the asked base": pytest.approx(0.5945971, abs=HAND),
        "sum over samples instead of the mean": pytest.approx(2.5734669, abs=HAND),
    }


def test_dice_slips():
    sum_mode = {"target": np.array(DICE_X), "pred": np.array(DICE_Y), "mode": "sum", "smooth": 0.0}
    # Lecture example with squared sums: Σy² = 1.2727 + 0.0236 + 1.7850 + 2.4831 = 5.5644
    #   12.34 / (7 + 5.5644) = 12.34 / 12.5644 = 0.9821400
    assert slip_values(DICE_SLIPS, dice, sum_mode, "coefficient") == {
        "squared-sum denominator instead of plain sums": pytest.approx(0.9821400, abs=HAND),
        "plain-sum denominator instead of squared sums": None,
    }
    # Homework 12-2 with plain sums: Σy = 1.86 + 0.42 + 1.99 + 2.80 = 7.07; 12.18 / 14.07 = 0.8656716
    squared = {"target": np.array(DICE_X), "pred": np.array(HW2_Y), "mode": "squared", "smooth": 0.0}
    assert slip_values(DICE_SLIPS, dice, squared, "coefficient") == {
        "squared-sum denominator instead of plain sums": None,
        "plain-sum denominator instead of squared sums": pytest.approx(0.8656716, abs=HAND),
    }


def test_mse_slips():
    # Homework 12-3: squared errors sum to 1.51 over n = 4; |errors| = 0.5 + 0.2 + 1.1 + 0.1 = 1.9
    hw3 = {"target": np.array([3, -1, 2, -5]), "pred": np.array([2.5, -1.2, 3.1, -4.9])}
    assert slip_values(MSE_SLIPS, mse, hw3, "loss") == {
        "sum of squared errors instead of the mean": pytest.approx(1.51),           # Σe
        "extra ½ factor": pytest.approx(0.18875),                                    # ½ · 1.51 / 4
        "½ factor and sum instead of mean (½·SSE)": pytest.approx(0.755),            # ½ · 1.51
        "absolute instead of squared errors": pytest.approx(0.475),                  # 1.9 / 4
    }


# ── properties against formulas written here ────────────────────────────────

PROPS = settings(max_examples=60, deadline=None)
prob = st.floats(min_value=1e-6, max_value=1 - 1e-6)


@st.composite
def categorical(draw):
    n, c = draw(st.integers(1, 6)), draw(st.integers(2, 5))
    weights = [[draw(st.floats(0.01, 10)) for _ in range(c)] for _ in range(n)]
    p = [[w / sum(row) for w in row] for row in weights]
    labels = [draw(st.integers(0, c - 1)) for _ in range(n)]
    return labels, p


@PROPS
@given(categorical(), st.sampled_from([("e", 1.0), ("2", math.log(2)), ("10", math.log(10))]))
def test_property_categorical_ce(case, base):
    labels, p = case
    name, ln_b = base
    expected = [-math.log(row[k]) / ln_b for k, row in zip(labels, p)]
    sol = cross_entropy(np.array(labels, dtype=float), np.array(p), base=name)
    assert sol.answer["per_sample"] == pytest.approx(expected, rel=1e-9)
    assert sol.answer["loss"] == pytest.approx(sum(expected) / len(expected), rel=1e-9)
    onehot = [[1.0 if j == k else 0.0 for j in range(len(p[0]))] for k in labels]
    assert cross_entropy(np.array(onehot), np.array(p), base=name).answer["loss"] == pytest.approx(sol.answer["loss"], rel=1e-12)


@PROPS
@given(st.lists(st.tuples(st.integers(0, 1), prob), min_size=1, max_size=8))
def test_property_binary_ce(pairs):
    y = [float(a) for a, _ in pairs]
    p = [b for _, b in pairs]
    expected = [-(yi * math.log(pi) + (1 - yi) * math.log(1 - pi)) for yi, pi in zip(y, p)]
    sol = cross_entropy(np.array(y), np.array(p))
    assert sol.answer["per_sample"] == pytest.approx(expected, rel=1e-9)
    assert sol.answer["loss"] == pytest.approx(sum(expected) / len(expected), rel=1e-9)


@PROPS
@given(st.lists(st.tuples(st.integers(0, 1), st.floats(-60, 60)), min_size=1, max_size=8))
def test_property_binary_ce_logits(pairs):
    # −[y ln σ(z) + (1−y) ln(1−σ(z))] = max(z, 0) − y·z + ln(1 + e^(−|z|))
    y = [float(a) for a, _ in pairs]
    z = [b for _, b in pairs]
    expected = [max(zi, 0) - yi * zi + math.log1p(math.exp(-abs(zi))) for yi, zi in zip(y, z)]
    sol = cross_entropy(np.array(y), np.array(z), logits=True)
    assert sol.answer["per_sample"] == pytest.approx(expected, rel=1e-9, abs=1e-12)


@PROPS
@given(st.integers(1, 5), st.integers(2, 5), st.data())
def test_property_softmax_ce_logits(n, c, data):
    z = [[data.draw(st.floats(-50, 50)) for _ in range(c)] for _ in range(n)]
    labels = [data.draw(st.integers(0, c - 1)) for _ in range(n)]
    # CE = logsumexp(z) − z_label, with logsumexp written out stably here
    expected = []
    for row, k in zip(z, labels):
        m = max(row)
        expected.append(m + math.log(sum(math.exp(v - m) for v in row)) - row[k])
    sol = cross_entropy(np.array(labels, dtype=float), np.array(z), logits=True)
    assert sol.answer["per_sample"] == pytest.approx(expected, rel=1e-9, abs=1e-12)
    assert np.asarray(sol.answer["probabilities"]).sum(axis=1) == pytest.approx([1.0] * n)


@st.composite
def masks(draw):
    h, w = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    binary = draw(st.booleans())
    cell = st.integers(0, 1).map(float) if binary else st.floats(0, 1)
    x = [[draw(cell) for _ in range(w)] for _ in range(h)]
    y = [[draw(st.floats(0, 1)) for _ in range(w)] for _ in range(h)]
    return x, y


@PROPS
@given(masks(), st.sampled_from(["sum", "squared"]), st.sampled_from([0.0, 0.5, 1.0]))
def test_property_dice(xy, mode, smooth):
    x, y = xy
    xs = [v for row in x for v in row]
    ys = [v for row in y for v in row]
    inter = sum(a * b for a, b in zip(xs, ys))
    den = sum(xs) + sum(ys) if mode == "sum" else sum(a * a for a in xs) + sum(b * b for b in ys)
    sol = dice(np.array(x), np.array(y), mode=mode, smooth=smooth)
    if den + smooth == 0:
        assert math.isnan(sol.answer["coefficient"]) and sol.warnings
        return
    expected = (2 * inter + smooth) / (den + smooth)
    assert sol.answer["coefficient"] == pytest.approx(expected, rel=1e-9, abs=1e-12)
    assert sol.answer["loss"] == pytest.approx(1 - expected, rel=1e-9, abs=1e-12)
    assert 0 <= sol.answer["coefficient"] <= 1 + 1e-12  # 2xy ≤ x + y and 2xy ≤ x² + y² on [0, 1]


@PROPS
@given(st.lists(st.integers(1, 4), min_size=1, max_size=3), st.data())
def test_property_mse(shape, data):
    size = math.prod(shape)
    finite = st.floats(-1e3, 1e3)
    y = data.draw(st.lists(finite, min_size=size, max_size=size))
    yhat = data.draw(st.lists(finite, min_size=size, max_size=size))
    expected = sum((a - b) ** 2 for a, b in zip(y, yhat)) / size
    sol = mse(np.array(y).reshape(shape), np.array(yhat).reshape(shape))
    assert sol.answer["loss"] == pytest.approx(expected, rel=1e-9, abs=1e-12)
    assert np.shape(sol.answer["squared_errors"]) == tuple(shape)


# ── soft targets and the one-sample reading (both distributions) ────────────

def test_soft_targets_are_the_cross_entropy_between_distributions():
    from math import log

    sol = cross_entropy(np.array([[0.5, 0.5], [0, 1]]), np.array([[0.2, 0.8], [0.3, 0.7]]))
    # H(p, q) per row: −(0.5·ln 0.2 + 0.5·ln 0.8) = 0.9163, −ln 0.7 = 0.3567; mean 0.6365
    assert sol.answer["per_sample"] == pytest.approx([-(0.5 * log(0.2) + 0.5 * log(0.8)), -log(0.7)])
    assert any("soft targets" in item for item in sol.steps[0].prose)


def test_two_distributions_of_three_are_one_sample_and_the_other_reading_is_warned():
    from math import log, log2

    sol = cross_entropy(np.array([0, 0, 1.0]), np.array([0.2, 0.3, 0.5]))
    assert sol.answer["loss"] == pytest.approx(-log(0.5))                  # one sample, one-hot: 0.6931
    binary = -(log(0.8) + log(0.7) + log(0.5)) / 3                         # the other reading: 0.4243
    assert any(f"{binary:.4g}" in w for w in sol.warnings)
    soft = cross_entropy(np.array([0.1, 0.4, 0.5]), np.array([0.8, 0.15, 0.05]), base="2")
    assert soft.answer["loss"] == pytest.approx(-(0.1 * log2(0.8) + 0.4 * log2(0.15) + 0.5 * log2(0.05)))  # 3.288 bits


def test_a_column_of_predictions_is_binary_whatever_it_sums_to():
    from math import log

    sol = cross_entropy(np.array([0, 0, 1.0]), np.array([[0.2], [0.3], [0.5]]))
    assert sol.answer["loss"] == pytest.approx(-(log(0.8) + log(0.7) + log(0.5)) / 3) and sol.warnings == []


def test_two_classes_read_either_way_agree():
    # t = (1, 0), p = (0.9, 0.1): binary −(ln 0.9 + ln 0.9)/2 and categorical −ln 0.9 are the same number
    from math import log

    assert cross_entropy(np.array([1.0, 0]), np.array([0.9, 0.1])).answer["loss"] == pytest.approx(-log(0.9))


# ── --gradient: checked against finite differences of the loss itself ──────

def _numeric_gradient(target, pred, **kw):
    h, out = 1e-6, np.zeros_like(pred, dtype=float)
    for ix in np.ndindex(pred.shape):
        up, down = pred.astype(float).copy(), pred.astype(float).copy()
        up[ix] += h
        down[ix] -= h
        out[ix] = (cross_entropy(target, up, **kw).answer["loss"] - cross_entropy(target, down, **kw).answer["loss"]) / (2 * h)
    return out


@pytest.mark.parametrize("target, pred, kw", [
    (np.array([0, 2]), np.array([[2.0, 1, 0.1], [0.5, 0.2, 3]]), {"logits": True}),                 # ŷ − y
    (np.array([0, 2]), np.array([[0.6, 0.3, 0.1], [0.2, 0.2, 0.6]]), {}),                           # −y/ŷ
    (np.array([1.0, 0]), np.array([0.8, 0.3]), {}),                                                 # binary p
    (np.array([1.0, 0]), np.array([0.0, 2.0]), {"logits": True}),                                   # σ(z) − y
    (np.array([0, 2]), np.array([[0.6, 0.3, 0.1], [0.2, 0.2, 0.6]]), {"base": "2"}),                # ÷ ln 2
    (np.array([[0.5, 0.5], [0, 1]]), np.array([[0.2, 0.8], [0.3, 0.7]]), {}),                       # soft targets
])
def test_the_gradient_is_the_derivative_of_the_loss(target, pred, kw):
    sol = cross_entropy(target, pred, gradient=True, **kw)
    # each entry nudged on its own (a probability row is not renormalised: entries with y = 0 do not move −Σ y log ŷ)
    np.testing.assert_allclose(sol.answer["gradient"], _numeric_gradient(target, pred, **kw), rtol=1e-5, atol=1e-7)
    assert sol.answer["gradient"].shape == pred.shape
