"""Scaled dot-product attention by hand (lecture 13's self-attention):

    scores = Q Kᵀ · s  (s = 1/√d_k unless given),   weights = softmax over each row,   output = weights · V

Q is n×d_k (a query per row), K is m×d_k, V is m×d_v. A causal mask sets the scores of keys after the
query (j > i) to −∞ before the softmax, so that each position attends to itself and the ones before it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from dlcalc.calc.activations import softmax
from dlcalc.calc.errors import BadInput, dims
from dlcalc.calc.maps import add_grids
from dlcalc.calc.solution import Slip, Solution, Step, Text, conventions, paren, t, with_wrong

MASKS = ("none", "causal")
SHOWN = 16   # cells whose dot products are written out


@dataclass(frozen=True)
class Wrong:
    """Slipped conventions, for diagnosis only."""

    no_scale: bool = False       # softmax(Q Kᵀ)
    scale_by_dv: bool = False    # 1/√d_v (the value's, or model's, width) for 1/√d_k
    columns: bool = False        # softmax down each column (over the queries)


RIGHT = Wrong()


def attention(query: Any, key: Any, value: Any, mask: str = "none", scale: float | None = None,
              wrong: Wrong = RIGHT) -> Solution:
    q, k, v = (_matrix(a, name) for a, name in ((query, "query"), (key, "key"), (value, "value")))
    if q.shape[1] != k.shape[1]:
        raise BadInput(f"queries have d_k = {q.shape[1]} columns but keys {k.shape[1]}: Q Kᵀ needs the same", "key")
    if k.shape[0] != v.shape[0]:
        raise BadInput(f"{k.shape[0]} keys but {v.shape[0]} values: one value row per key", "value")
    if mask == "causal" and q.shape[0] != k.shape[0]:
        raise BadInput(f"a causal mask needs as many queries as keys, got {q.shape[0]} and {k.shape[0]}", "mask")
    dk, dv = q.shape[1], v.shape[1]
    s = 1.0 if wrong.no_scale else 1 / np.sqrt(dv) if wrong.scale_by_dv else (1 / np.sqrt(dk) if scale is None else scale)
    raw = q @ k.T
    scores = raw * s
    if mask == "causal":
        scores = np.where(np.triu(np.ones_like(scores, dtype=bool), 1), -np.inf, scores)
    weights = softmax(scores, axis=0 if wrong.columns else 1)
    out = weights @ v
    sol = Solution("attention", [], {}, title="Scaled dot-product attention")
    sol.add(conventions(*_conventions(q.shape, k.shape, v.shape, mask, scale)))
    sol.add(_dot_step(q, k, raw))
    sol.add(add_grids(Step("Scale", "scores = Q Kᵀ · s", lines=[t(f"s = {_scale_text(dk, scale)} = {{}}", s)]),
                      "scores", raw * s, answered=mask == "none"))
    if mask == "causal":
        sol.add(add_grids(Step("Causal mask", "scores_ij = −∞ for j > i (a query sees itself and the keys before it)"),
                          "masked", scores, answered=True))
    sol.add(_softmax_step(scores, weights))
    sol.add(_output_step(weights, v, out))
    sol.answer.update(scores=scores, weights=weights, output=out)
    return sol


def _matrix(a: Any, name: str) -> np.ndarray:
    m = np.asarray(a, dtype=float)
    m = m[None, :] if m.ndim == 1 else m
    if m.ndim != 2 or m.size == 0:
        raise BadInput(f"expected a matrix (a row per token), got shape {dims(m.shape)}", name)
    return m


def _scale_text(dk: int, scale: float | None) -> str:
    return f"1/√d_k = 1/√{dk}" if scale is None else "the given scale"


def _conventions(qs: tuple, ks: tuple, vs: tuple, mask: str, scale: float | None) -> list[str]:
    items = [f"Q is {dims(qs)} (a query per row), K is {dims(ks)}, V is {dims(vs)}; d_k = {qs[1]}",
             "scores = Q Kᵀ" + (f" · 1/√d_k (d_k = {qs[1]}, the width of Q and K)" if scale is None
                                else f" · {scale:g} (the scale given)"),
             "weights: softmax along each row (a query's weights over the keys sum to 1), its max subtracted first"]
    if mask == "causal":
        items.append("causal mask: key j > query i gets −∞ before the softmax (weight 0)")
    return items


def _dot_step(q: np.ndarray, k: np.ndarray, raw: np.ndarray) -> Step:
    lines: list[Text] = []
    for i, j in list(np.ndindex(raw.shape))[:SHOWN]:
        terms = " + ".join(f"{paren(a, first=n == 0)}·{paren(b)}" for n, (a, b) in enumerate(zip(q[i], k[j])))
        lines.append(t(f"q_{i + 1}·k_{j + 1} = {terms} = {{}}", *[x for a, b in zip(q[i], k[j]) for x in (a, b)], raw[i, j]))
    if raw.size > SHOWN:
        lines.append(Text(f"… the other {raw.size - SHOWN} the same way"))
    return add_grids(Step("Q Kᵀ: every query with every key", "(Q Kᵀ)_ij = q_i·k_j", lines=lines), "Q Kᵀ", raw)


def _softmax_step(scores: np.ndarray, weights: np.ndarray) -> Step:
    lines: list[Text] = []
    for i, row in enumerate(scores[:SHOWN]):
        m = float(np.max(row))
        finite = [x for x in row if np.isfinite(x)]
        exps = ", ".join("e^({} − {})" if np.isfinite(x) else "0" for x in row)
        lines.append(t(f"row {i + 1}: max {{}}; ({exps}) / their sum = ({', '.join('{}' for _ in row)})",
                       m, *[y for x in finite for y in (x, m)], *weights[i]))
    return add_grids(Step("Softmax of each row", "weight_ij = e^(s_ij − max_j s_ij) / Σ_j e^(s_ij − max_j s_ij)",
                          lines=lines), "weights", weights, answered=True)


def _output_step(w: np.ndarray, v: np.ndarray, out: np.ndarray) -> Step:
    lines: list[Text] = []
    for i, j in list(np.ndindex(out.shape))[:SHOWN]:
        terms = " + ".join(f"{{}}·{paren(b)}" for b in v[:, j])
        lines.append(t(f"out_{i + 1}{j + 1} = {terms} = {{}}", *[x for a, b in zip(w[i], v[:, j]) for x in (a, b)],
                       out[i, j]))
    return add_grids(Step("Weighted sum of the values", "out_i = Σ_j weight_ij · v_j", lines=lines), "output", out,
                     answered=True)


SLIPS = [
    Slip("no scaling by 1/√d_k", lambda p: with_wrong(p, RIGHT, no_scale=True) if p.get("scale") is None else None),
    Slip("scaled by 1/√d_v (the value width) instead of 1/√d_k",
         lambda p: with_wrong(p, RIGHT, scale_by_dv=True)
         if p.get("scale") is None and np.shape(p["value"])[-1] != np.shape(p["query"])[-1] else None),
    Slip("softmax over the columns (the queries) instead of each row", lambda p: with_wrong(p, RIGHT, columns=True)),
]
