"""Critical points of a loss L(w): gradient, Hessian, eigenvalues, and what they say (local min/max, saddle).

The course's derivation: around a critical point w', L(w) ≈ L(w') + ½ (w − w')ᵀ H (w − w'),
so the signs of H's eigenvalues decide the shape; at a saddle, the eigenvector u of a
negative eigenvalue is a direction in which L decreases (uᵀHu = λ·uᵀu < 0).
Arithmetic is exact (sympy) while the inputs are; floats take over where exact roots
are out of reach.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import cached_property
from fractions import Fraction
from typing import Any, Callable

import numpy as np

from dlcalc.calc.errors import BadInput
from dlcalc.calc.calculus import (as_float, brief, check_point, count, derivative, exact, failure_text, first_failure,
                                  gradient, gradient_step, kinks, loss_text, numeric, per_expression, show, subscript,
                                  substitute, value_at)
from dlcalc.calc.expr import MAX_DIGITS, Expr, digits, parse
from dlcalc.calc.solution import Grid, Solution, Step, Text, conventions, t

ZERO_TOL = 1e-10       # relative size below which a float eigenvalue or gradient counts as 0
ESCAPE_STEPS = (Fraction(1, 10), Fraction(1, 100), Fraction(1, 1000))
MAX_SOLVE_VARS = 4     # critical points are solved for symbolically only for small polynomial systems
MAX_SOLVE_DEGREE = 8
MAX_POINTS = 20
LONG_EXACT = 40        # exact forms longer than this are shown as floats only
EXACT_NODES = 2_000    # a larger Hessian with exp, log, … in it is evaluated in floats (see _exactly)

CLASS_TEXT = {"local_min": "local minimum", "local_max": "local maximum", "saddle": "saddle point",
              "degenerate": "degenerate (the second-order test decides nothing)", "not_critical": "not a critical point"}


# ── numbers: exact where possible ───────────────────────────────────────────

def to_float(v: Any) -> float:
    if not hasattr(v, "evalf"):
        return float(v)
    x = as_float(v)
    if math.isnan(x):
        raise BadInput(f"{show(v)} is not a real number")
    return x


def num(v: Any) -> tuple[str, list]:
    """How a step shows a value: `2`, `0.25`, or `sqrt(2) ≈ 1.4142` (exact form, then the float)."""
    if not hasattr(v, "is_Integer"):
        return "{}", [float(v)]
    if v.is_Integer:
        return "{}", [int(v)]
    if v.is_Rational and _terminates(v.q):
        return "{}", [float(v)]
    text = show(v)
    if len(text) <= LONG_EXACT and not v.is_Float:
        return "{} ≈ {}", [text, to_float(v)]
    return "{}", [to_float(v)]


def _terminates(q: int) -> bool:
    for p in (2, 5):
        while q % p == 0:
            q //= p
    return q == 1


def _has_exact_form(v: Any) -> bool:
    """True when a step shows the value as `exact ≈ float` (1/3, sqrt(2)): its float alone loses information."""
    return hasattr(v, "is_Integer") and num(v)[0] != "{}"


def vec(values: list) -> tuple[str, list]:
    parts = [num(v) for v in values]
    return "(" + ", ".join(p[0] for p in parts) + ")", [x for p in parts for x in p[1]]


def line(template: str, *pieces: tuple[str, list] | Any) -> Text:
    """t() where some values are (template, values) pairs from num()/vec()."""
    values: list = []
    parts = []
    for p in pieces:
        if isinstance(p, tuple):
            parts.append(p[0])
            values += p[1]
        else:
            parts.append("{}")
            values.append(p)
    return t(template.format(*parts), *values)


# ── the analysis of one point ───────────────────────────────────────────────

@dataclass
class Point:
    """Everything known at w': exact values (sympy) where possible, floats always."""

    names: list[str]
    w: list                      # exact coordinates
    loss: Any
    g: list                      # exact gradient
    H: Any                       # sympy Matrix
    charpoly: Any = None         # det(H − λI) (sympy expression in λ)
    eigenvalues: list = field(default_factory=list)   # ascending; exact or float
    exact_eigen: bool = True
    vectors: list = field(default_factory=list)       # one per eigenvalue, largest entry 1
    classification: str = ""
    reason: str = ""

    @property
    def g_float(self) -> list[float]:
        return [to_float(v) for v in self.g]

    @cached_property
    def H_float(self) -> np.ndarray:
        return np.array([[to_float(v) for v in row] for row in self.H.tolist()], dtype=float)

    @property
    def lam_float(self) -> list[float]:
        return [to_float(v) for v in self.eigenvalues]

    @property
    def positives(self) -> int:
        return sum(_sign(v, self.scale) > 0 for v in self.eigenvalues)

    @cached_property
    def scale(self) -> float:
        return max([1.0] + [abs(x) for x in self.H_float.ravel()])


def _sign(v: Any, scale: float) -> int:
    """The sign of v; a float within ZERO_TOL·scale of 0 is rounding noise, but 1e-12 written exactly is not 0."""
    if getattr(v, "is_Rational", False):
        return (v.p > 0) - (v.p < 0)
    x = to_float(v)
    return 0 if abs(x) <= ZERO_TOL * scale else (1 if x > 0 else -1)


def _derivatives(e: Expr, names: list[str]) -> tuple[list, Any]:
    """∇L and H, symbolically, once per expression."""
    return per_expression(_DERIVED, e, names, lambda: _derive(e, names))


_DERIVED: dict[tuple, tuple[list, Any]] = {}


def _derive(e: Expr, names: list[str]) -> tuple[list, Any]:
    import sympy

    grad = gradient(e, names)
    n = len(names)
    H = sympy.zeros(n)
    for i in range(n):
        for j in range(i, n):  # H is symmetric (Schwarz): one derivative per pair
            H[i, j] = H[j, i] = derivative(grad[i], e.symbols[names[j]])
    return grad, sympy.ImmutableMatrix(H)


def analyse(e: Expr, names: list[str], w: list, grad: list, H_sym: Any) -> Point:
    """Values at w', the eigen-decomposition of H(w'), and the classification."""
    import sympy

    syms, x, where = [e.symbols[n] for n in names], [float(v) for v in w], _point_text(names, w)
    bad = kinks(e.sympy, syms, x)
    if bad:
        raise BadInput(f"L is not differentiable at {where}: {bad[0]}", "at")
    labelled = [("L", e.sympy)] + [(f"∂L/∂{n}", gi) for n, gi in zip(names, grad)] + [("∂²L", h) for h in H_sym]
    if _exactly(H_sym):
        _check_floats(labelled, syms, x, where)  # every step finite in float64: exact evaluation cannot run away
        subs = dict(zip(syms, w))
        at = lambda v: value_at(v, subs)  # noqa: E731
        loss, g, H = at(e.sympy), [at(gi) for gi in grad], H_sym.applyfunc(at)
        _check_defined(names, w, loss, g, H)
        if max(digits(v) for v in [loss, *g, *H]) > MAX_DIGITS:  # w^5000 at 1.5: exact, but hundreds of digits long
            loss, g, H = sympy.Float(as_float(loss)), [sympy.Float(as_float(v)) for v in g], H.applyfunc(as_float)
    else:
        at = _floats_at(syms, x)
        loss, g, H = at(e.sympy), [at(gi) for gi in grad], H_sym.applyfunc(at)
        if not all(v.is_finite for v in [loss, *g, *H]):
            _check_floats(labelled, syms, x, where)
    p = Point(names, w, loss, g, H)
    _eigen(p)
    _classify(p)
    return p


def _check_floats(labelled: list[tuple[str, Any]], syms: list, x: list[float], where: str) -> None:
    """Bad input naming the first step of L, g or H that has no finite float64 value at the point."""
    for label, expr in labelled:
        failure = first_failure(expr, syms, x)
        if failure is None:
            continue
        kind, node = failure
        if kind == "too large":
            raise BadInput(f"{label} is too large for float64 at {where}: {brief(node)} overflows", "at")
        if label == "L":
            raise BadInput(f"L is not defined at {where}: {failure_text(kind, node)}", "at")
        raise BadInput(f"L is not twice differentiable at {where}: {label} is undefined there "
                       f"({failure_text(kind, node)})", "at")


def _exactly(H_sym: Any) -> bool:
    """Exact values unless H is large and transcendental: evaluating such exp(…) trees exactly takes minutes."""
    import sympy

    return count(H_sym) <= EXACT_NODES or not H_sym.atoms(sympy.Function)


def _floats_at(syms: list, x: list[float]) -> Callable[[Any], Any]:
    """v ↦ v(x) as a sympy Float, evaluated in float64 (oo or nan where that is not finite)."""
    import sympy

    def at(v: Any) -> Any:
        with np.errstate(all="ignore"):
            return sympy.Float(float(numeric(v, syms)(x)))
    return at


def _check_defined(names: list[str], w: list, loss: Any, g: list, H: Any) -> None:
    import sympy

    at = _point_text(names, w)
    why = _undefined(loss)
    if why:
        raise BadInput(f"L is not defined at {at} (it evaluates to {why})" if why != TOO_LARGE else
                       f"L is {TOO_LARGE} at {at}", "at")
    for name, v in [(f"∂L/∂{n}", gi) for n, gi in zip(names, g)] + [("∂²L", h) for h in H]:
        why = _undefined(v) or ("a delta function" if v.has(sympy.DiracDelta) else "")
        if why:
            raise BadInput(f"{name} is {TOO_LARGE} at {at}" if why == TOO_LARGE else
                           f"L is not twice differentiable at {at} ({name} is undefined there)", "at")


TOO_LARGE = "too large for float64 (beyond ±1.8e308)"


def _undefined(v: Any) -> str:
    """What v evaluates to when it is not a real float64 ('' when it is one)."""
    import sympy

    if v.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
        return "±∞ or undefined"
    x = as_float(v)
    if math.isinf(x):
        return TOO_LARGE
    return f"{show(v)}, not a real number" if math.isnan(x) else ""


def _point_text(names: list[str], w: list) -> str:
    return "(" + ", ".join(f"{n} = {_written(v)}" for n, v in zip(names, w)) + ")"


def _written(v: Any) -> str:
    """A coordinate as the user wrote it: 0.1 rather than 1/10."""
    return repr(float(v)).removesuffix(".0") if v.is_Rational and _terminates(v.q) else show(v)


def _eigen(p: Point) -> None:
    """Roots of det(H − λI), exactly when sympy can prove them real, else numerically (H is symmetric)."""
    import sympy

    lam = sympy.Symbol("λ")
    n = p.H.shape[0]
    if n == 2 and all(v.is_Rational and len(f"{v.p}/{v.q}") <= LONG_EXACT for v in p.H):
        roots = _rational_pair(p, lam)
    else:
        exact_entries = all(_algebraic(v) and len(str(v)) <= LONG_EXACT for v in p.H)
        p.charpoly = sympy.expand((p.H - lam * sympy.eye(n)).det()) if exact_entries else None
        roots = []
        if p.charpoly is not None:
            roots = [sympy.radsimp(r) for r in _roots(sympy.Poly(p.charpoly, lam))]
            if len(roots) != n or not all(r.is_real for r in roots):
                roots = []
    if roots:
        p.eigenvalues = sorted(roots, key=to_float)
        p.exact_eigen = True
        # exact eigenvectors when the eigenvalues are rational (cheap and as the course writes them); with
        # surds, rationalising every entry costs ~30 ms a problem, so the vectors are numeric
        p.vectors = _exact_vectors(p.H, p.eigenvalues) if all(v.is_Rational for v in p.eigenvalues) else None
    if not roots or p.vectors is None:
        values, vectors = np.linalg.eigh(p.H_float)
        p.exact_eigen = bool(roots)
        if not roots:  # rounding leaves 1e-17 where the eigenvalue is 0: call it 0
            p.eigenvalues = [0.0 if abs(v) <= ZERO_TOL * p.scale else float(v) for v in values]
        p.vectors = [_scaled([float(x) if abs(x) > 1e-12 else 0.0 for x in vectors[:, i]]) for i in range(n)]


def _rational_pair(p: Point, lam: Any) -> list:
    """The eigenvalues of a rational 2×2 H (the exam case) by hand: det(H − λI) = λ² − tr·λ + det, so
    λ = tr/2 ± √(tr² − 4·det)/2, real as H is symmetric (tr² − 4·det = (a − d)² + 4b²). The same sympy
    forms as the general route (sympy writes √ of a rational as r·√k itself), in a tenth of the time."""
    import sympy

    a, b, d = p.H[0, 0], p.H[0, 1], p.H[1, 1]
    tr, det = a + d, a * d - b * b
    p.charpoly = lam**2 - tr * lam + det
    half, root = tr / 2, sympy.sqrt(tr * tr - 4 * det) / 2
    return [half - root, half + root] if root else [half, half]


def _roots(poly: Any) -> list:
    """The roots with multiplicity; a rational quadratic (the 2-variable exam case) by the formula directly,
    which is what sympy.roots does after ~2.5 ms of preparation."""
    import sympy
    from sympy.polys.polyroots import roots_quadratic

    if poly.degree() == 2 and (poly.domain.is_QQ or poly.domain.is_ZZ):
        return sorted(roots_quadratic(poly), key=sympy.default_sort_key)
    return sympy.roots(poly, multiple=True)


def _algebraic(v: Any) -> bool:
    """Built from rationals with + · / and rational powers (2, 1/3, √2): by its form, not sympy's costly is_algebraic."""
    import sympy

    return v.is_Rational or (v.is_number and not v.atoms(sympy.Function, sympy.NumberSymbol, sympy.Float)
                             and all(p.exp.is_Rational for p in v.atoms(sympy.Pow)))


def _exact_vectors(H: Any, eigenvalues: list) -> list | None:
    """A basis of each eigenspace, from the null space of H − λI; None when sympy cannot find it."""
    import sympy

    out: list = []
    for lam in dict.fromkeys(eigenvalues):
        basis = (H - lam * sympy.eye(H.shape[0])).nullspace()
        if len(basis) != eigenvalues.count(lam):
            return None
        out += [_scaled(list(b)) for b in basis]  # _scaled simplifies once
    return out


def _scaled(u: list) -> list:
    """Divide by the entry of largest magnitude, so (1, 1) stays (1, 1) as the course writes it."""
    size = [abs(to_float(x)) for x in u]
    pivot = u[int(np.argmax(size))]
    if hasattr(pivot, "is_Integer"):
        import sympy

        return [sympy.radsimp(x / pivot) for x in u]
    return [x / pivot for x in u]


def _classify(p: Point) -> None:
    signs = [_sign(v, p.scale) for v in p.eigenvalues]
    g_scale = max([1.0] + [abs(to_float(v)) for v in p.g])
    critical = all(_sign(v, g_scale) == 0 for v in p.g)
    if not critical:
        p.classification = "not_critical"
        p.reason = "g ≠ 0, so w' is not a critical point: L still decreases along −g (gradient descent)"
    elif all(s > 0 for s in signs):
        p.classification = "local_min"
        p.reason = "all eigenvalues > 0: H is positive definite, vᵀHv > 0 for every v ≠ 0, so L(w) > L(w') near w'"
    elif all(s < 0 for s in signs):
        p.classification = "local_max"
        p.reason = "all eigenvalues < 0: H is negative definite, vᵀHv < 0 for every v ≠ 0, so L(w) < L(w') near w'"
    elif 1 in signs and -1 in signs:
        p.classification = "saddle"
        p.reason = "some eigenvalues are > 0 and some < 0: L rises in some directions and falls in others" + \
            (" (a zero eigenvalue does not change that)" if 0 in signs else "")
    else:
        p.classification = "degenerate"
        semi = ("H is positive semidefinite" if 1 in signs else "H is negative semidefinite" if -1 in signs
                else "H = 0")
        p.reason = (f"an eigenvalue is 0 and none has the opposite sign ({semi}): "
                    "the second-order test decides nothing; higher-order terms decide")


# ── the worked solution ─────────────────────────────────────────────────────

def hessian(expr: str | Expr, at: dict[str, Any] | None = None) -> Solution:
    """Gradient, Hessian and eigenvalues of L at `at` (variables in its order) and the classification.

    Without `at`, the critical points are solved for symbolically (polynomial gradients) and each is classified.
    """
    e = parse(expr)
    if at is not None:
        names = check_point(e, at)
        for n, v in at.items():
            if isinstance(v, bool) or not isinstance(v, (int, float, Fraction)) or not np.isfinite(float(v)):
                raise BadInput(f"the value of {n} must be a finite number, got {v!r}", "at")
    else:
        names = e.sorted_names()
    sol = Solution("hessian", [], {}, title=f"Hessian analysis of {loss_text(e, names, 50)}")
    sol.add(conventions(
        f"{loss_text(e, names)}  (read from '{e.text}')",
        f"variables in the order {'of the point' if at is not None else 'sorted by name'}: {', '.join(names)}; "
        "decimals are read as exact fractions (0.1 = 1/10) and the arithmetic is exact where it can be",
        "at a critical point (g = 0) the eigenvalues of H decide: all > 0 local minimum, all < 0 local maximum, "
        "both signs saddle, otherwise (a 0 eigenvalue) degenerate",
        "eigenvectors are scaled so that their largest entry is 1",
    ))
    grad, H_sym = _derivatives(e, names)
    sol.add(gradient_step(names, grad))
    if at is not None:
        _at_point(sol, e, names, [exact(at[n]) for n in names], grad, H_sym)
    else:
        _hessian_step(sol, names, H_sym)
        _critical_points(sol, e, names, grad, H_sym)
    return sol


def _hessian_step(sol: Solution, names: list[str], H_sym: Any) -> None:
    lines = []
    for i, a in enumerate(names):
        for j in range(i, len(names)):
            b = names[j]
            head = f"∂²L/∂{a}²" if i == j else f"∂²L/∂{a}∂{b} = ∂²L/∂{b}∂{a}"
            lines.append(t(f"{head} = {brief(H_sym[i, j])}"))
    sol.add(Step("Hessian H = ∂²L/∂w² (symmetric)", lines=lines))


def _at_point(sol: Solution, e: Expr, names: list[str], w: list, grad: list, H_sym: Any) -> None:
    p = analyse(e, names, w, grad, H_sym)
    wtext = vec(w)
    values = _by_hand(names, w)
    sol.add(Step("The point", lines=[line("w' = {}", wtext),
                                     line(f"L(w') = {_filled(show(e.sympy), values)}{{}}", num(p.loss))]))
    g_lines = [line(f"∂L/∂{n}(w') = {_filled(show(gi), values)}{{}}", num(v)) for n, gi, v in zip(names, grad, p.g)]
    critical = p.classification != "not_critical"
    sol.add(Step("Gradient at w'", lines=g_lines + [line("g = {}" + ("" if critical else " ≠ 0"), vec(p.g))],
                 note="g = 0: w' is a critical point" if critical else "g ≠ 0: w' is not a critical point"))
    _hessian_step(sol, names, H_sym)
    n = len(names)
    h_lines = [line(f"H[{i + 1},{j + 1}] = {_filled(show(H_sym[i, j]), values)}{{}}", num(p.H[i, j]))
               for i in range(n) for j in range(i, n)]
    sol.add(Step("Hessian at w'", grids=[Grid("H", p.H_float)], lines=h_lines if n <= 3 else []))
    _eigen_steps(sol, p)
    sol.add(Step(f"Classification: {CLASS_TEXT[p.classification]}", prose=[p.reason]))
    _answer(sol.answer, names, p)
    if p.classification == "saddle":
        _escape_step(sol, e, p)
    ratio = p.positives / n
    sol.add(Step("Minimum ratio", "minimum ratio = # positive eigenvalues / # eigenvalues",
                 t(f"{p.positives} / {n}"), t("{}", ratio)))
    sol.answer["minimum_ratio"] = ratio


def _by_hand(names: list[str], w: list) -> dict[str, str]:
    """Each coordinate as a student writes it into a formula: 0.1 rather than 1/10, (-1) in brackets."""
    texts = {n: _written(v) for n, v in zip(names, w)}
    return {n: f"({x})" if x.startswith("-") or not re.fullmatch(r"[\w.]+", x) else x for n, x in texts.items()}


def _filled(formula: str, values: dict[str, str]) -> str:
    """`formula with the numbers in = ` when that is short enough to read, else nothing."""
    text = substitute(formula, values)
    return f"{text} = " if len(text) <= 60 and text != formula else ""


def _eigen_steps(sol: Solution, p: Point) -> None:
    import sympy

    n = len(p.names)
    if p.charpoly is not None:
        lines = [t(f"det(H − λI) = {show(p.charpoly, None)} = 0")]
        lam = sympy.Symbol("λ")
        # factor over the rationals only: over Q(2^(1/1000)) sympy would run for minutes
        poly = sympy.Poly(p.charpoly, lam)
        if (poly.domain.is_QQ or poly.domain.is_ZZ) and _factors(poly):
            lines.append(t(f"{show(sympy.factor(p.charpoly), None)} = 0"))  # it factors: show how
    else:
        coeffs = np.poly(p.H_float) * (-1) ** n  # det(H − λI) = (−1)ⁿ det(λI − H)
        lines = [_poly_line(coeffs)]
    how = "" if p.exact_eigen else " (numerically: the exact roots are out of reach)"
    lines += [line(f"λ{subscript(i + 1)} = {{}}", num(v)) for i, v in enumerate(p.eigenvalues)]
    sol.add(Step("Eigenvalues: roots of det(H − λI) = 0" + how, lines=lines))
    vlines = [line(f"λ{subscript(i + 1)} = {{}}:  (H − λI)u = 0  →  u{subscript(i + 1)} = {{}}", num(lam), vec(u))
              for i, (lam, u) in enumerate(zip(p.eigenvalues, p.vectors))]
    sol.add(Step("Eigenvectors", lines=vlines))


def _factors(poly: Any) -> bool:
    """Does a rational polynomial factor over the rationals? A quadratic does exactly when its discriminant
    is the square of a rational, which is quicker to see than sympy's factor_list (~2 ms)."""
    if poly.degree() != 2:
        return sum(k for _, k in poly.factor_list()[1]) > 1
    a, b, c = (Fraction(int(x.p), int(x.q)) for x in poly.all_coeffs())
    d = b * b - 4 * a * c
    return d >= 0 and all(math.isqrt(k) ** 2 == k for k in (d.numerator, d.denominator))


def _poly_line(coeffs: np.ndarray) -> Text:
    """det(H − λI) = λ^2 - 0.5·λ + 0.0625 = 0 from its coefficients, highest power first (the first is ±1)."""
    n = len(coeffs) - 1
    text, values = ("-" if coeffs[0] < 0 else "") + _power(n), []
    for k, c in enumerate(coeffs[1:], 1):
        if c != 0:
            power = _power(n - k)
            text += (" - " if c < 0 else " + ") + "{}" + ("·" + power if power else "")
            values.append(abs(float(c)))
    return t(f"det(H − λI) = {text} = 0", *values)


def _power(k: int) -> str:
    return "" if k == 0 else "λ" if k == 1 else f"λ^{k}"


def _escape_step(sol: Solution, e: Expr, p: Point) -> None:
    """Move along u, the eigenvector of the most negative eigenvalue: L(w' + t·u) < L(w') for small t."""
    lam, u = p.eigenvalues[0], p.vectors[0]
    u_exact = [x if hasattr(x, "is_Integer") else exact(x) for x in u]
    uu = sum(x * x for x in u_exact)
    syms = [e.symbols[n] for n in p.names]
    for st in ESCAPE_STEPS:  # the first step size at which L really drops
        moved = [wi + exact(st) * ui for wi, ui in zip(p.w, u_exact)]
        ok = first_failure(e.sympy, syms, [float(v) for v in moved]) is None  # exactly only where floats are finite
        value = as_float(value_at(e.sympy, dict(zip(syms, moved)))) if ok else math.nan
        if value < to_float(p.loss):
            break
    predicted = to_float(p.loss + exact(st) ** 2 * lam * uu / 2)
    lines = [line("u = {}", vec(u)),
             line("uᵀHu = λ·uᵀu = {} · {} = {} < 0", num(lam), num(uu), num(lam * uu)),
             line("t = {}:  w = w' + t·u = {}", float(st), vec(moved)),
             line("L(w) = {} < L(w') = {}" if value < to_float(p.loss) else "L(w) = {} ≥ L(w') = {}", value, num(p.loss)),
             line("L(w') + ½t²·uᵀHu = {}  (the second-order estimate)", predicted)]
    note = ("L decreases: update w along u (or −u) to escape the saddle" if value < to_float(p.loss) else
            "L does not decrease even at t = 0.001: higher-order terms dominate near this point")
    sol.add(Step("Escape direction", "L(w' + t·u) ≈ L(w') + ½ t² uᵀHu", lines=lines, note=note,
                 prose=[f"u is the eigenvector of the most negative eigenvalue, λ = {to_float(lam):g}"]))
    sol.answer["escape_direction"] = [to_float(x) for x in u]
    sol.answer["escape_step"] = float(st)
    sol.answer["loss_after_escape"] = value


def _answer(answer: dict, names: list[str], p: Point) -> None:
    answer.update(
        variables=list(names),
        gradient=p.g_float,
        hessian=p.H_float.tolist(),
        eigenvalues=p.lam_float,
        classification=p.classification,
        point=[to_float(v) for v in p.w],
        loss=to_float(p.loss),
        eigenvectors=[[to_float(x) for x in u] for u in p.vectors],
    )
    if any(_has_exact_form(v) for v in p.g):
        answer["gradient_exact"] = [str(v) for v in p.g]
    if any(_has_exact_form(v) for v in p.H):
        answer["hessian_exact"] = [[str(v) for v in row] for row in p.H.tolist()]
    if p.exact_eigen and any(_has_exact_form(v) for v in p.eigenvalues):
        answer["eigenvalues_exact"] = [str(v) for v in p.eigenvalues]


# ── no point given: find the critical points ───────────────────────────────

def _critical_points(sol: Solution, e: Expr, names: list[str], grad: list, H_sym: Any) -> None:
    points, families, why = _solve(e, names, grad)
    keys = ("critical_points", "gradient", "hessian", "eigenvalues", "classification", "minimum_ratio")
    sol.answer.update({"variables": list(names), **{k: [] for k in keys}, "solved": why is None})
    if why is not None:
        sol.add(Step("Critical points: solve g = 0", prose=[f"Could not solve g = 0 symbolically: {why}.",
                                                             "Give a point to examine with --at (or 'at:' in a file)."]))
        sol.warnings.append(f"critical points not found: {why}; give a point with --at")
        return
    lines = [line("w' = {}", vec(w)) for w in points] + [t(f"a continuum: {f}") for f in families]
    sol.add(Step("Critical points: solve g = 0", prose=[] if lines else ["g = 0 has no real solution: "
                                                                          "L has no critical point"], lines=lines))
    if families:
        sol.answer["critical_sets"] = families
        sol.warnings.append("some critical points form a continuum (" + "; ".join(families) + "); along it H has a "
                            "zero eigenvalue, so those points are not listed one by one")
    for k, w in enumerate(points, 1):
        try:
            p = analyse(e, names, w, grad, H_sym)
        except BadInput as err:  # a root of the numerator where L itself is undefined or has a kink
            sol.add(Step(f"Critical point {k}: left out", "w'", line("{}", vec(w)), note=err.message))
            continue
        lines = [line(f"λ{subscript(i + 1)} = {{}}", num(v)) for i, v in enumerate(p.eigenvalues)]
        if p.classification == "saddle":
            lines.append(line("u = {}  (escape direction)", vec(p.vectors[0])))
        sol.add(Step(f"Critical point {k}: {CLASS_TEXT[p.classification]}", "w'", line("{}", vec(w)), lines=lines,
                     grids=[Grid("H", p.H_float)], note=p.reason))
        ans: dict = {}
        _answer(ans, names, p)
        for key in ("gradient", "hessian", "eigenvalues", "classification"):
            sol.answer[key].append(ans[key])
        sol.answer["critical_points"].append(ans["point"])
        sol.answer["minimum_ratio"].append(p.positives / len(names))


def _solve(e: Expr, names: list[str], grad: list) -> tuple[list, list[str], str | None]:
    """Real isolated solutions of g = 0, continua as text, or why it could not be done."""
    import sympy

    syms = [e.symbols[n] for n in names]
    if len(syms) > MAX_SOLVE_VARS:
        return [], [], f"more than {MAX_SOLVE_VARS} variables"
    equations = []
    for gi in grad:
        numerator = _never_zero_dropped(sympy.fraction(sympy.together(gi))[0])
        if numerator.is_number:  # ∂L/∂w constant: no condition when 0, no solution otherwise (sympy can hang on it)
            if numerator.is_zero or as_float(numerator) == 0:
                continue
            return [], [], None
        if not numerator.is_polynomial(*syms):
            return [], [], "g = 0 is not a polynomial system (only those, times factors such as exp(…), are solved here)"
        if sympy.Poly(numerator, *syms).total_degree() > MAX_SOLVE_DEGREE:
            return [], [], f"the gradient has degree above {MAX_SOLVE_DEGREE}"
        equations.append(numerator)
    try:
        solutions = sympy.solve(equations, syms, dict=True)
    except (NotImplementedError, ValueError) as err:
        return [], [], f"sympy could not solve it ({err})"
    points, families = [], []
    for s in solutions:
        values = [s.get(x, x) for x in syms]
        if any(v.free_symbols for v in values):
            families.append(", ".join(f"{n} = {show(v)}" for n, v in zip(names, values) if v != e.symbols[n])
                            or "every point")
            continue
        if all(_is_real(v) for v in values):
            points.append([sympy.re(v) if v.is_real is not True else v for v in values])
    points.sort(key=lambda w: [to_float(v) for v in w])
    if len(points) > MAX_POINTS:
        return [], [], f"{len(points)} critical points (more than {MAX_POINTS})"
    return points, families, None


def _never_zero_dropped(numerator: Any) -> Any:
    """w²·exp(w) = 0 ⇔ w² = 0: drop factors that are never zero (exp(…) and its powers)."""
    import sympy

    keep = [f for f in sympy.Mul.make_args(sympy.powsimp(numerator))
            if not (isinstance(f, sympy.exp) or (f.is_Pow and isinstance(f.base, sympy.exp)))]
    return sympy.Mul(*keep)


def _is_real(v: Any) -> bool:
    if v.is_real is not None:
        return bool(v.is_real)
    z = complex(v.evalf())
    return abs(z.imag) <= 1e-12 * max(1.0, abs(z.real))
