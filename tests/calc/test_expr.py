"""The safe expression parser: grammar, precedence, whitelisted functions, and hostile input."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from dlcalc.calc.errors import BadInput
from dlcalc.calc.calculus import check_point, gradient, kinks, numeric, show
from dlcalc.calc.expr import Expr, natural_key

w, w1, w2, x = sp.symbols("w w1 w2 x", real=True)


def value(text: str, **point: float) -> float:
    e = Expr(text)
    return float(e.sympy.subs({e.symbols[k]: v for k, v in point.items()}))


@pytest.mark.parametrize("text, expected", [
    ("(1 - w1*w2)**2", (1 - w1 * w2) ** 2),
    ("(1 - w1*w2)^2", (1 - w1 * w2) ** 2),
    ("-w^2", -(w ** 2)),              # unary minus binds looser than ^, as in maths
    ("-w**2 + 3", 3 - w ** 2),
    ("2^3^w", 2 ** (3 ** w)),         # right-associative
    ("w^-1", 1 / w),                  # a signed exponent
    ("w1 - w2 - x", w1 - w2 - x),     # left-associative
    ("w1 / w2 / x", w1 / w2 / x),
    ("2*w + 3*w", 5 * w),
    ("+w", w),
    ("--w", w),
    ("0.5*w^2", sp.Rational(1, 2) * w ** 2),   # decimals are exact
    ("1e-3*w", w / 1000),
    (".25*w", w / 4),
    ("w · x × 2 − 1", 2 * w * x - 1),          # the Unicode operators a PDF pastes
    ("pi*w", sp.pi * w),
    ("exp(w) + log(w) + ln(w) + sqrt(w)", sp.exp(w) + 2 * sp.log(w) + sp.sqrt(w)),
    ("sin(w) + cos(w) + tan(w) + tanh(w)", sp.sin(w) + sp.cos(w) + sp.tan(w) + sp.tanh(w)),
    ("sigmoid(w)", 1 / (1 + sp.exp(-w))),
    ("abs(w) + max(w, x) + min(w, x, 1)", sp.Abs(w) + sp.Max(w, x) + sp.Min(w, x, 1)),
])
def test_builds_the_expression(text, expected):
    assert sp.simplify(Expr(text).sympy - expected) == 0


def test_numbers_evaluate_like_maths():
    # sigmoid(0) = 1/2; 2^3^2 = 2^9 = 512; -3^2 = -9
    assert value("sigmoid(w)", w=0) == 0.5
    assert value("2^3^2 + 0*w", w=1) == 512
    assert value("-3^2 + 0*w", w=1) == -9
    assert value("(1 - w1*w2)^2", w1=0.5, w2=2) == 0
    assert value("tanh(w)", w=1) == pytest.approx(math.tanh(1))


def test_variables_in_order_of_appearance_and_sorted_naturally():
    e = Expr("w10*w2 + w1 + b")
    assert e.names == ("w10", "w2", "w1", "b")
    assert e.sorted_names() == ["b", "w1", "w2", "w10"]
    assert sorted(["w10", "w2", "w1"], key=natural_key) == ["w1", "w2", "w10"]


def test_names_allow_underscores_digits_greek():
    assert Expr("w_1 + theta_2 + θ + x1y").names == ("w_1", "theta_2", "θ", "x1y")
    assert Expr("pi * r^2").names == ("r",)   # pi is the constant


def test_show_writes_steps_like_a_student():
    assert show(Expr("(1 - w1*w2)**2").sympy) == "(1 - w1·w2)^2"
    assert show(Expr("abs(w) + max(w, x)").sympy) == "abs(w) + max(w, x)"


# ── errors: one message naming the token and its column, with a ▸ marker ────

@pytest.mark.parametrize("text, fragments", [
    ("(1 - w1).__class__", ["unexpected '.'", "column 9", "(1 - w1)▸.__class__", "attribute access"]),
    ("2w", ["unexpected 'w'", "column 2", "missing operator"]),
    ("w +", ["unexpected end of expression", "column 4"]),
    ("(w + 1", ["unclosed '('", "column 1"]),
    ("w + 1)", ["unexpected ')'", "column 6"]),
    ("foo(w)", ["unknown function 'foo'", "column 1", "known: exp"]),
    ("sigmod(w)", ["unknown function 'sigmod'", "did you mean 'sigmoid'"]),
    ("exp", ["function 'exp' needs its argument"]),
    ("exp(w, 2)", ["exp takes 1 argument, got 2"]),
    ("max(w)", ["max takes two or more arguments"]),
    ("sin()", ["sin takes 1 argument, got 0"]),
    ("w²", ["unexpected '²'", "write ^2"]),
    ("", ["the expression is empty"]),
    ("   ", ["the expression is empty"]),
    ("1 + 2", ["no variables"]),
    ("w / 0", ["division by zero", "column 3"]),
    ("w / (1 - 1)", ["division by zero"]),
    ("0^-1 + w", ["division by zero"]),
    ("w^100000", ["exponent too large"]),
    ("9^9^9 * w", ["exponent too large"]),
    ("(w^100)^1000", ["exponent too large"]),
    ("(" * 100 + "w" + ")" * 100, ["nested more than"]),
    ("-" * 100 + "w", ["nested more than"]),
    ("w" * 3000, ["limit is 2000"]),
    ("1" * 100 + "*w", ["number longer than"]),
    ("1e99999999*w", ["number out of range", "column 1"]),  # Fraction() of it would run for minutes
    ("w*1e-401", ["number out of range", "column 3"]),
    ("2^5000*w", ["more than 400 digits"]),                 # 5000·log10(2) ≈ 1505 digits
    ("(9^9999)^9999*w", ["more than 400 digits"]),
    ("(3*w)^5000", ["more than 400 digits"]),               # sympy would expand it to 3^5000·w^5000
    ("1e300*1e300*w", ["more than 400 digits"]),            # each number is fine, their product is not
    ("max(sqrt(-1), w)", ["max of a constant that is not a real number", "column 1"]),  # sympy raises ValueError
])
def test_bad_expressions(text, fragments):
    with pytest.raises(BadInput) as err:
        _ = Expr(text).sympy
    assert err.value.where == "expr"
    message = err.value.message
    assert "\n" not in message
    for frag in fragments:
        assert frag in message, (frag, message)


HOSTILE = [
    "__import__('os').system('touch {marker}')",
    "__import__(\"os\").system(\"touch {marker}\")",
    "().__class__",
    "().__class__.__bases__[0].__subclasses__()",
    "(w).__class__",
    "w.__class__",
    "lambda: 0",
    "lambda w: w",
    "'abc'",
    "\"abc\"",
    "w.real",
    "open('{marker}', 'w')",
    "exec('import os')",
    "eval('1')",
    "sympify('w')",
    "getattr(w, 'x')",
    "__builtins__",
    "w1(2)",
    "(w)(2)",
    "exp(w)(2)",
    "w[0]",
    "[w for w in (1,)]",
    "{'a': w}",
    "w if w else w",
    "import os",
    "w; __import__('os')",
    "w = 3",
    "w := 3",
    "`w`",
    "w @ w",
    "w % 2",
    "w // 2",
    "w & 1",
    "not w",
    "w == 1",
    "Symbol('x')",
    "Integer(2)*w",
    "None",
    "True + w",
    "__class__",
    "_" + "_w",
    "w\\n__import__('os')",
    "w\n+ __import__('os')",
    "\x00w",
]


@pytest.mark.parametrize("template", HOSTILE)
def test_hostile_expressions_are_rejected_without_running_anything(template, tmp_path: Path):
    marker = tmp_path / "pwned"
    with pytest.raises(BadInput):
        _ = Expr(template.replace("{marker}", str(marker))).sympy
    assert not marker.exists()


def test_large_but_reasonable_constants_are_kept():
    # 2^1000 has 302 digits and (w + 2)^10000 is never expanded: both within the limits
    assert Expr("2^1000*w").sympy == sp.Integer(2) ** 1000 * w
    assert Expr("(w + 2)^10000").sympy == (w + 2) ** 10000


def test_gradient_too_large_to_work_with_is_refused():
    # ∂/∂w of a product of 119 factors has 119 terms of 118 factors each: ~42,000 nodes
    product = "*".join(f"(w+{i})" for i in range(1, 120))
    with pytest.raises(BadInput, match="too large to differentiate") as err:
        gradient(Expr(product), ["w"])
    assert err.value.where == "expr"
    [g] = gradient(Expr("w^3"), ["w"])
    assert g == 3 * w ** 2


# ── numeric: the float evaluator that replaces lambdify ─────────────────────

def sig(z: float) -> float:
    return 1 / (1 + math.exp(-z))


@pytest.mark.parametrize("text, f, df", [      # f and f' written out by hand, evaluated with math
    ("exp(w)", math.exp, math.exp),
    ("log(w)", math.log, lambda z: 1 / z),
    ("ln(w)", math.log, lambda z: 1 / z),
    ("sqrt(w)", math.sqrt, lambda z: 0.5 / math.sqrt(z)),
    ("sin(w)", math.sin, math.cos),
    ("cos(w)", math.cos, lambda z: -math.sin(z)),
    ("tan(w)", math.tan, lambda z: 1 / math.cos(z) ** 2),
    ("tanh(w)", math.tanh, lambda z: 1 - math.tanh(z) ** 2),
    ("sigmoid(w)", sig, lambda z: sig(z) * (1 - sig(z))),
    ("abs(w)", abs, lambda z: math.copysign(1, z)),
    ("max(w, 1)", lambda z: max(z, 1), lambda z: float(z > 1)),
    ("min(w, 1)", lambda z: min(z, 1), lambda z: float(z < 1)),
    ("2^w / w", lambda z: 2 ** z / z, lambda z: 2 ** z * (math.log(2) * z - 1) / z ** 2),
    ("pi*w^-2 - 3", lambda z: math.pi / z ** 2 - 3, lambda z: -2 * math.pi / z ** 3),
])
def test_numeric_agrees_with_math(text, f, df):
    e = Expr(text)
    [g] = gradient(e, ["w"])
    for z in (0.3, 0.7, 1.6, 2.5):
        assert numeric(e.sympy, [e.symbols["w"]])([z]) == pytest.approx(f(z), rel=1e-13)
        assert numeric(g, [e.symbols["w"]])([z]) == pytest.approx(df(z), rel=1e-12)


def test_numeric_on_arrays_and_outside_the_domain():
    e = Expr("log(w1) + w2^2")
    f = numeric(e.sympy, [e.symbols["w1"], e.symbols["w2"]])
    w1, w2 = np.meshgrid([-1.0, 1.0, math.e], [0.0, 2.0])
    with np.errstate(all="ignore"):
        got = f([w1, w2])
    np.testing.assert_allclose(got, [[np.nan, 0, 1], [np.nan, 4, 5]])   # log(−1): nan, not complex
    root = Expr("(-8)^(1/3)*w")   # sympy's principal root 1 + √3·i is not real: nan
    with np.errstate(all="ignore"):
        assert math.isnan(numeric(root.sympy, [root.symbols["w"]])([1.0]))
    big = Expr("10^400*w")   # the constant is beyond float64: inf, not an OverflowError
    assert numeric(big.sympy, [big.symbols["w"]])([2.0]) == math.inf


def test_check_point_names_missing_and_unused_variables():
    e = Expr("(1 - w1*w2)^2")
    assert check_point(e, {"w2": 0, "w1": 1}) == ["w2", "w1"]
    with pytest.raises(BadInput, match="does not use 'w3'.*it uses w1, w2"):
        check_point(e, {"w1": 0, "w2": 0, "w3": 0})
    with pytest.raises(BadInput, match="no value for w2"):
        check_point(e, {"w1": 0})


def test_kinks_found_where_abs_max_min_are_not_differentiable():
    e = Expr("abs(w1) + max(w1, w2)")
    s = e.symbols
    syms = [s["w1"], s["w2"]]
    assert len(kinks(e.sympy, syms, [0, 1])) == 1      # abs(0)
    assert len(kinks(e.sympy, syms, [1, 1])) == 1      # max tie
    assert kinks(e.sympy, syms, [1, 2]) == []
    # in float64 0.3 − 3·0.1 is 5.6e-17, not 0: still the kink of abs(w1 − 3·w2)
    e = Expr("abs(w1 - 3*w2)")
    assert kinks(e.sympy, [e.symbols["w1"], e.symbols["w2"]], [0.3, 0.1]) == ["abs(w1 - 3·w2) has a kink where w1 - 3·w2 = 0"]
