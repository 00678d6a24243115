"""Calculus on parsed expressions, shared by `hessian` and `optimize`: gradients (sympy), fast float64
evaluation, the failure of a node at a point (log of a negative, division by zero), kinks of max/abs,
and the text a step shows for an expression. The parser itself is calc/expr.py."""
from __future__ import annotations

import math
from fractions import Fraction
import operator
import re
from functools import lru_cache, reduce
from typing import Any, Callable, Iterator, Sequence

import numpy as np

from dlcalc.calc.errors import BadInput, closest
from dlcalc.calc.expr import LONG_FORMULA, MAX_NODES, SHOWN_DIGITS, Expr, digits
from dlcalc.calc.solution import Step, t


def gradient(e: Expr, names: list[str]) -> list:
    """∂L/∂w for each name (symbolic), refused when it grows too large to differentiate again or evaluate."""
    grad = [derivative(e.sympy, e.symbols[n]) for n in names]
    if sum(count(g) for g in grad) > MAX_NODES:
        raise BadInput(f"the expression is too large to differentiate symbolically (its gradient has more than "
                       f"{MAX_NODES} terms and factors)", "expr")
    return grad


def per_expression(memo: dict, e: Expr, names: list[str], make: Callable[[], Any]) -> Any:
    """What `make` derives from L in this variable order, remembered in `memo`: a set's variants (and a
    class's answers) share one L, and symbolic differentiation takes a millisecond or more each time."""
    key = (e.text, tuple(names))
    if key not in memo:
        if len(memo) > 256:
            memo.clear()
        memo[key] = make()
    return memo[key]


def derivative(f: Any, x: Any) -> Any:
    """∂f/∂x. sympy leaves d sign(u)/dx unevaluated when u may be complex (|log w|): it is 2δ(u)·∂u/∂x."""
    import sympy

    try:
        d = sympy.diff(f, x).replace(
            lambda n: isinstance(n, sympy.Derivative) and isinstance(n.expr, sympy.sign),
            lambda n: 2 * sympy.DiracDelta(n.expr.args[0]) * sympy.diff(n.expr.args[0], *n.variables))
    except (TypeError, ValueError) as err:  # sympy compares values it cannot order, e.g. in Heaviside(…)
        raise BadInput(f"sympy cannot differentiate this expression ({err})", "expr") from None
    if d.has(sympy.Derivative):
        raise BadInput(f"sympy cannot differentiate {show(d.atoms(sympy.Derivative).pop().expr)}", "expr")
    return d


def gradient_step(names: list[str], grad: list) -> Step:
    return Step("Gradient g = ∇L", lines=[t(f"∂L/∂{n} = {brief(gi)}") for n, gi in zip(names, grad)])


def loss_text(e: Expr, names: list[str], limit: int = LONG_FORMULA) -> str:
    """`L(w1, w2) = (1 - w1·w2)^2`; only `L(w1, w2)` when the formula is longer than `limit`."""
    head = f"L({', '.join(names)})"
    if e.text not in _SHOWN:
        if len(_SHOWN) > 256:
            _SHOWN.clear()
        _SHOWN[e.text] = show(e.sympy)
    text = _SHOWN[e.text]
    return f"{head} = {text}" if len(text) <= limit else head


_SHOWN: dict[str, str] = {}  # an expression's printed form, per text: printing with sympy is slow


def brief(e: Any) -> str:
    """show(e), cut short when it would fill more than a few lines: nobody reads a 2,000-character derivative."""
    text = show(e)
    return text if len(text) <= LONG_FORMULA else f"{text[:LONG_FORMULA]}… ({len(text):,} characters)"


def count(e: Any) -> int:
    """Nodes in a sympy tree: the size of a formula, however it is printed."""
    import sympy

    return sum(1 for _ in sympy.preorder_traversal(e))


def numeric(e: Any, symbols: list) -> Callable[[Sequence[Any]], Any]:
    """`e` as a float function of the values of `symbols` (numbers or numpy arrays), node by node with numpy.

    No code is generated (unlike sympy.lambdify), so it starts at once; constants beyond float64 become ±inf.
    """
    index = {s: i for i, s in enumerate(symbols)}
    built: dict = {}  # derivatives repeat subtrees many times: build each once

    def build(node: Any) -> Callable[[Sequence[Any]], Any]:
        if node not in built:
            built[node] = _build(node)
        return built[node]

    def _build(node: Any) -> Callable[[Sequence[Any]], Any]:
        if node in index:
            i = index[node]
            return lambda x: x[i]
        if node.is_Atom:  # a number, pi, E, I
            c = as_float(node)
            return lambda x: c
        op, fs = _operation(node), [build(a) for a in node.args]
        if len(fs) == 1:
            [f] = fs
            return lambda x: op(f(x))
        return lambda x: op(*[f(x) for f in fs])

    return build(e)


def _operation(node: Any) -> Callable[..., Any]:
    """The float64 operation at a sympy node, applied to its arguments' values.

    The node types are those the parser builds and their derivatives produce. re, im and arg come from |f| of
    an f sympy cannot prove real (d|√w|/dw): in float64 f is real or nan, so re f = f and im f = 0·f (nan stays
    nan). DiracDelta comes from the second derivative of |w|, Heaviside from max/min.
    """
    import sympy

    if node.is_Add or node.is_Mul:
        op = operator.add if node.is_Add else operator.mul
        return lambda *args: reduce(op, args)
    if isinstance(node, (sympy.Max, sympy.Min)):
        op = np.maximum if isinstance(node, sympy.Max) else np.minimum
        return lambda *args: reduce(op, args)
    unary = _unary()
    if node.func in unary and len(node.args) == 1:
        return unary[node.func]
    if node.is_Pow:
        return np.power  # never complex: (-8)^(1/3) is nan
    if isinstance(node, sympy.atan2):
        return np.arctan2
    if isinstance(node, sympy.Heaviside):  # with sympy's value at 0 (½) as its second argument
        return lambda v, h0=0.5: np.heaviside(v, h0)
    raise TypeError(f"no numeric form for {node.func.__name__}")  # a bug: the grammar never builds it


@lru_cache(maxsize=None)
def _unary() -> dict:
    import sympy

    return {sympy.exp: np.exp, sympy.log: np.log, sympy.sin: np.sin, sympy.cos: np.cos, sympy.tan: np.tan,
            sympy.tanh: np.tanh, sympy.sinh: np.sinh, sympy.cosh: np.cosh, sympy.Abs: np.abs, sympy.sign: np.sign,
            sympy.re: np.positive, sympy.im: lambda v: 0.0 * v, sympy.arg: np.angle,
            sympy.DiracDelta: lambda v: np.where(v == 0, np.inf, 0.0)}


def evaluate(e: Any, symbols: list, x: Sequence[float]) -> Iterator[tuple[Any, list, Any]]:
    """Each distinct node of e, bottom up, with its arguments' float64 values at x and its own.

    Floats only, so it never runs away: exactly, cos(exp(exp(100))) would.
    """
    import sympy

    values: dict = dict(zip(symbols, x))
    for node in sympy.postorder_traversal(e):
        if node not in values:
            args = [values[a] for a in node.args]
            with np.errstate(all="ignore"):
                values[node] = as_float(node) if node.is_Atom else _operation(node)(*args)
            yield node, args, values[node]


def first_failure(e: Any, symbols: list, x: Sequence[float]) -> tuple[str, Any] | None:
    """The first step of e, bottom up, that has no finite float64 value at x though its inputs do, and why.

    ('infinite', log(w)) at w = 0, ('not real', sqrt(w)) at w = −1, ('too large', exp(w)) at w = 1000;
    None when every step is finite.
    """
    for node, args, v in evaluate(e, symbols, x):
        if not np.isfinite(v) and all(np.isfinite(a) for a in args):
            kind = "not real" if np.isnan(v) else "infinite" if any(a == 0 for a in args) else "too large"
            return kind, node
    return None


def failure_text(kind: str, node: Any) -> str:
    """`log(w) is ±∞`, `sqrt(w) has no real value`, `exp(w) overflows float64`."""
    return brief(node) + {"infinite": " is ±∞", "not real": " has no real value", "too large": " overflows float64"}[kind]


@lru_cache(maxsize=4096)  # the same exact values are shown, classified and answered: evalf each once
def as_float(v: Any) -> float:
    """A numeric sympy value as a float: ±inf beyond float64, nan when it is not real (log(-1)). A rational
    is divided as Python divides integers, correctly rounded (sympy's evalf is 1 ulp off in ~3 % of them, and
    slow: mpmath divides in Python)."""
    if getattr(v, "is_Rational", False):
        try:
            return int(v.p) / int(v.q)
        except OverflowError:
            return math.inf if v.p > 0 else -math.inf
    try:
        z = complex(v)
    except TypeError:  # not a number after all (an unevaluated sympy object)
        return math.nan
    except OverflowError:
        return -math.inf if v.could_extract_minus_sign() else math.inf  # a syntactic sign: v.is_negative evaluates
    return z.real if abs(z.imag) <= 1e-12 * max(1.0, abs(z.real)) else math.nan  # evalf may leave 1e-20·I


def exact(x: Any) -> Any:
    """A number from the user as the exact number they wrote: 0.1 → 1/10 (not the nearest binary float)."""
    import sympy

    q = Fraction(repr(float(x))) if isinstance(x, float) else Fraction(x)
    return sympy.Rational(q.numerator, q.denominator)


def show(e: Any, order: str | None = "none") -> str:
    """A sympy expression as a step writes it: w1·w2, w^2; terms in the order built ("none") or sympy's (None)."""
    try:
        return _shown(e, order)
    except TypeError:  # unhashable (a mutable matrix)
        return _shown.__wrapped__(e, order)


@lru_cache(maxsize=4096)  # a set of many points on one loss shows the same derivatives again and again
def _shown(e: Any, order: str | None) -> str:
    import sympy

    if digits(e) > SHOWN_DIGITS:  # 3^1000 exactly: its hundreds of digits help nobody (and str() refuses 4,300)
        e = e.evalf(15)
    text = sympy.sstr(e, order=order).replace("**", "^").replace("*", "·")
    return re.sub(r"\b(Abs|Max|Min)\(", lambda m: m.group(1).lower() + "(", text)


def check_point(expr: Expr, point: dict[str, Any], where: str = "at") -> list[str]:
    """The variables in the point's order; every expression variable needs a value and vice versa."""
    missing = [n for n in expr.sorted_names() if n not in point]
    unused = [n for n in point if n not in expr.names]
    uses = ", ".join(expr.sorted_names())
    if unused:
        raise BadInput(f"the expression does not use '{unused[0]}'{closest(unused[0], expr.names)} "
                       f"(it uses {uses})", where)
    if missing:
        raise BadInput(f"no value for {', '.join(missing)} (the expression uses {uses})", where)
    return list(point)


def kinks(e: Any, symbols: list, x: Sequence[float]) -> list[str]:
    """Places where `e` is not differentiable at x: abs(0), sign(0), ties in max/min (in float64)."""
    import sympy

    found = []
    for node, args, v in evaluate(e, symbols, x):
        if not np.isfinite(v):  # no value, so no kink to speak of: the caller reports that
            continue
        if isinstance(node, (sympy.Abs, sympy.sign)) and abs(args[0]) <= 1e-14:
            arg = show(node.args[0])
            found.append(f"abs({arg}) has a kink where {arg} = 0" if isinstance(node, sympy.Abs) else
                         f"{show(node)} jumps where {arg} = 0")
        elif isinstance(node, (sympy.Max, sympy.Min)) and sum(abs(a - v) <= 1e-12 * max(1.0, abs(v)) for a in args) > 1:
            found.append(f"{show(node)} has a kink where its arguments tie")
    return found


def value_at(e: Any, subs: dict) -> Any:
    """e with the point put in; nan where sympy refuses (max/min of a value that is not real raises ValueError)."""
    import sympy

    rational = _rational_at(e, subs)
    if rational is not None:
        return sympy.Rational(rational.numerator, rational.denominator)
    try:
        return e.subs(subs)
    except ValueError:
        return sympy.nan


def _rational_at(e: Any, subs: dict) -> Fraction | None:
    """A polynomial or rational function at a rational point, in Fraction arithmetic (sympy's subs costs ~1 ms a
    value); None for anything else (functions, surds, a division by 0), which sympy then evaluates."""
    if e.is_Rational:
        return Fraction(int(e.p), int(e.q))
    if e.is_Symbol:
        v = subs.get(e)
        return Fraction(int(v.p), int(v.q)) if v is not None and v.is_Rational else None
    if e.is_Add or e.is_Mul:
        parts = [_rational_at(a, subs) for a in e.args]
        if any(p is None for p in parts):
            return None
        return sum(parts, Fraction(0)) if e.is_Add else reduce(operator.mul, parts, Fraction(1))
    if e.is_Pow and e.exp.is_Integer and abs(e.exp) <= 64:
        base = _rational_at(e.base, subs)
        if base is None or (base == 0 and e.exp < 0):
            return None
        return base ** int(e.exp)
    return None


def substitute(text: str, values: dict[str, str]) -> str:
    """`-2·w2·(1 - w1·w2)` with w1 = 0, w2 = -1 → `-2·(-1)·(1 - 0·(-1))`: the numbers put in by hand."""
    if not values:
        return text
    names = sorted(values, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w.])(" + "|".join(re.escape(n) for n in names) + r")(?![\w(])")
    return pattern.sub(lambda m: values[m.group(1)], text)


def subscript(i: int | str) -> str:
    """12 → ₁₂, for λ₁, θ₃, σ₀ in worked lines."""
    return "".join("₀₁₂₃₄₅₆₇₈₉"[int(d)] if d.isdigit() else d for d in str(i))
