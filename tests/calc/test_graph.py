"""Computational graphs: CS231n's two circuits by hand, random expressions against central differences of
the expression evaluated here with Python's math (never dlcalc), shared sub-expressions, slips."""
from __future__ import annotations

import math

import pytest

from dlcalc.calc.errors import BadInput
from dlcalc.calc.graph import SLIPS, graph


def test_cs231n_add_and_multiply():
    # q = x + y = 3, f = q·z = −12; ∂f/∂z = q = 3, ∂f/∂q = z = −4 and add distributes it to x and y
    sol = graph("(x + y) * z", {"x": -2, "y": 5, "z": -4})
    assert sol.answer["value"] == -12
    assert sol.answer["gradient"] == {"x": -4, "y": -4, "z": 3}
    assert [(n["name"], n["op"]) for n in sol.answer["nodes"]] == [("x", "input"), ("y", "input"), ("n1", "+"),
                                                                    ("z", "input"), ("f", "*")]


def test_cs231n_sigmoid_neuron():
    # f = σ(w0·x0 + w1·x1 + w2) at w = (2, −3, −3), x = (−1, −2): the dot product is 1, σ(1) = 0.731,
    # σ(1 − σ) = 0.197: ∂f/∂w0 = 0.197·x0 = −0.197, ∂f/∂x0 = 0.197·w0 = 0.393, ∂f/∂w2 = 0.197 (CS231n's −0.20, 0.39, 0.20)
    sol = graph("sigmoid(w0*x0 + w1*x1 + w2)", {"w0": 2, "x0": -1, "w1": -3, "x1": -2, "w2": -3})
    s = 1 / (1 + math.exp(-1))
    g = sol.answer["gradient"]
    assert sol.answer["value"] == pytest.approx(s)
    assert g["w0"] == pytest.approx(s * (1 - s) * -1) and g["x0"] == pytest.approx(s * (1 - s) * 2)
    assert g["w1"] == pytest.approx(s * (1 - s) * -2) and g["x1"] == pytest.approx(s * (1 - s) * -3)
    assert g["w2"] == pytest.approx(s * (1 - s))


@pytest.mark.parametrize("expr, f", [
    ("x*x + x", lambda x, y: x * x + x),
    ("(x + y) * (x - y)", lambda x, y: (x + y) * (x - y)),
    ("exp(x) / (1 + y^2)", lambda x, y: math.exp(x) / (1 + y ** 2)),
    ("max(x, y) * tanh(x)", lambda x, y: max(x, y) * math.tanh(x)),
    ("log(x^2 + 1) - sqrt(y^2 + 4) * sin(x)", lambda x, y: math.log(x * x + 1) - math.sqrt(y * y + 4) * math.sin(x)),
    ("-(x * y) + abs(y) + cos(x*y)", lambda x, y: -(x * y) + abs(y) + math.cos(x * y)),
])
@pytest.mark.parametrize("x, y", [(0.7, -1.3), (-0.4, 2.1)])
def test_gradients_match_central_differences(expr, f, x, y):
    sol = graph(expr, {"x": x, "y": y})
    h = 1e-6
    assert sol.answer["value"] == pytest.approx(f(x, y))
    assert sol.answer["gradient"]["x"] == pytest.approx((f(x + h, y) - f(x - h, y)) / (2 * h), rel=1e-5, abs=1e-7)
    if "y" in sol.answer["gradient"]:
        assert sol.answer["gradient"]["y"] == pytest.approx((f(x, y + h) - f(x, y - h)) / (2 * h), rel=1e-5, abs=1e-7)


def test_a_shared_sub_expression_is_one_node_and_its_paths_are_summed():
    sol = graph("(x + y) * (x + y)", {"x": 1, "y": 2})        # q = x + y once; f = q·q: ∂f/∂q = 2q = 6
    assert [n["op"] for n in sol.answer["nodes"]].count("+") == 1
    assert sol.answer["gradient"] == {"x": 6, "y": 6}
    assert any("summed over 2 paths" in line.template for step in sol.steps for line in step.lines)


def test_the_slips():
    from dlcalc.calc.graph import Wrong

    # f = x·x + x at 3 is 2x + 1 = 7 over three paths into x (two through x·x, one direct); keeping only the
    # last path counted gives one of them alone
    assert graph("x*x + x", {"x": 3.0}).answer["gradient"]["x"] == 7
    assert graph("x*x + x", {"x": 3.0}, wrong=Wrong(no_sum=True)).answer["gradient"]["x"] in (1, 3)
    # (x + y)·z: without the upstream −4, x gets the add gate's local 1
    assert graph("(x + y) * z", {"x": -2, "y": 5, "z": -4}, wrong=Wrong(no_upstream=True)).answer["gradient"]["x"] == 1
    assert [s.name for s in SLIPS] == ["forgot to sum the gradients over the paths",
                                       "local gradients without the upstream factor"]


def test_every_variable_needs_a_value():
    with pytest.raises(BadInput, match="no value for z"):
        graph("(x + y) * z", {"x": 1, "y": 2})
