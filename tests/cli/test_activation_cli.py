"""`dlcalc activation NAME VALUES` end to end: negative values without `--`, softmax, bad input.

Hand values: σ(0) = 0.5, σ'(0) = 0.25; ReLU(−1, 0, 2) = 0, 0, 2 with derivatives 0, 0, 1;
leaky (α = 0.2) at −2: −0.4, derivative 0.2; softmax(1000, 1000) = ½, ½ with diagonal ¼.
"""
from __future__ import annotations

import json
import math

import pytest

from tests.conftest import assert_bad_input


def answer(r) -> dict:
    assert r.code == 0, r.err
    return json.loads(r.out)["answer"]


def test_negative_values_need_no_double_dash(dlcalc) -> None:
    a = answer(dlcalc("activation", "relu", "-1", "0", "2", "--format", "json"))
    assert a == {"values": [0, 0, 2], "derivatives": [0, 0, 1]}
    assert answer(dlcalc("activation", "relu", "-1 0 2", "-f", "json")) == a   # one quoted argument
    assert answer(dlcalc("activation", "relu", "[-1, 0, 2]", "-f", "json")) == a
    assert answer(dlcalc("activation", "-f", "json", "relu", "--", "-1", "0", "2"))["values"] == [0, 0, 2]


def test_sigmoid_scalar(dlcalc) -> None:
    a = answer(dlcalc("activation", "sigmoid", "0", "-f", "json"))
    assert a == {"values": 0.5, "derivatives": 0.25}


def test_leaky_alpha(dlcalc) -> None:
    a = answer(dlcalc("activation", "leaky_relu", "-2", "3", "--alpha", "0.2", "-f", "json"))
    assert a["values"] == pytest.approx([-0.4, 3]) and a["derivatives"] == pytest.approx([0.2, 1])


def test_softmax_large_values_are_stable_and_shown(dlcalc) -> None:
    a = answer(dlcalc("activation", "softmax", "1000", "1000", "-f", "json"))
    assert a["values"] == [0.5, 0.5] and a["derivatives"] == [0.25, 0.25]
    assert a["jacobian"] == [[0.25, -0.25], [-0.25, 0.25]]
    r = dlcalc("activation", "softmax", "1000", "999", "-f", "plain")
    assert "m = max z = 1000;  z − m = (0, -1)" in r.out
    e = math.exp(-1)
    # 1 + e⁻¹ = 1.367879…; 1/1.3679 = 0.73105 would print 0.7310, not s_1 = 0.7311: the divisor shows a digit more,
    # 1/1.36788 = 0.731058 → 0.7311 (the line recomputes from what it prints)
    assert f"s_1 = 1 / {1 + e:.5f} = {1 / (1 + e):.4f}" in r.out
    assert round(1 / round(1 + e, 4), 4) != round(1 / (1 + e), 4) == round(1 / round(1 + e, 5), 4)


def test_plain_worked_lines(dlcalc) -> None:
    r = dlcalc("activation", "sigmoid", "-2", "-f", "plain")
    # σ(−2) = 1/(1 + e²) = 1/(1 + 7.3891) = 0.1192; σ' = 0.1192·(1 − 0.1192) = 0.105
    assert "σ(-2) = 1 / (1 + e^(2)) = 1 / (1 + 7.3891) = 0.1192" in r.out
    assert "σ'(-2) = 0.1192·(1 − 0.1192) = 0.105" in r.out


@pytest.mark.parametrize("fmt", ["rich", "markdown", "latex"])
def test_text_formats(dlcalc, fmt) -> None:
    r = dlcalc("activation", "softmax", "2", "1", "0.1", "--format", fmt)
    assert r.code == 0, r.err
    assert "Jacobian" in r.out


@pytest.mark.parametrize("argv, fragments", [
    (["sigmod", "1"], ["NAME", "did you mean 'sigmoid'"]),
    (["sofmax", "1", "2"], ["NAME", "did you mean 'softmax'"]),
    (["relu", "1", "x"], ["VALUES", "'x' is not a number"]),
    (["relu", "1", "--alpah", "2"], ["--alpah", "did you mean '--alpha'"]),
    (["leaky_relu", "1", "--alpha", "abc"], ["--alpha", "not a number"]),
    (["softmax", "[[[1, 2]]]"], ["VALUES", "vector or one row per sample"]),
    (["relu", "@/nonexistent/file.csv"], ["VALUES", "no such file"]),
    (["relu", "nan"], ["VALUES", "not a finite number"]),
    (["relu"], ["Missing argument 'values'"]),
    (["relu", "--", "-1", "--format", "plain"], ["--format", "options go before '--'"]),
    (["relu", "--", "-1", "-q"], ["-q", "options go before '--'"]),
])
def test_bad_input(dlcalc, argv, fragments) -> None:
    assert_bad_input(dlcalc("activation", *argv), *fragments)


def test_bundled_examples(dlcalc) -> None:
    ids = ["dl-sigmoid", "dl-tanh", "dl-relu", "dl-softmax", "dl-softmax-large"]
    r = dlcalc("solve", *[a for pid in ids for a in ("--example", pid)], "--format", "json")
    assert r.code == 0, r.err
    answers = {d["id"]: d["answer"] for d in map(json.loads, r.out.splitlines())}
    s = lambda z: 1 / (1 + math.exp(-z))  # noqa: E731
    assert answers["dl-sigmoid"]["derivatives"] == pytest.approx([s(z) * (1 - s(z)) for z in (-2, 0, 0.5, 2)])
    assert answers["dl-tanh"]["derivatives"] == pytest.approx([1 - math.tanh(z) ** 2 for z in (-1, 0, 0.5)])
    assert answers["dl-relu"]["values"] == pytest.approx([-0.3, 0, 2])  # leaky, α = 0.1
    e = [math.exp(2), math.exp(1), math.exp(0.1)]
    assert answers["dl-softmax"]["values"] == pytest.approx([v / sum(e) for v in e])
    e = [math.exp(-2), math.exp(-1), 1]
    assert answers["dl-softmax-large"]["values"] == pytest.approx([v / sum(e) for v in e])
