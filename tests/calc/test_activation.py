"""calc.activations (the `activation` kind): activation values and derivatives, softmax with its Jacobian.

Values are checked against formulas written here (math/scipy), derivatives against central
finite differences of those formulas.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import softmax as scipy_softmax

from dlcalc.calc.activations import SLIPS, activation_name, solve_activation
from dlcalc.calc.errors import BadInput

FORMULAS = {
    "sigmoid": lambda z: 1 / (1 + math.exp(-z)),
    "tanh": math.tanh,
    "relu": lambda z: max(0.0, z),
    "leaky_relu": lambda z: z if z > 0 else 0.01 * z,
    "linear": lambda z: z,
    "step": lambda z: 1.0 if z >= 0 else 0.0,
    "sign": lambda z: 1.0 if z >= 0 else -1.0,
}
H = 1e-6


def central_difference(f, z: float) -> float:
    return (f(z + H) - f(z - H)) / (2 * H)


POINTS = st.floats(-8, 8, allow_nan=False).filter(lambda z: abs(z) > 1e-3)  # away from the kinks at 0


@settings(max_examples=30, deadline=None)
@given(st.lists(POINTS, min_size=1, max_size=6), st.sampled_from(sorted(FORMULAS)))
def test_values_and_derivatives_match_formulas_and_finite_differences(zs, name) -> None:
    sol = solve_activation(name, np.array(zs))
    f = FORMULAS[name]
    np.testing.assert_allclose(sol.answer["values"], [f(z) for z in zs], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(sol.answer["derivatives"], [central_difference(f, z) for z in zs], rtol=1e-5, atol=1e-8)


def test_hand_values() -> None:
    # σ(0) = 1/2, σ'(0) = ½·½ = ¼;  tanh'(0) = 1 − 0² = 1;  σ(−2) = 1/(1 + e²) = 0.119202922…
    s = solve_activation("sigmoid", np.array([0.0, -2.0]))
    assert s.answer["values"][0] == 0.5 and s.answer["derivatives"][0] == 0.25
    assert s.answer["values"][1] == pytest.approx(0.11920292202211755, rel=1e-12)
    assert solve_activation("tanh", np.array(0.0)).answer["derivatives"] == 1.0


def test_scalar_input_gives_scalar_answers() -> None:
    sol = solve_activation("linear", np.array(3.0))
    assert sol.answer["values"] == 3.0 and sol.answer["derivatives"] == 1.0
    assert isinstance(sol.answer["values"], float)


def test_sigmoid_large_inputs_do_not_overflow() -> None:
    with np.errstate(over="raise", invalid="raise"):
        sol = solve_activation("sigmoid", np.array([-1000.0, 1000.0]))
    assert list(sol.answer["values"]) == [0.0, 1.0]
    assert list(sol.answer["derivatives"]) == [0.0, 0.0]


def test_kinks_follow_the_stated_conventions() -> None:
    relu = solve_activation("relu", np.array([-1.0, 0.0, 2.0]))
    assert list(relu.answer["derivatives"]) == [0, 0, 1]          # ReLU'(0) taken as 0
    leaky = solve_activation("leaky_relu", np.array([-2.0, 0.0, 3.0]), alpha=0.2)
    assert list(leaky.answer["values"]) == pytest.approx([-0.4, 0.0, 3.0])  # 0.2·(−2) = −0.4
    assert list(leaky.answer["derivatives"]) == pytest.approx([0.2, 0.2, 1.0])
    step = solve_activation("step", np.array([0.0]))
    assert list(step.answer["values"]) == [1] and list(step.answer["derivatives"]) == [0]
    assert any("not differentiable" in w for w in step.warnings)
    assert list(solve_activation("sign", np.array([0.0, -3.0])).answer["values"]) == [1, -1]


def test_alpha_is_ignored_with_a_warning_for_other_functions() -> None:
    sol = solve_activation("relu", np.array([1.0]), alpha=0.3)
    assert any("alpha only applies" in w for w in sol.warnings)


def softmax_reference(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max())
    return e / e.sum()


def test_softmax_values_jacobian_and_diagonal() -> None:
    z = np.array([2.0, 1.0, 0.1])
    sol = solve_activation("softmax", z)
    np.testing.assert_allclose(sol.answer["values"], scipy_softmax(z), rtol=1e-13)
    # Jacobian by central differences of the reference softmax: column j = ∂s/∂z_j
    numeric = np.column_stack([(softmax_reference(z + H * e) - softmax_reference(z - H * e)) / (2 * H)
                               for e in np.eye(3)])
    np.testing.assert_allclose(sol.answer["jacobian"], numeric, atol=1e-9)
    np.testing.assert_allclose(sol.answer["derivatives"], np.diag(numeric), atol=1e-9)
    np.testing.assert_allclose(np.sum(sol.answer["jacobian"], axis=0), 0, atol=1e-15)  # Σ_i s_i = 1 for all z


def test_softmax_is_stable_for_large_inputs() -> None:
    with np.errstate(over="raise", invalid="raise"):
        sol = solve_activation("softmax", np.array([1000.0, 1001.0, 1002.0]))
    # shifting by the max gives softmax(−2, −1, 0) = e^(−2), e^(−1), 1 over their sum
    e = np.array([math.exp(-2), math.exp(-1), 1.0])
    np.testing.assert_allclose(sol.answer["values"], e / e.sum(), rtol=1e-13)
    assert np.all(np.isfinite(sol.answer["jacobian"]))
    assert any("max" in line.render(str) for line in sol.steps[1].lines)  # the shift is shown


def test_softmax_of_extreme_inputs_is_exact_and_quiet(recwarn) -> None:
    # z − max = (0, −2e308) overflows to (0, −inf): e^0 / (e^0 + e^−inf) = 1 and 0, as the limit says
    sol = solve_activation("softmax", np.array([1e308, -1e308]))
    np.testing.assert_array_equal(sol.answer["values"], [1.0, 0.0])
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


def test_softmax_rows() -> None:
    z = np.array([[1.0, 2.0], [3.0, 3.0]])
    sol = solve_activation("softmax", z)
    np.testing.assert_allclose(sol.answer["values"], scipy_softmax(z, axis=1), rtol=1e-13)
    assert np.asarray(sol.answer["jacobian"]).shape == (2, 2, 2)
    np.testing.assert_allclose(sol.answer["derivatives"][1], [0.25, 0.25])  # ½·(1 − ½)


@pytest.mark.parametrize("name, expected", [("logistic", "sigmoid"), ("Leaky", "leaky_relu"), ("SOFTMAX", "softmax"),
                                            ("identity", "linear")])
def test_aliases(name: str, expected: str) -> None:
    assert activation_name(name) == expected


@pytest.mark.parametrize("name, suggestion", [("sigmod", "sigmoid"), ("sofmax", "softmax"), ("tanhh", "tanh"),
                                              ("leaky_rel", "leaky_relu")])
def test_unknown_names_suggest_the_closest(name: str, suggestion: str) -> None:
    with pytest.raises(BadInput, match=f"did you mean '{suggestion}'"):
        activation_name(name)


def test_softmax_of_a_tensor_is_bad_input() -> None:
    with pytest.raises(BadInput, match="vector or one row per sample"):
        solve_activation("softmax", np.zeros((2, 2, 2)))


def _slip(name: str):
    return next(s for s in SLIPS if s.name.startswith(name))


def test_slip_derivative_through_output_formula_on_z() -> None:
    p = _slip("derivative through the output").params({"name": "sigmoid", "values": np.array([0.5, 2.0]), "alpha": None})
    # z(1 − z): 0.5·0.5 = 0.25, 2·(−1) = −2
    assert list(solve_activation(**p).answer["derivatives"]) == [0.25, -2.0]
    p = _slip("derivative through the output").params({"name": "tanh", "values": np.array([2.0]), "alpha": None})
    assert list(solve_activation(**p).answer["derivatives"]) == [-3.0]  # 1 − 2²
    assert _slip("derivative through the output").params({"name": "relu", "values": np.ones(1), "alpha": None}) is None


def test_slip_relu_gradient_at_zero() -> None:
    p = _slip("ReLU'(0)").params({"name": "relu", "values": np.array([0.0, -1.0]), "alpha": None})
    assert list(solve_activation(**p).answer["derivatives"]) == [1.0, 0.0]
    assert _slip("ReLU'(0)").params({"name": "relu", "values": np.array([1.0]), "alpha": None}) is None
