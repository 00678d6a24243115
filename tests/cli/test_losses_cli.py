"""`dlcalc ce|dice|mse` end to end: every format, the common options, @file and stdin input, bad input.

Expected values are the hand computations of tests/calc/test_losses.py:
cataract CE 0.5945971 (per sample 0.5108256, 0.3566749, 0.9162907); lecture Dice 12.34/13.92 =
0.8864943, loss 0.1135057; Homework 12-3 MSE 1.51/4 = 0.3775.
"""
from __future__ import annotations

import json
import re

import numpy as np
import pytest

from tests.conftest import assert_bad_input

CATARACT_P = "0.6 0.2 0.2; 0.1 0.7 0.2; 0.3 0.3 0.4"
DICE_X = "0 1 0 1; 0 0 0 0; 1 0 1 0; 1 1 0 1"
DICE_Y = "0.02 0.73 0.13 0.85; 0.11 0.03 0.05 0.09; 0.98 0.15 0.89 0.10; 0.93 0.82 0.07 0.97"

# command → (argv, kind, required answer keys with their hand values, shown at 4 decimals)
CASES = {
    "ce": (["ce", "--target", "0 1 2", "--pred", CATARACT_P], "cross_entropy",
           {"loss": (0.5945971, "0.5946")}, ["per_sample"]),
    "dice": (["dice", "--target", DICE_X, "--pred", DICE_Y], "dice",
             {"coefficient": (0.8864943, "0.8865"), "loss": (0.1135057, "0.1135")}, []),
    "mse": (["mse", "--target", "3 -1 2 -5", "--pred", "2.5 -1.2 3.1 -4.9"], "mse",
            {"loss": (0.3775, "0.3775")}, []),
}
FORMATS = ["rich", "plain", "markdown", "latex", "json"]


def strict_json(text: str):
    """One JSON object, strict: no bare NaN/Infinity (what jq and most parsers reject)."""
    def refuse(name):
        raise ValueError(f"non-strict JSON constant {name}")
    return json.loads(text, parse_constant=refuse)


def shown(fmt: str, key: str, value: str) -> str:
    """How an answer line looks in each text format."""
    return {
        "rich": f"{key} = {value}",
        "plain": f"{key} = {value}",
        "markdown": f"| {key} | {value} |",
        "latex": f"\\item {key.replace('_', chr(92) + '_')} = {value}",
    }[fmt]


def check_latex_structure(tex: str) -> None:
    """Structure (test_latex.py compiles every example where pdflatex is installed): balanced, properly nested
    environments, and the right ones."""
    stack = []
    for kind, env in re.findall(r"\\(begin|end)\{([^}]*)\}", tex):
        if kind == "begin":
            stack.append(env)
        else:
            assert stack and stack.pop() == env, f"\\end{{{env}}} does not close the open environment"
    assert not stack, f"unclosed environments: {stack}"
    assert tex.count(r"\[") == tex.count(r"\]")
    assert r"\begin{align*}" in tex or tex.startswith(r"\begin{itemize}")   # the answer alone is a list
    assert "\\documentclass" not in tex and "\\begin{document}" not in tex  # a document body


# ── every format, every command ──────────────────────────────────────────────

@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("command", CASES)
def test_every_format(dlcalc, command, fmt):
    argv, kind, answers, more_keys = CASES[command]
    r = dlcalc(*argv, "--format", fmt)
    assert r.code == 0, r.err
    assert r.err == ""
    if fmt == "json":
        data = strict_json(r.out)
        assert data["kind"] == kind
        for key, (value, _) in answers.items():
            assert data["answer"][key] == pytest.approx(value, abs=1e-6)
        assert set(answers) | set(more_keys) <= set(data["answer"])
        return
    for key, (_, text) in answers.items():
        assert shown(fmt, key, text) in r.out, (key, r.out)
    assert "Conventions" in r.out
    if fmt == "latex":
        check_latex_structure(r.out)
    if fmt == "markdown":
        assert "### Step 1. Given" in r.out and "### Step 2. Conventions" in r.out and "### Answer" in r.out


def test_latex_draws_matrices_as_bracketed_arrays(dlcalc):
    # arrays, not bmatrix: amsmath's bmatrix stops at 10 columns (MaxMatrixCols)
    for argv in (CASES["ce"][0], CASES["dice"][0]):
        r = dlcalc(*argv, "--format", "latex")
        check_latex_structure(r.out)
        assert r"\left[\begin{array}" in r.out and r"\end{array}\right]" in r.out
    # Ŷ with each sample's true-class probability in bold: 0.6, 0.7, 0.4 on the cataract diagonal
    ce = dlcalc(*CASES["ce"][0], "--format", "latex").out
    assert all(rf"\mathbf{{{p}}}" in ce for p in ("0.6", "0.7", "0.4")) and r"\mathbf{0.2}" not in ce


def test_default_format_off_a_terminal_is_plain(dlcalc):
    argv = CASES["ce"][0]
    assert dlcalc(*argv).out == dlcalc(*argv, "--format", "plain").out


def test_rich_shows_steps_and_a_boxed_answer(dlcalc):
    r = dlcalc(*CASES["dice"][0], "--format", "rich")
    assert "Step 1" in r.out and "Step 6" in r.out
    assert "Answer" in r.out and "coefficient = 0.8865" in r.out
    assert "⎡" in r.out  # the product matrix is drawn as a grid
    assert "\x1b[" not in r.out  # no colour codes when stdout is not a terminal


# ── --precision ──────────────────────────────────────────────────────────────

@pytest.mark.parametrize("precision, loss, per_sample", [
    ("2", "0.59", "[0.51, 0.36, 0.92]"),
    ("6", "0.594597", "[0.510826, 0.356675, 0.916291]"),
])
def test_precision(dlcalc, precision, loss, per_sample):
    r = dlcalc(*CASES["ce"][0], "--format", "plain", "--precision", precision)
    assert r.code == 0
    assert f"loss = {loss}" in r.out
    assert f"per_sample = {per_sample}" in r.out


def test_precision_shows_integers_as_integers(dlcalc):
    # Dice example: |X| = 7 stays 7 at any precision
    r = dlcalc(*CASES["dice"][0], "--format", "plain", "--precision", "6")
    assert "|X| = Σ x = 7\n" in r.out
    assert "coefficient = 0.886494" in r.out


def test_json_carries_full_precision_whatever_precision(dlcalc):
    a = strict_json(dlcalc(*CASES["ce"][0], "--format", "json", "--precision", "1").out)
    b = strict_json(dlcalc(*CASES["ce"][0], "--format", "json", "--precision", "12").out)
    assert a["answer"] == b["answer"]
    assert a["answer"]["loss"] == pytest.approx(0.5945971, abs=1e-7)  # not rounded to 0.6


@pytest.mark.parametrize("bad", ["-1", "16", "x"])
def test_precision_out_of_range(dlcalc, bad):
    assert_bad_input(dlcalc(*CASES["mse"][0], "--precision", bad), "--precision")


# ── --answer-only ────────────────────────────────────────────────────────────

def test_answer_only_plain_is_one_line_per_answer_key(dlcalc):
    for flag in ("--answer-only", "-q"):
        r = dlcalc(*CASES["ce"][0], "--format", "plain", flag)
        assert r.out.splitlines() == ["loss = 0.5946", "per_sample = [0.5108, 0.3567, 0.9163]"]
    r = dlcalc(*CASES["mse"][0], "--format", "plain", "-q")
    # Homework 12-3: 1.51 / 4 = 0.3775, squared errors 0.25, 0.04, 1.21, 0.01
    assert r.out.splitlines() == ["loss = 0.3775", "squared_errors = [0.25, 0.04, 1.21, 0.01]", "sum = 1.51"]


@pytest.mark.parametrize("fmt", ["rich", "markdown", "latex"])
def test_answer_only_other_formats_show_no_steps(dlcalc, fmt):
    r = dlcalc(*CASES["dice"][0], "--format", fmt, "-q")
    assert r.code == 0
    assert "Step" not in r.out and "Conventions" not in r.out
    assert shown(fmt, "coefficient", "0.8865") in r.out
    if fmt == "latex":
        check_latex_structure(r.out)


def test_answer_only_leaves_json_unchanged(dlcalc):
    full = dlcalc(*CASES["dice"][0], "--format", "json")
    quiet = dlcalc(*CASES["dice"][0], "--format", "json", "-q")
    assert quiet.out == full.out


# ── the JSON shape scripts rely on ─────────────────────────────────────────────

@pytest.mark.parametrize("command", CASES)
def test_json_shape(dlcalc, command):
    argv, kind, answers, more_keys = CASES[command]
    r = dlcalc(*argv, "--format", "json")
    assert r.out.endswith("\n") and r.out.count("\n") == 1  # exactly one object, one line
    data = strict_json(r.out)
    assert isinstance(data, dict)
    assert {"kind", "answer", "steps", "warnings"} <= set(data)
    assert data["kind"] == kind
    assert isinstance(data["answer"], dict)
    assert isinstance(data["warnings"], list) and all(isinstance(w, str) for w in data["warnings"])
    assert data["steps"], "a worked solution has steps"
    for step in data["steps"]:
        for key in ("title", "text", "latex"):
            assert isinstance(step[key], str), (key, step)
    assert [s["title"] for s in data["steps"][:2]] == ["Given", "Conventions"]


def test_json_matrices_are_nested_lists_row_major(dlcalc):
    # MSE of 2×2 matrices: y − ŷ = [[1, −2], [0, 3]] → squared errors [[1, 4], [0, 9]], mean 14/4 = 3.5
    data = strict_json(dlcalc("mse", "--target", "1 0; 2 3", "--pred", "0 2; 2 0", "--format", "json").out)
    assert data["answer"]["loss"] == 3.5
    assert data["answer"]["squared_errors"] == [[1, 4], [0, 9]]


def test_json_log_zero_is_the_string_inf_with_a_warning(dlcalc):
    # y = 1 with p = 0: −ln 0 = ∞; second sample −ln(1 − 0.5) = 0.6931472
    r = dlcalc("ce", "--target", "1 0", "--pred", "0 0.5", "--format", "json")
    assert r.code == 0
    assert "Infinity" not in r.out and "NaN" not in r.out
    data = strict_json(r.out)
    assert data["answer"]["loss"] == "inf"
    assert data["answer"]["per_sample"][0] == "inf"
    assert data["answer"]["per_sample"][1] == pytest.approx(0.6931472, abs=1e-7)
    assert any("log(0)" in w for w in data["warnings"])


def test_json_all_zero_dice_is_the_string_nan(dlcalc):
    data = strict_json(dlcalc("dice", "--target", "0 0", "--pred", "0 0", "--format", "json").out)
    assert data["answer"]["coefficient"] == "nan"
    assert data["warnings"]


def test_log_zero_in_plain_output(dlcalc):
    r = dlcalc("ce", "--target", "0 1", "--pred", "0 1; 0.5 0.5", "--format", "plain")
    assert r.code == 0
    assert "loss = inf" in r.out
    assert "Warning:" in r.out and "log(0)" in r.out


# ── options per command ──────────────────────────────────────────────────────

def test_ce_base_and_logits(dlcalc):
    # Cataract in bits: 0.5945971 / ln 2 = 0.8578223; in log10: 0.2582302
    r = dlcalc(*CASES["ce"][0], "--base", "2", "--format", "json")
    assert strict_json(r.out)["answer"]["loss"] == pytest.approx(0.8578223, abs=1e-6)
    r = dlcalc(*CASES["ce"][0], "--base", "10", "--format", "plain")
    assert "loss = 0.2582" in r.out and "log₁₀" in r.out
    # softmax(2, 1, 0) with label 0: ln(e² + e + 1) − 2 = 0.407606
    r = dlcalc("ce", "--target", "0", "--pred", "[[2, 1, 0]]", "--logits", "--format", "json")
    data = strict_json(r.out)
    assert data["answer"]["loss"] == pytest.approx(0.407606, abs=1e-6)
    assert any(s["title"].startswith("Softmax") for s in data["steps"])
    # sigmoid: z = (0, 2), y = (1, 0): (ln 2 + ln(1 + e²)) / 2 = 1.410038
    r = dlcalc("ce", "--target", "1 0", "--pred", "0 2", "--logits", "--format", "json")
    assert strict_json(r.out)["answer"]["loss"] == pytest.approx(1.410038, abs=1e-6)


def test_ce_binary_glaucoma(dlcalc):
    # Labels {1,0,1,0}, p {0.6,0.6,0.3,0.4}: the correct mean is 0.7855 (the slide's 0.6841 misreads p₂)
    r = dlcalc("ce", "--target", "1 0 1 0", "--pred", "0.6 0.6 0.3 0.4", "--format", "plain")
    assert "loss = 0.7855" in r.out
    assert "Binary cross-entropy" in r.out


def test_ce_one_hot_target(dlcalc):
    r = dlcalc("ce", "--target", "1 0 0; 0 1 0; 0 0 1", "--pred", CATARACT_P, "-q", "--format", "plain")
    assert r.out.splitlines()[0] == "loss = 0.5946"


def test_dice_squared_and_smooth(dlcalc):
    # Homework 12-2: 12.18 / 12.4697 = 0.9767677
    hw2 = "0.05 0.83 0.13 0.85; 0.15 0.03 0.05 0.19; 0.77 0.21 0.91 0.10; 0.94 0.82 0.07 0.97"
    r = dlcalc("dice", "--target", DICE_X, "--pred", hw2, "--mode", "squared", "--format", "json")
    assert strict_json(r.out)["answer"]["coefficient"] == pytest.approx(0.9767677, abs=1e-6)
    # X = (1, 0), Y = (0.5, 0.5), S = 1: (2·0.5 + 1) / (1 + 1 + 1) = 2/3
    r = dlcalc("dice", "--target", "1 0", "--pred", "0.5 0.5", "--smooth", "1", "--format", "json")
    assert strict_json(r.out)["answer"]["coefficient"] == pytest.approx(2 / 3)


def test_negative_values_first_in_an_option(dlcalc):
    # "-1 2" must be read as a value, not as an option; (−1 − (−1.5))² = 0.25, 0 → mean 0.125
    r = dlcalc("mse", "--target", "-1 2", "--pred", "-1.5 2", "-q", "--format", "plain")
    assert r.code == 0, r.err
    assert r.out.splitlines()[0] == "loss = 0.125"
    assert "(-1 − (-1.5))² = 0.25" in dlcalc("mse", "--target", "-1 2", "--pred", "-1.5 2", "--format", "plain").out


# ── @file and stdin ──────────────────────────────────────────────────────────

def test_file_inputs_csv_txt_json_npy(dlcalc, tmp_path):
    (tmp_path / "labels.txt").write_text("# one label per line\n0\n1\n2\n")
    (tmp_path / "pred.csv").write_text("0.6,0.2,0.2\n0.1,0.7,0.2\n0.3,0.3,0.4\n")
    (tmp_path / "pred.json").write_text(json.dumps([[0.6, 0.2, 0.2], [0.1, 0.7, 0.2], [0.3, 0.3, 0.4]]))
    np.save(tmp_path / "pred.npy", np.array([[0.6, 0.2, 0.2], [0.1, 0.7, 0.2], [0.3, 0.3, 0.4]]))
    (tmp_path / "table.txt").write_text("0.6 0.2 0.2   # sample 1\n0.1\t0.7 0.2\n\n0.3 0.3 0.4\n")
    for pred in ("pred.csv", "pred.json", "pred.npy", "table.txt"):
        r = dlcalc("ce", "--target", f"@{tmp_path / 'labels.txt'}", "--pred", f"@{tmp_path / pred}",
                   "--format", "json")
        assert r.code == 0, (pred, r.err)
        assert strict_json(r.out)["answer"]["loss"] == pytest.approx(0.5945971, abs=1e-6), pred


def test_file_inputs_for_dice_and_mse(dlcalc, tmp_path):
    np.save(tmp_path / "x.npy", np.array([[0, 1, 0, 1], [0, 0, 0, 0], [1, 0, 1, 0], [1, 1, 0, 1]], dtype=np.int64))
    (tmp_path / "y.csv").write_text("\ufeff" + DICE_Y.replace(";", "\n").replace(" ", ","))  # with a spreadsheet BOM
    r = dlcalc("dice", "--target", f"@{tmp_path / 'x.npy'}", "--pred", f"@{tmp_path / 'y.csv'}", "--format", "json")
    assert r.code == 0, r.err
    assert strict_json(r.out)["answer"]["coefficient"] == pytest.approx(0.8864943, abs=1e-6)
    (tmp_path / "y.json").write_text("[3, -1, 2, -5]")
    (tmp_path / "yhat.txt").write_text("2.5\n-1.2\n3.1\n-4.9\n")  # a column: the same vector
    r = dlcalc("mse", "--target", f"@{tmp_path / 'y.json'}", "--pred", f"@{tmp_path / 'yhat.txt'}", "--format", "json")
    assert r.code == 0, r.err
    assert strict_json(r.out)["answer"]["loss"] == pytest.approx(0.3775)


@pytest.mark.parametrize("stdin", [
    "0.6 0.2 0.2\n0.1 0.7 0.2\n0.3 0.3 0.4\n",
    "0.6 0.2 0.2;\n0.1 0.7 0.2;\n0.3 0.3 0.4;\n",        # MATLAB rows pasted with their ';'
    "0.6,0.2,0.2\r\n0.1,0.7,0.2\r\n0.3,0.3,0.4\r\n",     # a CSV with Windows line ends
    "[[0.6, 0.2, 0.2],\n [0.1, 0.7, 0.2],\n [0.3, 0.3, 0.4]]\n",
    "0.6 0.2 0.2; 0.1 0.7 0.2; 0.3 0.3 0.4",
])
def test_stdin(dlcalc, stdin):
    r = dlcalc("ce", "--target", "0 1 2", "--pred", "-", "--format", "json", stdin=stdin)
    assert r.code == 0, r.err
    assert strict_json(r.out)["answer"]["loss"] == pytest.approx(0.5945971, abs=1e-6)


def test_stdin_for_the_target(dlcalc):
    r = dlcalc("mse", "--target", "-", "--pred", "2.5 -1.2 3.1 -4.9", "-q", "--format", "plain", stdin="3 -1 2 -5\n")
    assert r.out.splitlines()[0] == "loss = 0.3775"


# ── bad input: exit 2, one stderr line naming the option ────────────────────

BAD = [
    # ragged and empty matrices
    (["ce", "--target", "0 1", "--pred", "0.5 0.5; 0.5"], ["--pred", "ragged"]),
    (["dice", "--target", "[[1, 0], [1]]", "--pred", "0.5 0.5; 0.5 0.5"], ["--target", "ragged"]),
    (["mse", "--target", "", "--pred", "1"], ["--target", "empty"]),
    (["mse", "--target", "1", "--pred", "[]"], ["--pred", "empty"]),
    (["dice", "--target", "1 0", "--pred", "  "], ["--pred", "empty"]),
    # non-numeric values, NaN/inf
    (["mse", "--target", "1 x", "--pred", "1 2"], ["--target", "'x' is not a number"]),
    (["ce", "--target", "0 1", "--pred", "[[0.5, \"a\"], [0.5, 0.5]]"], ["--pred", "'a'"]),
    (["mse", "--target", "1 nan", "--pred", "1 2"], ["--target", "finite"]),
    (["mse", "--target", "1 2", "--pred", "[1, Infinity]"], ["--pred", "finite"]),
    # shape mismatch
    (["mse", "--target", "1 2", "--pred", "1 2 3"], ["--pred", "must match"]),
    (["dice", "--target", "1 0; 0 1", "--pred", "1 0 0 1"], ["--pred", "must match"]),
    (["ce", "--target", "1 0", "--pred", "0.5 0.5 0.5"], ["--target", "one per prediction"]),
    (["ce", "--target", "0 1 1", "--pred", "0.5 0.5; 0.5 0.5"], ["--target", "3 labels for 2"]),
    (["ce", "--target", "1 0 0; 0 1 0", "--pred", "0.5 0.5; 0.5 0.5"], ["--target", "shape"]),
    # probabilities outside [0, 1]
    (["ce", "--target", "1 0", "--pred", "1.5 0.5"], ["--pred", "[0, 1]"]),
    (["ce", "--target", "0 1", "--pred", "0.5 0.5; -0.2 1.2"], ["--pred", "[0, 1]"]),
    (["dice", "--target", "2 0", "--pred", "0.5 0.5"], ["--target", "[0, 1]"]),
    (["dice", "--target", "1 0", "--pred", "0.5 1.5"], ["--pred", "[0, 1]"]),
    # class index out of range, non-integer index, non-one-hot row
    (["ce", "--target", "0 3", "--pred", "0.5 0.5; 0.5 0.5"], ["--target", "out of range"]),
    (["ce", "--target", "0 -1", "--pred", "0.5 0.5; 0.5 0.5"], ["--target", "out of range"]),
    (["ce", "--target", "0 0.5", "--pred", "0.5 0.5; 0.5 0.5"], ["--target", "integer"]),
    (["ce", "--target", "1 1; 0 1", "--pred", "0.5 0.5; 0.5 0.5"], ["--target", "row 1 is neither one-hot nor a distribution"]),
    (["ce", "--target", "1 0; 0 0", "--pred", "0.5 0.5; 0.5 0.5"], ["--target", "row 2 is neither one-hot nor a distribution"]),
    # other options
    (["ce", "--target", "0", "--pred", "[[0.5, 0.5]]", "--base", "3"], ["--base"]),
    (["dice", "--target", "1 0", "--pred", "0.5 0.5", "--mode", "cube"], ["--mode"]),
    (["dice", "--target", "1 0", "--pred", "0.5 0.5", "--smooth", "-1"], ["--smooth"]),
    (["dice", "--target", "1 0", "--pred", "0.5 0.5", "--smooth", "abc"], ["--smooth"]),
    (["mse", "--target", "1 2"], ["--pred"]),
    (["mse", "--target", "1 2", "--pred", "1 2", "--format", "xml"], ["--format"]),
    (["ce", "--target", "0", "--pred", "[[[0.5, 0.5]]]"], ["--pred", "shape"]),
]


@pytest.mark.parametrize("argv, fragments", BAD, ids=[" ".join(a[:1] + f) for a, f in BAD])
def test_bad_input(dlcalc, argv, fragments):
    assert_bad_input(dlcalc(*argv), *fragments)


def test_rows_not_summing_to_one_warn_not_fail(dlcalc):
    # (−ln 0.1 − ln 0.8)/2 = (2.3025851 + 0.2231436)/2 = 1.2628643, with a warning for row 1 (sum 0.9)
    argv = ["ce", "--target", "0 1", "--pred", "0.1 0.8; 0.2 0.8"]
    r = dlcalc(*argv, "--format", "json")
    assert r.code == 0
    data = strict_json(r.out)
    assert data["answer"]["loss"] == pytest.approx(1.2628643, abs=1e-6)
    assert data["warnings"] == ["pred row 1 sums to 0.9, not 1"]
    r = dlcalc(*argv, "--format", "plain")
    assert r.code == 0 and "Warning: pred row 1 sums to 0.9, not 1" in r.out
    # Logits need not sum to anything
    data = strict_json(dlcalc(*argv, "--logits", "--format", "json").out)
    assert data["warnings"] == []


def test_bad_files(dlcalc, tmp_path):
    pred = ["--pred", "0.5 0.5"]
    missing = tmp_path / "nope.csv"
    assert_bad_input(dlcalc("mse", "--target", f"@{missing}", *pred), "--target", str(missing), "no such file")
    assert_bad_input(dlcalc("mse", "--target", f"@{tmp_path}", *pred), "--target", "not a regular file")
    assert_bad_input(dlcalc("mse", "--target", "@", *pred), "--target", "file name")
    header = tmp_path / "header.csv"
    header.write_text("a,b\n1,2\n")
    assert_bad_input(dlcalc("mse", "--target", f"@{header}", *pred), "--target", str(header), "row 1", "'a'")
    ragged = tmp_path / "ragged.txt"
    ragged.write_text("1 2\n3\n")
    assert_bad_input(dlcalc("mse", "--target", f"@{ragged}", *pred), "--target", "ragged")
    empty = tmp_path / "empty.csv"
    empty.write_text("# nothing but a comment\n\n")
    assert_bad_input(dlcalc("mse", "--target", f"@{empty}", *pred), "--target", "empty")
    broken = tmp_path / "broken.json"
    broken.write_text("[[1, 2], [3, 4]")
    assert_bad_input(dlcalc("mse", "--target", f"@{broken}", *pred), "--target", "malformed")
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"\xff\xfe\x00\x01")
    assert_bad_input(dlcalc("mse", "--target", f"@{binary}", *pred), "--target", "UTF-8")
    garbage = tmp_path / "garbage.npy"
    garbage.write_bytes(b"not numpy at all")
    assert_bad_input(dlcalc("mse", "--target", f"@{garbage}", *pred), "--target", "not a NumPy .npy file")
    nan = tmp_path / "nan.npy"
    np.save(nan, np.array([1.0, np.nan]))
    assert_bad_input(dlcalc("mse", "--target", f"@{nan}", *pred), "--target", "value[1]", "finite")
    nothing = tmp_path / "nothing.npy"
    np.save(nothing, np.zeros((0, 3)))
    assert_bad_input(dlcalc("mse", "--target", f"@{nothing}", *pred), "--target", "empty")
    text = tmp_path / "text.npy"
    np.save(text, np.array(["a", "b"]))
    assert_bad_input(dlcalc("mse", "--target", f"@{text}", *pred), "--target", "numeric")


def test_bad_stdin(dlcalc):
    assert_bad_input(dlcalc("mse", "--target", "-", "--pred", "1", stdin=""), "--target", "empty")
    assert_bad_input(dlcalc("mse", "--target", "-", "--pred", "1 2", stdin="1 2\n3\n"), "--target", "ragged")
    assert_bad_input(dlcalc("mse", "--target", "-", "--pred", "1 2", stdin="1 two\n"), "--target", "'two'")
