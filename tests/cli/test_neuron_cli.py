"""`dlcalc neuron` end to end: logic-gate truth tables, the XOR network (options and FILE), bad input.

Expected values: σ(z) = 1/(1 + e^(−z)) written with math.exp below; the truth tables by hand.
"""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

from tests.conftest import assert_bad_input


def g(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


XOR_FILE = """\
kind: neuron
activation: sigmoid
truth_table: true
layers:
  - weights: [[20, 20], [-20, -20]]   # OR, NAND
    bias: [-10, 30]
  - weights: [20, 20]                 # AND
    bias: -30
"""


def answer(r) -> dict:
    assert r.code == 0, r.err
    return json.loads(r.out)["answer"]


def test_and_gate_truth_table_json(dlcalc) -> None:
    a = answer(dlcalc("neuron", "--weights", "20 20", "--bias", "-30", "--truth-table", "--format", "json"))
    expected = [[0, 0, -30, g(-30), 0], [0, 1, -10, g(-10), 0], [1, 0, -10, g(-10), 0], [1, 1, 10, g(10), 1]]
    np.testing.assert_allclose(a["table"], expected, rtol=1e-12, atol=1e-15)
    assert a["logical"] == [0, 0, 0, 1]
    assert a["net"] == [-30, -10, -10, 10]


def test_or_and_nand_truth_tables(dlcalc) -> None:
    assert answer(dlcalc("neuron", "-w", "20 20", "-b", "-10", "-t", "-f", "json"))["logical"] == [0, 1, 1, 1]
    assert answer(dlcalc("neuron", "-w", "-20 -20", "-b", "30", "-t", "-f", "json"))["logical"] == [1, 1, 1, 0]


def test_xor_two_layer_from_options(dlcalc) -> None:
    a = answer(dlcalc("neuron", "--weights", "20 20; -20 -20", "--bias", "-10 30", "--out-weights", "20 20",
                      "--out-bias", "-30", "--truth-table", "--format", "json"))
    assert a["logical"] == [0, 1, 1, 0]
    # x = (0, 1): a₁ = σ(10), a₂ = σ(10), net = −30 + 20σ(10) + 20σ(10)
    assert a["net"][1] == pytest.approx(-30 + 40 * g(10), rel=1e-12)
    assert np.round(a["hidden"][0]).tolist() == [[0, 1], [1, 1], [1, 1], [1, 0]]


def test_xor_from_a_problem_file(dlcalc, tmp_path) -> None:
    path = tmp_path / "xor.yaml"
    path.write_text(XOR_FILE)
    a = answer(dlcalc("neuron", str(path), "--format", "json"))
    assert a["logical"] == [0, 1, 1, 0]
    header = dlcalc("neuron", str(path), "--format", "plain").out
    assert "x_1  x_2" in header and "a_1" in header and "a_2" in header


def test_problem_file_with_inputs_override(dlcalc, tmp_path) -> None:
    path = tmp_path / "xor.yaml"
    path.write_text(XOR_FILE.replace("truth_table: true\n", ""))
    a = answer(dlcalc("neuron", str(path), "--inputs", "1 0", "--format", "json"))
    # a₁ = σ(10), a₂ = σ(10): net = −30 + 40σ(10) ≈ 9.9982
    assert a["net"] == pytest.approx(-30 + 40 * g(10), rel=1e-12)


def test_single_row_worked_lines(dlcalc) -> None:
    r = dlcalc("neuron", "--weights", "20 20", "--bias", "-30", "--inputs", "1 0", "--format", "plain")
    assert r.code == 0, r.err
    assert "net = 20·1 + 20·0 + (-30) = -10" in r.out
    assert "out = σ(-10) = 4.54e-05" in r.out  # σ(−10) = 4.5398e-05 to 4 significant digits
    assert "Answer  net = -10" in r.out


def test_course_exercise(dlcalc) -> None:
    # 0.7 + (−0.1)·0.3 + 0.4·(−0.4) + 0.6·0.5 = 0.81
    a = answer(dlcalc("neuron", "-w", "-0.1 0.4 0.6", "-b", "0.7", "-x", "0.3 -0.4 0.5", "-a", "linear", "-f", "json"))
    assert a["net"] == pytest.approx(0.81, abs=1e-12)


@pytest.mark.parametrize("fmt", ["rich", "plain", "markdown", "latex"])
def test_text_formats_show_the_truth_table(dlcalc, fmt) -> None:
    r = dlcalc("neuron", "-w", "20 20", "-b", "-30", "-t", "--format", fmt)
    assert r.code == 0, r.err
    assert "Truth table" in r.out


def test_library_gates_solve(dlcalc) -> None:
    from dlcalc.problems import library

    path = next(p for p in library.files() if p.name == "bigdata-lecture8-gates.yaml")
    r = dlcalc("solve", str(path), "--format", "json")
    assert r.code == 0, r.err
    answers = {d["id"]: d["answer"] for d in map(json.loads, r.out.splitlines())}
    assert answers["bd8-neuron-exercise"]["net"] == pytest.approx(0.81, abs=1e-12)
    expected = {"bd8-and": [0, 0, 0, 1], "bd8-or": [0, 1, 1, 1], "bd8-nand": [1, 1, 1, 0], "bd8-xor": [0, 1, 1, 0],
                "bd8-xnor": [1, 0, 0, 1]}
    assert {pid: answers[pid]["logical"] for pid in expected} == expected


@pytest.mark.parametrize("argv, fragments", [
    (["-w", "20 20", "-b", "-30", "-x", "1 0 1"], ["--inputs", "3 values but the weights expect 2"]),
    (["-w", "20 20", "-b", "1 2", "-x", "1 0"], ["--bias", "expected one number"]),
    (["-w", "20 20", "-x", "1 0", "-a", "sigmod"], ["--activation", "did you mean 'sigmoid'"]),
    (["-w", "20 20", "-x", "1 0", "--out-activation", "rel"], ["--out-activation", "did you mean 'relu'"]),
    (["-w", "20 20", "-x", "1 0", "--out-bias", "1"], ["--out-bias", "output layer's weights"]),
    (["-w", "20 20; 1 1", "-x", "1 0", "--out-weights", "1 2 3"], ["--out-weights", "layer before has 2"]),
    (["-w", "20 20", "-b", "-30"], ["--inputs", "give the inputs"]),
    (["-b", "1", "-x", "1"], ["--weights", "required"]),
    (["-w", "1 x", "-x", "1 0"], ["--weights", "'x' is not a number"]),
    (["-w", "1 1", "-x", "1 0; 1"], ["--inputs", "ragged"]),
    (["-w", "1 1", "-x", "1 1", "--out-weights", "1e308", "--out-bias", "1e308"], ["--out-weights", "overflows"]),
])
def test_bad_input(dlcalc, argv, fragments) -> None:
    assert_bad_input(dlcalc("neuron", *argv), *fragments)


def test_bad_problem_files(dlcalc, tmp_path) -> None:
    path = tmp_path / "net.yaml"
    path.write_text(XOR_FILE.replace("  - weights: [20, 20]", "  - weights: [20, 20, 20]"))
    assert_bad_input(dlcalc("neuron", str(path)), "net.yaml:7", "layers[1].weights", "layer before has 2")
    path.write_text(XOR_FILE.replace("    bias: -30", "    bais: -30"))
    assert_bad_input(dlcalc("neuron", str(path)), "net.yaml", "layers[1].bais", "did you mean 'bias'")
    path.write_text(XOR_FILE.replace("    bias: [-10, 30]", "    bias: [-10, 30]\n    activation: sigmoidd"))
    assert_bad_input(dlcalc("neuron", str(path)), "net.yaml:7", "layers[0].activation", "did you mean 'sigmoid'")
    path.write_text(XOR_FILE)
    assert_bad_input(dlcalc("neuron", str(path), "--weights", "1 1"), "--weights", "only --inputs")
    assert_bad_input(dlcalc("neuron", str(path), "--activation", "foo"), "--activation", "unknown activation")
    assert_bad_input(dlcalc("neuron", str(tmp_path / "missing.yaml")), "missing.yaml", "no such file")
