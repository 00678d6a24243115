"""Optimiser traces on a loss expression: gradient descent, momentum, Adagrad, RMSProp, Adam.

The course's definitions (deep-learning notes, 'Adaptive Learning Rate'), per parameter i:
  gd        θ_{t+1} = θ_t − η g_t
  momentum  m_{t+1} = λ m_t − η g_t,  θ_{t+1} = θ_t + m_{t+1},  m_0 = 0
  adagrad   σ_t = √( (g_0² + … + g_t²) / (t+1) ),  θ_{t+1} = θ_t − η g_t / σ_t
            (PyTorch: σ_t = √(g_0² + … + g_t²) + ε, with --adagrad-sum)
  rmsprop   σ_0 = |g_0|,  σ_t = √(α σ_{t−1}² + (1−α) g_t²),  θ_{t+1} = θ_t − η g_t / σ_t
            (PyTorch: v_t = α v_{t−1} + (1−α) g_t² from v = 0, σ_t = √v_t + ε, with --rmsprop-torch)
  adam      m_t = β1 m_{t−1} + (1−β1) g_t,  v_t = β2 v_{t−1} + (1−β2) g_t²,
            m̂_t = m_t / (1−β1^t),  v̂_t = v_t / (1−β2^t),  θ_t = θ_{t−1} − η m̂_t / (√v̂_t + ε)   (t from 1)
Gradients come from the symbolic expression (sympy), evaluated in float64 (calc.calculus.numeric).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from dlcalc.calc.errors import BadInput, closest
from dlcalc.calc.calculus import (check_point, failure_text, first_failure, gradient, gradient_step, kinks, loss_text,
                                  numeric, per_expression, subscript)
from dlcalc.calc.expr import Expr, parse
from dlcalc.calc.solution import Slip, Solution, Step, Table, conventions, t, with_wrong

METHODS = ("gd", "momentum", "adagrad", "rmsprop", "adam")
TITLES = {"gd": "Gradient descent", "momentum": "Gradient descent with momentum", "adagrad": "Adagrad",
          "rmsprop": "RMSProp", "adam": "Adam"}
DEFAULTS = {"momentum": 0.9, "alpha": 0.9, "beta1": 0.9, "beta2": 0.999}
USED_BY = {"momentum": ("momentum",), "alpha": ("rmsprop",), "beta1": ("adam",), "beta2": ("adam",)}
TORCH_EPS = {"adam": 1e-8, "adagrad": 1e-10, "rmsprop": 1e-8}   # PyTorch's defaults
MAX_STEPS = 10_000
WORKED = 2            # iterations written out in full before the table
TABLE_HEAD, TABLE_TAIL = 20, 5   # iterations shown when the table is long


@dataclass(frozen=True)
class Wrong:
    """Wrong conventions students use: only slips set them, and grading solves again with them."""

    ascent: bool = False            # θ + η g
    bias_correction: bool = True    # False: Adam without m̂, v̂
    eps_inside: bool = False        # Adam's √(v̂ + ε), as the slide prints it
    momentum_average: bool = False  # m ← λm + (1−λ)g, θ ← θ − ηm


RIGHT = Wrong()


@dataclass
class Settings:
    method: str
    lr: float
    momentum: float
    alpha: float
    beta1: float
    beta2: float
    eps: float
    adagrad_sum: bool
    ascent: bool            # slip: θ + η g
    bias_correction: bool   # slip when False: Adam without m̂, v̂
    eps_inside: bool        # slip: Adam's √(v̂ + ε), as the slide prints it
    momentum_average: bool  # slip: m ← λm + (1−λ)g, θ ← θ − ηm
    rmsprop_torch: bool     # PyTorch's RMSprop: v from 0, σ = √v + ε


def tw(template: str, *values: Any):
    """t() that writes a negative number in brackets after an operator: 0.1·(-4), not 0.1·-4."""
    parts = template.split("{}")
    out = parts[0]
    for value, part in zip(values, parts[1:]):
        after_op = out.rstrip() and not out.rstrip().endswith("=")
        out += ("({})" if after_op and isinstance(value, (int, float, np.number)) and value < 0 else "{}") + part
    return t(out, *values)


# ── one update per method: (t, g, state) → (Δθ, the state columns of the table) ──

def _gd(s: Settings, t: int, g: np.ndarray, state: dict) -> tuple[np.ndarray, dict]:
    return -s.lr * g, {}


def _momentum(s: Settings, t: int, g: np.ndarray, state: dict) -> tuple[np.ndarray, dict]:
    m = state.get("m", np.zeros_like(g))
    if s.momentum_average:
        m = s.momentum * m + (1 - s.momentum) * g
        state["m"] = m
        return -s.lr * m, {"mₜ₊₁": m}
    m = s.momentum * m - s.lr * g
    state["m"] = m
    return m, {"mₜ₊₁": m}


def _adagrad(s: Settings, t: int, g: np.ndarray, state: dict) -> tuple[np.ndarray, dict]:
    state["sum"] = state.get("sum", np.zeros_like(g)) + g * g
    sigma = np.sqrt(state["sum"]) + s.eps if s.adagrad_sum else np.sqrt(state["sum"] / (t + 1))
    return _scaled(-s.lr * g, sigma), {"σₜ": sigma}


def _rmsprop(s: Settings, t: int, g: np.ndarray, state: dict) -> tuple[np.ndarray, dict]:
    if s.rmsprop_torch:
        v = s.alpha * state.get("v", np.zeros_like(g)) + (1 - s.alpha) * g * g
        state["v"] = v
        sigma = np.sqrt(v) + s.eps
        return _scaled(-s.lr * g, sigma), {"vₜ": v, "σₜ": sigma}
    if t == 0:
        sigma = np.abs(g)
    else:
        sigma = np.sqrt(s.alpha * state.get("sigma", np.zeros_like(g)) ** 2 + (1 - s.alpha) * g * g)
    state["sigma"] = sigma
    return _scaled(-s.lr * g, sigma), {"σₜ": sigma}


def _adam(s: Settings, t: int, g: np.ndarray, state: dict) -> tuple[np.ndarray, dict]:
    k = t + 1  # Adam counts from 1
    m = s.beta1 * state.get("m", np.zeros_like(g)) + (1 - s.beta1) * g
    v = s.beta2 * state.get("v", np.zeros_like(g)) + (1 - s.beta2) * g * g
    state.update(m=m, v=v)
    m_hat = m / (1 - s.beta1 ** k) if s.bias_correction else m
    v_hat = v / (1 - s.beta2 ** k) if s.bias_correction else v
    den = np.sqrt(v_hat + s.eps) if s.eps_inside else np.sqrt(v_hat) + s.eps
    cols = {"mₜ": m, "vₜ": v}
    if s.bias_correction:
        cols.update({"m̂ₜ": m_hat, "v̂ₜ": v_hat})
    return _scaled(-s.lr * m_hat, den), cols


def _scaled(numerator: np.ndarray, den: np.ndarray) -> np.ndarray:
    """numerator / den, where den = 0 only when every gradient so far is 0: that coordinate does not move."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den == 0, 0.0, numerator / np.where(den == 0, 1.0, den))


UPDATES: dict[str, Callable[[Settings, int, np.ndarray, dict], tuple[np.ndarray, dict]]] = {
    "gd": _gd, "momentum": _momentum, "adagrad": _adagrad, "rmsprop": _rmsprop, "adam": _adam}


# ── the loss and its gradient as float functions, with checks ───────────────

class Loss:
    """L and ∇L as float functions of θ (numpy, node by node), with the points where they fail explained."""

    def __init__(self, e: Expr, names: list[str]) -> None:
        import sympy

        self.e, self.names = e, names
        syms = [e.symbols[n] for n in names]
        self.grad = gradient(e, names)
        self._f = numeric(e.sympy, syms)
        self._g = [numeric(gi, syms) for gi in self.grad]
        self._has_kinks = any(isinstance(node, (sympy.Abs, sympy.Max, sympy.Min, sympy.sign))
                              for node in sympy.preorder_traversal(e.sympy))

    def value(self, theta: np.ndarray) -> float:
        with np.errstate(all="ignore"):
            return float(self._f(theta))

    def values(self, *axes: np.ndarray) -> np.ndarray:
        """L on a grid (for contour plots): NaN where it is undefined or not real."""
        with np.errstate(all="ignore"):
            v = np.broadcast_to(self._f(axes), np.broadcast(*axes).shape).astype(float)
        return np.where(np.isfinite(v), v, np.nan)

    def gradient(self, theta: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            return np.array([g(theta) for g in self._g], dtype=float)

    def trouble(self, theta: np.ndarray) -> str:
        """Why L has no gradient at θ ('' when it has one, or when only float64 overflows)."""
        if self._has_kinks:
            found = kinks(self.e.sympy, [self.e.symbols[n] for n in self.names], theta)
            if found:
                return found[0]
        return "" if self.finite(theta) else self._why_not_finite(theta)

    def finite(self, theta: np.ndarray) -> bool:
        return bool(np.isfinite(self.value(theta)) and np.all(np.isfinite(self.gradient(theta))))

    def _why_not_finite(self, theta: np.ndarray) -> str:
        """A true singularity (log 0, √ at 0, 1/0, log of a negative), or only float64 overflow ('')?"""
        syms = [self.e.symbols[n] for n in self.names]
        for label, expr in [("L", self.e.sympy)] + [(f"∂L/∂{n}", gi) for n, gi in zip(self.names, self.grad)]:
            failure = first_failure(expr, syms, theta)
            if failure and failure[0] != "too large":
                return f"{label} is undefined there: {failure_text(*failure)}"
        return ""


def _loss(e: Expr, names: list[str]) -> Loss:
    """L and its gradient as float functions, once per expression."""
    return per_expression(_LOSSES, e, names, lambda: Loss(e, names))


_LOSSES: dict[tuple, Loss] = {}


# ── the worked solution ─────────────────────────────────────────────────────

def optimize(expr: str | Expr, at: dict[str, float], method: str = "gd", lr: float = 0.1, steps: int = 1,
             momentum: float | None = None, alpha: float | None = None, beta1: float | None = None,
             beta2: float | None = None, eps: float | None = None, adagrad_sum: bool = False,
             rmsprop_torch: bool = False, wrong: Wrong = RIGHT) -> Solution:
    """Run `steps` updates of `method` from the point `at` (variables in its order) and show every one.

    `adagrad_sum` and `rmsprop_torch` switch to PyTorch's forms; `wrong` is set by grading slips only.
    """
    e = parse(expr)
    names = check_point(e, at)
    if method not in METHODS:
        raise BadInput(f"unknown method '{method}'{closest(method, METHODS)}; methods: {', '.join(METHODS)}", "method")
    if not (isinstance(steps, int) and 1 <= steps <= MAX_STEPS):
        raise BadInput(f"must be a whole number from 1 to {MAX_STEPS}, got {steps!r}", "steps")
    if not lr > 0:
        raise BadInput(f"must be > 0, got {lr!r}", "lr")
    torch = method == "adam" or (method == "adagrad" and adagrad_sum) or (method == "rmsprop" and rmsprop_torch)
    warnings = _unused(method, torch, momentum=momentum, alpha=alpha, beta1=beta1, beta2=beta2, eps=eps,
                       adagrad_sum=adagrad_sum or None, rmsprop_torch=rmsprop_torch or None)
    s = Settings(method, float(lr), momentum=_param("momentum", momentum), alpha=_param("alpha", alpha),
                 beta1=_param("beta1", beta1), beta2=_param("beta2", beta2),
                 eps=_eps(eps, TORCH_EPS[method] if torch else 0.0), adagrad_sum=adagrad_sum,
                 ascent=wrong.ascent, bias_correction=wrong.bias_correction, eps_inside=wrong.eps_inside,
                 momentum_average=wrong.momentum_average, rmsprop_torch=rmsprop_torch)
    theta0 = np.array([float(at[n]) for n in names])
    if not np.all(np.isfinite(theta0)):
        raise BadInput("the start point must be finite numbers", "at")
    loss = _loss(e, names)
    sol = Solution("optimize", [], {}, warnings, title=f"{TITLES[method]} on {loss_text(e, names, 50)}")
    sol.add(conventions(*_conventions(s, e, names)))
    sol.add(gradient_step(names, loss.grad))
    _run(sol, s, loss, names, theta0, steps)
    return sol


def _param(name: str, value: float | None) -> float:
    v = DEFAULTS[name] if value is None else float(value)
    upper_open = name in ("beta1", "beta2")
    if not (0 <= v < 1 if upper_open else 0 <= v <= 1):
        raise BadInput(f"must lie in [0, 1{')' if upper_open else ']'}, got {value!r}", name)
    return v


def _eps(eps: float | None, default: float) -> float:
    if eps is None:
        return default
    if not eps >= 0:
        raise BadInput(f"must be ≥ 0, got {eps!r}", "eps")
    return float(eps)


def _unused(method: str, torch: bool, **given: Any) -> list[str]:
    """Warnings for options the chosen method ignores."""
    out = [f"--{k} is not used by {method}; ignored" for k, v in given.items()
           if v is not None and k in USED_BY and method not in USED_BY[k]]
    if given["eps"] is not None and not torch:
        out.append(f"--eps is not used by {method} (only by adam, adagrad with --adagrad-sum and rmsprop with "
                   "--rmsprop-torch: the course's forms have no ε); ignored")
    for flag, owner in (("adagrad_sum", "adagrad"), ("rmsprop_torch", "rmsprop")):
        if given[flag] and method != owner:
            out.append(f"--{flag.replace('_', '-')} is only for {owner}; ignored")
    return out


def _g(x: float) -> str:
    """1e-08 → 1e-8: a parameter written as people write it."""
    return re.sub(r"e([+-])0*(?=\d)", lambda m: "e" + m.group(1).strip("+"), f"{x:g}")


def _conventions(s: Settings, e: Expr, names: list[str]) -> list[str]:
    theta = names[0] if len(names) == 1 else f"({', '.join(names)}) in the order of the start point"
    lines = [f"{loss_text(e, names)}  (read from '{e.text}'); θ = {theta}",
             f"learning rate η = {_g(s.lr)}; each parameter is updated on its own"]
    sign = "+" if s.ascent else "−"
    rule = {
        "gd": f"θ_(t+1) = θ_t {sign} η g_t",
        "momentum": (f"m_(t+1) = λ m_t + (1 − λ) g_t, θ_(t+1) = θ_t {sign} η m_(t+1)" if s.momentum_average else
                     f"m_(t+1) = λ m_t {sign} η g_t, θ_(t+1) = θ_t + m_(t+1)") + f", m_0 = 0, λ = {_g(s.momentum)}",
        "adagrad": ("σ_t = √(g_0² + … + g_t²) + ε (PyTorch's root of the sum, --adagrad-sum), ε = "
                    f"{_g(s.eps)}" if s.adagrad_sum else "σ_t = √((g_0² + … + g_t²)/(t+1)), the root mean square "
                    "of past gradients (the course's Adagrad; --adagrad-sum for PyTorch's)")
                   + f"; θ_(t+1) = θ_t {sign} η g_t / σ_t",
        "rmsprop": (f"v_t = α v_(t−1) + (1 − α) g_t², v_(−1) = 0, σ_t = √v_t + ε (PyTorch's RMSprop, --rmsprop-torch), "
                    f"ε = {_g(s.eps)}" if s.rmsprop_torch else
                    "σ_0 = |g_0|, σ_t = √(α σ_(t−1)² + (1 − α) g_t²) (the course's RMSProp; --rmsprop-torch for PyTorch's)")
                   + f", α = {_g(s.alpha)}; θ_(t+1) = θ_t {sign} η g_t / σ_t",
        "adam": "m_t = β1 m_(t−1) + (1 − β1) g_t, v_t = β2 v_(t−1) + (1 − β2) g_t², m_0 = v_0 = 0, t from 1; "
                + ("m̂_t = m_t/(1 − β1^t), v̂_t = v_t/(1 − β2^t) (bias correction); " if s.bias_correction else
                   "no bias correction; ")
                + f"θ_t = θ_(t−1) {sign} η {'m̂_t' if s.bias_correction else 'm_t'} / "
                + ("√(v̂_t + ε)" if s.eps_inside else "(√v̂_t + ε)")
                + f"; β1 = {_g(s.beta1)}, β2 = {_g(s.beta2)}, ε = {_g(s.eps)}",
    }[s.method]
    lines.append(rule)
    if (s.method == "adagrad" and not s.adagrad_sum) or (s.method == "rmsprop" and not s.rmsprop_torch):
        lines.append("a parameter whose gradients so far are all 0 has σ = 0 and does not move (0/0 taken as 0)")
    return lines


def _run(sol: Solution, s: Settings, loss: Loss, names: list[str], theta: np.ndarray, steps: int) -> None:
    trajectory, losses, grads = [theta], [loss.value(theta)], []
    rows: list[list[Any]] = []
    state: dict = {}
    cols: dict = {}
    diverged = False
    update = UPDATES[s.method]
    for k in range(steps):
        if not diverged:
            _check(loss, theta, k, names)
        g = loss.gradient(theta)
        prev = cols
        with np.errstate(all="ignore"):  # a diverging run overflows: reported once below, not by numpy
            delta, cols = update(s, k, -g if s.ascent else g, state)
            new = theta + delta
        if not diverged and not np.all(np.isfinite(new)):
            diverged = True
            sol.warnings.append(f"the iterates diverge (θ is no longer finite after step {k + 1}): η = {_g(s.lr)} is too large")
        if k < WORKED:
            sol.add(_worked(s, k, names, theta, grads + [g], prev, cols, new))
        rows += _rows(s, k, names, theta, g, cols, delta, new, losses[-1])
        theta = new
        trajectory.append(theta)
        losses.append(loss.value(theta))
        grads.append(g)
    if not diverged and _growing(losses) and not s.ascent:
        sol.warnings.append(f"the loss grows from {_g(losses[0])} to {_g(losses[-1])} in {steps} steps: the iterates "
                            f"diverge; η = {_g(s.lr)} is too large for this L")
    table = _table_step(s, rows, names, steps)
    for step in _split(table, len(names)) if s.method == "adam" else [table]:
        sol.add(step)
    if len(names) > 1:
        sol.add(_losses_step(losses, steps))
    final = trajectory[-1]
    k = subscript(steps)
    point = "{}" if len(names) == 1 else f"({', '.join('{}' for _ in names)})"
    sol.add(Step("Result", lines=[t(f"θ{k} = {point}", *final), t(f"L(θ₀) = {{}} → L(θ{k}) = {{}}", losses[0], losses[-1])]))
    sol.answer.update(trajectory=np.array(trajectory), final=final, final_loss=losses[-1], losses=losses,
                      gradients=np.array(grads), variables=list(names), method=s.method)


def _growing(losses: list[float]) -> bool:
    """Still rising at the end and ten times the start: a descent that diverges (one bad step is not)."""
    start, end = abs(losses[0]), losses[-1]
    return len(losses) > 2 and np.isfinite(end) and end > losses[-2] > losses[-3] and end > 10 * max(start, 1e-12)


def _check(loss: Loss, theta: np.ndarray, k: int, names: list[str]) -> None:
    why = loss.trouble(theta)
    if not why and k == 0 and not loss.finite(theta):  # later, overflow is divergence (a warning), not bad input
        why = "L or its gradient is too large for float64 there"
    if not why:
        return
    point = ", ".join(f"{n} = {x:.6g}" for n, x in zip(names, theta))
    if k == 0:
        raise BadInput(f"L has no gradient at the start point ({point}): {why}", "at")
    raise BadInput(f"step {k + 1} starts at ({point}), where L has no gradient: {why}; "
                   "change the start point, the learning rate or the number of steps")


def _worked(s: Settings, k: int, names: list[str], theta, history: list, prev: dict, cols: dict, new) -> Step:
    """One iteration written out per parameter, the way a student writes it.

    `history`: the gradients so far, this one last; `prev`: the state columns before this update.
    """
    g = history[-1]
    sign = "+" if s.ascent else "−"
    lines = []
    for i, n in enumerate(names):
        was = {key: v[i] for key, v in prev.items()}
        now = {key: v[i] for key, v in cols.items()}
        head = subscript(k + 1) if s.method == "adam" else subscript(k)
        lines.append(tw(f"{n}: g{head} = ∂L/∂{n}(θ{subscript(k)}) = {{}}", g[i]))
        past = [h[i] for h in history]
        lines += [t("    " + x.template, *x.values)
                  for x in WORKED_LINES[s.method](s, k, theta[i], past, was, now, new[i], sign)]
    title = f"Update t = {k + 1}: θ{subscript(k)} → θ{subscript(k + 1)}" if s.method == "adam" else \
        f"Iteration t = {k}: θ{subscript(k)} → θ{subscript(k + 1)}"
    return Step(title, lines=lines)


def _gd_lines(s: Settings, k: int, theta, past, was, now, new, sign):
    g = past[-1]
    a, b = subscript(k), subscript(k + 1)
    return [tw(f"θ{b} = θ{a} {sign} η·g{a} = {{}} {sign} {{}}·{{}} = {{}}", theta, s.lr, g, new)]


def _momentum_lines(s: Settings, k: int, theta, past, was, now, new, sign):
    g = past[-1]
    a, b = subscript(k), subscript(k + 1)
    m0, m = was.get("mₜ₊₁", 0.0), now["mₜ₊₁"]
    if s.momentum_average:
        return [tw(f"m{b} = λ·m{a} + (1 − λ)·g{a} = {{}}·{{}} + {{}}·{{}} = {{}}", s.momentum, m0, 1 - s.momentum, g, m),
                tw(f"θ{b} = θ{a} {sign} η·m{b} = {{}} {sign} {{}}·{{}} = {{}}", theta, s.lr, m, new)]
    return [tw(f"m{b} = λ·m{a} {sign} η·g{a} = {{}}·{{}} {sign} {{}}·{{}} = {{}}", s.momentum, m0, s.lr, g, m),
            tw(f"θ{b} = θ{a} + m{b} = {{}} + {{}} = {{}}", theta, m, new)]


def _adaptive_lines(s: Settings, k: int, theta, past, was, now, new, sign):
    g = past[-1]
    a, b = subscript(k), subscript(k + 1)
    sigma = now["σₜ"]
    step = tw(f"θ{b} = θ{a} {sign} η·g{a}/σ{a} = {{}} {sign} {{}}·{{}}/{{}} = {{}}", theta, s.lr, g, sigma, new)
    if s.method == "adagrad":
        squares = " + ".join(f"g{subscript(j)}²" for j in range(k + 1))
        numbers = " + ".join("{}²" for _ in past)
        if s.adagrad_sum:
            first = tw(f"σ{a} = √({squares}) + ε = √({numbers}) + {{}} = {{}}", *past, s.eps, sigma)
        elif k == 0:
            first = tw("σ₀ = √(g₀²) = |g₀| = {}", sigma)
        else:
            first = tw(f"σ{a} = √(({squares})/{k + 1}) = √(({numbers})/{k + 1}) = {{}}", *past, sigma)
    elif s.rmsprop_torch:
        prev = f"v{subscript(k - 1) if k else '₋₁'}"
        return [tw(f"v{a} = α·{prev} + (1 − α)·g{a}² = {{}}·{{}} + {{}}·{{}}² = {{}}",
                   s.alpha, was.get("vₜ", 0.0), 1 - s.alpha, g, now["vₜ"]),
                tw(f"σ{a} = √v{a} + ε = √{{}} + {{}} = {{}}", now["vₜ"], s.eps, sigma), step]
    elif k == 0:
        first = tw("σ₀ = |g₀| = {}", sigma)
    else:
        first = tw(f"σ{a} = √(α·σ{subscript(k - 1)}² + (1 − α)·g{a}²) = √({{}}·{{}}² + {{}}·{{}}²) = {{}}",
                   s.alpha, was["σₜ"], 1 - s.alpha, g, sigma)
    return [first, step]


def _adam_lines(s: Settings, k: int, theta, past, was, now, new, sign):
    g = past[-1]
    n = k + 1
    a, b = subscript(k), subscript(n)
    m, v = now["mₜ"], now["vₜ"]
    out = [tw(f"m{b} = β1·m{a} + (1 − β1)·g{b} = {{}}·{{}} + {{}}·{{}} = {{}}", s.beta1, was.get("mₜ", 0.0), 1 - s.beta1, g, m),
           tw(f"v{b} = β2·v{a} + (1 − β2)·g{b}² = {{}}·{{}} + {{}}·{{}}² = {{}}", s.beta2, was.get("vₜ", 0.0), 1 - s.beta2, g, v)]
    mh, vh, hat = m, v, ""
    if s.bias_correction:
        mh, vh, hat = now["m̂ₜ"], now["v̂ₜ"], "̂"
        out += [tw(f"m̂{b} = m{b}/(1 − β1^{n}) = {{}}/{{}} = {{}}", m, 1 - s.beta1 ** n, mh),
                tw(f"v̂{b} = v{b}/(1 − β2^{n}) = {{}}/{{}} = {{}}", v, 1 - s.beta2 ** n, vh)]
    den = np.sqrt(vh + s.eps) if s.eps_inside else np.sqrt(vh) + s.eps
    root = f"√(v{hat}{b} + ε)" if s.eps_inside else f"(√v{hat}{b} + ε)"
    out.append(tw(f"θ{b} = θ{a} {sign} η·m{hat}{b}/{root} = {{}} {sign} {{}}·{{}}/{{}} = {{}}", theta, s.lr, mh, den, new))
    return out


WORKED_LINES = {"gd": _gd_lines, "momentum": _momentum_lines, "adagrad": _adaptive_lines, "rmsprop": _adaptive_lines,
                "adam": _adam_lines}


def _rows(s: Settings, k: int, names: list[str], theta, g, cols: dict, delta, new, loss_here: float) -> list[list]:
    """One row per parameter; with one parameter the row also carries L (no blank cells in number columns)."""
    rows = []
    for i, n in enumerate(names):
        row = [k + 1 if s.method == "adam" else k] + ([n] if len(names) > 1 else [])
        row += [theta[i], g[i]] + [c[i] for c in cols.values()] + ([delta[i]] if _shows_delta(s) else []) + [new[i]]
        rows.append(row + ([loss_here] if len(names) == 1 else []))
    return rows


def _table_step(s: Settings, rows: list[list], names: list[str], steps: int) -> Step:
    state = {"gd": [], "momentum": ["mₜ₊₁"], "adagrad": ["σₜ"], "rmsprop": ["vₜ", "σₜ"] if s.rmsprop_torch else ["σₜ"],
             "adam": ["mₜ", "vₜ"] + (["m̂ₜ", "v̂ₜ"] if s.bias_correction else [])}[s.method]
    n = len(names)
    before, after = ("θₜ₋₁", "θₜ") if s.method == "adam" else ("θₜ", "θₜ₊₁")
    headers = (["t"] + (["w"] if n > 1 else []) + [before, "gₜ"] + state + (["Δθ"] if _shows_delta(s) else []) + [after]
               + ([f"L({before})"] if n == 1 else []))
    first = 1 if s.method == "adam" else 0
    return Step("Every iteration", table=Table(headers, _shorten(rows, n, steps)), note=_left_out(steps, first))


def _shows_delta(s: Settings) -> bool:
    """The course's momentum moves by m itself: a Δθ column would repeat the m column."""
    return s.method != "momentum" or s.momentum_average


def _split(step: Step, n: int) -> list[Step]:
    """Adam's table is too wide for 80 columns: moments in one table, the moves in another."""
    table = step.table
    assert table is not None
    keys = 2 if n > 1 else 1
    moments = [i for i, h in enumerate(table.headers) if h in ("gₜ", "mₜ", "vₜ", "m̂ₜ", "v̂ₜ")]
    moves = [i for i in range(keys, len(table.headers)) if i not in moments]
    pick = lambda cols: Table([table.headers[i] for i in range(keys)] + [table.headers[i] for i in cols],  # noqa: E731
                              [r[:keys] + [r[i] for i in cols] for r in table.rows])
    return [Step("Every update: gradient and moments", table=pick(moments), note=step.note),
            Step("Every update: the move", table=pick(moves), note=step.note)]


def _losses_step(losses: list[float], steps: int) -> Step:
    rows = [[k, v] for k, v in enumerate(losses)]
    return Step("Loss at each θₜ", table=Table(["t", "L(θₜ)"], _shorten(rows, 1, steps + 1)), note=_left_out(steps + 1, 0))


def _shorten(rows: list[list], per: int, count: int) -> list[list]:
    """Long traces: the first iterations and the last few (the JSON answer has them all)."""
    if count <= TABLE_HEAD + TABLE_TAIL:
        return rows
    return rows[: TABLE_HEAD * per] + rows[-TABLE_TAIL * per:]


def _left_out(count: int, first: int) -> str:
    """What _shorten left out, by the t of the rows (t counts from `first`)."""
    if count <= TABLE_HEAD + TABLE_TAIL:
        return ""
    return f"t = {first + TABLE_HEAD}…{first + count - TABLE_TAIL - 1} are left out here; the JSON answer has every iteration"


# ── grading: the conventions students mix up ───────────────────────────────

def _only(method: str, change: dict, unless: Callable[[dict], bool] = lambda p: False, wrong: dict | None = None):
    """A slip of one method: `change` replaces parameters, `wrong` sets wrong conventions."""
    def params(p: dict) -> dict | None:
        if p.get("method", "gd") != method or unless(p):
            return None
        return with_wrong({**p, **change}, RIGHT, **(wrong or {}))
    return params


SLIPS = [
    Slip("gradient ascent (θ + ηg) instead of descent, or momentum added with the wrong sign",
         lambda p: with_wrong(p, RIGHT, ascent=True)),
    Slip("Adagrad with PyTorch's root of the sum instead of the course's root mean square",
         _only("adagrad", {"adagrad_sum": True}, lambda p: p.get("adagrad_sum"))),
    Slip("Adagrad with the course's root mean square instead of the root of the sum",
         _only("adagrad", {"adagrad_sum": False}, lambda p: not p.get("adagrad_sum"))),
    Slip("Adam without bias correction (m, v instead of m̂, v̂)", _only("adam", {}, wrong={"bias_correction": False})),
    Slip("Adam with ε inside the square root, √(v̂ + ε)", _only("adam", {}, wrong={"eps_inside": True})),
    Slip("momentum as a running average m ← λm + (1 − λ)g, θ ← θ − ηm", _only("momentum", {}, wrong={"momentum_average": True})),
    Slip("RMSProp as PyTorch's (σ² from 0, plus ε) instead of the course's σ₀ = |g₀|",
         _only("rmsprop", {"rmsprop_torch": True}, lambda p: p.get("rmsprop_torch"))),
    Slip("RMSProp as the course's (σ₀ = |g₀|) instead of PyTorch's",
         _only("rmsprop", {"rmsprop_torch": False}, lambda p: not p.get("rmsprop_torch"))),
]
