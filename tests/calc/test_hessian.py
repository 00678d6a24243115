"""Hessian analysis: the course's saddle, quadratic forms with eigenvalues chosen in advance, degenerate cases."""
from __future__ import annotations

from fractions import Fraction
from math import exp

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from dlcalc.calc.errors import BadInput
from dlcalc.calc.hessian import hessian
from dlcalc.problems.loader import load_text


def test_course_example_saddle_at_origin():
    # L = (1 − w1·w2)²: ∂L/∂w1 = −2w2(1 − w1w2) = 0 and ∂L/∂w2 = −2w1(1 − w1w2) = 0 at (0, 0);
    # ∂²L/∂w1² = 2w2² = 0, ∂²L/∂w1∂w2 = −2 + 4w1w2 = −2, ∂²L/∂w2² = 2w1² = 0 → H = [[0, −2], [−2, 0]];
    # det(H − λI) = λ² − 4 → λ = −2, 2: a saddle; u for λ = −2 solves [[2, −2], [−2, 2]]u = 0 → u = (1, 1).
    a = hessian("(1 - w1*w2)**2", {"w1": 0, "w2": 0}).answer
    assert a["variables"] == ["w1", "w2"]
    assert a["gradient"] == [0, 0]
    assert a["hessian"] == [[0, -2], [-2, 0]]
    assert a["eigenvalues"] == [-2, 2]
    assert a["classification"] == "saddle"
    assert a["escape_direction"] == [1, 1]
    assert a["eigenvectors"] == [[1, 1], [1, -1]]
    assert a["minimum_ratio"] == 0.5
    assert a["loss"] == 1
    # w' + 0.1·u = (0.1, 0.1): L = (1 − 0.01)² = 0.9801 < 1
    assert a["escape_step"] == 0.1
    assert a["loss_after_escape"] == pytest.approx(0.9801)
    assert all(type(v) is float for v in a["eigenvalues"] + a["gradient"])  # JSON numbers, not sympy


def test_course_example_steps_read_like_the_slides():
    sol = hessian("(1 - w1*w2)^2", {"w1": 0, "w2": 0})
    text = "\n".join(str(line.render(str)) for s in sol.steps for line in s.lines)
    assert "∂L/∂w1 = -2·w2·(1 - w1·w2)" in text
    assert "det(H − λI) = λ^2 - 4 = 0" in text
    assert "(λ - 2)·(λ + 2) = 0" in text
    assert "u₁ = (1, 1)" in text
    titles = [s.title for s in sol.steps]
    assert titles[0] == "Conventions" and "Escape direction" in titles and "Minimum ratio" in titles


def test_variables_follow_the_order_of_the_point():
    # L = w1² + 3·w2²: H = diag(2, 6); listed as (w2, w1) it is diag(6, 2)
    a = hessian("w1^2 + 3*w2^2", {"w2": 0, "w1": 0}).answer
    assert a["variables"] == ["w2", "w1"]
    assert a["hessian"] == [[6, 0], [0, 2]]
    assert a["eigenvalues"] == [2, 6]
    assert a["eigenvectors"] == [[0, 1], [1, 0]]


def test_exact_irrational_eigenvalues():
    # L = w1² + 2·w1·w2: H = [[2, 2], [2, 0]]; λ² − 2λ − 4 = 0 → λ = 1 ± √5
    a = hessian("w1^2 + 2*w1*w2", {"w1": 0, "w2": 0}).answer
    assert a["eigenvalues"] == pytest.approx([1 - 5 ** 0.5, 1 + 5 ** 0.5])
    assert a["eigenvalues_exact"] == ["1 - sqrt(5)", "1 + sqrt(5)"]
    assert a["classification"] == "saddle"


def test_not_a_critical_point():
    # L = (1 − w1w2)² at (0.5, −1): ∂L/∂w1 = −2(−1)(1 + 0.5) = 3, ∂L/∂w2 = −2(0.5)(1.5) = −1.5
    # H = [[2·1, −2 + 4(−0.5)], [·, 2·0.25]] = [[2, −4], [−4, 0.5]]
    a = hessian("(1 - w1*w2)^2", {"w1": 0.5, "w2": -1}).answer
    assert a["gradient"] == [3, -1.5]
    assert a["hessian"] == [[2, -4], [-4, 0.5]]
    assert a["classification"] == "not_critical"
    assert "escape_direction" not in a


@pytest.mark.parametrize("expr, at, eigenvalues, classification", [
    ("w^4", {"w": 0}, [0], "degenerate"),                                  # L'' = 12w² = 0
    ("w^3", {"w": 0}, [0], "degenerate"),
    ("w1^4 + w2^2", {"w1": 0, "w2": 0}, [0, 2], "degenerate"),             # positive semidefinite
    ("-w1^4 - w2^2", {"w1": 0, "w2": 0}, [-2, 0], "degenerate"),           # negative semidefinite
    ("w1^3 - 3*w1*w2^2", {"w1": 0, "w2": 0}, [0, 0], "degenerate"),        # monkey saddle: H = 0
    ("x^2 - y^2 + z^4", {"x": 0, "y": 0, "z": 0}, [-2, 0, 2], "saddle"),   # both signs decide, 0 or not
    ("(1 - w1*w2)^2", {"w1": 1, "w2": 1}, [0, 4], "degenerate"),           # on the valley w1·w2 = 1: H = [[2, 2], [2, 2]]
    ("w^2", {"w": 0}, [2], "local_min"),
    ("1e-12*w^2", {"w": 0}, [2e-12], "local_min"),                         # small, but exactly > 0: not "0"
    ("1e-12*(w - 1)^2", {"w": 0}, [2e-12], "not_critical"),                # g = −2e-12 exactly ≠ 0
    ("-w^2", {"w": 0}, [-2], "local_max"),
])
def test_small_cases(expr, at, eigenvalues, classification):
    a = hessian(expr, at).answer
    assert a["eigenvalues"] == eigenvalues
    assert a["classification"] == classification


# ── quadratic forms L = ½ (w − c)ᵀ A (w − c), A = Q Λ Qᵀ with Λ chosen ──────

def cayley(s: list[int], n: int) -> sp.Matrix:
    """A rational orthogonal matrix: Q = (I − S)(I + S)⁻¹ for a skew-symmetric integer S."""
    S = sp.zeros(n)
    k = 0
    for i in range(n):
        for j in range(i + 1, n):
            S[i, j], S[j, i] = s[k], -s[k]
            k += 1
    return (sp.eye(n) - S) * (sp.eye(n) + S).inv()


def quadratic(lams: list[int], s: list[int], c: list[int]) -> tuple[str, np.ndarray]:
    n = len(lams)
    Q = cayley(s, n)
    A = Q * sp.diag(*lams) * Q.T
    terms = [f"({Fraction(int(A[i, j].p), int(A[i, j].q))})*(w{i + 1} - ({c[i]}))*(w{j + 1} - ({c[j]}))"
             for i in range(n) for j in range(n) if A[i, j] != 0]
    uses_all = [f"0*w{i + 1}" for i in range(n)]  # a zero eigenvalue can cancel a variable out of A
    return "(" + " + ".join(terms + uses_all) + ")/2", np.array(A.tolist(), dtype=float)


SIGNS = {
    "local_min": st.lists(st.integers(1, 5), min_size=2, max_size=3),
    "local_max": st.lists(st.integers(-5, -1), min_size=2, max_size=3),
    "saddle": st.tuples(st.integers(-5, -1), st.integers(1, 5), st.integers(-5, 5)).map(list),
    "degenerate": st.tuples(st.just(0), st.lists(st.integers(1, 5), min_size=1, max_size=2)).map(
        lambda t: [t[0]] + t[1]),
}


@pytest.mark.parametrize("classification", sorted(SIGNS))
@settings(max_examples=6, deadline=None)
@given(data=st.data())
def test_quadratic_forms_with_known_eigenvalues(classification, data):
    lams = data.draw(SIGNS[classification])
    n = len(lams)
    s = data.draw(st.lists(st.integers(-2, 2), min_size=n * (n - 1) // 2, max_size=n * (n - 1) // 2))
    c = data.draw(st.lists(st.integers(-2, 2), min_size=n, max_size=n))
    text, A = quadratic(lams, s, c)
    a = hessian(text, {f"w{i + 1}": c[i] for i in range(n)}).answer
    np.testing.assert_allclose(a["hessian"], A, atol=1e-12)
    np.testing.assert_allclose(a["eigenvalues"], sorted(lams), atol=1e-12)
    assert a["gradient"] == [0] * n
    assert a["classification"] == classification
    for lam, u in zip(a["eigenvalues"], a["eigenvectors"]):  # each is an eigenvector: A u = λ u
        np.testing.assert_allclose(A @ u, lam * np.array(u), atol=1e-9)
        assert max(abs(x) for x in u) == pytest.approx(1)
    assert a["minimum_ratio"] == pytest.approx(sum(v > 0 for v in lams) / n)
    if classification == "saddle":
        u = np.array(a["escape_direction"])
        np.testing.assert_allclose(A @ u, min(lams) * u, atol=1e-9)
        assert a["loss_after_escape"] < a["loss"]


@settings(max_examples=8, deadline=None)
@given(st.lists(st.integers(-4, 4).filter(bool), min_size=2, max_size=2), st.integers(-2, 2),
       st.lists(st.integers(-2, 2), min_size=2, max_size=2))
def test_quadratic_away_from_its_centre_is_not_critical(lams, s, c):
    # g = A(w − c) ≠ 0 at w = c + (1, 0) since A is invertible (no zero eigenvalue)
    text, A = quadratic(lams, [s], c)
    a = hessian(text, {"w1": c[0] + 1, "w2": c[1]}).answer
    np.testing.assert_allclose(a["gradient"], A @ [1, 0], atol=1e-12)
    assert a["classification"] == "not_critical"
    np.testing.assert_allclose(a["eigenvalues"], sorted(lams), atol=1e-12)


def test_float_point_values_are_read_exactly():
    # L = (w − 0.1)²: at w = 0.1 the gradient is exactly 0 (0.1 is read as 1/10, not the binary float)
    a = hessian("(w - 0.1)^2", {"w": 0.1}).answer
    assert a["gradient"] == [0] and a["classification"] == "local_min"


def test_transcendental_values_numerically():
    # L = sigmoid(w1) + w2²: ∂L/∂w1 = σ(1 − σ) = 1/4 at 0, H = diag(σ(1−σ)(1−2σ), 2) = diag(0, 2)
    a = hessian("sigmoid(w1) + w2^2", {"w1": 0, "w2": 0}).answer
    assert a["gradient"] == [0.25, 0]
    assert a["eigenvalues"] == [0, 2]
    assert a["classification"] == "not_critical"
    # L = exp(w1·w2) at (1, 1): g = (e, e), H = [[e, 2e], [2e, e]] → λ = −e, 3e
    a = hessian("exp(w1*w2)", {"w1": 1, "w2": 1}).answer
    assert a["eigenvalues"] == pytest.approx([-exp(1), 3 * exp(1)])


def test_numeric_characteristic_polynomial_reads_like_maths():
    # exp(w1·w2) at (1, 1): H = [[e, 2e], [2e, e]], det(H − λI) = λ² − 2e·λ + (e² − 4e²) = λ² − 5.43656·λ − 22.16717
    sol = hessian("exp(w1*w2)", {"w1": 1, "w2": 1})
    lines = [line.render(lambda x: f"{x:.4f}" if isinstance(x, float) else str(x)) for s in sol.steps for line in s.lines]
    assert "det(H − λI) = λ^2 - 5.4366·λ - 22.1672 = 0" in lines


def test_exact_values_with_hundreds_of_digits_are_worked_in_floats():
    # w^5000 at 1.0001 = 10001^5000/10000^5000 exactly (20,000 digits): shown in floats instead
    # L = 1.0001^5000, L' = 5000·1.0001^4999, L'' = 5000·4999·1.0001^4998
    a = hessian("w^5000", {"w": 1.0001}).answer
    assert a["loss"] == pytest.approx(1.0001 ** 5000, rel=1e-12)
    assert a["gradient"] == [pytest.approx(5000 * 1.0001 ** 4999, rel=1e-12)]
    assert a["hessian"] == [[pytest.approx(5000 * 4999 * 1.0001 ** 4998, rel=1e-12)]]
    assert a["classification"] == "not_critical"


def sigmoid_chain(depth: int, w: float) -> tuple[float, float]:
    """f = σ(σ(…σ(w)…)) and f' = Π σ'(z_k) by the chain rule, with σ' = σ(1 − σ)."""
    z, slope = w, 1.0
    for _ in range(depth):
        z = 1 / (1 + exp(-z))
        slope *= z * (1 - z)
    return z, slope


@pytest.mark.parametrize("w", [0, 0.3])
def test_large_transcendental_hessian_is_evaluated_in_floats(w):
    # σ applied 8 times: H has ~8,000 nodes of nested exp(…); exactly, evalf of it takes seconds
    # (at w = 0 exactly, each σ(0) = 1/2 stays symbolic); f'' from a central difference of f'
    text = "w"
    for _ in range(8):
        text = f"sigmoid({text})"
    a = hessian(text, {"w": w}).answer
    f, df = sigmoid_chain(8, w)
    d2f = (sigmoid_chain(8, w + 1e-5)[1] - sigmoid_chain(8, w - 1e-5)[1]) / 2e-5
    assert a["loss"] == pytest.approx(f, rel=1e-13)
    assert a["gradient"] == [pytest.approx(df, rel=1e-12)]
    assert a["hessian"][0][0] == pytest.approx(d2f, rel=1e-6, abs=1e-15)


# ── no point: the critical points are solved for ────────────────────────────

def test_critical_points_solved_and_classified():
    # L = w1³ − 3w1 + w2²: g = (3w1² − 3, 2w2) = 0 at (±1, 0); H = diag(6w1, 2)
    a = hessian("w1^3 - 3*w1 + w2^2").answer
    assert a["solved"] is True
    assert a["critical_points"] == [[-1, 0], [1, 0]]
    assert a["classification"] == ["saddle", "local_min"]
    assert a["eigenvalues"] == [[-6, 2], [2, 6]]
    assert a["hessian"] == [[[-6, 0], [0, 2]], [[6, 0], [0, 2]]]
    assert a["gradient"] == [[0, 0], [0, 0]]


def test_critical_points_of_a_product_with_exp():
    # L = w²eʷ: L' = eʷ(w² + 2w) = 0 at w = −2, 0; L'' = eʷ(w² + 4w + 2): −2e⁻² at −2, 2 at 0
    a = hessian("w^2 * exp(w)").answer
    assert a["critical_points"] == [[-2], [0]]
    assert a["classification"] == ["local_max", "local_min"]
    assert a["eigenvalues"] == [[pytest.approx(-2 * exp(-2))], [2]]


def test_course_loss_without_point_has_a_saddle_and_a_valley():
    # g = 0 at (0, 0) and on the whole curve w1·w2 = 1 (the minima)
    sol = hessian("(1 - w1*w2)^2")
    assert sol.answer["critical_points"] == [[0, 0]]
    assert sol.answer["classification"] == ["saddle"]
    assert sol.answer["critical_sets"] == ["w1 = 1/w2"]
    assert any("continuum" in w for w in sol.warnings)


def test_variables_sorted_naturally_without_point():
    a = hessian("w10^2 + w2^2 + w1^2").answer
    assert a["variables"] == ["w1", "w2", "w10"]


def test_says_clearly_when_it_cannot_solve():
    sol = hessian("sin(w1)*cos(w2)")
    assert sol.answer["solved"] is False
    assert sol.answer["classification"] == []
    assert any("--at" in w for w in sol.warnings)


def test_constant_gradient_has_no_critical_point():
    # ∂L/∂w = −10^(1/1000) ≠ 0 everywhere (sympy.solve hung on this constant equation)
    sol = hessian("10^(1/1000)*(1 - w)")
    assert sol.answer["critical_points"] == [] and sol.answer["solved"] is True


def test_abs_of_a_function_sympy_cannot_prove_real():
    # L = |ln w| at w = 2: ln 2 > 0, so L = ln w near 2, L' = 1/w = 0.5, L'' = −1/w² = −0.25
    # (sympy leaves d sign(ln w)/dw unevaluated; it is 2δ(ln w)/w = 0 here)
    a = hessian("abs(log(w))", {"w": 2}).answer
    assert a["gradient"] == [0.5] and a["hessian"] == [[-0.25]]


def test_no_real_critical_point():
    sol = hessian("w^3 + w")   # L' = 3w² + 1 > 0
    assert sol.answer["critical_points"] == [] and sol.answer["solved"] is True


# ── bad input ───────────────────────────────────────────────────────────────

@pytest.mark.parametrize("expr, at, fragment", [
    ("abs(w) + w^2", {"w": 0}, "not differentiable"),
    ("max(w1, w2)", {"w1": 1, "w2": 1}, "not differentiable"),
    ("log(w)", {"w": 0}, "not defined"),
    ("log(w)", {"w": -1}, "L is not defined at \\(w = -1\\): log\\(w\\) has no real value"),
    ("sqrt(w)", {"w": 0}, "not twice differentiable"),
    ("1/w", {"w": 0}, "not defined"),
    ("(1 - w1*w2)^2", {"w1": 0}, "no value for w2"),
    ("(1 - w1*w2)^2", {"w1": 0, "w2": 0, "w3": 0}, "does not use 'w3'"),
    ("(1 - w1*w2)^2", {"w1": "zero", "w2": 0}, "must be a finite number"),
    ("(1 - w1*w2)^2", {"w1": float("nan"), "w2": 0}, "must be a finite number"),
    ("(1 - w1*w2)^2", {"w1": True, "w2": 0}, "must be a finite number"),
    ("log(w)", {"w": -0.5}, r"at \(w = -0.5\)"),              # the point as written, not -1/2
    ("w^9000", {"w": 3}, "L is too large for float64"),        # 3^9000 ≈ 10^4294
    ("exp(exp(exp(exp(10))))*w", {"w": 1}, "too large for float64"),
    ("sin(10^400*w)", {"w": 1}, "too large for float64 at \\(w = 1\\): 1.0*e\\+400 overflows"),
    ("cos(exp(exp(w)))", {"w": 100}, "too large for float64"),   # exactly, this would never finish
])
def test_bad_points(expr, at, fragment):
    with pytest.raises(BadInput, match=fragment) as err:
        hessian(expr, at)
    assert err.value.where == "at"


def test_bad_expression_names_the_column():
    with pytest.raises(BadInput, match="column 9") as err:
        hessian("(1 - w1).__class__", {"w1": 0})
    assert err.value.where == "expr"


# ── problem files ───────────────────────────────────────────────────────────

@pytest.mark.parametrize("at", ["{w1: 0, w2: 0}", "'w1=0, w2=0'", "'w1 = 0; w2 = 0'"])
def test_problem_file_forms(at):
    [p] = load_text(f"kind: hessian\nexpr: '(1 - w1*w2)**2'\nat: {at}\n", "h.yaml")
    assert p.error is None, p.error
    a = p.solve().answer
    assert a["classification"] == "saddle" and a["eigenvalues"] == [-2, 2]
    assert p.ask == "classification"


@pytest.mark.parametrize("text, fragment", [
    ("kind: hessian\nexpr: '(1 - w1*w2)**2'\nat: {w1: 0, w3: 0}\n", "h.yaml:3: at: the expression does not use 'w3'"),
    ("kind: hessian\nexpr: '(1 - w1*w2)**2'\nat: {w1: 0, w2: x}\n", "h.yaml:3: at: value of w2: 'x' is not a number"),
    ("kind: hessian\nexpr: '(1 - w1*w2)**2'\nat: [0, 0]\n", "h.yaml:3: at: expected name=value pairs"),
    ("kind: hessian\nexpr: \"__import__('os')\"\n", "h.yaml:2: expr: names may not start with '__'"),
    ("kind: hessian\nexpr: [1, 2]\n", "h.yaml:2: expr: expected an expression as text"),
])
def test_problem_file_errors_name_line_and_field(text, fragment):
    [p] = load_text(text, "h.yaml")
    assert p.error is not None and fragment in str(p.error), str(p.error)


@pytest.mark.parametrize("pid, expected", [
    ("dl-hessian-saddle", "saddle"),           # eigenvalues −2 and 2: both signs
    ("dl-hessian-eigenvalues", [-2, 2]),       # λ² − 4 = 0
    ("dl-hessian-escape", [1, 1]),             # null space of H + 2I = [[2, −2], [−2, 2]]
    ("dl-hessian-minimum-ratio", 0.5),         # one positive eigenvalue of two
])
def test_library_problems(pid, expected):
    from dlcalc.problems import library

    problem = library.problems()[pid]
    assert problem.error is None, problem.error
    assert problem.solve().answer[problem.ask] == expected


def test_fraction_point_values_stay_exact():
    # (1/3, 3) lies on the valley w1·w2 = 1: g = 0 exactly; H = [[2·9, −2 + 4], [·, 2/9]] = [[18, 2], [2, 2/9]],
    # det = 4 − 4 = 0 → λ = 0 and 18 + 2/9 = 164/9
    [p] = load_text("kind: hessian\nexpr: '(1 - w1*w2)^2'\nat: 'w1=1/3, w2=3'\n", "h.yaml")
    a = p.solve().answer
    assert a["gradient"] == [0, 0] and a["classification"] == "degenerate"
    assert a["eigenvalues"] == [0, pytest.approx(164 / 9)]
    assert a["hessian_exact"] == [["18", "2"], ["2", "2/9"]]


@settings(max_examples=200, deadline=None)
@given(st.fractions(min_value=-20, max_value=20, max_denominator=12),
       st.fractions(min_value=-20, max_value=20, max_denominator=12))
def test_a_quadratic_factors_exactly_when_sympy_factors_it(b, c):
    # λ² + bλ + c: the discriminant test of _factors against sympy's own factorisation over the rationals
    from dlcalc.calc.hessian import _factors

    lam = sp.Symbol("λ")
    poly = sp.Poly(lam**2 + sp.Rational(b.numerator, b.denominator) * lam + sp.Rational(c.numerator, c.denominator), lam)
    assert _factors(poly) == (sum(k for _, k in poly.factor_list()[1]) > 1)


def test_a_quadratic_that_factors_shows_its_factors():
    # L = w1² + 3w2² at any point: H = [[2, 0], [0, 6]], det(H − λI) = λ² − 8λ + 12 = (λ − 2)(λ − 6)
    text = "\n".join(line.render(str) for s in hessian("w1^2 + 3*w2^2", {"w1": 1, "w2": 1}).steps for line in s.lines)
    assert "(λ - 6)·(λ - 2) = 0" in text or "(λ - 2)·(λ - 6) = 0" in text


def test_exact_values_become_the_nearest_float():
    # L = w1² + w2² at w1 = k/100: ∂L/∂w1 = 2k/100 exactly, so the JSON number is the float nearest 2k/100
    # (sympy's evalf was 1 ulp off for 12 of these: 0.6799999999999999 for 0.68 at w1 = 0.34)
    for k in range(1, 300):
        g = hessian("w1^2 + w2^2", {"w1": k / 100, "w2": 1}).answer["gradient"]
        assert g == [float(Fraction(2 * k, 100)), 2.0], k


@settings(max_examples=60, deadline=None)
@given(st.fractions(min_value=-9, max_value=9, max_denominator=4), st.fractions(min_value=-9, max_value=9, max_denominator=4),
       st.fractions(min_value=-9, max_value=9, max_denominator=4))
def test_a_rational_two_by_two_hessian_has_sympys_own_exact_eigenvalues(a, b, d):
    # L = a/2·w1² + b·w1·w2 + d/2·w2²: H = [[a, b], [b, d]] everywhere. Reference: sympy's eigenvals of that
    # matrix (the general route, independent of the 2×2 formula) and numpy's eigvalsh for the floats
    expr = f"({a})/2*w1^2 + ({b})*w1*w2 + ({d})/2*w2^2"
    answer = hessian(expr, {"w1": 1, "w2": -1}).answer
    q = lambda x: sp.Rational(x.numerator, x.denominator)  # noqa: E731
    want = sp.Matrix([[q(a), q(b)], [q(b), q(d)]]).eigenvals(multiple=True)
    assert answer["eigenvalues"] == pytest.approx(sorted(np.linalg.eigvalsh([[float(a), float(b)], [float(b), float(d)]])),
                                                  abs=1e-12)
    exact = answer.get("eigenvalues_exact")
    if exact is None:  # shown as floats: every eigenvalue is a terminating decimal
        assert all(v.is_Rational for v in want)
    else:
        got = [sp.sympify(x) for x in exact]
        assert sorted(got, key=float) == sorted((sp.radsimp(v) for v in want), key=float)
