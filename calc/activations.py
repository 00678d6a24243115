"""Activation functions and their derivatives, shared by every kind that has neurons.

`derivative` is written in terms of the input z (net); where the lecture writes it
through the output (σ' = σ(1 − σ)), `formula` says so for the worked steps.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from dlcalc.calc.errors import BadInput, closest, quote


def sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=float)))  # = 1/(1+e^−z), stable for large |z|


def softmax(z, axis: int = -1):
    z = np.asarray(z, dtype=float)
    with np.errstate(over="ignore"):  # z − max may reach −inf (|z| near 1e308): e^−inf = 0 is right
        e = np.exp(z - z.max(axis=axis, keepdims=True))  # max subtracted: no overflow
    return e / e.sum(axis=axis, keepdims=True)


@dataclass(frozen=True)
class Activation:
    name: str
    symbol: str        # how a step writes it: σ, tanh, ReLU
    formula: str       # f(z)
    derivative_formula: str
    f: Callable[[np.ndarray], np.ndarray]
    df: Callable[[np.ndarray], np.ndarray]  # derivative with respect to z, element-wise


def _leaky(alpha: float) -> Activation:
    return Activation(
        "leaky_relu", "LeakyReLU", f"max({alpha:g}z, z)", f"1 if z > 0 else {alpha:g}",
        lambda z: np.where(np.asarray(z) > 0, z, alpha * np.asarray(z, dtype=float)),
        lambda z: np.where(np.asarray(z) > 0, 1.0, alpha),
    )


ACTIVATIONS: dict[str, Activation] = {
    a.name: a for a in [
        Activation("sigmoid", "σ", "1 / (1 + e^(−z))", "σ(z)(1 − σ(z))", sigmoid,
                   lambda z: sigmoid(z) * (1 - sigmoid(z))),
        Activation("tanh", "tanh", "(e^z − e^(−z)) / (e^z + e^(−z))", "1 − tanh²(z)", np.tanh,
                   lambda z: 1 - np.tanh(z) ** 2),
        Activation("relu", "ReLU", "max(0, z)", "1 if z > 0 else 0",
                   lambda z: np.maximum(0.0, z), lambda z: (np.asarray(z) > 0).astype(float)),
        _leaky(0.01),
        Activation("linear", "id", "z", "1", lambda z: np.asarray(z, dtype=float),
                   lambda z: np.ones_like(np.asarray(z, dtype=float))),
        Activation("step", "step", "1 if z ≥ 0 else 0", "0 (undefined at 0)",
                   lambda z: (np.asarray(z) >= 0).astype(float), lambda z: np.zeros_like(np.asarray(z, dtype=float))),
        Activation("sign", "sign", "+1 if z ≥ 0 else −1", "0 (undefined at 0)",
                   lambda z: np.where(np.asarray(z) >= 0, 1.0, -1.0), lambda z: np.zeros_like(np.asarray(z, dtype=float))),
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
