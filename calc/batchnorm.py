"""Batch normalisation in training mode, forward and backward, as worked on paper:

    μ_j = (1/N) Σ_i x_ij,   σ²_j = (1/N) Σ_i (x_ij − μ_j)²,   x̂_ij = (x_ij − μ_j) / √(σ²_j + ε),   y_ij = γ_j x̂_ij + β_j

per feature j (a column of an N×D batch; a channel of an N×C×H×W one, over N, H and W). Backward, from
∂L/∂y: ∂L/∂β = Σ_i ∂L/∂y, ∂L/∂γ = Σ_i ∂L/∂y·x̂, ∂L/∂x̂ = ∂L/∂y·γ and the three-term formula
∂L/∂x_ij = (N·∂L/∂x̂_ij − Σ_k ∂L/∂x̂_kj − x̂_ij·Σ_k ∂L/∂x̂_kj·x̂_kj) / (N·√(σ²_j + ε)).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from dlcalc.calc.errors import BadInput, dims
from dlcalc.calc.maps import add_grids
from dlcalc.calc.solution import Slip, Solution, Step, Text, conventions, paren, t, with_wrong

EPS = 1e-5
SHOWN_FEATURES = 8     # features whose sums are written out one by one
SHOWN_TERMS = 12       # values a sum writes out term by term


@dataclass(frozen=True)
class Wrong:
    """Slipped conventions, for diagnosis only."""

    unbiased: bool = False      # σ² divided by N − 1
    eps_outside: bool = False   # √σ² + ε
    rows: bool = False          # statistics over each sample's features, not each feature's samples


RIGHT = Wrong()


def batchnorm(input: Any, gamma: Any = None, beta: Any = None, eps: float = EPS, grad_output: Any = None,
              wrong: Wrong = RIGHT) -> Solution:
    x = np.asarray(input, dtype=float)
    if x.ndim not in (2, 4):
        raise BadInput(f"expected an N×D batch or an N×C×H×W one, got shape {dims(x.shape)}", "input")
    flat = _features(x, wrong.rows)                       # (samples, features)
    n, d = flat.shape
    if n < 2:
        raise BadInput("a batch of one sample has variance 0: batch normalisation needs N ≥ 2", "input")
    g, b = _per_feature(gamma, d, 1.0, "gamma"), _per_feature(beta, d, 0.0, "beta")
    mu = flat.mean(axis=0)
    var = ((flat - mu) ** 2).sum(axis=0) / (n - 1 if wrong.unbiased else n)
    root = np.sqrt(var) + eps if wrong.eps_outside else np.sqrt(var + eps)
    xhat = (flat - mu) / root
    y = g * xhat + b
    sol = Solution("batchnorm", [], {}, title="Batch normalisation (training mode)")
    sol.add(conventions(*_conventions(x, n, d, eps, gamma is None, beta is None)))
    sol.add(_mean_step(flat, mu))
    sol.add(_var_step(flat, mu, var, n))
    sol.add(_normalise_step(x, xhat, mu, root, eps, wrong))
    sol.add(_affine_step(x, y, g, b, wrong.rows))
    shaped = lambda a: _unfeatures(a, x.shape, wrong.rows)  # noqa: E731
    sol.answer.update(mean=mu, var=var, normalized=shaped(xhat), output=shaped(y))
    if grad_output is not None:
        dy = np.asarray(grad_output, dtype=float)
        if dy.shape != x.shape:
            raise BadInput(f"∂L/∂y has shape {dims(dy.shape)}, the input {dims(x.shape)}: they must match", "grad_output")
        _backward(sol, x, _features(dy, wrong.rows), xhat, g, root, n, wrong.rows)
    return sol


def _features(a: np.ndarray, rows: bool) -> np.ndarray:
    """(samples, features): N×D as it is; N×C×H×W with the channel last (N·H·W samples of C features)."""
    if a.ndim == 4:
        a = np.moveaxis(a, 1, -1).reshape(-1, a.shape[1])
    return a.T if rows else a


def _unfeatures(a: np.ndarray, shape: tuple, rows: bool) -> np.ndarray:
    a = a.T if rows else a
    if len(shape) == 4:
        n, c, h, w = shape
        return np.moveaxis(a.reshape(n, h, w, c), -1, 1)
    return a


def _per_feature(v: Any, d: int, default: float, where: str) -> np.ndarray:
    if v is None:
        return np.full(d, default)
    a = np.atleast_1d(np.asarray(v, dtype=float)).ravel()
    if a.size == 1:
        return np.full(d, float(a[0]))
    if a.size != d:
        raise BadInput(f"{where} has {a.size} values for {d} features: give one, or one per feature", where)
    return a


def _conventions(x: np.ndarray, n: int, d: int, eps: float, no_gamma: bool, no_beta: bool) -> list[str]:
    over = (f"per feature (each of the {d} columns) over the N = {n} samples (rows)" if x.ndim == 2 else
            f"per channel (each of the {d}) over N, H and W: {n} values each")
    items = [f"training mode: the batch's own statistics, {over}",
             "σ² is the biased variance (÷ N, not N − 1): the one batch normalisation divides by in training",
             f"ε = {eps:g} is added inside the square root: √(σ² + ε)"]
    if no_gamma or no_beta:
        items.append(("γ = 1" if no_gamma else "") + (" and " if no_gamma and no_beta else "") + ("β = 0" if no_beta else "")
                     + " (not given)")
    return items


def _sum_text(values: np.ndarray) -> tuple[str, tuple]:
    vals = values.ravel()
    if vals.size > SHOWN_TERMS:
        return f"the {vals.size} values", ()
    return " + ".join(paren(v, first=i == 0) for i, v in enumerate(vals)), tuple(vals)


def _mean_step(flat: np.ndarray, mu: np.ndarray) -> Step:
    n = flat.shape[0]
    lines = []
    for j in range(min(flat.shape[1], SHOWN_FEATURES)):
        text, vals = _sum_text(flat[:, j])
        lines.append(t(f"μ_{j + 1} = ({text}) / {n} = {{}}", *vals, mu[j]))
    return Step("Mean of each feature", "μ_j = (1/N) Σ_i x_ij", lines=_more(lines, flat.shape[1]))


def _var_step(flat: np.ndarray, mu: np.ndarray, var: np.ndarray, n_div: int) -> Step:
    n = flat.shape[0]
    lines = []
    for j in range(min(flat.shape[1], SHOWN_FEATURES)):
        col = flat[:, j]
        if n <= SHOWN_TERMS:
            terms = " + ".join(f"({{}} − {paren(mu[j])})²" for _ in col)
            vals = [v for c in col for v in (c, mu[j])]
            lines.append(t(f"σ²_{j + 1} = [{terms}] / {n_div if n_div != n else n} = {{}}", *vals, var[j]))
        else:
            lines.append(t(f"σ²_{j + 1} = Σ_i (x_i{j + 1} − {{}})² / {n} = {{}}", mu[j], var[j]))
    return Step("Variance of each feature (biased)", "σ²_j = (1/N) Σ_i (x_ij − μ_j)²", lines=_more(lines, flat.shape[1]))


def _normalise_step(x: np.ndarray, xhat: np.ndarray, mu: np.ndarray, root: np.ndarray, eps: float, wrong: Wrong) -> Step:
    formula = "x̂_ij = (x_ij − μ_j) / (√σ²_j + ε)" if wrong.eps_outside else "x̂_ij = (x_ij − μ_j) / √(σ²_j + ε)"
    lines = [t(f"√(σ²_{j + 1} + ε) = {{}}", root[j]) for j in range(min(root.size, SHOWN_FEATURES))]
    flat = _features(x, wrong.rows)
    if flat.shape[0] <= 4 and flat.shape[1] <= 4:
        lines += [t(f"x̂_{i + 1}{j + 1} = ({{}} − {paren(mu[j])}) / {{}} = {{}}", flat[i, j], mu[j], root[j], xhat[i, j])
                  for i in range(flat.shape[0]) for j in range(flat.shape[1])]
    step = Step("Normalise", formula, lines=_more(lines, root.size + flat.size))
    return add_grids(step, "X̂", _unfeatures(xhat, x.shape, wrong.rows), answered=True)


def _affine_step(x: np.ndarray, y: np.ndarray, g: np.ndarray, b: np.ndarray, rows: bool) -> Step:
    same = np.all(g == g[0]) and np.all(b == b[0])
    lines = [t("γ = {}, β = {} for every feature", g[0], b[0])] if same else \
        [t(f"γ_{j + 1} = {{}}, β_{j + 1} = {{}}", g[j], b[j]) for j in range(min(g.size, SHOWN_FEATURES))]
    step = Step("Scale and shift", "y_ij = γ_j·x̂_ij + β_j", lines=lines)
    return add_grids(step, "Y", _unfeatures(y, x.shape, rows), answered=True)


def _backward(sol: Solution, x: np.ndarray, dy: np.ndarray, xhat: np.ndarray, g: np.ndarray, root: np.ndarray,
              n: int, rows: bool) -> None:
    dbeta = dy.sum(axis=0)
    dgamma = (dy * xhat).sum(axis=0)
    dxhat = dy * g
    s1, s2 = dxhat.sum(axis=0), (dxhat * xhat).sum(axis=0)
    dx = (n * dxhat - s1 - xhat * s2) / (n * root)
    shown = range(min(dy.shape[1], SHOWN_FEATURES))
    sol.add(Step("Gradients of γ and β", "∂L/∂β_j = Σ_i ∂L/∂y_ij,  ∂L/∂γ_j = Σ_i ∂L/∂y_ij·x̂_ij",
                 lines=[t(f"∂L/∂β_{j + 1} = {{}},  ∂L/∂γ_{j + 1} = {{}}", dbeta[j], dgamma[j]) for j in shown]))
    step = Step("Gradient through x̂", "∂L/∂x̂_ij = ∂L/∂y_ij·γ_j; then, per feature, its two sums",
                lines=[t(f"Σ_k ∂L/∂x̂_k{j + 1} = {{}},  Σ_k ∂L/∂x̂_k{j + 1}·x̂_k{j + 1} = {{}}", s1[j], s2[j]) for j in shown])
    sol.add(add_grids(step, "∂L/∂X̂", _unfeatures(dxhat, x.shape, rows)))
    step = Step("Gradient of the input (three terms)",
                "∂L/∂x_ij = (N·∂L/∂x̂_ij − Σ_k ∂L/∂x̂_kj − x̂_ij·Σ_k ∂L/∂x̂_kj·x̂_kj) / (N·√(σ²_j + ε))",
                lines=[t(f"∂L/∂x_1{j + 1} = ({n}·{{}} − {paren(s1[j])} − {paren(xhat[0, j])}·{paren(s2[j])}) / ({n}·{{}}) = {{}}",
                         dxhat[0, j], s1[j], xhat[0, j], s2[j], root[j], dx[0, j]) for j in shown])
    sol.add(add_grids(step, "∂L/∂X", _unfeatures(dx, x.shape, rows), answered=True))
    sol.answer.update(grad_input=_unfeatures(dx, x.shape, rows), grad_gamma=dgamma, grad_beta=dbeta)


def _more(lines: list[Text], total: int) -> list[Text]:
    return lines if len(lines) >= total else lines + [Text("… the others the same way (every value is in the answer)")]


SLIPS = [
    Slip("unbiased variance (÷ N − 1) instead of the batch's own (÷ N)", lambda p: with_wrong(p, RIGHT, unbiased=True)),
    Slip("ε added outside the square root", lambda p: with_wrong(p, RIGHT, eps_outside=True)),
    Slip("statistics over each sample's features instead of each feature's samples",
         lambda p: with_wrong(p, RIGHT, rows=True) if np.ndim(p["input"]) == 2 and np.shape(p["input"])[1] >= 2 else None),
]
