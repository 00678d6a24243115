"""How numbers look to people: integers as integers, digits of a number standing alone grouped by
narrow no-break spaces (U+202F), never inside a matrix or a list; JSON keeps numbers."""
from __future__ import annotations

import json

import numpy as np
import pytest

from dlcalc.calc.solution import Grid, Solution, Step, Table, t
from dlcalc.cli.render import text
from dlcalc.cli.render.numbers import number
from tests.conftest import run_cli

G = "\u202f"


@pytest.mark.parametrize("value, shown", [
    (120847089664, f"120{G}847{G}089{G}664"), (120847089664.0, f"120{G}847{G}089{G}664"),
    (np.int64(802816), f"802{G}816"), (12345, f"12{G}345"), (-123456, f"-123{G}456"),
    (1234, "1234"), (2024.0, "2024"),                   # four digits read well as they are
    (12345.678912, f"12{G}345.6789"), (0.00025, "0.00025"), (0.5946, "0.5946"),
    ([12345, 6], "[12345, 6]"), (np.array([123456.0, 1.0]), "[123456, 1]"), ({"w": 12345}, "{w: 12345}"),
])
def test_a_number_standing_alone_is_grouped_the_entries_of_a_list_are_not(value, shown):
    assert number(value) == shown


def _solution() -> Solution:
    step = Step("Count", formula="n = 2·{}".replace("{}", "61423"), result=t("{}", 122846),
                grids=[Grid("M", [[123456, 1], [2, 3]])], table=Table(["layer", "params"], [["fc", 9633856]]))
    return Solution("demo", [step], {"params": 122846, "shape": [123456, 7]})


def test_steps_answers_and_tables_are_grouped_grids_are_not():
    plain = text(_solution(), "plain")
    assert f"= 122{G}846" in plain and f"params = 122{G}846" in plain   # worked line and answer
    assert f"9{G}633{G}856" in plain                                     # a table cell
    assert "⎡123456  1⎤" in plain and f"123{G}456" not in plain.split("Answer")[0].split("M = ")[-1]
    assert "shape = [123456, 7]" in plain                                # a list answer: copied as a matrix
    md = text(_solution(), "markdown")
    assert f"| params | 122{G}846 |" in md and "| 123456 | 1 |" in md
    latex = text(_solution(), "latex")
    assert r"122\,846" in latex and r"9\,633\,856" in latex and "123456 & 1" in latex and G not in latex


def test_json_answers_stay_numbers():
    out = json.loads(text(_solution(), "json"))
    assert out["answer"] == {"params": 122846, "shape": [123456, 7]}
    assert out["steps"][0]["grids"][0]["values"] == [[123456, 1], [2, 3]]


def test_a_parameter_count_reads_in_groups_and_grades_as_printed(tmp_path):
    # a fully connected layer on a 3×224×224 image with one neuron per output of a 7×7, 64-filter conv
    # (stride 2, padding 3: 112×112): (3·224·224 + 1) weights and bias per neuron, 64·112·112 neurons
    expected = (3 * 224 * 224 + 1) * (64 * 112 * 112)
    argv = ["convsize", "--input-shape", "3x224x224", "-k", "7", "-F", "64", "--stride", "2", "--padding", "3"]
    printed = f"{expected:,}".replace(",", G)
    plain = run_cli(*argv, "-f", "plain").out
    assert f"fc_params_same_output = {printed}" in plain
    assert run_cli(*argv, "-f", "json").json()["answer"]["fc_params_same_output"] == expected
    assert rf"{expected:,}".replace(",", r"\,") in run_cli(*argv, "-f", "latex").out
    # the student who copies the printed value is right (dlcalc check grades as dlcalc grade does): the
    # graded fc_params, one neuron per filter, is (3·224·224 + 1)·64
    fc = (3 * 224 * 224 + 1) * 64
    assert f"fc_params = {fc:,}".replace(",", G) in plain
    key = tmp_path / "key.yaml"
    key.write_text("kind: convsize\ninput_shape: 3x224x224\nkernel: 7\nfilters: 64\nstride: 2\npadding: 3\n"
                   "ask: fc_params\n")
    assert run_cli("check", str(key), "--answer", f"{fc:,}".replace(",", G), "-f", "plain").code == 0
    assert run_cli("check", str(key), "--answer", f"{fc:,}".replace(",", "\u2009"), "-f", "plain").code == 0
    assert run_cli("check", str(key), "--answer", f"{fc + 1:,}".replace(",", G), "-f", "plain").code == 1
