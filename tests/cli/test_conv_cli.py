"""`dlcalc conv|pool|convsize` end to end: JSON answers, formats, options, file/stdin input, bad input,
the bundled problems and grading diagnosis.

Expected values are the hand computations of tests/calc/test_conv.py, test_pool.py, test_convsize.py:
the slide image B with the X-shaped kernel gives [[4, 4], [2, 4]] at stride 2 and, padded,
2 2 3 1 1 / 1 4 3 4 1 / 1 2 4 3 3 / 0 2 3 4 2 / 0 1 2 2 1 (the slide misprints the 3 as 2);
the 4×4 max-pool example gives [[20, 30], [112, 37]]; 6×6 with 3 filters 3×3: 30 vs 111 parameters.
"""
from __future__ import annotations

import json
import re

import numpy as np
import pytest

from tests.conftest import assert_bad_input

A = "1 1 1 0 0; 0 1 1 1 0; 0 0 1 1 1; 0 0 1 1 0; 0 1 1 0 0"
B = "1 1 1 0 0; 0 1 1 1 0; 0 0 1 1 1; 0 0 1 1 0; 0 0 1 1 0"
X = "1 0 1; 0 1 0; 1 0 1"
M = "12 20 30 0; 8 12 2 0; 34 70 37 4; 112 100 25 12"
PADDED_B = [[2, 2, 3, 1, 1], [1, 4, 3, 4, 1], [1, 2, 4, 3, 3], [0, 2, 3, 4, 2], [0, 1, 2, 2, 1]]


def answer(dlcalc, *argv):
    r = dlcalc(*argv, "--format", "json")
    assert r.code == 0, r.err
    d = json.loads(r.out, parse_constant=lambda c: pytest.fail(f"non-strict JSON {c}"))
    return d


def test_conv_course_examples(dlcalc):
    # A at stride 1: 4 3 4 / 2 4 3 / 2 3 4 (by hand in tests/calc/test_conv.py)
    d = answer(dlcalc, "conv", "--input", A, "--kernel", X)
    assert d["kind"] == "conv"
    assert d["answer"] == {"output": [[4, 3, 4], [2, 4, 3], [2, 3, 4]], "output_shape": [3, 3]}
    assert answer(dlcalc, "conv", "-i", B, "-k", X, "--stride", "2")["answer"]["output"] == [[4, 4], [2, 4]]
    assert answer(dlcalc, "conv", "-i", B, "-k", X, "--padding", "1")["answer"]["output"] == PADDED_B
    assert answer(dlcalc, "conv", "-i", B, "-k", X, "--padding", "same")["answer"]["output"] == PADDED_B


def test_flip_and_no_flip(dlcalc):
    # K = [[1, 2], [0, −1]]: convolution [[0, 3], [5, 1]], cross-correlation [[4, −1], [1, 7]] (by hand)
    args = ["conv", "-i", "1 2 0; 0 1 3; 2 1 0", "-k", "1 2; 0 -1"]
    assert answer(dlcalc, *args)["answer"]["output"] == [[0, 3], [5, 1]]
    d = answer(dlcalc, *args, "--no-flip")
    assert d["answer"]["output"] == [[4, -1], [1, 7]]
    assert "cross-correlation" in d["steps"][1]["text"]   # after the Given step
    assert not any(s["title"].startswith("Kernel rotated") for s in d["steps"])


def test_multichannel_filters_bias_activation(dlcalc):
    # by hand in tests/calc/test_conv.py: pre-activation [[4,0],[4,2]] and [[−1,0],[1,1]]
    x = "[[[1,0,2],[0,1,0],[1,2,0]],[[0,1,0],[1,0,1],[2,0,1]]]"
    k = "[[[[1,0],[0,1]],[[0,1],[1,0]]],[[[1,1],[0,0]],[[1,0],[0,0]]]]"
    d = answer(dlcalc, "conv", "-i", x, "-k", k, "--bias", "0 -2", "--activation", "relu")
    assert d["answer"]["output"] == [[[4, 0], [4, 2]], [[0, 0], [1, 1]]]
    assert d["answer"]["pre_activation"] == [[[4, 0], [4, 2]], [[-1, 0], [1, 1]]]
    assert d["answer"]["output_shape"] == [2, 2, 2]
    cell = next(s for s in d["steps"] if s["title"] == "O2(1,1)")
    # channel sums 1 and 0, bias −2: "O2(1,1) = 1 + 0 + (-2) (bias) = -1"
    assert "O2(1,1) = 1 + 0 + (-2) (bias) = -1" in cell["text"]
    assert "channel 1: 1·0 + 0·0 + 0·1 + 1·1 = 1" in cell["text"]


def test_asymmetric_padding_stride_and_dilation_pairs(dlcalc):
    # 1×1 kernel [[1]]: padding top 1, right 2 places the 2×2 input in zeros (3×4)
    d = answer(dlcalc, "conv", "-i", "1 2; 3 4", "-k", "1", "--padding", "1,0,0,2")
    assert d["answer"]["output"] == [[0, 0, 0, 0], [1, 2, 0, 0], [3, 4, 0, 0]]
    # stride 1 down, 2 across on A with [[1]]: rows 1..5, columns 1, 3, 5
    d = answer(dlcalc, "conv", "-i", A, "-k", "1", "--stride", "1,2")
    assert d["answer"]["output"] == [[1, 1, 0], [0, 1, 0], [0, 1, 1], [0, 1, 0], [0, 1, 0]]
    # dilation 2 with padding 1 on A: [[2,1,1],[0,2,3],[1,1,2]] (by hand in tests/calc/test_conv.py)
    d = answer(dlcalc, "conv", "-i", A, "-k", X, "--dilation", "2", "--padding", "1")
    assert d["answer"]["output"] == [[2, 1, 1], [0, 2, 3], [1, 1, 2]]
    assert any(s["title"].startswith("Dilated kernel footprint") for s in d["steps"])


def test_full_writes_every_cell(dlcalc):
    image = "; ".join(" ".join(str(i * 6 + j) for j in range(6)) for i in range(6))
    short = answer(dlcalc, "conv", "-i", image, "-k", "1")
    full = answer(dlcalc, "conv", "-i", image, "-k", "1", "--full")
    cells = lambda d: sum(bool(re.fullmatch(r"O\(\d+,\d+\)", s["title"])) for s in d["steps"])  # noqa: E731
    assert (cells(short), cells(full)) == (16, 36)
    assert any(s["title"] == "The other cells" for s in short["steps"])


def test_file_and_stdin_input(dlcalc, tmp_path):
    np.save(tmp_path / "k.npy", np.array([[1.0, 0, 1], [0, 1, 0], [1, 0, 1]]))
    (tmp_path / "b.csv").write_text(B.replace("; ", "\n").replace(" ", ","))
    d = answer(dlcalc, "conv", "-i", f"@{tmp_path / 'b.csv'}", "-k", f"@{tmp_path / 'k.npy'}", "-s", "2")
    assert d["answer"]["output"] == [[4, 4], [2, 4]]
    r = dlcalc("pool", "-i", "-", "--size", "2", "-q", "--format", "plain", stdin=M.replace("; ", "\n"))
    assert r.code == 0 and r.out.splitlines()[0] == "output = [[20, 30], [112, 37]]"


@pytest.mark.parametrize("fmt", ["rich", "plain", "markdown", "latex"])
def test_every_format(dlcalc, fmt):
    r = dlcalc("conv", "-i", B, "-k", X, "--padding", "1", "--format", fmt)
    assert r.code == 0 and r.err == ""
    assert "O(1,3)" in r.out
    if fmt == "markdown":
        assert "**" in r.out  # the window is bold in the input table
    if fmt == "latex":
        assert r"\mathbf{" in r.out and r"\left[\begin{array}" in r.out


def test_plain_worked_cell(dlcalc):
    r = dlcalc("conv", "-i", B, "-k", X, "--padding", "1", "--format", "plain")
    # the cell the slide gets wrong, written out: rows 1–3, columns 3–5 of the padded image
    assert "O(1,3) = 0·1 + 0·0 + 0·1 + 1·0 + 1·1 + 0·0 + 1·1 + 1·0 + 1·1 = 3" in r.out
    assert "H' = W' = ⌊(5 + 2·1 − 1·(3 − 1) − 1) / 1⌋ + 1 = 5" in r.out


def test_pool(dlcalc):
    d = answer(dlcalc, "pool", "-i", M, "--size", "2")
    assert d["kind"] == "pool" and d["answer"] == {"output": [[20, 30], [112, 37]], "output_shape": [2, 2]}
    assert answer(dlcalc, "pool", "-i", M, "--size", "2", "--mode", "avg")["answer"]["output"] == [[13, 8], [79, 19.5]]
    # 3×3 windows, stride 1: 70 70 / 112 100 (by hand in tests/calc/test_pool.py)
    assert answer(dlcalc, "pool", "-i", M, "--size", "3", "--stride", "1")["answer"]["output"] == [[70, 70], [112, 100]]
    r = dlcalc("pool", "-i", M, "--size", "2", "--format", "plain")
    assert "P(2,1) = max of the window = max(34, 70, 112, 100) = 112" in r.out
    assert "the maximum sits at row 4, column 1 of the input" in r.out


def test_pool_padding_is_minus_infinity_in_strict_json(dlcalc):
    d = answer(dlcalc, "pool", "-i", "-1 -2; -3 -4", "--size", "2", "--padding", "1")
    assert d["answer"]["output"] == [[-1, -2], [-3, -4]]
    padding = next(s for s in d["steps"] if s["title"] == "Padding")
    assert padding["grids"][0]["values"][0][0] == "-inf"


def test_convsize(dlcalc):
    d = answer(dlcalc, "convsize", "--input-shape", "6x6", "--kernel", "3", "--filters", "3")
    assert d["kind"] == "convsize"
    a = d["answer"]
    assert (a["output_shape"], a["params"], a["fc_params"]) == ([3, 4, 4], 30, 111)
    text = "\n".join(s["text"] for s in d["steps"])
    assert "(3×3 + 1)×3 = 30" in text and "(36 + 1)×3 = 111" in text
    a = answer(dlcalc, "convsize", "--input-shape", "3×56×56", "-k", "3", "-F", "64", "-P", "same")["answer"]
    assert a["output_shape"] == [64, 56, 56] and a["params"] == 1792  # (27 + 1)·64
    a = answer(dlcalc, "convsize", "--input-shape", "32x32", "--channels", "3", "--filters", "8", "--no-bias")["answer"]
    assert a["params"] == 3 * 3 * 3 * 8 and a["output_shape"] == [8, 30, 30]


def test_answer_only(dlcalc):
    r = dlcalc("conv", "-i", B, "-k", X, "-s", "2", "-q", "--format", "plain")
    assert r.out.splitlines() == ["output = [[4, 4], [2, 4]]", "output_shape = [2, 2]"]


I3 = "1 2 3; 4 5 6; 7 8 9"


@pytest.mark.parametrize("argv, fragments", [
    (["conv", "-i", I3, "-k", "[[1,1,1,1],[1,1,1,1],[1,1,1,1],[1,1,1,1]]"], ["--kernel", "spans 4 rows", "only 3"]),
    (["conv", "-i", I3, "-k", "1 1; 1 1", "--padding", "1", "--dilation", "5"],
     ["--kernel", "6 rows (2 dilated by 5)", "only 5"]),
    (["conv", "-i", I3, "-k", "1 0; 0 1", "--stride", "0"], ["--stride", "≥ 1"]),
    (["conv", "-i", I3, "-k", "1 0; 0 1", "--dilation", "0"], ["--dilation", "≥ 1"]),
    (["conv", "-i", I3, "-k", "1 0; 0 1", "--padding=-1"], ["--padding", "negative"]),
    (["conv", "-i", I3, "-k", "1 0; 0 1", "--padding", "1,-1,0,0"], ["--padding", "negative"]),
    (["conv", "-i", I3, "-k", "1 0; 0 1", "--padding", "1,2,3"], ["--padding", "4 (top, bottom, left, right)"]),
    (["conv", "-i", I3, "-k", "1 0; 0 1", "--padding", "full"], ["--padding", "'same', 'valid'"]),
    (["conv", "-i", "[[[1,2],[3,4]],[[1,2],[3,4]]]", "-k", "1 0; 0 1"], ["--kernel", "2 channels", "has 1"]),
    (["conv", "-i", I3, "-k", "[[[1,0],[0,1]],[[1,0],[0,1]]]"], ["--kernel", "1 channel", "F×1×kh×kw"]),
    (["conv", "-i", I3, "-k", "1 0; 0 1", "--stride", "1.5"], ["--stride", "integer"]),
    (["conv", "-i", I3, "-k", "1 0; 0 1", "--stride", "two"], ["--stride"]),
    (["conv", "-i", I3, "-k", "1 0; 0 1", "--bias", "1 2"], ["--bias", "one bias per filter"]),
    (["conv", "-i", I3, "-k", "1 0; 0 1", "--activation", "softmax"], ["--activation", "relu"]),
    (["conv", "-i", "1 2; 3", "-k", "1"], ["--input", "ragged"]),
    (["conv", "-i", I3], ["--kernel"]),
    (["pool", "-i", I3, "--size", "4"], ["--size", "window spans 4"]),
    (["pool", "-i", I3, "--size", "2.5"], ["--size", "integer"]),
    (["pool", "-i", I3, "--size", "0"], ["--size", "≥ 1"]),
    (["pool", "-i", I3, "--size", "2", "--padding", "2"], ["--padding", "smaller than the window"]),
    (["pool", "-i", I3, "--size", "2", "--mode", "median"], ["--mode", "max, avg, min"]),
    (["pool", "-i", I3, "--size", "2", "--stride", "-1"], ["--stride", "≥ 1"]),
    (["convsize", "--input-shape", "6.5x6"], ["--input-shape", "integer"]),
    (["convsize", "--input-shape", "6x6", "--kernel", "7"], ["--kernel", "spans 7"]),
    (["convsize", "--input-shape", "6x6", "--filters", "2.5"], ["--filters", "integer"]),
    (["convsize", "--input-shape", "6x6", "--filters", "0"], ["--filters", "> 0"]),
    (["convsize", "--input-shape", "3x6x6", "--channels", "2"], ["--channels", "3 channels"]),
    (["convsize", "--input-shape", "1x3x6x6"], ["--input-shape", "C×H×W"]),
    (["convsize", "--input-shape", "6x6", "--stride", "0"], ["--stride", "≥ 1"]),
    # hostile sizes: refused with a short message, never printed digit by digit
    (["conv", "-i", I3, "-k", "1 0; 0 1", "--stride", "1e300"], ["--stride", "at most 1,000,000"]),
    (["conv", "-i", I3, "-k", "1 0; 0 1", "--padding", "1000000"], ["--padding", "too large", "limit 2,000,000"]),
    (["pool", "-i", I3, "--size", "1e300"], ["--size", "at most 1,000,000"]),
    (["convsize", "--input-shape", "1e300x6"], ["--input-shape", "at most 1,000,000"]),
    (["convsize", "--input-shape", "6x6", "--filters", "1e300"], ["--filters", "at most 1,000,000"]),
    (["convsize", "--input-shape", "6x6", "--channels", "1e300"], ["--channels", "at most 1,000,000"]),
])
def test_bad_input(dlcalc, argv, fragments):
    assert_bad_input(dlcalc(*argv), *fragments)


# ── bundled problems and grading ─────────────────────────────────────────────

LIBRARY = {  # id → graded answer, by hand (see the module docstring and tests/calc/)
    "dl-conv-stride1": [[4, 3, 4], [2, 4, 3], [2, 3, 4]],
    "dl-conv-stride2": [[4, 4], [2, 4]],
    "dl-conv-padding": PADDED_B,
    "dl-maxpool": [[20, 30], [112, 37]],
    "dl-convsize-params": 30,
    "dl-convsize-fc": 111,
    "l13-conv-flip": [[0, 3], [5, 1]],
    "l13-conv-dilated": [[2, 1, 1], [0, 2, 3], [1, 1, 2]],
    "l13-conv-two-filters": [[[4, 0], [4, 2]], [[0, 0], [1, 1]]],
    "l13-avgpool": [[13, 8], [79, 19.5]],
}


def test_bundled_problems(dlcalc):
    argv = ["solve"] + [a for pid in LIBRARY for a in ("--example", pid)] + ["--format", "json"]
    r = dlcalc(*argv)
    assert r.code == 0, r.err
    solved = {d["id"]: d for d in map(json.loads, r.out.splitlines())}
    assert set(solved) == set(LIBRARY)
    asks = {"dl-convsize-params": "params", "dl-convsize-fc": "fc_params"}
    for pid, want in LIBRARY.items():
        assert solved[pid]["answer"][asks.get(pid, "output")] == want, pid


def test_grading_names_the_unflipped_kernel_and_max_vs_avg(dlcalc, tmp_path):
    key = tmp_path / "key.yaml"
    key.write_text(
        "title: conv quiz\nproblems:\n"
        "  - {id: q1, kind: conv, input: '1 2 0; 0 1 3; 2 1 0', kernel: '1 2; 0 -1'}\n"
        "  - {id: q2, kind: pool, size: 2, input: '" + M + "'}\n"
        "  - {id: q3, kind: conv, input: '" + B + "', kernel: '" + X + "', stride: 2}\n")
    answers = tmp_path / "answers.csv"
    # ann: cross-correlation for q1, average pooling for q2, stride 3 (window at corner only) for q3
    answers.write_text("student,problem,answer\n"
                       "ann,q1,\"4 -1; 1 7\"\nann,q2,\"13 8; 79 19.5\"\nann,q3,\"4\"\n"
                       "bob,q1,\"0 3; 5 1\"\nbob,q2,\"20 30; 112 37\"\nbob,q3,\"4 4; 2 4\"\n")
    r = dlcalc("grade", str(key), str(answers), "--format", "json")
    assert r.code == 1, r.err
    report = json.loads(r.out)
    by_id = {s["id"]: s for s in report["students"]}
    assert by_id["bob"]["score"] == 3
    diag = {p["id"]: p["diagnosis"] for p in by_id["ann"]["problems"]}
    assert diag["q1"] == "kernel not flipped (cross-correlation instead of convolution)"
    assert diag["q2"] == "average pooling instead of max pooling"
    assert diag["q3"] == "stride one too large"
