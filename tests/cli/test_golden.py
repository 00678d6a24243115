"""Golden (snapshot) tests of the plain and Markdown output, so that wording changes are deliberate.

The snapshots live in tests/golden/<name>.txt (plain) and tests/golden/<name>.md (Markdown).
After a deliberate change to a step's wording or layout, regenerate them and review the diff:

    DLCALC_UPDATE_GOLDEN=1 /work/venv/bin/pytest tests/cli/test_golden.py
    git diff tests/golden/

A snapshot only freezes what the product printed; the numbers in it are also checked against the
hand computations below, so a snapshot regenerated from a wrong result still fails.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
UPDATE = os.environ.get("DLCALC_UPDATE_GOLDEN") == "1"

CATARACT_P = "0.6 0.2 0.2; 0.1 0.7 0.2; 0.3 0.3 0.4"
DICE_X = "0 1 0 1; 0 0 0 0; 1 0 1 0; 1 1 0 1"
DICE_Y = "0.02 0.73 0.13 0.85; 0.11 0.03 0.05 0.09; 0.98 0.15 0.89 0.10; 0.93 0.82 0.07 0.97"

# name → (argv, lines each snapshot must contain, as hand-computed values at 4 decimals)
PROBLEMS = {
    # Lecture 12 cataract example: −ln 0.6 = 0.5108, −ln 0.7 = 0.3567, −ln 0.4 = 0.9163;
    # mean 1.7838 / 3 = 0.5946
    "ce_cataract": (["ce", "--target", "0 1 2", "--pred", CATARACT_P],
                    ["CE_1 = −[1·ln 0.6 + 0·ln 0.2 + 0·ln 0.2] = 0.5108",
                     "CE_2 = −[0·ln 0.1 + 1·ln 0.7 + 0·ln 0.2] = 0.3567",
                     "CE_3 = −[0·ln 0.3 + 0·ln 0.3 + 1·ln 0.4] = 0.9163",
                     "(0.5108 + 0.3567 + 0.9163) / 3 = 0.5946",
                     "label 2 → (0, 0, 1)"]),
    # Lecture 12 Dice example: |X∩Y| = 6.17, |X| = 7, |Y| = 6.92, 12.34 / 13.92 = 0.8865, loss 0.1135
    "dice_lecture": (["dice", "--target", DICE_X, "--pred", DICE_Y],
                     ["0.73 + 0.85 + 0.98 + 0.89 + 0.93 + 0.82 + 0.97 = 6.17",
                      "|X| = Σ x = 7",
                      "|Y| = Σ y = 6.92",
                      "2 · 6.17 / (7 + 6.92) = 12.34 / 13.92 = 0.8865",
                      "1 − 0.8865 = 0.1135"]),
    # Homework 12-3: (0.5)² = 0.25, (0.2)² = 0.04, (−1.1)² = 1.21, (−0.1)² = 0.01; 1.51 / 4 = 0.3775
    "mse_hw12_3": (["mse", "--target", "3 -1 2 -5", "--pred", "2.5 -1.2 3.1 -4.9"],
                   ["(3 − 2.5)² = 0.25",
                    "(-1 − (-1.2))² = 0.04",
                    "(2 − 3.1)² = 1.21",
                    "(-5 − (-4.9))² = 0.01",
                    "0.25 + 0.04 + 1.21 + 0.01 = 1.51",
                    "1.51 / 4 = 0.3775"]),
}
ANSWERS = {  # how the final answer reads in each format
    "ce_cataract": {"plain": ["Answer  loss = 0.5946", "per_sample = [0.5108, 0.3567, 0.9163]"],
                    "markdown": ["| loss | 0.5946 |", "| per_sample | [0.5108, 0.3567, 0.9163] |"]},
    "dice_lecture": {"plain": ["Answer  coefficient = 0.8865", "loss = 0.1135"],
                     "markdown": ["| coefficient | 0.8865 |", "| loss | 0.1135 |"]},
    "mse_hw12_3": {"plain": ["Answer  loss = 0.3775", "sum = 1.51"],
                   "markdown": ["| loss | 0.3775 |", "| sum | 1.51 |"]},
}
SUFFIX = {"plain": "txt", "markdown": "md"}


@pytest.mark.parametrize("fmt", ["plain", "markdown"])
@pytest.mark.parametrize("name", PROBLEMS)
def test_golden(dlcalc, name, fmt):
    argv, lines = PROBLEMS[name]
    r = dlcalc(*argv, "--format", fmt)
    assert r.code == 0, r.err
    path = GOLDEN / f"{name}.{SUFFIX[fmt]}"
    if UPDATE:
        path.write_text(r.out, encoding="utf-8")
    assert path.exists(), f"missing snapshot {path}: run with DLCALC_UPDATE_GOLDEN=1"
    golden = path.read_text(encoding="utf-8")
    assert r.out == golden, f"{path.name} differs: if the change is deliberate, regenerate (see the top of this file)"
    # the snapshot's numbers are the hand-computed ones
    for line in lines + ANSWERS[name][fmt]:
        assert line in golden, (path.name, line)
