"""The perceptron learning rule, sample by sample and epoch by epoch (the course's `Perceptron.fit`).

ŷ = sign(w·x + b) (sign(0) = +1), or step(net) for 0/1 labels; after each sample
w ← w + η(y − ŷ)x and b ← b + η(y − ŷ). Training stops after an epoch without errors.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from dlcalc.calc.errors import BadInput
from dlcalc.calc.solution import Slip, Solution, Step, Table, Text, conventions, t

MAX_EPOCHS = 10_000
MAX_VISITS = 2_000_000  # samples × epochs: about 3 s of work (1.5 µs a visit)
SUMMARY_ROWS = 10  # epochs shown at each end of a long errors-per-epoch table


@dataclass
class Visit:
    """One sample seen in one epoch: what the student writes in a row of the epoch's table."""

    i: int
    x: np.ndarray
    y: float
    net: float
    y_hat: float
    delta: float    # η(y − ŷ)
    w_before: np.ndarray
    b_before: float
    w: np.ndarray   # after the update
    b: float


@dataclass(frozen=True)
class Rule:
    """How one sample is predicted and learnt from (the slips change these)."""

    lr: float
    low: float            # the negative class: −1 (sign) or 0 (step)
    update_bias: bool
    update_sign: float
    zero_positive: bool   # sign(0) = +1, step(0) = 1


def _epoch(x: np.ndarray, y: np.ndarray, w: np.ndarray, b: float, rule: Rule, record: bool):
    """One pass over the samples in order: (w, b, errors, the visits when recorded)."""
    visits: list[Visit] | None = [] if record else None
    n_errors = 0
    for i in range(x.shape[0]):
        net = float(w @ x[i] + b)
        y_hat = 1.0 if (net > 0 or (net == 0 and rule.zero_positive)) else rule.low
        delta = rule.update_sign * rule.lr * (y[i] - y_hat)
        w_new, b_new = w, b
        if y_hat != y[i]:
            n_errors += 1
            w_new = w + delta * x[i]
            b_new = b + delta if rule.update_bias else b
        if visits is not None:
            visits.append(Visit(i + 1, x[i], y[i], net, y_hat, delta, w, b, w_new, b_new))
        w, b = w_new, b_new
    return w, b, n_errors, visits


def perceptron(data: Any, labels: Any, lr: float = 1.0, epochs: int = 100, weights: Any = None,
               bias: float | None = None, activation: str = "auto", detail: int = 3,
               update_bias: bool = True, update_sign: float = 1.0, zero_positive: bool = True) -> Solution:
    """Train a perceptron on `data` (one row per sample) and `labels`.

    `activation`: sign (labels ±1), step (labels 0/1) or auto (from the labels). `detail`: how many
    epochs are shown sample by sample (the last epoch always is). `update_bias`, `update_sign` and
    `zero_positive` exist for slips (bias never updated, w ← w − …, sign(0) = −1).
    """
    x, y = _samples(data, labels)
    act = _activation(activation, y)
    if not lr > 0:
        raise BadInput(f"the learning rate must be > 0, got {lr:g}", "lr")
    if int(epochs) != epochs or epochs < 1 or epochs > MAX_EPOCHS:
        raise BadInput(f"the epoch count must be a whole number from 1 to {MAX_EPOCHS}, got {epochs}", "epochs")
    if x.shape[0] * epochs > MAX_VISITS:
        raise BadInput(f"{x.shape[0]} samples × {epochs} epochs is more than {MAX_VISITS:,} sample visits; "
                       "allow fewer epochs", "epochs")
    w = _initial_weights(weights, x.shape[1])
    b = 0.0 if bias is None else float(bias)
    low = -1.0 if act == "sign" else 0.0

    sol = Solution("perceptron", [], {}, title="Perceptron learning rule")
    sol.add(_conventions(act, lr, epochs, w, b, x.shape, zero_positive))
    rule = Rule(lr, low, update_bias, update_sign, zero_positive)
    shown: dict[int, list[Visit]] = {}      # epoch index → its samples, for the epochs written out
    ends: list[tuple[np.ndarray, float]] = []  # w, b after each epoch
    errors: list[int] = []
    for e in range(int(epochs)):
        start = (w, b)
        with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported below, in words
            w, b, n_errors, visits = _epoch(x, y, w, b, rule, record=e < detail or e == epochs - 1)
        if not (np.all(np.isfinite(w)) and np.isfinite(b)):
            raise BadInput(f"the weights overflow in epoch {e + 1} (beyond ±1.8e308): η·x is too large; "
                           "use a smaller learning rate or smaller data", "lr")
        if visits is None and n_errors == 0:  # the final, error-free epoch: replay it to write it out
            visits = _epoch(x, y, *start, rule, record=True)[3]
        if visits is not None:
            shown[e] = visits
        ends.append((w, b))
        errors.append(n_errors)
        if n_errors == 0:
            break
    converged = errors[-1] == 0
    _epoch_steps(sol, shown, errors, lr, act)
    _summary(sol, ends, errors, converged)
    sol.answer.update(weights=w, bias=b, errors_per_epoch=errors, converged=converged, epochs=len(errors))
    if not converged:
        sol.warnings.append(f"no error-free epoch within {len(errors)} epochs: the perceptron only converges "
                            "when the data are linearly separable (XOR is not)")
    return sol


# ── inputs ──────────────────────────────────────────────────────────────────

def _samples(data: Any, labels: Any) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(data, dtype=float)
    y = np.atleast_1d(np.asarray(labels, dtype=float))
    if y.ndim > 1:
        if 1 not in y.shape:
            raise BadInput(f"expected one label per sample (a vector), got a {'×'.join(map(str, y.shape))} matrix",
                           "labels")
        y = y.ravel()
    if x.ndim > 2:
        raise BadInput(f"expected one row per sample, got {x.ndim} dimensions", "data")
    if x.ndim < 2:  # a flat list: one feature per sample, unless there is a single label
        x = x.reshape(1, -1) if y.size == 1 else x.reshape(-1, 1)
    if x.shape[0] != y.size:
        raise BadInput(f"{y.size} label{'s' * (y.size != 1)} for {x.shape[0]} sample{'s' * (x.shape[0] != 1)} "
                       "(rows of data); they must match", "labels")
    return x, y


def _activation(activation: str, y: np.ndarray) -> str:
    values = set(y.ravel().tolist())  # not np.unique: in numpy 2.4 it imports numpy.ma (~15 ms of start-up)
    if activation == "auto":
        if values <= {-1.0, 1.0}:
            return "sign"
        if values <= {0.0, 1.0}:
            return "step"
        odd = [v for v in sorted(values) if v not in (-1.0, 0.0, 1.0)]
        if odd:
            raise BadInput(f"labels must be −1/+1 (sign) or 0/1 (step), found {odd[0]:g}", "labels")
        raise BadInput("labels mix −1 and 0; use −1/+1 (sign) or 0/1 (step)", "labels")
    allowed = {"sign": {-1.0, 1.0}, "step": {0.0, 1.0}}.get(activation)
    if allowed is None:
        raise BadInput(f"expected auto, sign or step, got '{activation}'", "activation")
    if not values <= allowed:
        bad = next(v for v in sorted(values) if v not in allowed)
        raise BadInput(f"labels must be {' or '.join(f'{v:+g}' if activation == 'sign' else f'{v:g}' for v in sorted(allowed))}"
                       f" with the {activation} activation, found {bad:g}", "labels")
    return activation


def _initial_weights(weights: Any, n: int) -> np.ndarray:
    if weights is None:
        return np.zeros(n)
    w = np.atleast_1d(np.asarray(weights, dtype=float))
    if w.ndim > 1 and 1 in w.shape:
        w = w.ravel()
    if w.ndim != 1 or w.size != n:
        raise BadInput(f"expected {n} initial weight{'s' * (n != 1)} (one per feature), got {w.size}", "weights")
    return w


# ── steps ───────────────────────────────────────────────────────────────────

def _conventions(act: str, lr: float, epochs: int, w: np.ndarray, b: float, shape: tuple, zero_positive: bool) -> Step:
    ge = "≥" if zero_positive else ">"
    if act == "sign":
        labels = "−1/+1"
        rule = f"ŷ = sign(net) = +1 if net {ge} 0 else −1 ({'so sign(0) = +1' if zero_positive else 'sign(0) = −1'})"
    else:
        labels, rule = "0/1", f"ŷ = step(net) = 1 if net {ge} 0 else 0"
    return conventions(
        f"{shape[0]} samples with {shape[1]} feature{'s' * (shape[1] != 1)}, visited in order; labels {labels}",
        f"net = w·x + b; {rule}",
        f"after each sample: w ← w + η(y − ŷ)x, b ← b + η(y − ŷ), η = {lr:g}",
        f"start: w = {_vec(w)}, b = {b:g}; stop after an error-free epoch or {epochs} epochs",
    )


def _vec(v: np.ndarray) -> str:
    return "(" + ", ".join(f"{x:g}" for x in v) + ")"


def _epoch_steps(sol: Solution, shown: dict[int, list[Visit]], errors: list[int], lr: float, act: str) -> None:
    skipped: list[int] = []
    for e in range(len(errors)):
        if e not in shown:
            skipped.append(e + 1)
            continue
        if skipped:
            sol.add(_skipped_step(skipped))
            skipped = []
        sol.add(_epoch_step(e + 1, shown[e], errors[e], lr, act, with_rule=e == min(shown)))


def _skipped_step(epochs: list[int]) -> Step:
    span = f"{epochs[0]}–{epochs[-1]}" if len(epochs) > 1 else str(epochs[0])
    return Step(f"Epoch{'s' * (len(epochs) > 1)} {span}",
                prose=["same rule, sample by sample; errors and weights after each epoch are in the summary table"])


def _epoch_step(epoch: int, visits: list[Visit], n_errors: int, lr: float, act: str, with_rule: bool) -> Step:
    g = "sign" if act == "sign" else "step"
    rows = [[v.i, v.x, v.y, v.net, v.y_hat, v.y - v.y_hat, v.w, v.b] for v in visits]
    table = Table(["i", "x", "y", "net", "ŷ", "y − ŷ", "w after", "b after"], rows)
    lines: list[Text] = []
    for v in visits:
        if v.y_hat == v.y:
            continue
        y_hat = "({})" if v.y_hat < 0 else "{}"
        lines.append(t(f"x_{v.i}: ŷ = {g}({{}}) = {{}} ≠ y = {{}}  →  η(y − ŷ) = {{}}·({{}} − {y_hat}) = {{}}",
                       v.net, v.y_hat, v.y, lr, v.y, v.y_hat, v.delta))
        d = "({})" if v.delta < 0 else "{}"
        lines.append(t(f"{' ' * len(f'x_{v.i}: ')}w ← {{}} + {d}·{{}} = {{}},  b ← {{}} + {d} = {{}}",
                       v.w_before, v.delta, v.x, v.w, v.b_before, v.b - v.b_before, v.b))
    summary = (f"{n_errors} error{'s' * (n_errors != 1)} in epoch {epoch}" if n_errors else
               f"no errors in epoch {epoch}: every sample is classified correctly, training stops")
    rule = f"net = w·x + b,  ŷ = {g}(net),  w ← w + η(y − ŷ)x,  b ← b + η(y − ŷ)" if with_rule else ""
    return Step(f"Epoch {epoch}", rule, lines=lines, table=table, note=summary)


def _summary(sol: Solution, ends: list[tuple[np.ndarray, float]], errors: list[int], converged: bool) -> None:
    rows: list[list[Any]] = [[e + 1, errors[e], w, b] for e, (w, b) in enumerate(ends)]
    prose = []
    if len(rows) > 2 * SUMMARY_ROWS + 1:
        prose.append(f"epochs {SUMMARY_ROWS + 1}–{len(rows) - SUMMARY_ROWS} left out here "
                     "(errors_per_epoch in the answer lists every epoch)")
        rows = rows[:SUMMARY_ROWS] + rows[-SUMMARY_ROWS:]
    w, b = ends[-1]
    if converged:
        result = t(f"converged after {len(errors)} epoch{'s' * (len(errors) != 1)}: w = {{}}, b = {{}}", w, b)
    else:
        result = t(f"not converged after {len(errors)} epochs ({errors[-1]} error"
                   f"{'s' * (errors[-1] != 1)} in the last): w = {{}}, b = {{}}", w, b)
    sol.add(Step("Errors per epoch", result=result, prose=prose, table=Table(["epoch", "errors", "w", "b"], rows)))


# ── slips ───────────────────────────────────────────────────────────────────

SLIPS = [
    Slip("forgot to update the bias", lambda p: {**p, "update_bias": False}),
    Slip("update sign error (w ← w − η(y − ŷ)x)", lambda p: {**p, "update_sign": -1.0}),
    Slip("sign(0) = −1 (step(0) = 0) instead of +1", lambda p: {**p, "zero_positive": False}),
]
