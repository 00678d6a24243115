"""calc.neuron: net = w·x + b, out = g(net); logic-gate truth tables; the two-layer XOR network.

Expected values are written out by hand or computed with math.exp in the test (an independent σ).
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from dlcalc.calc.errors import BadInput
from dlcalc.calc.neuron import SLIPS, neuron
from dlcalc.cli.render import text


def g(z: float) -> float:
    """The lecture's logistic function, written independently of calc.activations."""
    return 1.0 / (1.0 + math.exp(-z))


INPUTS = [(0, 0), (0, 1), (1, 0), (1, 1)]  # x₁ most significant, as on the slides


def assert_table(actual: list, expected: list) -> None:
    assert len(actual) == len(expected)
    for a, e in zip(actual, expected):
        np.testing.assert_allclose(a, e, rtol=1e-12, atol=1e-15)


def test_and_gate_truth_table() -> None:
    # Lecture 8 'AND Example': g(−30), g(−10), g(−10), g(10) ≈ 0, 0, 0, 1
    sol = neuron(weights=[20, 20], bias=-30, truth_table=True)
    assert_table(sol.answer["table"], [
        [0, 0, -30, g(-30), 0],
        [0, 1, -10, g(-10), 0],
        [1, 0, -10, g(-10), 0],
        [1, 1, 10, g(10), 1],
    ])
    assert list(sol.answer["logical"]) == [0, 0, 0, 1]
    assert list(sol.answer["net"]) == [-30, -10, -10, 10]
    assert sol.answer["output"][1] == pytest.approx(4.5397868702e-05, rel=1e-9)  # σ(−10) = 1/(1 + e¹⁰)


def test_or_gate_truth_table() -> None:
    # 'OR Example': g(−10), g(10), g(10), g(30) ≈ 0, 1, 1, 1
    sol = neuron(weights=[20, 20], bias=-10, truth_table=True)
    assert_table(sol.answer["table"], [
        [0, 0, -10, g(-10), 0],
        [0, 1, 10, g(10), 1],
        [1, 0, 10, g(10), 1],
        [1, 1, 30, g(30), 1],
    ])
    assert list(sol.answer["logical"]) == [0, 1, 1, 1]


def test_nand_gate_truth_table() -> None:
    # the XOR slide's a₂ = g(30 − 20x₁ − 20x₂): 30, 10, 10, −10 → 1, 1, 1, 0
    sol = neuron(weights=[-20, -20], bias=30, truth_table=True)
    assert_table(sol.answer["table"], [
        [0, 0, 30, g(30), 1],
        [0, 1, 10, g(10), 1],
        [1, 0, 10, g(10), 1],
        [1, 1, -10, g(-10), 0],
    ])


def xor_reference() -> list[list[float]]:
    """x₁, x₂, a₁, a₂, net, out, y of h = g(−30 + 20a₁ + 20a₂), a₁ = g(−10 + 20x₁ + 20x₂), a₂ = g(30 − 20x₁ − 20x₂)."""
    rows = []
    for x1, x2 in INPUTS:
        a1, a2 = g(-10 + 20 * x1 + 20 * x2), g(30 - 20 * x1 - 20 * x2)
        net = -30 + 20 * a1 + 20 * a2
        rows.append([x1, x2, a1, a2, net, g(net), 1.0 if net >= 0 else 0.0])
    return rows


def test_xor_two_layer_network_flat_options() -> None:
    sol = neuron(weights=[[20, 20], [-20, -20]], bias=[-10, 30], out_weights=[20, 20], out_bias=-30, truth_table=True)
    assert_table(sol.answer["table"], xor_reference())
    assert list(sol.answer["logical"]) == [0, 1, 1, 0]
    # the slide's table: a₁ ≈ 0 1 1 1, a₂ ≈ 1 1 1 0, h ≈ 0 1 1 0
    hidden = np.asarray(sol.answer["hidden"][0])
    assert np.round(hidden).tolist() == [[0, 1], [1, 1], [1, 1], [1, 0]]
    # net of the first row by hand: −30 + 20·σ(−10) + 20·σ(30) = −30 + 20·4.54e−5 + 20·(1 − 9.4e−14) ≈ −9.99909
    assert sol.answer["net"][0] == pytest.approx(-9.999092, abs=1e-6)
    # the hidden layer names each input row once, its two units below it
    hidden_lines = [line.render(lambda v: f"{v:g}") for line in sol.steps[1].lines]
    assert hidden_lines[:3] == ["x = (0, 0):", "    a_1 = σ(20·0 + 20·0 + (-10)) = σ(-10) = 4.53979e-05",
                                "    a_2 = σ(-20·0 + (-20)·0 + 30) = σ(30) = 1"]


def test_xor_layers_form_equals_flat_form() -> None:
    layers = [{"weights": np.array([[20.0, 20.0], [-20.0, -20.0]]), "bias": np.array([-10.0, 30.0])},
              {"weights": np.array([20.0, 20.0]), "bias": np.array(-30.0)}]
    sol = neuron(layers=layers, truth_table=True)
    assert_table(sol.answer["table"], xor_reference())


def test_xnor_network_reproduces_the_course_table() -> None:
    # 'Neural Network' slide: x₁ x₂ a₁ a₂ h = 0 0 0 1 1 / 0 1 0 0 0 / 1 0 0 0 0 / 1 1 1 0 1
    layers = [{"weights": [[20, 20], [-20, -20]], "bias": [-30, 10]}, {"weights": [20, 20], "bias": -10}]
    sol = neuron(layers=layers, truth_table=True)
    rounded = [[round(v) for v in row[2:4]] + [row[-1]] for row in sol.answer["table"]]
    assert rounded == [[0, 1, 1], [0, 0, 0], [0, 0, 0], [1, 0, 1]]


def test_course_exercise_net() -> None:
    # Lecture 8 'Exercise': g(0.7 + (−0.1)·0.3 + 0.4·(−0.4) + 0.6·0.5) = g(0.7 − 0.03 − 0.16 + 0.3) = g(0.81)
    sol = neuron(weights=[-0.1, 0.4, 0.6], bias=0.7, inputs=[0.3, -0.4, 0.5], activation="linear")
    assert sol.answer["net"] == pytest.approx(0.81, abs=1e-12)
    assert sol.answer["output"] == pytest.approx(0.81, abs=1e-12)


def test_worked_lines_show_the_numbers() -> None:
    sol = neuron(weights=[20, 20], bias=-30, inputs=[1, 0])
    out = text(sol, "plain")
    assert "net = 20·1 + 20·0 + (-30) = -10" in out
    assert "out = σ(-10) = 4.54e-05" in out  # σ(−10) = 4.5398e-05, 4 significant digits


def test_step_and_sign_at_zero_are_positive() -> None:
    # net = 1·1 + (−1)·1 + 0 = 0 → step(0) = 1, sign(0) = +1 (the README's neuron convention)
    assert neuron(weights=[1, -1], bias=0, inputs=[1, 1], activation="step").answer["output"] == 1
    assert neuron(weights=[1, -1], bias=0, inputs=[1, 1], activation="sign").answer["output"] == 1
    # net = −0.5 → step 0, sign −1
    assert neuron(weights=[1, -1], bias=-0.5, inputs=[1, 1], activation="step").answer["output"] == 0
    assert neuron(weights=[1, -1], bias=-0.5, inputs=[1, 1], activation="sign").answer["output"] == -1


def test_other_activations() -> None:
    # net = 2·1.5 + (−1)·4 + 0.5 = −0.5
    cases = {"tanh": math.tanh(-0.5), "relu": 0.0, "linear": -0.5, "sigmoid": g(-0.5)}
    for name, expected in cases.items():
        sol = neuron(weights=[2, -1], bias=0.5, inputs=[1.5, 4], activation=name)
        assert sol.answer["net"] == pytest.approx(-0.5)
        assert sol.answer["output"] == pytest.approx(expected, abs=1e-15)


def test_several_rows_give_lists_and_one_input_neuron_takes_a_flat_list() -> None:
    # NOT gate g(10 − 20x): x = 0 → net 10, x = 1 → net −10
    sol = neuron(weights=[-20], bias=10, inputs=[0, 1])
    assert list(sol.answer["net"]) == [10, -10]
    assert sol.answer["output"] == pytest.approx([g(10), g(-10)])


def test_layer_of_neurons_without_output_layer() -> None:
    # two units on x = (1, 2): 1·1 + 1·2 + 0 = 3 and 1·1 + (−1)·2 + 1 = 0
    sol = neuron(weights=[[1, 1], [1, -1]], bias=[0, 1], inputs=[1, 2], activation="relu")
    assert list(sol.answer["net"]) == [3, 0]
    assert list(sol.answer["output"]) == [3, 0]


def test_truth_table_warns_when_inputs_are_also_given() -> None:
    sol = neuron(weights=[20, 20], bias=-30, inputs=[1, 1], truth_table=True)
    assert len(sol.answer["table"]) == 4
    assert any("inputs ignored" in w for w in sol.warnings)


def test_three_input_truth_table_has_eight_rows_in_binary_order() -> None:
    sol = neuron(weights=[1, 1, 1], bias=-2.5, truth_table=True, activation="step")  # majority of three
    rows = sol.answer["table"]
    assert [r[:3] for r in rows] == [[a, b, c] for a in (0, 1) for b in (0, 1) for c in (0, 1)]
    assert list(sol.answer["logical"]) == [0, 0, 0, 0, 0, 0, 0, 1]


@pytest.mark.parametrize("kwargs, where, fragment", [
    (dict(weights=[20, 20], bias=-30, inputs=[1, 0, 1]), "inputs", "3 values but the weights expect 2"),
    (dict(weights=[20, 20], bias=[1, 2], inputs=[1, 0]), "bias", "expected one number"),
    (dict(weights=[[1, 1], [1, 1]], bias=[1, 2, 3], inputs=[1, 0]), "bias", "2 numbers (one per unit)"),
    (dict(weights=[20, 20], bias=-30), "inputs", "give the inputs"),
    (dict(weights=[20, 20], out_bias=1, inputs=[1, 0]), "out_bias", "needs the output layer's weights"),
    (dict(weights=[[1, 1], [1, 1]], out_weights=[1, 2, 3], inputs=[1, 0]), "out_weights", "layer before has 2"),
    (dict(layers=[{"weights": [[1, 1]]}, {"weights": [1, 1]}], inputs=[1, 0]), "layers[1].weights", "layer before"),
    (dict(weights=[20, 20], inputs=[1, 0], activation="softplus"), "activation", "unknown activation"),
    (dict(weights=np.ones(11), truth_table=True), "weights", "more than 10"),
    (dict(bias=1, inputs=[1]), "weights", "required"),
    # 1e308·1e308 = inf: no finite net input
    (dict(weights=[1e308, 1e308], inputs=[1e308, 1e308]), "weights", "overflows"),
    (dict(layers=[{"weights": [1, 1]}, {"weights": [1e308], "bias": 1e308}], inputs=[1, 1]), "layers[1].weights",
     "overflows"),
])
def test_bad_input(kwargs: dict, where: str, fragment: str) -> None:
    with pytest.raises(BadInput) as info:
        neuron(**kwargs)
    assert info.value.where == where
    assert fragment in info.value.message


def test_unknown_activation_suggests_the_closest() -> None:
    with pytest.raises(BadInput, match="did you mean 'sigmoid'"):
        neuron(weights=[1], inputs=[1], activation="sigmod")


def _params(**kw) -> dict:
    base = dict(weights=None, bias=None, inputs=None, activation="sigmoid", truth_table=False, out_weights=None,
                out_bias=None, out_activation=None, layers=None)
    return {**base, **kw}


def _slip(name: str):
    return next(s for s in SLIPS if s.name.startswith(name))


def test_slip_forgot_the_bias() -> None:
    p = _params(weights=np.array([20.0, 20.0]), bias=np.array(-30.0), inputs=np.array([1.0, 1.0]))
    slipped = neuron(**_slip("forgot the bias").params(p))
    assert slipped.answer["net"] == 40  # 20·1 + 20·1, no −30
    assert _slip("forgot the bias").params(_params(weights=np.ones(2), inputs=np.ones(2))) is None  # no bias to forget


def test_slip_bias_subtracted() -> None:
    p = _params(weights=np.array([20.0, 20.0]), bias=np.array(-30.0), inputs=np.array([1.0, 0.0]))
    assert neuron(**_slip("bias subtracted").params(p)).answer["net"] == 50  # 20 − (−30)


def test_slip_step_instead_of_sigmoid() -> None:
    p = _params(weights=np.array([20.0, 20.0]), bias=np.array(-30.0), inputs=np.array([1.0, 1.0]))
    assert neuron(**_slip("step instead of sigmoid").params(p)).answer["output"] == 1.0  # step(10)
    assert _slip("sigmoid instead of step").params(p) is None


def test_logical_output_for_classifying_activations_only() -> None:
    # net = 20·1 + 20·1 − 30 = 10 ≥ 0 → y = 1 for σ; a ReLU output is a number, not a class
    assert neuron(weights=[20, 20], bias=-30, inputs=[1, 1]).answer["logical"] == 1
    assert neuron(weights=[20, 20], bias=-30, inputs=[0, 1], activation="sign").answer["logical"] == 0
    assert "logical" not in neuron(weights=[20, 20], bias=-30, inputs=[1, 1], activation="relu").answer
    assert list(neuron(weights=[1], bias=-0.5, truth_table=True, activation="relu").answer["logical"]) == [0, 1]
