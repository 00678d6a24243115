"""`dlcalc perceptron` end to end: convergence on AND, none on XOR, the worked epochs, bad input.

Hand computation (AND, labels ±1, η = 1, w = 0, b = 0), epoch 1:
  (0,0) y=−1: net 0 → ŷ = +1 ✗, Δ = −2 → w = (0,0), b = −2;  (0,1), (1,0): net −2 → −1 ✓;
  (1,1) y=+1: net −2 → −1 ✗, Δ = +2 → w = (2,2), b = 0.   2 errors.
"""
from __future__ import annotations

import json

import numpy as np
import pytest

from tests.conftest import assert_bad_input

DATA = "0 0; 0 1; 1 0; 1 1"
X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)


def answer(r) -> dict:
    assert r.code == 0, r.err
    return json.loads(r.out)["answer"]


def test_and_converges(dlcalc) -> None:
    a = answer(dlcalc("perceptron", "--data", DATA, "--labels", "-1 -1 -1 1", "--format", "json"))
    assert a["converged"] is True
    assert a["errors_per_epoch"][0] == 2 and a["errors_per_epoch"][-1] == 0
    w, b = np.array(a["weights"]), a["bias"]
    assert [1 if x @ w + b >= 0 else -1 for x in X] == [-1, -1, -1, 1]  # separates the data


def test_first_epoch_is_worked(dlcalc) -> None:
    r = dlcalc("perceptron", "--data", DATA, "--labels", "-1 -1 -1 1", "--format", "plain")
    assert r.code == 0, r.err
    assert "x_1: ŷ = sign(0) = 1 ≠ y = -1  →  η(y − ŷ) = 1·(-1 − 1) = -2" in r.out
    assert "w ← [0, 0] + 2·[1, 1] = [2, 2],  b ← -2 + 2 = 0" in r.out
    assert "sign(0) = +1" in r.out  # the convention is stated


def test_xor_does_not_converge(dlcalc) -> None:
    a = answer(dlcalc("perceptron", "-d", DATA, "-y", "-1 1 1 -1", "--epochs", "30", "-f", "json"))
    assert a["converged"] is False
    assert len(a["errors_per_epoch"]) == 30 and min(a["errors_per_epoch"]) > 0
    r = dlcalc("perceptron", "-d", DATA, "-y", "-1 1 1 -1", "--epochs", "30", "-f", "plain")
    assert "not converged after 30 epochs" in r.out and "Warning:" in r.out


def test_step_labels_and_options(dlcalc) -> None:
    # OR, 0/1 labels, η = 0.5 (see tests/calc/test_perceptron.py for the hand-worked first epoch)
    a = answer(dlcalc("perceptron", "-d", DATA, "-y", "0 1 1 1", "--lr", "0.5", "-f", "json"))
    assert a["converged"] is True and a["errors_per_epoch"][0] == 2
    w, b = np.array(a["weights"]), a["bias"]
    assert [1 if x @ w + b >= 0 else 0 for x in X] == [0, 1, 1, 1]
    # starting at a separating w, b: one error-free epoch
    a = answer(dlcalc("perceptron", "-d", DATA, "-y", "-1 -1 -1 1", "-w", "1 1", "-b", "-1.5", "-f", "json"))
    assert a["errors_per_epoch"] == [0] and a["weights"] == [1, 1] and a["bias"] == -1.5


@pytest.mark.parametrize("fmt", ["rich", "markdown", "latex"])
def test_text_formats(dlcalc, fmt) -> None:
    r = dlcalc("perceptron", "-d", DATA, "-y", "-1 -1 -1 1", "--format", fmt)
    assert r.code == 0, r.err
    assert "Errors per epoch" in r.out


@pytest.mark.parametrize("argv, fragments", [
    (["--lr", "0"], ["--lr", "must be > 0"]),
    (["--lr", "-0.1"], ["--lr", "must be > 0"]),
    (["--epochs", "0"], ["--epochs", "must be > 0"]),
    (["--epochs", "-3"], ["--epochs", "must be > 0"]),
    (["--epochs", "2.5"], ["--epochs", "integer"]),
    (["--epochs", "1000000"], ["--epochs", "from 1 to 10000"]),
    (["-y", "-1 1 1"], ["--labels", "3 labels for 4 samples"]),
    (["-y", "0 1 2 1"], ["--labels", "found 2"]),
    (["-y", "-1 0 1 1"], ["--labels", "mix −1 and 0"]),
    (["-y", "-1 1 1 1", "--activation", "step"], ["--labels", "0 or 1 with the step activation"]),
    (["--activation", "sigmoid"], ["--activation", "expected one of auto, sign, step"]),
    (["-w", "1 2 3"], ["--weights", "expected 2 initial weights"]),
    (["-b", "abc"], ["--bias", "not a number"]),
    (["--detail", "-1"], ["--detail"]),
])
def test_bad_input(dlcalc, argv, fragments) -> None:
    base = {"-d": DATA, "-y": "-1 -1 -1 1"}
    args = [a for k, v in base.items() if k not in argv for a in (k, v)]
    assert_bad_input(dlcalc("perceptron", *args, *argv), *fragments)


def test_missing_data_is_a_usage_error(dlcalc) -> None:
    assert_bad_input(dlcalc("perceptron", "-y", "1 1"), "--data")


def test_bundled_examples(dlcalc) -> None:
    # AND by hand (η = 1, sign(0) = +1), w, b after each epoch:
    #   1: (2,2), 0 [2 errors]  2: (4,2), −2 [3]  3: (4,2), −4 [3]  4: (4,4), −4 [2]  5: (4,2), −6 [1]  6: no errors
    # OR with step, η = 0.5: 1: (0,.5), 0 [2]  2: (.5,.5), 0 [2]  3: (.5,.5), −.5 [1]  4: no errors
    r = dlcalc("solve", "--example", "bd8-perceptron-and", "--example", "bd8-perceptron-or-step",
               "--example", "bd8-perceptron-xor", "--format", "json")
    assert r.code == 0, r.err
    answers = {d["id"]: d["answer"] for d in map(json.loads, r.out.splitlines())}
    assert answers["bd8-perceptron-and"]["weights"] == [4, 2] and answers["bd8-perceptron-and"]["bias"] == -6
    assert answers["bd8-perceptron-and"]["errors_per_epoch"] == [2, 3, 3, 2, 1, 0]
    assert answers["bd8-perceptron-or-step"]["weights"] == [0.5, 0.5]
    assert answers["bd8-perceptron-or-step"]["bias"] == -0.5
    assert answers["bd8-perceptron-or-step"]["errors_per_epoch"] == [2, 2, 1, 0]
    assert answers["bd8-perceptron-xor"]["converged"] is False
