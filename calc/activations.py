"""Activation functions and their derivatives, shared by every kind that has neurons.

`derivative` is written in terms of the input z (net); where the lecture writes it
through the output (σ' = σ(1 − σ)), `formula` says so for the worked steps.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from dlcalc.calc.errors import BadInput, closest, quote
from dlcalc.calc.solution import Text, paren, t


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
