"""Activation functions and their derivatives, shared by every kind that has neurons, and the
`activation` kind, which works them at given points.

`derivative` is written in terms of the input z (net); where the lecture writes it
through the output (σ' = σ(1 − σ)), `formula` says so for the worked steps.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from dlcalc.calc.errors import BadInput, closest, quote
from dlcalc.calc.solution import Grid, Slip, Solution, Step, Text, conventions, paren, t


def sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=float)))  # = 1/(1+e^−z), stable for large |z|


def softmax(z, axis: int = -1):
    z = np.asarray(z, dtype=float)
    with np.errstate(over="ignore"):  # z − max may reach −inf (|z| near 1e308): e^−inf = 0 is right
        e = np.exp(z - z.max(axis=axis, keepdims=True))  # max subtracted: no overflow
    return e / e.sum(axis=axis, keepdims=True)


Work = Callable[..., tuple[str, tuple]]  # the numbers of a worked line: a template of `{}` and its values


def _no_work(*numbers: float) -> tuple[str, tuple]:
    return "", ()


@dataclass(frozen=True)
class Activation:
    """An activation and how a step writes it: each carries its own worked lines, as a sympy class carries
    its own printing, so that backprop, cnn, neuron and the activation kind all write σ, tanh or ReLU alike."""

    name: str
    symbol: str        # how a step writes it: σ, tanh, ReLU
    formula: str       # f(z)
    derivative_formula: str
    f: Callable[[np.ndarray], np.ndarray]
    df: Callable[[np.ndarray], np.ndarray]  # derivative with respect to z, element-wise
    work: Work = _no_work                   # (z, out) → the middle of `g(z) = … = out`
    piece: Callable[[float], str] | None = None  # (z) → which piece of a piecewise g applies: `{v} ≥ 0`
    through_out: str = ""                   # g' written through the output {o}, as the lecture writes σ'
    slope_work: Work = _no_work             # (out) → the numbers of `through_out`
    kink: Callable[[float], str] | None = None  # (z) → why g'(z) is what it is: `{v} > 0`, `{v} = 0, by convention`
    convention: str = ""                    # what the Conventions step says about it

    def value_line(self, z: float, out: float, lead: str = "", brief: bool = False) -> Text:
        """`σ(0.5) = 1 / (1 + e^(−0.5)) = 1 / (1 + 0.61) = 0.62` after `lead` (`out_h1 = `); `brief`
        leaves out the middle, as a forward pass through many units does."""
        middle, values = ("", ()) if brief else self.work(z, out)
        note = f"  ({self.piece(z).format(v='z')})" if self.piece and not brief else ""
        return t(f"{lead}{self.symbol}({{}}) = {middle + ' = ' if middle else ''}{{}}{note}", z, *values, out)

    def slope_line(self, z: float, out: float, d: float, unit: str | None = None) -> Text:
        """`σ'(0.5) = 0.62·(1 − 0.62) = 0.24`; for a `unit` (h1) backprop's `∂out_h1/∂net_h1 =
        out_h1(1 − out_h1) = …`, with the net named where the kink decides."""
        if unit:
            symbolic = self.through_out.format(o=f"out_{unit}")
            lead, head = f"∂out_{unit}/∂net_{unit} = " + (f"{symbolic} = " if symbolic else ""), ()
        else:
            lead, head = f"{self.symbol}'({{}}) = ", (z,)
        middle, values = self.slope_work(out) if self.through_out else ("", ())
        note, at = "", ()
        if self.kink:
            phrase, named = self.kink(z), unit and z != 0 and "{v}" in self.kink(z)
            note = f"  ({phrase.format(v=f'net_{unit} = {{}}' if named else f'net_{unit}' if unit else 'z')})"
            at = (z,) if named else ()
        return t(f"{lead}{middle + ' = ' if middle else ''}{{}}{note}", *head, *values, d, *at)


def _sigmoid_work(z: float, out: float) -> tuple[str, tuple]:
    with np.errstate(over="ignore", under="ignore"):  # e^1000 = inf is shown as such: σ = 1/(1 + inf) = 0
        e = float(np.exp(-z))
    return "1 / (1 + e^({})) = 1 / (1 + {})", (-z, e)


def _tanh_work(z: float, out: float) -> tuple[str, tuple]:
    if abs(z) > 20:
        return "", ()
    ez, emz = float(np.exp(z)), float(np.exp(-z))
    return "({} − {}) / ({} + {})", (ez, emz, ez, emz)


def _relu_kink(z: float) -> str:
    return "{v} > 0" if z > 0 else "{v} = 0, by convention" if z == 0 else "{v} < 0"


def _jump(z: float) -> str:
    return "undefined at {v} = 0; 0 reported" if z == 0 else "flat"


def _at_zero_or_above(z: float) -> str:
    return "{v} ≥ 0" if z >= 0 else "{v} < 0"


def _leaky(alpha: float) -> Activation:
    return Activation(
        "leaky_relu", "LeakyReLU", f"max({alpha:g}z, z)", f"1 if z > 0 else {alpha:g}",
        lambda z: np.where(np.asarray(z) > 0, z, alpha * np.asarray(z, dtype=float)),
        lambda z: np.where(np.asarray(z) > 0, 1.0, alpha),
        work=lambda z, out: ("", ()) if z > 0 else (f"{{}}·{paren(z)}", (alpha, z)),
        piece=lambda z: "{v} > 0" if z > 0 else "{v} ≤ 0", kink=_relu_kink,
        convention="at z = 0 the derivative is taken as α (the subgradient PyTorch uses; the kink has no derivative)",
    )


_FLAT = "the derivative is 0 wherever it exists (z ≠ 0)"
ACTIVATIONS: dict[str, Activation] = {
    a.name: a for a in [
        Activation("sigmoid", "σ", "1 / (1 + e^(−z))", "σ(z)(1 − σ(z))", sigmoid,
                   lambda z: sigmoid(z) * (1 - sigmoid(z)), work=_sigmoid_work,
                   through_out="{o}(1 − {o})", slope_work=lambda out: ("{}·(1 − {})", (out, out)),
                   convention="σ is computed as ½(1 + tanh(z/2)), which never overflows; "
                              "σ' is written through the output σ(z), not through z"),
        Activation("tanh", "tanh", "(e^z − e^(−z)) / (e^z + e^(−z))", "1 − tanh²(z)", np.tanh,
                   lambda z: 1 - np.tanh(z) ** 2, work=_tanh_work,
                   through_out="1 − {o}²", slope_work=lambda out: (f"1 − {paren(out)}²", (out,)),
                   convention="tanh' is written through the output tanh(z), not through z"),
        Activation("relu", "ReLU", "max(0, z)", "1 if z > 0 else 0",
                   lambda z: np.maximum(0.0, z), lambda z: (np.asarray(z) > 0).astype(float),
                   work=lambda z, out: ("max(0, {})", (z,)), kink=_relu_kink,
                   convention="at z = 0 the derivative is taken as 0 "
                              "(the subgradient PyTorch uses; the kink has no derivative)"),
        _leaky(0.01),
        Activation("linear", "id", "z", "1", lambda z: np.asarray(z, dtype=float),
                   lambda z: np.ones_like(np.asarray(z, dtype=float))),
        Activation("step", "step", "1 if z ≥ 0 else 0", "0 (undefined at 0)",
                   lambda z: (np.asarray(z) >= 0).astype(float), lambda z: np.zeros_like(np.asarray(z, dtype=float)),
                   piece=_at_zero_or_above, kink=_jump, convention=_FLAT),
        Activation("sign", "sign", "+1 if z ≥ 0 else −1", "0 (undefined at 0)",
                   lambda z: np.where(np.asarray(z) >= 0, 1.0, -1.0), lambda z: np.zeros_like(np.asarray(z, dtype=float)),
                   piece=_at_zero_or_above, kink=_jump, convention=_FLAT),
    ]
}
ALIASES = {"none": "linear", "identity": "linear", "leaky": "leaky_relu", "leakyrelu": "leaky_relu",
           "logistic": "sigmoid", "heaviside": "step"}


def canonical(name: object, allowed: tuple[str, ...], where: str = "activation", why: dict[str, str] | None = None,
              linear: str = "linear") -> str:
    """The one name normaliser: case and spaces ignored, aliases (`none` = `identity` = `linear`, `logistic`,
    `leaky`) resolved, and `linear` spelled as the caller does (`none` in cnn). A name outside `allowed`
    is refused with the reason `why` gives for it, else the closest allowed name. A YAML null is not read
    as `none`: it is refused (an activation left empty by mistake must not become linear)."""
    if not isinstance(name, str):
        raise BadInput(f"expected an activation name, got {name!r}", where)
    text = name.strip()
    key = ALIASES.get(text.lower(), text.lower())
    key = linear if key == "linear" else key
    if key in allowed:
        return key
    reason = (why or {}).get(key)
    shown = quote(text)  # control characters escaped: one line
    if reason:
        raise BadInput(f"activation {shown} {reason}; expected one of {', '.join(allowed)}", where)
    raise BadInput(f"unknown activation {shown}{closest(text, allowed)}; expected one of {', '.join(allowed)}", where)


def activation(name: str, where: str = "activation", allowed: tuple[str, ...] | None = None,
               alpha: float | None = None) -> Activation:
    """Look up an activation by name (see `canonical`)."""
    key = canonical(name, tuple(n for n in (allowed or tuple(ACTIVATIONS)) if n in ACTIVATIONS), where)
    if key == "leaky_relu" and alpha is not None:
        return _leaky(alpha)
    return ACTIVATIONS[key]


# ── the `activation` kind: values and derivatives at given points, one value at a time ───────────────
# Element-wise functions from the table above; softmax over each row (the last axis) with the max
# subtracted first, its derivative a Jacobian: `derivatives` holds its diagonal ∂s_i/∂z_i (the shape
# of the values), `jacobian` the full matrix J_ij = s_i(δ_ij − s_j).

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
