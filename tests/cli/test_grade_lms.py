"""`dlcalc grade KEY ANSWERS` on answer files shaped like real LMS exports (CONTRACT §6 and §8).

Every expected value is derived by hand (in the comments) and computed here with `math`, never
taken from dlcalc. The sample exports live in ../shared/samples/lms/ (read-only); anything written
goes under pytest's tmp_path.
"""
from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from math import isclose, log, log10
from pathlib import Path

import pytest

from tests.conftest import assert_bad_input, run_cli

SAMPLES = Path(__file__).parents[3] / "shared" / "samples" / "lms"
KEY = SAMPLES / "key.yaml"
DEV_BIN = str(Path(sys.executable).parent)  # this environment's dlcalc, not another checkout's


def within(given: float, expected: float, rtol: float = 1e-3, atol: float = 1e-4) -> bool:
    """The §6 rule: |given − expected| ≤ atol + rtol·|expected|."""
    return abs(given - expected) <= atol + rtol * abs(expected)


# ── the right answers of key.yaml, by hand ───────────────────────────────────
# q1-ce: targets 0, 1, 2 pick 0.6, 0.7, 0.4 from the rows of pred; mean of −ln p.
CE = -(log(0.6) + log(0.7) + log(0.4)) / 3                   # 0.594597
CE_SUM = -(log(0.6) + log(0.7) + log(0.4))                   # 1.783791 (sum over samples: a slip)
CE_LOG10 = -(log10(0.6) + log10(0.7) + log10(0.4)) / 3       # 0.258231 (log base 10: a slip)
# q2-dice: x = target (0 1 1 1), y = pred (0.1 0.8 0.7 0.9); 2·Σxy / (Σx + Σy).
DICE = 2 * (0 * 0.1 + 1 * 0.8 + 1 * 0.7 + 1 * 0.9) / ((0 + 1 + 1 + 1) + (0.1 + 0.8 + 0.7 + 0.9))   # 4.8/5.5 = 0.872727
# q3-mse: errors −0.5, −0.2, 1.1, 0.1 → squares 0.25, 0.04, 1.21, 0.01 → mean 0.3775.
MSE = ((2.5 - 3) ** 2 + (-1.2 + 1) ** 2 + (3.1 - 2) ** 2 + (-4.9 + 5) ** 2) / 4
IMAGE = [[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]]
X_KERNEL = [[1, 0, 1], [0, 1, 0], [1, 0, 1]]


def flipped_conv(image, kernel):
    """True convolution (kernel rotated 180°), stride 1, no padding."""
    k = len(kernel)
    flipped = [row[::-1] for row in kernel[::-1]]
    n = len(image) - k + 1
    return [[sum(image[i + a][j + b] * flipped[a][b] for a in range(k) for b in range(k)) for j in range(n)]
            for i in range(n)]


# q4-conv: the X kernel is symmetric, so flipping it changes nothing; e.g. out[0][0] = 1+1+1+0+1 = 4.
CONV = flipped_conv(IMAGE, X_KERNEL)
assert CONV == [[4, 3, 4], [2, 4, 3], [2, 3, 4]]
# q6-convsize: 6×6 input has 1 channel; 3 filters of 3×3×1 weights + 1 bias each: (9 + 1)·3 = 30.
CONVSIZE = (3 * 3 * 1 + 1) * 3


def gd_two_steps():
    """q11-opt: f = (1 − w1·w2)², ∂f/∂w1 = −2(1 − w1w2)·w2, ∂f/∂w2 = −2(1 − w1w2)·w1; lr 0.1 from (1, 0.5)."""
    w1, w2 = 1.0, 0.5
    for _ in range(2):
        r = 1 - w1 * w2
        w1, w2 = w1 + 0.1 * 2 * r * w2, w2 + 0.1 * 2 * r * w1
    return [w1, w2]


OPT = gd_two_steps()                                          # (1.05, 0.6) then (1.0944, 0.6777)
# q8-hessian: f = 1 − 2w1w2 + w1²w2²; at (0, 0) ∂²f/∂w1² = 2w2² = 0, ∂²f/∂w1∂w2 = −2 + 4w1w2 = −2:
# H = [[0, −2], [−2, 0]], eigenvalues ±2 (one of each sign) → a saddle.
# Points: 2 + 1 + 1 + 3 + 1 + 1 + 3 + 1 + 1 + 1 (q1-ce 2, q4-conv 3, q7-backprop 3, the rest 1).
MAX = 15.0

# The answers typed in the sample files, checked against the derivations above.
assert within(0.5946, CE) and within(0.8727, DICE) and not within(0.59, CE) and not within(0.87, DICE)
assert within(1.0944, OPT[0]) and within(0.6777, OPT[1]) and within(1.7838, CE_SUM) and not within(0.1, CE)


def grade(*args: str):
    return run_cli("grade", *map(str, args))


def report(*args: str) -> dict:
    r = grade(*args, "--format", "json")
    assert r.code in (0, 1), (r.code, r.err)
    return r.json()


def scores(rep: dict) -> dict:
    return {s["id"]: s["score"] for s in rep["students"]}


def cell(rep: dict, student: str, problem: str) -> dict:
    (s,) = [s for s in rep["students"] if s["id"] == student]
    (p,) = [p for p in s["problems"] if p["id"] == problem]
    return p


def csv_text(header, rows) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


# A small key for the synthetic classes: q1-ce and q3-mse exactly as in key.yaml.
SMALL_KEY = """\
problems:
  - id: q1-ce
    points: 2
    kind: cross_entropy
    target: [0, 1, 2]
    pred: 0.6 0.2 0.2; 0.1 0.7 0.2; 0.3 0.3 0.4
  - id: q3-mse
    kind: mse
    target: 3 -1 2 -5
    pred: 2.5 -1.2 3.1 -4.9
"""


@pytest.fixture
def small_key(tmp_path):
    path = tmp_path / "key.yaml"
    path.write_text(SMALL_KEY)
    return path


# ── every sample export, graded ──────────────────────────────────────────────

SAMPLE_SCORES = [
    # a: Student column (named before Email); 00123: q1-ce 0.5946 (2) + q4-conv matrix over CRLF lines (3);
    #    李雷: Saddle (1); Jürgen: dice 0.8727 (1)
    ("a_bom_crlf.csv", [], {"00123": 5.0, "李雷": 1.0, "Jürgen Müller-Lüdenscheidt": 1.0}),
    ("b_semicolon.csv", [], {"00123": 5.0}),                        # 0,5946 (2) + the 3×3 matrix (3)
    ("c_tab.tsv", [], {"00123": 2.0}),                              # 0.5946 (2)
    # d with --decimal-comma: 0,5946 (2); 0,8727 (1); 1,0944; 0,6777 (1); 30,0 = 30 params (1)
    ("d_decimal_comma_comma.csv", ["--decimal-comma"], {"00123": 2.0, "00124": 1.0, "00125": 1.0, "00126": 1.0}),
    # e: 00123 0.5946 (2) + 0.8727 (1) + saddle (1); 00124: 0.59 and 0.87 are out of tolerance, Saddle point (1)
    ("e_wide.csv", [], {"00123": 4.0, "00124": 1.0}),
    # f: the student column is `id` (named before `name`); 0.5946 (2) + 0.8727 (1)
    ("f_canvas.csv", ["--map", "123456=q1-ce", "--map", "123457=q2-dice"], {"4521": 3.0}),
    # g: no header is student/id/…; `Email` comes before `Name` in the list; the columns contain the ids
    ("g_gradescope.csv", [], {"j@x.es": 3.0}),
    ("h_moodle.csv", ["--student-column", "ID number", "--map", "Response 1=q1-ce"], {"00123": 2.0}),
    ("h_moodle.csv", ["--student-column", "ID number", "--map", "Response 1=q1-ce", "--map", "Response 2=q2-dice"],
     {"00123": 3.0}),
    ("i_gforms.csv", [], {"00123": 3.0}),                           # Student ID; 0.5946 (2) + 0.8727 (1)
    ("k_dupes.csv", [], {"00123": 2.0, "00124": 0.0}),              # latest: 0.5946 (10:20) and 0.1 (09:30)
    ("l_trimmed.csv", [], {"00123": 3.0}),                          # both rows: 0.5946 (2) + 0.8727 (1)
    ("o_utf16.txt", [], {"José": 2.0}),                             # 0.5946 (2)
]


@pytest.mark.parametrize("name, options, expected", SAMPLE_SCORES, ids=[f"{n}{'+'.join(o)}" for n, o, _ in SAMPLE_SCORES])
def test_every_sample_is_graded_with_the_right_scores(name, options, expected):
    r = grade(KEY, SAMPLES / name, "--format", "json", *options)
    assert r.code == 1, (r.code, r.err)        # nobody has all 15 points
    rep = r.json()
    assert scores(rep) == expected
    assert all(s["max"] == MAX for s in rep["students"])
    assert rep["summary"]["students"] == len(expected) and rep["summary"]["max"] == MAX
    assert rep["key_errors"] in ({}, [], None)


def test_expected_answers_are_the_hand_derived_ones():
    rep = report(KEY, SAMPLES / "a_bom_crlf.csv")
    assert cell(rep, "00123", "q1-ce")["expected"] == pytest.approx(CE, rel=1e-9)
    assert cell(rep, "00123", "q2-dice")["expected"] == pytest.approx(DICE, rel=1e-9)
    assert cell(rep, "00123", "q3-mse")["expected"] == pytest.approx(MSE, rel=1e-9)
    assert cell(rep, "00123", "q4-conv")["expected"] == CONV
    assert cell(rep, "00123", "q6-convsize")["expected"] == CONVSIZE
    assert cell(rep, "00123", "q8-hessian")["expected"] == "saddle"
    assert cell(rep, "00123", "q11-opt")["expected"] == pytest.approx(OPT, rel=1e-9)


def test_bom_and_crlf_do_not_leak_into_ids_headers_or_answers():
    rep = report(KEY, SAMPLES / "a_bom_crlf.csv")
    ids = [s["id"] for s in rep["students"]]
    assert ids == ["00123", "李雷", "Jürgen Müller-Lüdenscheidt"]          # file order, no \ufeff, no \r
    conv = cell(rep, "00123", "q4-conv")
    assert conv["correct"] is True and conv["given"] == CONV                # three CRLF lines inside one quoted cell
    assert conv["points"] == 3
    assert cell(rep, "李雷", "q8-hessian")["correct"] is True               # "Saddle" = saddle


def test_semicolon_file_reads_decimal_commas_and_keeps_the_matrix_semicolons():
    rep = report(KEY, SAMPLES / "b_semicolon.csv")
    ce = cell(rep, "00123", "q1-ce")
    assert ce["correct"] is True and ce["given"] == pytest.approx(0.5946)    # 0,5946 read as 0.5946, no option needed
    conv = cell(rep, "00123", "q4-conv")
    # `4 3 4; 2 4 3; 2 3 4` split by the delimiter would be 3 cells; it is one answer, the 3×3 matrix
    assert conv["correct"] is True and conv["given"] == CONV
    assert conv["given_text"].replace(" ", "") == "434;243;234"


def test_tab_file():
    rep = report(KEY, SAMPLES / "c_tab.tsv")
    assert cell(rep, "00123", "q1-ce")["correct"] is True and cell(rep, "00123", "q1-ce")["points"] == 2


def test_utf16_file():
    rep = report(KEY, SAMPLES / "o_utf16.txt")
    assert [s["id"] for s in rep["students"]] == ["José"]
    assert cell(rep, "José", "q1-ce")["given"] == pytest.approx(0.5946)


def test_decimal_comma_file_without_the_option_is_not_read_as_two_numbers():
    r = grade(KEY, SAMPLES / "d_decimal_comma_comma.csv", "--format", "json")
    assert r.code == 1
    rep = r.json()
    for sid, pid in [("00123", "q1-ce"), ("00124", "q2-dice"), ("00126", "q6-convsize")]:
        p = cell(rep, sid, pid)
        assert p["correct"] is False and p["points"] == 0                  # "0,5946" is not silently 0.5946 …
        assert not isinstance(p["given"], list), p                          # … nor the two numbers 0 and 5946
        assert p["given_text"] == {"q1-ce": "0,5946", "q2-dice": "0,8727", "q6-convsize": "30,0"}[pid]
    assert any("--decimal-comma" in n for n in rep["warnings"]), rep["warnings"]
    assert "--decimal-comma" in r.err


def test_decimal_comma_option_reads_the_vector():
    rep = report(KEY, SAMPLES / "d_decimal_comma_comma.csv", "--decimal-comma")
    opt = cell(rep, "00125", "q11-opt")
    assert opt["correct"] is True
    flat = opt["given"] if not isinstance(opt["given"][0], list) else [v for row in opt["given"] for v in row]
    assert flat == pytest.approx([1.0944, 0.6777])


def test_wide_file_maps_columns_and_compares_words():
    rep = report(KEY, SAMPLES / "e_wide.csv")
    assert cell(rep, "00124", "q8-hessian")["correct"] is True               # "Saddle point" = saddle
    assert cell(rep, "00124", "q8-hessian")["given_text"] == "Saddle point"
    assert cell(rep, "00124", "q1-ce")["correct"] is False                   # 0.59: |Δ| 0.0046 > 0.000695
    assert cell(rep, "00123", "q3-mse")["missing"] is True                   # no column for it


def test_gradescope_header_containing_the_id():
    rep = report(KEY, SAMPLES / "g_gradescope.csv")
    # "1: q1-ce (2.0 pts)" contains exactly one problem id; the score columns (Total Score, Max Points) map to nothing
    (s,) = rep["students"]
    answered = {p["id"] for p in s["problems"] if not p["missing"]}
    assert answered == {"q1-ce", "q2-dice"}


def test_canvas_needs_map():
    r = grade(KEY, SAMPLES / "f_canvas.csv", "--format", "json")
    assert_bad_input(r, "--map")


@pytest.mark.parametrize("column", ["123456", "123456: Compute the categorical cross-entropy"])
def test_canvas_map_by_the_part_before_colon_or_the_whole_header(column):
    rep = report(KEY, SAMPLES / "f_canvas.csv", "--map", f"{column}=q1-ce")
    assert scores(rep) == {"4521": 2.0}                                      # q1-ce only: 0.5946 (2)
    # the score column "1.0" right after the question column is not an answer to anything
    (s,) = rep["students"]
    assert [p["id"] for p in s["problems"] if not p["missing"]] == ["q1-ce"]


def test_moodle_needs_the_student_column_named():
    r = grade(KEY, SAMPLES / "h_moodle.csv", "--map", "Response 1=q1-ce")
    assert_bad_input(r, "student")                                           # no header is in the student list


def test_duplicates_latest_by_timestamp_wins(tmp_path):
    rep = report(KEY, SAMPLES / "k_dupes.csv")
    assert cell(rep, "00123", "q1-ce")["given"] == pytest.approx(0.5946) and cell(rep, "00123", "q1-ce")["correct"]
    assert cell(rep, "00124", "q1-ce")["given"] == pytest.approx(0.1) and not cell(rep, "00124", "q1-ce")["correct"]
    # the time column decides, not the file order: here the later submission is written first
    (tmp_path / "late_first.csv").write_text(csv_text(
        ["timestamp", "student", "problem", "answer"],
        [("2025-03-01 10:20", "00123", "q1-ce", "0.5946"), ("2025-03-01 10:00", "00123", "q1-ce", "1.7838"),
         ("2025-03-01 09:30", "00124", "q1-ce", "0.1"), ("2025-03-01 09:00", "00124", "q1-ce", "0.5946")]))
    r = grade(KEY, tmp_path / "late_first.csv", "--format", "json")
    assert scores(r.json()) == {"00123": 2.0, "00124": 0.0}
    assert "resubmi" in r.err or "replace" in r.err                           # the replacement is reported


def test_trimmed_trailing_column_keeps_both_rows():
    rep = report(KEY, SAMPLES / "l_trimmed.csv")
    assert rep["bad_rows"] == [] and rep["summary"]["bad_rows"] in (0, [])
    assert cell(rep, "00123", "q1-ce")["correct"] and cell(rep, "00123", "q2-dice")["correct"]


# ── answer forms ─────────────────────────────────────────────────────────────

FORMS_KEY = """\
problems:
  - id: ce
    points: 2
    kind: cross_entropy
    target: [0, 1, 2]
    pred: 0.6 0.2 0.2; 0.1 0.7 0.2; 0.3 0.3 0.4
  - id: conv
    kind: conv
    input: 1 1 1 0 0; 0 1 1 1 0; 0 0 1 1 1; 0 0 1 1 0; 0 1 1 0 0
    kernel: 1 0 1; 0 1 0; 1 0 1
  - id: eig
    kind: hessian
    ask: eigenvalues
    expr: (1 - w1*w2)^2
    at: {w1: 0, w2: 0}
  - id: esc
    kind: hessian
    ask: escape_direction
    expr: (1 - w1*w2)^2
    at: {w1: 0, w2: 0}
  - id: cls
    kind: hessian
    ask: classification
    expr: (1 - w1*w2)^2
    at: {w1: 0, w2: 0}
  - id: opt
    kind: optimize
    ask: final
    expr: (1 - w1*w2)^2
    at: {w1: 1, w2: 0.5}
    method: gd
    lr: 0.1
    steps: 2
  - id: half
    kind: mse
    target: [0, 0]
    pred: [1, 0]
  - id: third
    kind: mse
    target: [0, 0, 0]
    pred: [1, 0, 0]
"""
# half: (1² + 0²)/2 = 0.5; third: 1²/3 = 1/3; opt: OPT = (1.0944, 0.6777), see gd_two_steps.
# eig: eigenvalues of [[0, −2], [−2, 0]] are ±2 (det(H − λI) = λ² − 4).
# esc: the eigenvector of λ = −2: [[0, −2], [−2, 0]]·(1, 1) = (−2, −2) = −2·(1, 1), so u ∝ (1, 1).
FORMS = [
    # student, problem, answer, right?
    ("pct", "ce", "59.46%", True),                  # 0.5946, within 0.000695 of 0.594597
    ("pct-bad", "ce", "59%", False),                # 0.59
    ("npy", "conv", "[[4 3 4] [2 4 3] [2 3 4]]", True),
    ("npy-bad", "conv", "[[4 3 4] [2 4 3] [2 3 3]]", False),
    ("matlab", "conv", "4 3 4; 2 4 3; 2 3 4", True),
    ("json", "conv", "[[4,3,4],[2,4,3],[2,3,4]]", True),
    ("eig-order", "eig", "2 -2", True),             # a multiset: the order does not matter
    ("eig-list", "eig", "[2, -2]", True),
    ("eig-minus", "eig", "(−2, 2)", True),          # U+2212 minus
    ("eig-bad", "eig", "2 2", False),
    ("esc-paren", "esc", "(1, 1)", True),
    ("esc-named", "esc", "u = (1, 1)", True),
    ("esc-neg", "esc", "(-1, -1)", True),           # −u
    ("esc-double", "esc", "(2, 2)", True),          # 2u
    ("esc-unit", "esc", "(0.7071, 0.7071)", True),  # u/|u|
    ("esc-other", "esc", "(1, -1)", False),         # the eigenvector of +2
    ("esc-zero", "esc", "(0, 0)", False),           # scale 0 is not allowed
    ("opt-paren", "opt", "(1.0944, 0.6777)", True),
    ("opt-named", "opt", "w = (1.0944, 0.6777)", True),
    ("opt-scaled", "opt", "(2.1888, 1.3554)", False),  # 2·w: only a direction is right up to scale, not weights
    ("cls-point", "cls", "Saddle point", True),
    ("cls-upper", "cls", "SADDLE", True),
    ("cls-dash", "cls", "saddle-point", True),
    ("cls-bad", "cls", "minimum", False),
    ("half-dot", "half", ".5", True),
    ("half-exp", "half", "5e-1", True),
    ("half-pct", "half", "50%", True),
    ("half-frac", "half", "1/2", True),
    ("half-bad", "half", "0.6", False),
    ("third-frac", "third", "1/3", True),
    ("third-dec", "third", "0.3333", True),
    ("third-bad", "third", "0.33", False),          # |Δ| = 0.00333 > 1e-4 + 1e-3/3
]


def test_answer_forms(tmp_path):
    (tmp_path / "key.yaml").write_text(FORMS_KEY)
    (tmp_path / "a.csv").write_text(csv_text(["student", "problem", "answer"], [f[:3] for f in FORMS]))
    rep = report(tmp_path / "key.yaml", tmp_path / "a.csv")
    got = {(s, p): cell(rep, s, p)["correct"] for s, p, _, _ in FORMS}
    want = {(s, p): ok for s, p, _, ok in FORMS}
    assert got == want
    for s, p, typed, _ in FORMS:
        assert cell(rep, s, p)["given_text"] == typed                      # kept as typed


def perceptron_converged(data, labels, lr, epochs):
    """The §4 rule: w, b = 0; ŷ = sign(w·x + b) with sign(0) = +1; update on errors; stop after a clean epoch."""
    w, b = [0.0, 0.0], 0.0
    for _ in range(epochs):
        errors = 0
        for x, y in zip(data, labels):
            yhat = 1 if w[0] * x[0] + w[1] * x[1] + b >= 0 else -1
            if yhat != y:
                errors += 1
                w = [w[0] + lr * (y - yhat) * x[0], w[1] + lr * (y - yhat) * x[1]]
                b += lr * (y - yhat)
        if errors == 0:
            return True
    return False


def test_true_false_answers_as_numbers_or_words_do_not_abort_the_class(tmp_path):
    data = [(0, 0), (0, 1), (1, 0), (1, 1)]
    and_ok = perceptron_converged(data, [-1, -1, -1, 1], 1, 20)              # AND is separable: converges (epoch 6)
    xor_ok = perceptron_converged(data, [-1, 1, 1, -1], 1, 5)                # XOR never does
    assert (and_ok, xor_ok) == (True, False)
    (tmp_path / "key.yaml").write_text(
        "problems:\n"
        "  - {id: and, kind: perceptron, ask: converged, data: 0 0; 0 1; 1 0; 1 1, labels: [-1, -1, -1, 1], lr: 1, epochs: 20}\n"
        "  - {id: xor, kind: perceptron, ask: converged, data: 0 0; 0 1; 1 0; 1 1, labels: [-1, 1, 1, -1], lr: 1, epochs: 5}\n")
    sheets = {"ann": ("1", "0"), "ben": ("yes", "no"), "cat": ("0", "1"), "dan": ("no", "yes"),
              "eve": ("True", "false"), "fay": ("maybe", "0")}
    rows = [(s, pid, a) for s, answers in sheets.items() for pid, a in zip(["and", "xor"], answers)]
    (tmp_path / "a.csv").write_text(csv_text(["student", "problem", "answer"], rows))
    r = grade(tmp_path / "key.yaml", tmp_path / "a.csv", "--format", "json")
    assert r.code == 1, r.err                                               # graded, not bad input
    # right: and = true (1/yes/True), xor = false (0/no/false); fay's "maybe" is wrong for that cell only
    assert scores(r.json()) == {"ann": 2.0, "ben": 2.0, "cat": 0.0, "dan": 0.0, "eve": 2.0, "fay": 1.0}


def test_integer_answers_are_exact(tmp_path):
    # 3×3 kernel on 3 channels, 64 filters: (3·3·3 + 1)·64 = 1792 parameters
    params = (3 * 3 * 3 + 1) * 64
    assert params == 1792 and within(1791, params)          # 1 ≤ 1e-4 + 1e-3·1792 = 1.79: tolerance would accept it
    (tmp_path / "key.yaml").write_text(
        "problems:\n  - {id: p, kind: convsize, ask: params, input_shape: 3x32x32, kernel: 3, filters: 64}\n")
    (tmp_path / "a.csv").write_text(csv_text(["student", "problem", "answer"],
                                             [("ann", "p", "1792"), ("ben", "p", "1791"), ("cat", "p", "1793")]))
    rep = report(tmp_path / "key.yaml", tmp_path / "a.csv")
    assert scores(rep) == {"ann": 1.0, "ben": 0.0, "cat": 0.0}
    assert cell(rep, "ann", "p")["expected"] == params


def test_yaml_answers_keep_leading_zero_ids_as_text(tmp_path):
    # YAML would read 00123 and 007 as numbers (123 / 7, or octal); they are student ids
    (tmp_path / "a.yaml").write_text("00123:\n  q1-ce: 0.5946\n007:\n  q2-dice: 0.8727\n")
    rep = report(KEY, tmp_path / "a.yaml")
    assert scores(rep) == {"00123": 2.0, "007": 1.0}


def test_no_row_matches_the_key_is_bad_input(tmp_path):
    (tmp_path / "a.csv").write_text(csv_text(["student", "problem", "answer"], [("ann", "zz", "1"), ("ben", "q99", "2")]))
    assert_bad_input(grade(KEY, tmp_path / "a.csv"))


# ── the output file ──────────────────────────────────────────────────────────

@pytest.fixture
def inputs(tmp_path):
    key, answers = tmp_path / "key.yaml", tmp_path / "answers.csv"
    shutil.copyfile(KEY, key)
    answers.write_text(csv_text(["student", "problem", "answer"], [("ann", "q1-ce", "0.5946")]))
    return key, answers


@pytest.mark.parametrize("which", [0, 1])
def test_output_equal_to_an_input_is_refused_and_the_file_is_unchanged(inputs, which):
    target = inputs[which]
    before = target.read_bytes()
    assert_bad_input(grade(*inputs, "-o", target), "--output")
    assert target.read_bytes() == before
    # the same file spelled another way
    (target.parent / "sub").mkdir()
    assert_bad_input(grade(*inputs, "-o", target.parent / "sub" / ".." / target.name), "--output")
    assert target.read_bytes() == before


def test_output_on_a_fifo_is_refused(inputs, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    env = dict(os.environ, PATH=DEV_BIN + os.pathsep + os.environ.get("PATH", ""))
    # in a subprocess, so that a product that opens the FIFO hangs only until the timeout
    p = subprocess.run(["dlcalc", "grade", *map(str, inputs), "-o", str(fifo)], env=env,
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 2, (p.returncode, p.stderr)
    assert len(p.stderr.strip().splitlines()) == 1 and "Traceback" not in p.stderr


def test_output_on_dev_stdout_that_is_a_pipe_is_refused_before_grading(inputs):
    # /dev/stdout → /proc/self/fd/1 → 'pipe:[…]', a name that is no path: what it leads to is a FIFO
    env = dict(os.environ, PATH=DEV_BIN + os.pathsep + os.environ.get("PATH", ""))
    p = subprocess.run(["dlcalc", "grade", *map(str, inputs), "-o", "/dev/stdout"], env=env,
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and p.stdout == ""
    assert p.stderr.strip().splitlines() == [
        "dlcalc: error: --output /dev/stdout: exists and is not a regular file (a device, FIFO or directory)"]


def test_output_through_a_symlink_replaces_the_target_and_keeps_the_link(inputs, tmp_path):
    real = tmp_path / "real.json"
    real.write_text("old\n")
    link = tmp_path / "link.json"
    link.symlink_to("real.json")
    r = grade(*inputs, "--format", "json", "-o", link)
    assert r.code == 1 and r.out == "", r.err                               # ann answered 1 of the 10 problems
    assert link.is_symlink() and os.readlink(link) == "real.json"
    assert scores(json.loads(real.read_text())) == {"ann": 2.0}


@pytest.mark.parametrize("fmt", ["json", "plain", "csv"])
def test_a_failing_write_to_stdout_is_one_line_and_a_nonzero_exit(inputs, fmt):
    if not os.path.exists("/dev/full"):
        pytest.fail("/dev/full is needed for this test")
    env = dict(os.environ, PATH=DEV_BIN + os.pathsep + os.environ.get("PATH", ""))
    with open("/dev/full", "w") as full:
        p = subprocess.run(["dlcalc", "grade", *map(str, inputs), "--format", fmt], env=env, stdout=full,
                           stderr=subprocess.PIPE, text=True, timeout=120)
    assert p.returncode != 0
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("dlcalc: "), p.stderr
    assert "Traceback" not in p.stderr


@pytest.mark.parametrize("fmt", ["json", "plain", "rich"])
def test_a_closed_stdout_is_one_line_and_a_nonzero_exit_and_o_still_writes(inputs, fmt, tmp_path):
    # `dlcalc grade … >&-` starts Python with descriptor 1 closed (sys.stdout is None)
    env = dict(os.environ, PATH=DEV_BIN + os.pathsep + os.environ.get("PATH", ""))
    cmd = ["dlcalc", "grade", *map(str, inputs), "--format", fmt]
    p = subprocess.run(cmd, env=env, stderr=subprocess.PIPE, text=True, timeout=120, preexec_fn=lambda: os.close(1))
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert p.stderr.strip().splitlines()[-1] == "dlcalc: error: cannot write the output: standard output is closed"
    report = tmp_path / "report.txt"
    p = subprocess.run([*cmd, "-o", str(report)], env=env, stderr=subprocess.PIPE, text=True, timeout=120,
                       preexec_fn=lambda: os.close(1))
    assert p.returncode in (0, 1) and "error" not in p.stderr and report.stat().st_size > 0


# ── CSV report and gradebook ─────────────────────────────────────────────────

REPORT_COLUMNS = ["student", "problem", "correct", "points", "max_points", "answer", "read_as", "expected", "diagnosis",
                  "missing"]
FORMULA = '=HYPERLINK("x")'


def test_csv_report_columns_and_formula_neutralisation(small_key, tmp_path):
    (tmp_path / "a.csv").write_text(csv_text(["student", "problem", "answer"], [
        (FORMULA, "q1-ce", "0.5946"), ("bob", "q1-ce", FORMULA), ("cat", "q3-mse", "-0.5"), ("-dash", "q3-mse", "@x")]))
    r = grade(small_key, tmp_path / "a.csv", "--format", "csv")
    assert r.code == 1
    rows = list(csv.DictReader(io.StringIO(r.out)))
    assert list(rows[0]) == REPORT_COLUMNS
    assert len(rows) == 4 * 2                                               # one row per student and problem
    by = {(row["student"], row["problem"]): row for row in rows}
    assert ("'" + FORMULA, "q1-ce") in by                                   # the id, quoted
    assert by["'" + FORMULA, "q1-ce"]["correct"] == "1" and float(by["'" + FORMULA, "q1-ce"]["points"]) == 2
    assert by["bob", "q1-ce"]["answer"] == "'" + FORMULA                    # the answer, quoted
    assert not by["bob", "q1-ce"]["read_as"].startswith("=")
    assert by["cat", "q3-mse"]["answer"] == "-0.5"                          # a number stays a number
    assert float(by["cat", "q3-mse"]["expected"]) == pytest.approx(MSE, abs=1e-6)
    assert ("'-dash", "q3-mse") in by and by["'-dash", "q3-mse"]["answer"] == "'@x"
    for row in rows:
        for v in row.values():
            assert not v or v[0] not in "=+@\t\r", row
    assert by["cat", "q1-ce"]["missing"] in ("1", "true", "True")
    assert by["cat", "q3-mse"]["missing"] in ("0", "false", "False")


def test_csv_report_quotes_an_answer_with_line_breaks_and_keeps_whole_numbers_whole(tmp_path):
    # conv of 1 2 3; 4 5 6; 7 8 9 with the kernel 1 0; 0 1 flipped (itself): [[1+5, 2+6], [4+8, 5+9]];
    # a 3×32×32 input (channels first) under 64 3×3 filters has 64·(3·3·3 + 1) = 1792 parameters
    key = tmp_path / "key.yaml"
    key.write_text("problems:\n  - {id: cv, kind: conv, input: '1 2 3; 4 5 6; 7 8 9', kernel: '1 0; 0 1'}\n"
                   "  - {id: n, kind: convsize, input_shape: 3x32x32, kernel: 3, filters: 64, ask: params}\n")
    (tmp_path / "a.csv").write_text(csv_text(["student", "cv", "n"], [("ann", "6 8\n12 14", "1793")]))
    r = grade(key, tmp_path / "a.csv", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(r.out)))
    assert len(rows) == 2 and all(len(row) == len(REPORT_COLUMNS) for row in rows)
    assert rows[0]["answer"] == "6 8\n12 14" and rows[0]["correct"] == "1"
    assert (rows[1]["answer"], rows[1]["read_as"], rows[1]["expected"], rows[1]["correct"]) == ("1793", "1793", "1792", "0")


@pytest.mark.parametrize("name, first", [("r.csv", "student,problem,correct"), ("R.JSON", '{"students": ['),
                                         ("r.txt", "1 student, ")])
def test_without_a_format_the_output_is_written_as_its_suffix_says(small_key, tmp_path, name, first):
    (tmp_path / "a.csv").write_text(csv_text(["student", "problem", "answer"], [("ann", "q1-ce", "0.5946")]))
    r = grade(small_key, tmp_path / "a.csv", "-o", tmp_path / name)
    assert r.code == 1 and (tmp_path / name).read_text().startswith(first)
    assert ("as its suffix says" in r.err) is (name != "r.txt")


def test_gradebook_columns(small_key, tmp_path):
    (tmp_path / "a.csv").write_text(csv_text(["Student", "Section", "Bonus", "q1-ce", "q3-mse"], [
        ("ann", "+A1", "-0.5", "0.5946", "0.3775"), (FORMULA, "B", "1", "1.7838", "")]))
    book = tmp_path / "book.csv"
    r = grade(small_key, tmp_path / "a.csv", "--gradebook", book, "--format", "json")
    assert r.code == 1, r.err
    rows = list(csv.reader(io.StringIO(book.read_text(encoding="utf-8-sig"))))
    assert rows[0] == ["Student", "Section", "Bonus", "q1-ce", "q3-mse", "total", "max"]
    ann, other = rows[1], rows[2]
    assert ann[:3] == ["ann", "'+A1", "-0.5"]                                # text quoted, number kept
    assert [float(v) for v in ann[3:]] == [2, 1, 3, 3]                       # 0.5946 (2) + 0.3775 (1)
    assert other[:3] == ["'" + FORMULA, "B", "1"]
    assert [float(v) for v in other[3:]] == [0, 0, 0, 3]                     # a slip (sum) and no answer


def test_gradebook_of_a_long_export_keeps_the_other_columns(tmp_path):
    book = tmp_path / "book.csv"
    r = grade(KEY, SAMPLES / "a_bom_crlf.csv", "--gradebook", book, "--format", "json")
    assert r.code == 1, r.err
    rows = list(csv.reader(io.StringIO(book.read_text(encoding="utf-8-sig"))))
    problems = ["q1-ce", "q2-dice", "q3-mse", "q4-conv", "q5-pool", "q6-convsize", "q7-backprop", "q8-hessian", "q11-opt",
                "q12-perc"]
    header = rows[0]
    assert header[0] == "Student" and header[-12:] == problems + ["total", "max"]
    assert {"Email", "Section"} <= set(header[1:-12]) and not {"Problem", "Answer"} & set(header)
    by = {row[0]: dict(zip(header, row)) for row in rows[1:]}
    assert set(by) == {"00123", "李雷", "Jürgen Müller-Lüdenscheidt"}
    j = by["00123"]
    assert (j["Email"], j["Section"]) == ("jose@uni.es", "A")
    assert (float(j["q1-ce"]), float(j["q4-conv"]), float(j["total"]), float(j["max"])) == (2, 3, 5, MAX)
    assert float(by["李雷"]["q8-hessian"]) == 1 and float(by["Jürgen Müller-Lüdenscheidt"]["total"]) == 1


def test_everyone_right_in_a_wide_export_exits_0(small_key, tmp_path):
    (tmp_path / "a.csv").write_text(csv_text(["Timestamp", "Email Address", "Student ID", "q1-ce", "q3-mse"], [
        ("3/1/2025 10:00:00", "a@x.es", "00123", "0.5946", "0.3775"),
        ("3/1/2025 10:05:00", "b@x.es", "00124", "59.46%", ".3775")]))
    r = grade(small_key, tmp_path / "a.csv", "--format", "json")
    assert r.code == 0, r.err
    assert scores(r.json()) == {"00123": 3.0, "00124": 3.0}


def test_roster_adds_missing_students(small_key, tmp_path):
    (tmp_path / "a.csv").write_text(csv_text(["student", "problem", "answer"], [("ann", "q1-ce", "0.5946"),
                                                                                ("ann", "q3-mse", "0.3775")]))
    (tmp_path / "roster.csv").write_text("student,name\nann,Ann A\nzed,Zed Z\n")
    rep = report(small_key, tmp_path / "a.csv", "--roster", tmp_path / "roster.csv")
    assert scores(rep) == {"ann": 3.0, "zed": 0.0}
    (zed,) = [s for s in rep["students"] if s["id"] == "zed"]
    assert [(p["id"], p["missing"], p["points"], p["correct"]) for p in zed["problems"]] == [
        ("q1-ce", True, 0, False), ("q3-mse", True, 0, False)]
    assert rep["summary"]["students"] == 2
    assert rep["summary"]["median"] == pytest.approx((3 + 0) / 2)           # zed counts
    assert rep["summary"]["mean"] == pytest.approx(1.5)


def test_slip_credit_gives_part_of_the_points(tmp_path):
    (tmp_path / "key.yaml").write_text(SMALL_KEY.replace("    points: 2\n", "    points: 2\n    slip_credit: 0.5\n"))
    (tmp_path / "plain.yaml").write_text(SMALL_KEY)
    rows = [("log10", "q1-ce", f"{CE_LOG10:.4f}"), ("sum", "q1-ce", f"{CE_SUM:.4f}"), ("wrong", "q1-ce", "0.1"),
            ("right", "q1-ce", f"{CE:.4f}")]
    (tmp_path / "a.csv").write_text(csv_text(["student", "problem", "answer"], rows))
    # log base 10: −(log10 0.6 + log10 0.7 + log10 0.4)/3 = 0.2582; the sum over samples: 1.7838
    rep = report(tmp_path / "key.yaml", tmp_path / "a.csv")
    assert scores(rep) == {"log10": 1.0, "sum": 1.0, "wrong": 0.0, "right": 2.0}     # 0.5 × 2 points for a slip
    assert cell(rep, "log10", "q1-ce")["correct"] is False and cell(rep, "log10", "q1-ce")["diagnosis"]
    assert cell(rep, "wrong", "q1-ce")["diagnosis"] is None
    assert sum(rep["summary"]["problems"]["q1-ce"]["slips"].values()) == 2
    # without slip_credit a slip earns nothing
    assert scores(report(tmp_path / "plain.yaml", tmp_path / "a.csv")) == {"log10": 0.0, "sum": 0.0, "wrong": 0.0,
                                                                         "right": 2.0}


def test_feedback_files(small_key, tmp_path):
    rows = [("ann", "q1-ce", "0.5946"), ("ann", "q3-mse", "0.3775"),
            ("../evil", "q1-ce", "0.1234"),                                # wrong; q3-mse missing
            ("a/b", "q1-ce", "0.1111"), ("a_b", "q1-ce", "0.2222"),       # two ids that a naive file name merges
            ("lg", "q1-ce", f"{CE_LOG10:.4f}"), ("lg", "q3-mse", "0.38")]
    (tmp_path / "a.csv").write_text(csv_text(["student", "problem", "answer"], rows))
    fb = tmp_path / "out" / "fb"
    fb.parent.mkdir()
    rep = report(small_key, tmp_path / "a.csv", "--feedback", fb)
    files = sorted(fb.iterdir())
    assert len(files) == 5 and all(f.suffix == ".md" and f.is_file() for f in files)   # one per student
    assert all(f.resolve().parent == fb.resolve() for f in files)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "key.yaml", "out"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["fb"]   # nothing escaped DIR
    texts = {f.name: f.read_text(encoding="utf-8") for f in files}
    assert "ann.md" in texts and "lg.md" in texts                          # safe ids keep their name
    for typed in ("0.1234", "0.1111", "0.2222"):                          # each answer as typed, in one file
        assert sum(typed in t for t in texts.values()) == 1, typed
    (evil,) = [t for t in texts.values() if "0.1234" in t]
    # the worked solutions of the wrong q1-ce and the missing q3-mse: the per-sample losses −ln 0.6 = 0.5108,
    # −ln 0.7 = 0.3567, −ln 0.4 = 0.9163, the mean 0.5946, and the MSE 0.3775
    for value in (-log(0.6), -log(0.7), -log(0.4), CE, MSE):
        assert f"{value:.4f}" in evil, value
    lg = texts["lg.md"]
    assert f"{CE_LOG10:.4f}" in lg and "0.38" in lg
    assert cell(rep, "lg", "q1-ce")["diagnosis"] in lg                    # the slip named
    assert "0.5946" in texts["ann.md"] and "0.3775" in texts["ann.md"]


def test_summary_median_histogram_and_wrong_answers(small_key, tmp_path):
    sheets = {
        "s1": (f"{CE:.4f}", "0.3775"),      # 2 + 1 = 3
        "s2": (f"{CE:.4f}", "0.5"),         # 2
        "s3": (f"{CE_SUM:.4f}", "0.5"),     # 0 (the sum slip)
        "s4": ("0.1", "0.5"),               # 0
        "s5": (f"{CE:.4f}", "0.7"),         # 2
    }
    # 0.5 and 0.7 are no known MSE slip: ½·MSE = 0.189, SSE = 1.51, MAE = 0.475, RMSE = 0.614
    assert not any(within(v, s) for v in (0.5, 0.7) for s in (MSE / 2, 4 * MSE, 1.9 / 4, MSE ** 0.5))
    rows = [(s, pid, a) for s, answers in sheets.items() for pid, a in zip(["q1-ce", "q3-mse"], answers)]
    (tmp_path / "a.csv").write_text(csv_text(["student", "problem", "answer"], rows))
    rep = report(small_key, tmp_path / "a.csv")
    expected = {"s1": 3.0, "s2": 2.0, "s3": 0.0, "s4": 0.0, "s5": 2.0}
    assert scores(rep) == expected
    summary = rep["summary"]
    assert summary["students"] == 5 and summary["max"] == 3
    assert summary["mean"] == pytest.approx(7 / 5)
    assert summary["median"] == 2                                           # sorted 0, 0, 2, 2, 3
    assert summary["all_correct"] == 1
    hist = summary["histogram"]
    assert sum(b["count"] for b in hist) == 5
    assert hist[0]["from"] == 0 and hist[-1]["to"] == 3
    for i, b in enumerate(hist):                                             # each bin counts the scores in [from, to)
        last = i == len(hist) - 1
        assert b["count"] == sum(1 for v in expected.values() if b["from"] <= v < b["to"] or (last and v == b["to"])), b
    ce, mse = summary["problems"]["q1-ce"], summary["problems"]["q3-mse"]
    assert (ce["correct"], ce["answered"], mse["correct"], mse["answered"]) == (3, 5, 1, 5)
    assert ce["mean_points"] == pytest.approx(6 / 5) and mse["mean_points"] == pytest.approx(1 / 5)
    assert sum(ce["slips"].values()) == 1
    assert ce["wrong_answers"] == [{"answer": "0.1", "count": 1}]           # the slip is explained, not listed
    assert mse["wrong_answers"][0] == {"answer": "0.5", "count": 3}         # the most common first
    assert {"answer": "0.7", "count": 1} in mse["wrong_answers"]


# ── the plain report's width ─────────────────────────────────────────────────

def test_plain_report_fits_80_columns_without_cutting_long_ids(tmp_path):
    # 40 problems: mse of target [0] and pred [i] is i²
    key = "problems:\n" + "".join(f"  - {{id: p{i:02d}, kind: mse, target: [0], pred: [{i}]}}\n" for i in range(1, 41))
    (tmp_path / "key.yaml").write_text(key)
    long_id = "a-very-long-student-identifier-from-the-campus-sso-000123456"      # 60 characters
    rows = [(long_id, f"p{i:02d}", str(i * i)) for i in range(1, 41)] + [("bob", f"p{i:02d}", str(i)) for i in range(1, 41)]
    (tmp_path / "a.csv").write_text(csv_text(["student", "problem", "answer"], rows))
    r = grade(tmp_path / "key.yaml", tmp_path / "a.csv", "--format", "plain")
    assert r.code == 1, r.err                                  # bob: only p01 (1 = 1²) is right
    lines = r.out.splitlines()
    too_long = [line for line in lines if len(line) > 80]
    assert too_long == []
    assert any(long_id in line for line in lines)              # the whole id, on one line
    assert any(line.split()[:2] == ["bob", "1/40"] for line in lines if line.strip())
    assert any(f"{long_id}" in line and "40/40" in line for line in lines)


def test_plain_report_right_aligns_the_scores(tmp_path):
    # 12 problems, mse of target [0] and pred [i] is i²: ann answers every one right, bob only p01 (1 = 1²)
    key = "problems:\n" + "".join(f"  - {{id: p{i:02d}, kind: mse, target: [0], pred: [{i}]}}\n" for i in range(1, 13))
    (tmp_path / "key.yaml").write_text(key)
    rows = [("ann", f"p{i:02d}", str(i * i)) for i in range(1, 13)] + [("bob", f"p{i:02d}", str(i)) for i in range(1, 13)]
    (tmp_path / "a.csv").write_text(csv_text(["student", "problem", "answer"], rows))
    lines = grade(tmp_path / "key.yaml", tmp_path / "a.csv", "--format", "plain").out.splitlines()
    ann, bob = (next(line for line in lines if line.startswith(name + " ")) for name in ("ann", "bob"))
    assert ann.index("12/12") + 2 == bob.index("1/12") + 1 and ann.index("/") == bob.index("/")
    assert lines[0].startswith("2 students, 12 problems") and "1 problems" not in "\n".join(lines)


def test_hand_derived_constants_match_their_comments():
    assert isclose(CE, 0.594597, abs_tol=1e-6) and isclose(DICE, 0.872727, abs_tol=1e-6)
    assert isclose(MSE, 0.3775, abs_tol=1e-12) and isclose(CE_LOG10, 0.258231, abs_tol=1e-6)
    assert OPT == pytest.approx([1.0944, 0.6777], abs=1e-12) and CONVSIZE == 30


def test_a_canvas_gradebook_leaves_out_canvas_own_score_columns(tmp_path):
    # Canvas puts its own score for each question after the answer, headed by the points: "…",1.0,"…",1.0
    book = tmp_path / "book.csv"
    r = grade(KEY, SAMPLES / "f_canvas.csv", "--map", "123456=q1-ce", "--map", "123457=q2-dice", "--gradebook", book,
              "--format", "json")
    assert r.code == 1, r.err
    header = next(csv.reader(io.StringIO(book.read_text(encoding="utf-8-sig"))))
    assert "1.0" not in header and len(header) == len(set(header))
    assert {"section", "sis_id", "q1-ce", "q2-dice", "total"} <= set(header)
