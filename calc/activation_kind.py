"""Activation functions and their derivatives at given points, worked one value at a time.

Element-wise functions come from the shared table in `calc.activations`; softmax is
taken over each row (the last axis) with the max subtracted first, and its derivative
is a Jacobian: `derivatives` holds its diagonal ∂s_i/∂z_i (same shape as the values),
`jacobian` the full matrix J_ij = s_i(δ_ij − s_j).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from dlcalc.calc.activations import Activation, activation, canonical, softmax
from dlcalc.calc.errors import BadInput
from dlcalc.calc.solution import Grid, Slip, Solution, Step, Text, conventions, t

NAMES = ("sigmoid", "tanh", "relu", "leaky_relu", "softmax", "linear", "step", "sign")
MAX_LINES = 64           # worked lines per step; the rest are in the answer
LEAKY_ALPHA = 0.01


def activation_name(name: Any, where: str = "name") -> str:
    """Canonical name (aliases such as `logistic` or `leaky` accepted); unknown names suggest the closest."""
    return canonical(name, NAMES, where)


def solve_activation(name: str, values: Any, alpha: float | None = None, slip_output_formula: bool = False,
                     relu_grad_at_zero: float = 0.0) -> Solution:
    """Values and derivatives of activation `name` at `values`.

    `slip_output_formula` (σ'(z) computed as z(1 − z)) and `relu_grad_at_zero` exist for slips.
    """
    name = activation_name(name)
    z = np.asarray(values, dtype=float)
    sol = Solution("activation", [], {})
    if alpha is not None and name != "leaky_relu":
        sol.warnings.append(f"alpha only applies to leaky_relu; ignored for {name}")
    if name == "softmax":
        _softmax(sol, z, slip_output_formula)
        return sol
    if name == "leaky_relu" and alpha is not None and not np.isfinite(alpha):
        raise BadInput(f"alpha must be a finite number, got {alpha}", "alpha")
    a = alpha if alpha is not None else LEAKY_ALPHA
    g = activation(name, alpha=a)
    sol.title = f"{_display(g)} and its derivative"
    out = g.f(z)
    d = _derivative(g, z, out, slip_output_formula, relu_grad_at_zero)
    sol.add(conventions(*_conventions(g)))
    sol.add(Step("Values", f"{g.symbol}(z) = {g.formula}",
                 lines=_capped([g.value_line(float(zi), float(oi)) for zi, oi in zip(z.ravel(), out.ravel())])))
    sol.add(Step("Derivatives", f"{g.symbol}'(z) = {g.derivative_formula}",
                 lines=_capped([g.slope_line(float(zi), float(oi), float(di))
                                for zi, oi, di in zip(z.ravel(), out.ravel(), d.ravel())])))
    if g.name in ("step", "sign") and np.any(z == 0):
        sol.warnings.append(f"{g.name} jumps at z = 0: not differentiable there; 0 is reported")
    scalar = (lambda a: float(a)) if z.ndim == 0 else (lambda a: a)  # noqa: E731
    sol.answer.update(values=scalar(out), derivatives=scalar(d))
    return sol


def _display(g: Activation) -> str:
    return {"σ": "Sigmoid σ", "id": "Linear (identity)"}.get(g.symbol, g.symbol)


def _conventions(g: Activation) -> list[str]:
    return [f"{g.symbol}(z) = {g.formula};  {g.symbol}'(z) = {g.derivative_formula}", *([g.convention] * bool(g.convention))]


def _derivative(g: Activation, z: np.ndarray, out: np.ndarray, slip: bool, relu_at_zero: float) -> np.ndarray:
    if slip and g.name == "sigmoid":
        return z * (1 - z)      # the output formula applied to the input
    if slip and g.name == "tanh":
        return 1 - z ** 2
    d = np.asarray(g.df(z), dtype=float)
    if g.name == "relu":
        d = np.where(z == 0, relu_at_zero, d)
    return d


def _capped(lines: list[Text]) -> list[Text]:
    if len(lines) <= MAX_LINES:
        return lines
    return lines[:MAX_LINES] + [Text(f"… {len(lines) - MAX_LINES} more in the answer")]


# ── softmax ─────────────────────────────────────────────────────────────────

def _softmax(sol: Solution, z: np.ndarray, slip: bool) -> None:
    if z.ndim > 2:
        raise BadInput(f"softmax takes a vector or one row per sample, got {z.ndim} dimensions", "values")
    rows = np.atleast_2d(z)
    s = softmax(rows, axis=-1)
    sol.title = "Softmax and its Jacobian"
    sol.add(conventions(
        "softmax over each row: s_i = e^(z_i) / Σ_j e^(z_j)",
        "the row's max is subtracted first: e^(z_i − m) / Σ_j e^(z_j − m) is the same value and never overflows",
        "derivatives = the Jacobian's diagonal ∂s_i/∂z_i = s_i(1 − s_i); "
        "jacobian = the full matrix ∂s_i/∂z_j = s_i(δ_ij − s_j)",
    ))
    many = rows.shape[0] > 1
    shift_lines, exp_lines, value_lines, diag_lines, grids = [], [], [], [], []
    jac = np.empty(rows.shape + (rows.shape[1],))
    diag = np.empty_like(s)
    for r, (zr, sr) in enumerate(zip(rows, s)):
        tag = f"row {r + 1}: " if many else ""
        m = float(zr.max())
        with np.errstate(over="ignore"):  # as in softmax(): a −inf shift is e^−inf = 0
            shifted = zr - m
        e = np.exp(shifted)
        total = float(e.sum())
        shift_lines.append(t(f"{tag}m = max z = {{}};  z − m = ({_list(zr)})", m, *shifted))
        exp_lines.append(t(f"{tag}" + ",  ".join("e^({}) = {}" for _ in shifted) + ";  Σ = {}",
                           *[x for pair in zip(shifted, e) for x in pair], total))
        value_lines += [t(f"{tag}s_{i + 1} = {{}} / {{}} = {{}}", e[i], total, sr[i]) for i in range(sr.size)]
        jac[r] = np.diag(sr) - np.outer(sr, sr)
        diag[r] = zr * (1 - zr) if slip else np.diag(jac[r])
        diag_lines += [t(f"{tag}∂s_{i + 1}/∂z_{i + 1} = {{}}·(1 − {{}}) = {{}}", sr[i], sr[i], diag[r, i])
                       for i in range(sr.size)]
        grids.append(Grid(f"J{'_' + str(r + 1) if many else ''}", jac[r],
                          [(i, i) for i in range(sr.size)]))
    sol.add(Step("Subtract the max", "z − max z", lines=_capped(shift_lines)))
    sol.add(Step("Exponentials", "e^(z_j − m) and their sum", lines=_capped(exp_lines)))
    sol.add(Step("Softmax", "s_i = e^(z_i − m) / Σ_j e^(z_j − m)", lines=_capped(value_lines)))
    sol.add(Step("Derivatives (the Jacobian's diagonal)", "∂s_i/∂z_i = s_i(1 − s_i)", lines=_capped(diag_lines)))
    sol.add(Step("Jacobian", "J = diag(s) − s sᵀ,  J_ij = s_i(δ_ij − s_j)", grids=grids[:MAX_LINES]))
    shape = z.shape if z.ndim else (1,)
    sol.answer.update(values=s.reshape(shape), derivatives=diag.reshape(shape),
                      jacobian=jac[0] if z.ndim < 2 else jac)


def _list(v: np.ndarray) -> str:
    return ", ".join("{}" for _ in v)


# ── slips ───────────────────────────────────────────────────────────────────

def _on_input(p: dict):
    return {**p, "slip_output_formula": True} if activation_name(p["name"]) in ("sigmoid", "tanh", "softmax") else None


def _relu_zero(p: dict):
    hits = activation_name(p["name"]) == "relu" and np.any(np.asarray(p["values"], dtype=float) == 0)
    return {**p, "relu_grad_at_zero": 1.0} if hits else None


def _leaky_as_relu(p: dict):
    hits = activation_name(p["name"]) == "leaky_relu" and np.any(np.asarray(p["values"], dtype=float) < 0)
    return {**p, "name": "relu", "alpha": None} if hits else None


SLIPS = [
    Slip("derivative through the output formula applied to z (σ'(z) taken as z(1 − z))", _on_input),
    Slip("ReLU'(0) taken as 1", _relu_zero),
    Slip("ReLU instead of leaky ReLU (negative inputs set to 0)", _leaky_as_relu),
]
