"""Optimiser traces: first iterations by hand, and agreement with independent implementations written here."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlcalc.calc.errors import BadInput
from dlcalc.calc.optimize import SLIPS, Wrong, optimize

# L = w1² + 10·w2², g = (2·w1, 20·w2), from θ₀ = (1, −1) with η = 0.1: g₀ = (2, −20)
BOWL = "w1^2 + 10*w2^2"
START = {"w1": 1, "w2": -1}


def run(method: str, steps: int = 2, **kw):
    return optimize(BOWL, START, method=method, lr=0.1, steps=steps, **kw).answer


def test_gd_by_hand():
    # θ₁ = (1 − 0.1·2, −1 − 0.1·(−20)) = (0.8, 1); g₁ = (1.6, 20); θ₂ = (0.8 − 0.16, 1 − 2) = (0.64, −1)
    a = run("gd")
    np.testing.assert_allclose(a["trajectory"], [[1, -1], [0.8, 1], [0.64, -1]])
    np.testing.assert_allclose(a["final"], [0.64, -1])
    assert a["final_loss"] == pytest.approx(0.64 ** 2 + 10)
    assert a["losses"][0] == 11


def test_momentum_by_hand():
    # m₁ = 0.9·0 − 0.1·(2, −20) = (−0.2, 2), θ₁ = (0.8, 1); g₁ = (1.6, 20)
    # m₂ = 0.9·(−0.2, 2) − 0.1·(1.6, 20) = (−0.34, −0.2), θ₂ = (0.46, 0.8)
    a = run("momentum")
    np.testing.assert_allclose(a["trajectory"], [[1, -1], [0.8, 1], [0.46, 0.8]])
    # λ = 0.5: m₂ = 0.5·(−0.2, 2) − (0.16, 2) = (−0.26, −1), θ₂ = (0.54, 0)
    np.testing.assert_allclose(run("momentum", momentum=0.5)["final"], [0.54, 0], atol=1e-12)


def test_adagrad_course_by_hand():
    # σ₀ = |g₀| = (2, 20), θ₁ = θ₀ − 0.1·g₀/σ₀ = (0.9, −0.9); g₁ = (1.8, −18)
    # σ₁ = √((2² + 1.8²)/2) = √3.62 = 1.9026297, θ₂(w1) = 0.9 − 0.18/1.9026297 = 0.8053941
    # and w2 mirrors w1: σ₁ = √((400 + 324)/2) = 10·√3.62, θ₂ = −0.8053941
    a = run("adagrad")
    np.testing.assert_allclose(a["trajectory"][1], [0.9, -0.9])
    np.testing.assert_allclose(a["final"], [0.8053941, -0.8053941], rtol=1e-7)


def test_adagrad_sum_by_hand():
    # PyTorch: σ₀ = √4 + 1e-10, θ₁(w1) = 0.9; σ₁ = √(4 + 3.24) + 1e-10 = 2.6907248,
    # θ₂ = 0.9 − 0.18/2.6907248 = 0.9 − 0.0668965 = 0.8331035
    a = run("adagrad", adagrad_sum=True)
    assert a["final"][0] == pytest.approx(0.8331035, rel=1e-7)
    # ε = 1: σ₀ = 3, θ₁ = 1 − 0.2/3 = 0.9333333
    assert run("adagrad", steps=1, adagrad_sum=True, eps=1)["final"][0] == pytest.approx(1 - 0.2 / 3)


def test_rmsprop_by_hand():
    # σ₀ = |g₀| = 2, θ₁ = 0.9; g₁ = 1.8, σ₁ = √(0.9·2² + 0.1·1.8²) = √3.924 = 1.9809089
    # θ₂ = 0.9 − 0.18/1.9809089 = 0.8091326
    a = run("rmsprop")
    assert a["final"][0] == pytest.approx(0.8091326, rel=1e-7)
    # α = 0.5: σ₁ = √(0.5·4 + 0.5·3.24) = √3.62 = 1.9026297 → θ₂ = 0.8053941
    assert run("rmsprop", alpha=0.5)["final"][0] == pytest.approx(0.8053941, rel=1e-7)


def test_adam_by_hand():
    # t = 1: m₁ = 0.1·2 = 0.2, v₁ = 0.001·4 = 0.004, m̂₁ = 2, v̂₁ = 4, θ₁ = 1 − 0.1·2/(2 + 1e-8) = 0.9
    # t = 2: g = 1.8, m₂ = 0.18 + 0.18 = 0.36, v₂ = 0.003996 + 0.00324 = 0.007236,
    #        m̂₂ = 0.36/0.19 = 1.8947368, v̂₂ = 0.007236/0.001999 = 3.6198099, √v̂₂ = 1.9025798,
    #        θ₂ = 0.9 − 0.1·1.8947368/1.9025798 = 0.8004122
    a = run("adam")
    assert a["trajectory"][1][0] == pytest.approx(0.9)
    assert a["final"][0] == pytest.approx(0.8004122, rel=1e-7)


def test_adam_slips_by_hand():
    # no bias correction, t = 1: θ₁ = 1 − 0.1·0.2/(√0.004 + 1e-8) = 1 − 0.02/0.0632456 = 0.6837723
    p = dict(expr=BOWL, at=START, method="adam", lr=0.1, steps=1)
    assert optimize(**p, wrong=Wrong(bias_correction=False)).answer["final"][0] == pytest.approx(0.6837723, rel=1e-7)
    # ε inside the root with ε = 5: θ₁ = 1 − 0.1·2/√(4 + 5) = 1 − 0.2/3 = 0.9333333
    assert optimize(**p, eps=5, wrong=Wrong(eps_inside=True)).answer["final"][0] == pytest.approx(1 - 0.2 / 3)


def test_gradient_ascent_slip():
    # θ₁ = θ₀ + η g₀ = (1 + 0.2, −1 − 2) = (1.2, −3)
    assert list(run("gd", steps=1, wrong=Wrong(ascent=True))["final"]) == pytest.approx([1.2, -3])


def test_momentum_and_rmsprop_slips_by_hand():
    p = dict(expr=BOWL, at=START, lr=0.1, steps=1)
    # running-average momentum: m₁ = 0.9·0 + 0.1·2 = 0.2, θ₁ = 1 − 0.1·0.2 = 0.98
    assert optimize(**p, method="momentum", wrong=Wrong(momentum_average=True)).answer["final"][0] == pytest.approx(0.98)
    # PyTorch's RMSprop: v₀ = 0.1·4 = 0.4, σ₀ = √0.4 + 1e-8 = 0.6324555, θ₁ = 1 − 0.2/0.6324555 = 0.6837723
    assert optimize(**p, method="rmsprop", rmsprop_torch=True).answer["final"][0] == pytest.approx(0.6837723, rel=1e-7)


def test_slips_apply_only_to_their_method():
    base = {"expr": BOWL, "at": START, "lr": 0.1, "steps": 2, "adagrad_sum": False}
    which = {m: [s.name for s in SLIPS if s.params({**base, "method": m}) is not None]
             for m in ("gd", "momentum", "adagrad", "rmsprop", "adam")}
    assert which["gd"] == [SLIPS[0].name]   # only gradient ascent
    assert any("Adagrad with PyTorch" in n for n in which["adagrad"])
    assert not any("course's root mean square instead" in n for n in which["adagrad"])
    assert sum("Adam" in n for n in which["adam"]) == 2
    assert any("running average" in n for n in which["momentum"]) and any("PyTorch's (σ² from 0" in n for n in which["rmsprop"])
    # the reverse Adagrad slip applies to a problem that asks for PyTorch's form
    summed = {**base, "method": "adagrad", "adagrad_sum": True}
    reverse = [s for s in SLIPS if s.params(summed) is not None and "course's root mean square instead" in s.name]
    assert reverse and reverse[0].params(summed)["adagrad_sum"] is False
    for slip in SLIPS:  # every slip's parameters solve; the ones that matter at 2 steps change the answer
        for method in which:
            params = slip.params({**base, "method": method})
            if params is not None and "inside the square root" not in slip.name:  # ε = 1e-8: ~no effect here
                slipped = optimize(**params).answer["final"]
                assert not np.allclose(slipped, optimize(**{**base, "method": method}).answer["final"]), slip.name


def test_zero_gradient_does_not_move_in_adaptive_methods():
    # at the minimum g = 0 for ever: σ = 0 and 0/0 is taken as "no move"
    for method in ("adagrad", "rmsprop", "adam"):
        a = optimize("w^2", {"w": 0}, method=method, lr=0.1, steps=3).answer
        assert a["trajectory"].tolist() == [[0], [0], [0], [0]]


def test_variables_follow_the_start_point():
    a = optimize(BOWL, {"w2": -1, "w1": 1}, lr=0.1, steps=1).answer
    assert a["variables"] == ["w2", "w1"]
    np.testing.assert_allclose(a["final"], [1, 0.8])


def test_unused_parameters_are_warned_about():
    sol = optimize("w^2", {"w": 1}, method="gd", lr=0.1, momentum=0.5, beta1=0.8)
    assert any("--momentum is not used by gd" in w for w in sol.warnings)
    assert any("--beta1" in w for w in sol.warnings)
    sol = optimize("w^2", {"w": 1}, method="adagrad", lr=0.1, eps=0.5, rmsprop_torch=True)
    assert any("--eps is not used by adagrad" in w for w in sol.warnings)
    assert any("--rmsprop-torch is only for rmsprop" in w for w in sol.warnings)


def test_divergence_is_a_warning_and_the_trace_keeps_its_length():
    # w ← w − 1.5·2w = −2w: |w| doubles until it overflows
    sol = optimize("w^2", {"w": 1}, lr=1.5, steps=1100)
    assert len(sol.answer["trajectory"]) == 1101
    assert sol.answer["trajectory"][10][0] == 1024
    assert any("diverge" in w for w in sol.warnings)


def test_long_runs_shorten_the_table_not_the_answer():
    sol = optimize("w^2", {"w": 1}, lr=0.1, steps=100)
    table = next(s for s in sol.steps if s.table is not None)
    assert len(table.table.rows) == 25 and "left out" in table.note
    assert len(sol.answer["trajectory"]) == 101


def test_abs_of_a_function_sympy_cannot_prove_real():
    # L = |√w| = √w for w > 0: g = 1/(2√w) = 0.25 at w = 4, θ₁ = 4 − 0.1·0.25 = 3.975
    # (sympy writes ∂L/∂w with re, im, atan2 and sign, which the float evaluator must know)
    assert optimize("abs(sqrt(w))", {"w": 4}, lr=0.1).answer["final"][0] == pytest.approx(3.975)
    # L = |tanh(ln w)|: at w = 2, tanh(ln 2) = 0.6 > 0, g = (1 − 0.6²)/2 = 0.32 (sinh, cosh, arg appear)
    assert optimize("abs(tanh(log(w)))", {"w": 2}, lr=0.1).answer["gradients"][0][0] == pytest.approx(0.32)


def test_momentum_table_has_no_column_twice():
    # the course's momentum moves by m itself (θ ← θ + m): Δθ would repeat the m column
    def headers(**kw):
        sol = optimize("w^2", {"w": 1}, method="momentum", lr=0.1, steps=2, **kw)
        return next(s.table.headers for s in sol.steps if s.table is not None)
    assert "Δθ" not in headers() and "mₜ₊₁" in headers()
    assert "Δθ" in headers(wrong=Wrong(momentum_average=True))   # there θ ← θ − ηm: the move is not m


def test_loss_on_a_grid_is_nan_where_undefined():
    # for --plot: L = log(w1) + w2² on a grid, NaN where w1 ≤ 0 (log(0) = −∞ is no contour either)
    from dlcalc.calc.expr import Expr
    from dlcalc.calc.optimize import Loss

    w1, w2 = np.meshgrid([-1.0, 0.0, 1.0, np.e], [0.0, 2.0])
    got = Loss(Expr("log(w1) + w2^2"), ["w1", "w2"]).values(w1, w2)
    np.testing.assert_allclose(got, [[np.nan, np.nan, 0, 1], [np.nan, np.nan, 4, 5]])


def test_conventions_write_small_parameters_plainly():
    sol = optimize("w^2", {"w": 1}, method="adam", lr=0.1)
    assert "ε = 1e-8" in " ".join(sol.steps[0].prose)
    assert "θ = w" in sol.steps[0].prose[0]   # one variable: no brackets, no order to state


def test_worked_lines_show_the_numbers():
    sol = optimize(BOWL, START, method="gd", lr=0.1, steps=1)
    text = [line.render(lambda x: f"{x:g}") for s in sol.steps for line in s.lines]
    assert "    θ₁ = θ₀ − η·g₀ = -1 − 0.1·(-20) = 1" in text   # a negative factor in brackets


# ── bad input ───────────────────────────────────────────────────────────────

@pytest.mark.parametrize("expr, at, kw, fragment, where", [
    ("abs(w)", {"w": 0}, {}, "abs(w) has a kink", "at"),
    ("max(w, 0) + w^2", {"w": 0}, {}, "arguments tie", "at"),
    ("log(w)", {"w": 0}, {}, "L is undefined there: log(w) is ±∞", "at"),
    ("log(w)", {"w": -1}, {}, "L is undefined there: log(w) has no real value", "at"),
    ("sqrt(w)", {"w": 0}, {}, "∂L/∂w is undefined there: 1/sqrt(w) is ±∞", "at"),
    ("1/(w - 0.1)", {"w": 0.1}, {}, "L is undefined there", "at"),
    ("cos(exp(exp(w)))", {"w": 100}, {}, "too large for float64", "at"),   # exactly, this would never finish
    # |w| from 1 with η = 0.5: w₁ = 0.5, w₂ = 0 — the third step starts on the kink
    ("abs(w)", {"w": 1}, {"lr": 0.5, "steps": 3}, "step 3 starts at (w = 0)", ""),
    # L = (w1·w2)^w2 at (0.5, 0.5): L = 0.5, g = (w2·L/w1, L·(ln(w1·w2) + 1)) = (0.5, −0.193); η = 2 gives
    # θ₁ = (−0.5, 0.886) and (−0.443)^0.886 has no real value (exactly, sympy would factor 17-digit integers)
    ("(w1*w2)^w2", {"w1": 0.5, "w2": 0.5}, {"lr": 2, "steps": 2}, "step 2 starts at (w1 = -0.5, w2 = 0.886", ""),
    ("(w1*w2)^w2", {"w1": 0.5, "w2": 0.5}, {"lr": 2, "steps": 2}, "has no real value", ""),
    ("w^2", {"w": 1, "v": 0}, {}, "does not use 'v'", "at"),
    ("w^2 + v", {"w": 1}, {}, "no value for v", "at"),
    ("w^2", {"w": 1}, {"method": "sgd"}, "unknown method 'sgd'", "method"),
    ("w^2", {"w": 1}, {"lr": 0}, "must be > 0", "lr"),
    ("w^2", {"w": 1}, {"lr": -0.1}, "must be > 0", "lr"),
    ("w^2", {"w": 1}, {"steps": 0}, "whole number from 1", "steps"),
    ("w^2", {"w": 1}, {"steps": 100_000}, "whole number from 1", "steps"),
    ("w^2", {"w": 1}, {"method": "adam", "beta2": 1.0}, "[0, 1)", "beta2"),
    ("w^2", {"w": 1}, {"method": "momentum", "momentum": 1.5}, "[0, 1]", "momentum"),
    ("w^2", {"w": 1}, {"method": "adam", "eps": -1}, "≥ 0", "eps"),
    # beyond float64 at the start is bad input; later it is divergence (a warning, below)
    ("exp(exp(exp(exp(10))))*w", {"w": 1}, {}, "too large for float64", "at"),
    ("sin(10^400*w)", {"w": 1}, {}, "too large for float64", "at"),   # L' = 10^400·cos(10^400·w)
])
def test_bad_input(expr, at, kw, fragment, where):
    with pytest.raises(BadInput) as err:
        optimize(expr, at, **{"lr": 0.1, "steps": 1, **kw})
    assert fragment in err.value.message, err.value.message
    assert err.value.where == where


# ── agreement with independent implementations over random quadratics ───────

def reference(method: str, grad, theta, lr: float, steps: int,
              lam: float = 0.9, alpha: float = 0.9, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8,
              adagrad_sum: bool = False, rmsprop_torch: bool = False) -> np.ndarray:
    """The update rules as printed in the course notes (and the Adam paper), one parameter at a time."""
    n = len(theta)
    theta = [float(x) for x in theta]
    path = [list(theta)]
    m = [0.0] * n
    v = [0.0] * n
    past: list[list[float]] = [[] for _ in range(n)]
    sigma = [0.0] * n
    for t in range(steps):
        g = grad(theta)
        for i in range(n):
            past[i].append(g[i])
            if method == "gd":
                theta[i] -= lr * g[i]
            elif method == "momentum":
                m[i] = lam * m[i] - lr * g[i]
                theta[i] += m[i]
            elif method == "adagrad":
                s = (sum(x * x for x in past[i]) ** 0.5 + 1e-10) if adagrad_sum else \
                    (sum(x * x for x in past[i]) / len(past[i])) ** 0.5
                theta[i] -= lr * g[i] / s if s else 0.0
            elif method == "rmsprop" and rmsprop_torch:   # torch.optim.RMSprop: square_avg from 0, eps outside
                v[i] = alpha * v[i] + (1 - alpha) * g[i] ** 2
                theta[i] -= lr * g[i] / (v[i] ** 0.5 + 1e-8)
            elif method == "rmsprop":
                sigma[i] = abs(g[i]) if t == 0 else (alpha * sigma[i] ** 2 + (1 - alpha) * g[i] ** 2) ** 0.5
                theta[i] -= lr * g[i] / sigma[i] if sigma[i] else 0.0
            else:
                m[i] = beta1 * m[i] + (1 - beta1) * g[i]
                v[i] = beta2 * v[i] + (1 - beta2) * g[i] ** 2
                m_hat, v_hat = m[i] / (1 - beta1 ** (t + 1)), v[i] / (1 - beta2 ** (t + 1))
                theta[i] -= lr * m_hat / (v_hat ** 0.5 + eps)
        path.append(list(theta))
    return np.array(path)


def quadratic_text(A: np.ndarray, b: np.ndarray) -> str:
    n = len(b)
    terms = [f"({A[i][j]})*w{i + 1}*w{j + 1}/2" for i in range(n) for j in range(n)]
    terms += [f"({b[i]})*w{i + 1}" for i in range(n)]
    return " + ".join(terms)


@settings(max_examples=25, deadline=None)
@given(method=st.sampled_from(["gd", "momentum", "adagrad", "rmsprop", "adam"]),
       n=st.integers(1, 3), seed=st.integers(0, 10_000), lr=st.sampled_from([0.01, 0.05, 0.1, 0.2]),
       torch_form=st.booleans())
def test_agrees_with_reference_on_random_quadratics(method, n, seed, lr, torch_form):
    rng = np.random.default_rng(seed)
    M = rng.integers(-3, 4, size=(n, n))
    A = (M @ M.T + np.eye(n, dtype=int)).tolist()      # symmetric positive definite, integer entries
    b = rng.integers(-3, 4, size=n).tolist()
    start = np.round(rng.uniform(-2, 2, size=n), 3)
    grad = lambda w: [sum(A[i][j] * w[j] for j in range(n)) + b[i] for i in range(n)]  # noqa: E731  ∇(½wᵀAw + bᵀw)
    forms = {"adagrad_sum": torch_form and method == "adagrad", "rmsprop_torch": torch_form and method == "rmsprop"}
    expected = reference(method, grad, start, lr, 6, **forms)
    got = optimize(quadratic_text(A, b), {f"w{i + 1}": float(start[i]) for i in range(n)}, method=method, lr=lr,
                   steps=6, **forms).answer
    np.testing.assert_allclose(got["trajectory"], expected, rtol=1e-9, atol=1e-12)
    L = lambda w: 0.5 * w @ np.array(A) @ w + np.array(b) @ w  # noqa: E731
    assert got["final_loss"] == pytest.approx(L(expected[-1]), rel=1e-9, abs=1e-12)


def course_grad(w):
    """∇(1 − w1·w2)² = (−2·w2·(1 − w1·w2), −2·w1·(1 − w1·w2)), by hand."""
    r = 1 - w[0] * w[1]
    return [-2 * w[1] * r, -2 * w[0] * r]


@pytest.mark.parametrize("pid, method, kw", [
    ("dl-opt-gd", "gd", {}),              # θ₁ = (1.05, 0.6), g₁ = (−0.444, −0.777), θ₂ = (1.0944, 0.6777)
    ("dl-opt-momentum", "momentum", {}),  # m₂ = 0.9·(0.05, 0.1) + (0.0444, 0.0777) → θ₂ = (1.1394, 0.7677)
    ("dl-opt-adagrad", "adagrad", {}),    # θ₁ = (1.1, 0.6); σ₁(w1) = √((0.25 + 0.166464)/2) → θ₂ ≈ (1.18941, 0.68471)
    ("dl-opt-adagrad-sum", "adagrad", {"adagrad_sum": True}),
    ("dl-opt-rmsprop", "rmsprop", {}),
    ("dl-opt-adam", "adam", {}),
])
def test_library_optimizer_problems_match_the_reference(pid, method, kw):
    from dlcalc.problems import library

    problem = library.problems()[pid]
    expected = reference(method, course_grad, [1.0, 0.5], 0.1, 2, **kw)
    np.testing.assert_allclose(problem.solve().answer["final"], expected[-1], rtol=1e-12)


def test_a_diverging_descent_is_warned_before_it_overflows():
    # L = w1² + w2², gd with η = 1.5: θ ← θ − 1.5·2θ = −2θ, so L(θ_k) = 2·4^k: 2048 after 5 steps, all finite
    sol = optimize("w1^2 + w2^2", {"w1": 1.0, "w2": 1.0}, method="gd", lr=1.5, steps=5)
    assert sol.answer["final_loss"] == pytest.approx(2 * 4 ** 5)
    assert any("diverge" in w and "1.5" in w for w in sol.warnings)
    calm = optimize("w1^2 + w2^2", {"w1": 1.0, "w2": 1.0}, method="gd", lr=0.1, steps=5)   # θ ← 0.8θ: shrinks
    assert calm.warnings == []
