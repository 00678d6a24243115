"""Grading against a key: tolerance rule, shapes, slip diagnosis, scores (calc/grading.py, problems/grading.py)."""
from __future__ import annotations

from math import log, log10

import numpy as np
import pytest

from dlcalc.calc.errors import BadInput
from dlcalc.calc.grading import Tolerance, matches, rounding_slip, sign_slip
from dlcalc.problems import grading
from dlcalc.problems.answers import BadRow, Row
from dlcalc.problems.loader import load_text

DEFAULT = Tolerance()  # rtol 1e-3, atol 1e-4

# ── the comparison rule |given − expected| ≤ atol + rtol·|expected| ─────────


def test_defaults_are_the_contract_values():
    assert (DEFAULT.rtol, DEFAULT.atol) == (1e-3, 1e-4)


@pytest.mark.parametrize("given, ok", [
    (2.0021, True),    # |Δ| = 0.0021 ≤ 1e-4 + 1e-3·2 = 0.0021
    (2.00215, False),  # 0.00215 > 0.0021
    (1.9979, True),
    (1.99785, False),
])
def test_tolerance_boundary(given, ok):
    assert matches(given, 2.0, DEFAULT) is ok


def test_atol_governs_near_zero():
    assert matches(0.0001, 0.0, DEFAULT) and not matches(0.00011, 0.0, DEFAULT)
    assert matches(0.05, 0.0, Tolerance(rtol=0, atol=0.05))


def test_matrices_need_every_entry_and_the_shape():
    expected = np.array([[1.0, 2.0], [3.0, 4.0]])
    assert matches(np.array([[1.0005, 2], [3, 4]]), expected, DEFAULT)
    assert not matches(np.array([[1.01, 2], [3, 4]]), expected, DEFAULT)    # one entry off
    assert not matches(np.array([1.0, 2, 3, 4]), expected, DEFAULT)          # 4 values, not 2×2
    assert not matches(np.array([[1.0, 2, 3]]), expected, DEFAULT)
    assert matches(np.array([[1.0], [2.0]]), np.array([1.0, 2.0]), DEFAULT)  # a column typed for a vector


def test_scalars_in_any_wrapping():
    assert matches(np.array([[0.5]]), 0.5, DEFAULT) and matches(0.5, np.array([0.5]), DEFAULT)


def test_words_and_infinities():
    assert matches("Local Min", "local_min", DEFAULT) and not matches("saddle", "local_min", DEFAULT)
    assert matches("yes", True, DEFAULT) and matches("0", False, DEFAULT) and not matches("true", False, DEFAULT)
    assert not matches(0.5, "saddle", DEFAULT) and not matches("0.5", 0.5, DEFAULT)
    assert matches(float("inf"), float("inf"), DEFAULT) and not matches(1e308, float("inf"), DEFAULT)
    assert not matches(-np.inf, np.inf, DEFAULT) and not matches(np.inf, 5.0, DEFAULT)
    assert matches(np.nan, np.nan, DEFAULT) and not matches(0.0, np.nan, DEFAULT)  # Dice of two empty masks: 0/0
    assert not matches(None, 0.0, DEFAULT)


# ── kind-independent diagnoses ───────────────────────────────────────────────

@pytest.mark.parametrize("given, expected, decimals", [
    (0.46, 0.4581453659, 2),
    (0.5, 0.4581453659, 1),
    (0.12, 0.125, 2),   # a tie rounds either way
    (0.13, 0.125, 2),
    (3, 2.5, 0),
    (0.023, 0.0232306, 3),   # the README's hw12-2: 0.023 is 0.00023 away, more than the tolerance 0.000123
])
def test_rounding(given, expected, decimals):
    s = "s" if decimals != 1 else ""
    assert rounding_slip(given, expected) == f"rounded to {decimals} decimal{s} (more precision needed)"


def test_truncation_and_exact_values_are_not_rounding():
    assert rounding_slip(0.45, 0.4581453659) is None   # truncated, 0.0081 away: more than half of 0.01
    assert rounding_slip(0.5, 0.5) is None
    assert rounding_slip([0.69, 0.22], [0.6931, 0.2231]) == "rounded to 2 decimals (more precision needed)"
    assert rounding_slip([0.69], [0.6931, 0.2231]) is None


def test_sign():
    assert sign_slip(-0.3775, 0.3775, DEFAULT) == "sign flipped"
    assert sign_slip(0.3775, 0.3775, DEFAULT) is None
    assert sign_slip(0.0, 0.0, DEFAULT) is None


# ── a key and its slips ──────────────────────────────────────────────────────

KEY = """\
problems:
  - id: ce
    points: 2
    kind: cross_entropy
    target: [0, 1]
    pred: [[0.5, 0.5], [0.2, 0.8]]
  - id: ce10
    kind: cross_entropy
    base: "10"
    target: [0, 1]
    pred: [[0.5, 0.5], [0.2, 0.8]]
  - id: dice
    kind: dice
    ask: coefficient
    target: [1, 1, 0]
    pred: [0.5, 1, 0]
  - id: dsq
    kind: dice
    mode: squared
    target: [1, 1, 0]
    pred: [0.5, 1, 0]
  - id: mse
    kind: mse
    rtol: 0.1
    target: [1, 2, 3, 4]
    pred: [2, 4, 3, 4]
  - id: vec
    kind: cross_entropy
    ask: per_sample
    target: [0, 1]
    pred: [[0.5, 0.5], [0.2, 0.8]]
"""
# Independent values:
CE = (-log(0.5) - log(0.8)) / 2              # 0.4581  (mean of 0.6931 and 0.2231)
CE_10 = (-log10(0.5) - log10(0.8)) / 2       # 0.1990
CE_2 = CE / log(2)                           # 0.6610  log₂ x = ln x / ln 2
CE_SUM = -log(0.5) - log(0.8)                # 0.9163
DICE = 2 * 1.5 / (2 + 1.5)                   # Σxy = 0.5 + 1 = 1.5; Σx = 2, Σy = 1.5 → 6/7
DICE_SQ = 2 * 1.5 / (2 + 0.25 + 1)           # Σx² = 2, Σy² = 0.25 + 1 → 12/13
MSE = (1 + 4 + 0 + 0) / 4                    # squared errors 1, 4, 0, 0 → 1.25
MSE_HALF = MSE / 2                           # 0.625
MSE_SUM = 1 + 4                              # 5
MSE_HALF_SUM = MSE_SUM / 2                   # 2.5
MSE_ABS = (1 + 2) / 4                        # |errors| 1, 2, 0, 0 → 0.75


@pytest.fixture(scope="module")
def key():
    return grading.build_key(load_text(KEY, "key.yaml"), DEFAULT)


def test_key_is_computed_with_per_problem_tolerances(key):
    assert list(key) == ["ce", "ce10", "dice", "dsq", "mse", "vec"]
    assert key["ce"].expected == pytest.approx(CE)
    assert key["ce10"].expected == pytest.approx(CE_10)
    assert key["dice"].expected == pytest.approx(DICE)
    assert key["dsq"].expected == pytest.approx(DICE_SQ)       # dice's first answer key: coefficient
    assert key["mse"].expected == pytest.approx(MSE)
    np.testing.assert_allclose(key["vec"].expected, [-log(0.5), -log(0.8)])
    assert key["mse"].tol == Tolerance(0.1, 1e-4) and key["ce"].tol == DEFAULT


@pytest.mark.parametrize("pid, given, diagnosis", [
    ("ce", CE_10, "log base 10 instead of natural log"),
    ("ce", CE_2, "log base 2 instead of natural log"),
    ("ce", CE_SUM, "sum over samples instead of the mean"),
    ("ce10", CE, "natural log instead of the asked base"),
    ("dice", DICE_SQ, "squared-sum denominator instead of plain sums"),
    ("dice", 1 - DICE, "gave loss instead of coefficient"),
    ("dsq", DICE, "plain-sum denominator instead of squared sums"),
    ("mse", MSE_SUM, "sum of squared errors instead of the mean"),
    ("mse", MSE_HALF, "extra ½ factor"),
    ("mse", MSE_HALF_SUM, "½ factor and sum instead of mean (½·SSE)"),
    ("mse", MSE_ABS, "absolute instead of squared errors"),
    ("ce", 0.46, "rounded to 2 decimals (more precision needed)"),
    ("ce", -CE, "sign flipped"),
    ("vec", [-log10(0.5), -log10(0.8)], "log base 10 instead of natural log"),
    ("ce", 7.0, None),
])
def test_slips_are_named(key, pid, given, diagnosis):
    m = grading.mark(key[pid], repr(given) if not isinstance(given, list) else str(given))
    assert not m.correct and m.points == 0
    assert m.diagnosis == diagnosis


def test_right_answers_score_the_problem_points(key):
    m = grading.mark(key["ce"], "0.45815")
    assert (m.correct, m.points, m.max_points, m.diagnosis) == (True, 2.0, 2.0, None)
    assert m.given == pytest.approx(0.45815) and m.expected == pytest.approx(CE)
    # rtol 0.1 on mse: 1.25 ± 0.1251
    assert grading.mark(key["mse"], "1.37").correct and not grading.mark(key["mse"], "1.38").correct


def test_matrix_answers(key):
    assert grading.mark(key["vec"], "0.693147 0.223144").correct
    assert grading.mark(key["vec"], "[0.693147, 0.223144]").correct
    m = grading.mark(key["vec"], "0.693147 0.223144 0")        # three values for two
    assert not m.correct and m.diagnosis is None


def test_unparsable_and_missing_answers(key):
    m = grading.mark(key["ce"], "zero point four")
    assert (m.correct, m.given, m.diagnosis) == (False, "zero point four", "unparsable answer 'zero point four'")
    m = grading.mark(key["ce"], "abc")   # a word where a number is asked
    assert not m.correct and m.diagnosis == "unparsable answer 'abc'"
    for text in (None, "", "   "):
        m = grading.mark(key["ce"], text)
        assert (m.correct, m.given, m.diagnosis, m.points) == (False, None, None, 0.0)


def test_slips_are_solved_once_per_problem(key):
    item = key["mse"]
    first = item.slips()
    assert item.slips() is first
    # only slips that change the answer are kept: all four MSE slips do here
    assert [name for name, _ in first] == ["sum of squared errors instead of the mean", "extra ½ factor",
                                           "½ factor and sum instead of mean (½·SSE)", "absolute instead of squared errors"]
    assert [v for _, v in first] == pytest.approx([MSE_SUM, MSE_HALF, MSE_HALF_SUM, MSE_ABS])


def test_a_slip_equal_to_the_right_answer_is_not_a_diagnosis():
    # errors 1, -1: |e| = e² so the "absolute errors" slip gives the right answer, and is dropped
    key = grading.build_key(load_text("kind: mse\ntarget: [1, 2]\npred: [2, 1]\n", "k.yaml", stem="k"), DEFAULT)
    assert "absolute instead of squared errors" not in [name for name, _ in key["k"].slips()]


# ── a class ──────────────────────────────────────────────────────────────────

def rows(*triples):
    return [Row(s, p, a, i + 2) for i, (s, p, a) in enumerate(triples)]


def test_grade_a_small_class(key):
    report = grading.grade(key, rows(
        ("ann", "ce", "0.9"),                     # replaced below: the latest submission counts
        ("ann", "ce", "0.4581"), ("ann", "dice", "0.857"), ("ann", "mse", "1.25"),
        ("bob", "ce", f"{CE_10:.5f}"), ("bob", "mse", "0.625"),
        ("bob", "zz", "1"),                       # unknown problem: reported, skipped
    ), [BadRow(1, "from the reader")])
    ann, bob = report.students
    assert (ann.id, ann.score, ann.max) == ("ann", 4.0, 7.0)   # ce 2 + dice 1 + mse 1 of 2+1+1+1+1+1
    assert (bob.id, bob.score, bob.max) == ("bob", 0.0, 7.0)
    assert [m.problem for m in ann.marks] == list(key)          # every key problem, answered or not
    assert [m.correct for m in ann.marks] == [True, False, True, False, True, False]
    assert [m.diagnosis for m in bob.marks] == ["log base 10 instead of natural log", None, None, None,
                                                 "extra ½ factor", None]
    assert [m.missing for m in bob.marks] == [False, True, True, True, False, True]   # answered ce and mse
    assert [(b.line, b.message) for b in report.bad_rows] == [
        (1, "from the reader"),
        (8, "unknown problem 'zz'; row skipped"),
    ]
    assert report.warnings == ["1 resubmission: the latest counts, e.g. ann ce (line 3 replaces an earlier answer)"]
    assert not report.all_correct
    s = report.summary()
    assert (s["students"], s["max"], s["mean"], s["median"], s["all_correct"], s["bad_rows"]) == (2, 7.0, 2.0, 2.0, 0, 2)
    assert s["problems"]["ce"] == {"correct": 1, "answered": 2, "mean_points": 1.0,   # 2 points, one of two right
                                   "slips": {"log base 10 instead of natural log": 1}, "wrong_answers": []}
    assert s["problems"]["dsq"] == {"correct": 0, "answered": 0, "mean_points": 0.0, "slips": {}, "wrong_answers": []}
    # scores 4 and 0 of 7: the first tenth [0, 0.7) holds bob, [3.5, 4.2) holds ann
    assert [b["count"] for b in s["histogram"]] == [1, 0, 0, 0, 0, 1, 0, 0, 0, 0]


def test_unknown_problem_suggests_the_closest(key):
    report = grading.grade(key, rows(("ann", "dise", "0.8"), ("ann", "ce", "1")), [])
    assert report.bad_rows[0].message == "unknown problem 'dise' (did you mean 'dice'?); row skipped"


def test_no_gradable_row_is_bad_input_naming_the_file_and_why(key):
    with pytest.raises(BadInput, match="no row could be graded: no answer names a problem of the key") as e:
        grading.grade(key, rows(("ann", "dise", "0.8")), [], source="a.csv")
    assert e.value.where == "a.csv"
    with pytest.raises(BadInput, match="no row could be graded: the file holds no answers"):
        grading.grade(key, rows(), [])
    with pytest.raises(BadInput, match="every row was refused, e.g. line 2: too many cells"):
        grading.grade(key, rows(), [BadRow(2, "too many cells")])


def test_everyone_right_is_all_correct():
    key = grading.build_key(load_text("kind: mse\ntarget: [1]\npred: [3]\n", "k.yaml", stem="k"), DEFAULT)
    report = grading.grade(key, rows(("ann", "k", "4"), ("bob", "k", "4.001")), [])
    assert report.all_correct and report.summary()["all_correct"] == 2


def test_a_key_problem_that_cannot_be_solved_is_bad_input():
    problems = load_text("problems:\n  - {id: a, kind: mse, target: [1, 2], pred: [1]}\n", "k.yaml")
    with pytest.raises(BadInput, match="k.yaml:2: pred: target is 2 but pred is 1"):
        grading.build_key(problems, DEFAULT)


# ── how each kind's answers compare (declared in its Kind) ──────────────────

def test_every_declared_comparison_names_an_answer_key_and_a_mode():
    from dlcalc.calc.grading import MODES
    from dlcalc.problems import registry

    declared = 0
    for kind in registry.kinds().values():
        for key, mode in kind.compare.items():
            assert key in kind.answer_keys and mode in MODES, (kind.name, key, mode)
            declared += 1
    assert declared >= 10


def test_exact_integers_are_not_within_a_relative_tolerance():
    # 102760448 is 4096 off 102764544: 4e-5 relative, inside rtol 1e-3, yet a parameter count is exact
    assert matches(102760448, 102764544, DEFAULT) and not matches(102760448, 102764544, DEFAULT, "exact")
    assert matches(102764544.0, 102764544, DEFAULT, "exact") and matches([30, 30], np.array([30, 30]), DEFAULT, "exact")


def test_eigenvalues_compare_as_a_multiset():
    assert matches([2, -2], np.array([-2.0, 2.0]), DEFAULT, "multiset")
    assert not matches([2, 2], np.array([-2.0, 2.0]), DEFAULT, "multiset")     # the same set, not the same multiset
    assert not matches([2, -2], np.array([-2.0, 2.0]), DEFAULT)                # in order, without the declaration


@pytest.mark.parametrize("given, ok", [
    ([1, 1], True), ([-1, -1], True), ([2.5, 2.5], True), ([0.7071, 0.7071], True),   # u, −u, scaled u
    ([1, -1], False), ([1, 0], False), ([0, 0], False),                                # other directions, none
])
def test_a_direction_is_right_up_to_a_non_zero_scale(given, ok):
    assert matches(given, np.array([0.70710678, 0.70710678]), DEFAULT, "direction") is ok


@pytest.mark.parametrize("text, expected", [("Saddle point", "saddle"), ("saddle-point", "saddle"),
                                            ("Local minimum", "local_min"), ("minimum", "local_min"),
                                            ("LOCAL MAX", "local_max")])
def test_words_ignore_case_spaces_dashes_local_and_point(text, expected):
    assert matches(text, expected, DEFAULT)
    assert not matches("maximum", "local_min", DEFAULT)


@pytest.mark.parametrize("given, expected, ok", [("1", True, True), ("yes", True, True), ("0", False, True),
                                                 ("no", False, True), (np.array(1.0), True, True),
                                                 (np.array(0.0), True, False), ("2", True, False)])
def test_true_false_answers_as_words_or_digits(given, expected, ok):
    assert matches(given, expected, DEFAULT) is ok


def test_named_values_are_read_by_name_when_the_answer_names_them():
    # f = x·y + z at (2, 3, 4): ∂f/∂x = y = 3, ∂f/∂y = x = 2, ∂f/∂z = 1
    (p,) = load_text("problems:\n  - {id: g, kind: graph, expr: 'x*y + z', at: 'x=2, y=3, z=4', ask: gradient}\n",
                     "key.yaml")
    item = grading.build_key([p], DEFAULT)["g"]
    for right in ("{x: 3, y: 2, z: 1}", "{z: 1, y: 2, x: 3}", "x = 3, y = 2, z = 1", "[3, 2, 1]"):
        assert grading.mark(item, right).correct, right
    assert not grading.mark(item, "{x: 2, y: 3, z: 1}").correct   # ∂f/∂x and ∂f/∂y swapped
    m = grading.mark(item, "{x: 3, y: 2}")
    assert not m.correct and m.diagnosis == "named x, y where the answer names x, y, z"


def test_named_values_for_an_unnamed_answer_are_its_values_as_typed(key):
    assert grading.mark(key["vec"], "a = 0.693147, b = 0.223144").correct   # −ln 0.5, −ln 0.8
    assert not grading.mark(key["vec"], "a = 0.223144, b = 0.693147").correct


def test_counts_are_exact_in_the_slips_named_too():
    # 3×32×32 (channels first) under 64 3×3 filters: weights 64·3·3·3 = 1728, biases 64, params 1792
    (p,) = load_text("problems:\n  - {id: n, kind: convsize, input_shape: 3x32x32, kernel: 3, filters: 64, "
                     "ask: params}\n", "key.yaml")
    item = grading.build_key([p], DEFAULT)["n"]
    assert grading.mark(item, "1728").diagnosis == "bias not counted"
    # a dense layer from the 3·32·32 inputs to the 64 outputs: 64·(3072 + 1) = 196672
    assert grading.mark(item, "196672").diagnosis == "gave fc_params instead of params"
    assert grading.mark(item, "196700").diagnosis is None   # within 1e-3 of 196672, but counts compare exactly
    m = grading.mark(item, "1792.0000001")
    assert not m.correct and m.diagnosis == "close, but params is a whole number and compared exactly"


def test_digits_grouped_by_commas_are_said_to_be_so():
    # 3×32×32 under 64 3×3 filters: 64·(27 + 1) = 1792 parameters; 1,792 could be 1.792 with a decimal comma
    (p,) = load_text("problems:\n  - {id: n, kind: convsize, input_shape: 3x32x32, kernel: 3, filters: 64, "
                     "ask: params}\n", "key.yaml")
    item = grading.build_key([p], DEFAULT)["n"]
    assert grading.mark(item, "1,792,000").diagnosis == \
        "digits grouped by commas? '1,792,000' is one number or several; without the commas it is one"
    assert grading.mark(item, "1,792").diagnosis.startswith("a decimal comma? '1,792' is one number or two")


def test_a_matrix_with_decimal_commas_is_said_to_be_right_with_the_option(key):
    m = grading.mark(key["vec"], "0,693147; 0,223144")   # −ln 0.5, −ln 0.8; without the option [[0, 693147], …]
    assert not m.correct and m.diagnosis == "decimal commas? read with --decimal-comma, this answer is right"
    assert grading.mark(key["vec"], "0,5; 0,5").diagnosis is None      # wrong either way
