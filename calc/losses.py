"""Cross-entropy, Dice and MSE, worked the way lecture 12 writes them.

Each solver returns a `Solution`; each kind's known slips (wrong conventions a
student may use) are declared next to it for grading diagnosis.
"""
from __future__ import annotations

import numpy as np

from dlcalc.calc.activations import sigmoid, softmax
from dlcalc.calc.errors import BadInput, dims
from dlcalc.calc.solution import Grid, Slip, Solution, Step, conventions, paren, t

LOG_NAME = {"e": "ln", "2": "log₂", "10": "log₁₀"}
LN_BASE = {"e": 1.0, "2": np.log(2.0), "10": np.log(10.0)}  # log_b x = ln x / ln b
PROB_TOL = 1e-6
SUM_TOL = 1e-3   # typed probabilities are rounded: 0.333 0.333 0.333 is a distribution


def log_base(x: np.ndarray, base: str) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return np.log(x) / LN_BASE[base]


def _check_probabilities(p: np.ndarray, name: str) -> None:
    if np.any(p < 0) or np.any(p > 1):
        bad = p.flat[int(np.argmax((p < 0) | (p > 1)))]
        raise BadInput(f"probabilities must lie in [0, 1], found {bad:g}", name)


# ── cross-entropy ────────────────────────────────────────────────────────────

def cross_entropy(target: np.ndarray, pred: np.ndarray, logits: bool = False, base: str = "e",
                  reduction: str = "mean", gradient: bool = False) -> Solution:
    """Binary CE when `pred` is a vector of positive-class probabilities, else categorical CE; with
    `gradient`, also ∂L/∂pred (∂L/∂logits with `logits`) in pred's shape.

    `target`: class indices, one-hot rows, soft rows or binary labels. `reduction` 'sum' exists for slips.
    """
    given = np.atleast_1d(np.asarray(pred, dtype=float))
    pred = given
    target = np.atleast_1d(np.asarray(target, dtype=float))
    if base not in LOG_NAME:
        raise BadInput(f"log base must be e, 2 or 10, got '{base}'", "--base")
    # A column (one value per line of a file) is a vector: p of the positive class, or labels.
    column = pred.ndim == 2 and pred.shape[1] == 1  # typed as a column: binary labels, whatever they sum to
    if column:
        pred = pred[:, 0]
    if target.ndim == 2 and target.shape[1] == 1:
        target = target[:, 0]
    if pred.ndim == 1 and target.size == 1 and pred.size > 1:
        pred = pred[None, :]  # one sample over c classes, its label a class index
    if pred.ndim == 1 and not column and _one_distribution(target, pred, logits):
        sol, target, pred = _one_sample(target, pred, base, reduction), target[None, :], pred[None, :]
    elif pred.ndim == 1:
        sol = _binary_ce(target, pred, logits, base, reduction)
    elif pred.ndim != 2:
        raise BadInput(f"expected a vector or an n×c matrix, got shape {dims(pred.shape)}", "pred")
    else:
        sol = _categorical_ce(target, pred, logits, base, reduction)
    if gradient:
        sol.add(_gradient_step(sol, target, pred, logits, base, reduction, given.shape))
    return sol


def _gradient_step(sol: Solution, target: np.ndarray, z: np.ndarray, logits: bool, base: str, reduction: str,
                   shape: tuple) -> Step:
    """∂L/∂pred of the mean (or summed) loss: (p − y)/n through softmax or sigmoid, else −y/p (and
    (1 − y)/(1 − p) for binary), divided by ln(base) for another base."""
    binary = z.ndim == 1
    n = z.shape[0]
    y = target if binary else one_hot(target, *z.shape)[0]
    p = np.asarray(sol.answer.get("probabilities", sigmoid(z) if binary and logits else z), dtype=float)
    if logits:
        g = p - y
        rule = "∂L/∂z = (σ(z) − y)" if binary else "∂L/∂z_ij = (ŷ_ij − y_ij)"
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            g = -y / p + (1 - y) / (1 - p) if binary else np.where(y == 0, 0.0, -y / p)
        rule = "∂L/∂p = −y/p + (1 − y)/(1 − p)" if binary else "∂L/∂ŷ_ij = −y_ij / ŷ_ij"
    scale = (n if reduction == "mean" else 1) * LN_BASE[base]
    g = g / scale + 0.0
    divisor = (f"{n}" if reduction == "mean" else "") + (f"·ln {base}" if base != "e" else "")
    over = f" / {divisor}" if "·" not in divisor else f" / ({divisor})"
    formula = rule + (over if divisor else "") + ("  (softmax and cross-entropy together: ŷ − y)"
                                                 if logits and not binary else "")
    cells = list(zip(p.ravel(), y.ravel(), g.ravel()))[:16]
    if logits:
        lines = [t(f"({{}} − {{}}){over if divisor else ''} = {{}}", a, b, c) for a, b, c in cells]
    elif binary:
        lines = [t(f"(−{{}}/{{}} + {{}}/{{}}){over if divisor else ''} = {{}}", b, a, 1 - b, 1 - a, c) for a, b, c in cells]
    else:
        lines = [t(f"−{{}}/{{}}{over if divisor else ''} = {{}}", b, a, c) for a, b, c in cells if b != 0]
    sol.answer["gradient"] = g.reshape(shape)
    step = Step("Gradient of the loss", formula, lines=lines)
    if g.ndim == 2:
        step.grids.append(Grid("∂L/∂z" if logits else "∂L/∂ŷ", g))
    return step


def _one_distribution(target: np.ndarray, pred: np.ndarray, logits: bool) -> bool:
    """Two vectors of 3 or more that each sum to 1 (the target one-hot or soft): one sample over the classes,
    not that many binary labels whose probabilities happen to add up to 1. (Of length 2 both readings agree.)"""
    return (not logits and target.shape == pred.shape and pred.size >= 3 and np.all((target >= 0) & (target <= 1))
            and np.all((pred >= 0) & (pred <= 1)) and abs(target.sum() - 1) <= SUM_TOL and abs(pred.sum() - 1) <= SUM_TOL)


def _one_sample(target: np.ndarray, pred: np.ndarray, base: str, reduction: str) -> Solution:
    """The reading of `_one_distribution`, said in the Conventions and, with the other reading's value, warned."""
    sol = _categorical_ce(target[None, :], pred[None, :], False, base, reduction)
    binary = _binary_ce(target, pred, False, base, reduction).answer["loss"]
    c = pred.size
    reading = (f"target and pred are read as one sample over {c} classes (each sums to 1); as {c} binary labels "
               f"with positive-class probabilities the loss would be {binary:.4g} (to mean that, give pred as a "
               "column: " + "; ".join(f"{v:g}" for v in pred) + ")")
    sol.steps[0].prose.append(reading)
    sol.warnings.append(reading)
    return sol


def _binary_ce(y: np.ndarray, z: np.ndarray, logits: bool, base: str, reduction: str) -> Solution:
    if y.shape != z.shape:
        raise BadInput(f"binary labels need one per prediction: target has {y.size}, pred has {z.size}", "target")
    _check_probabilities(y, "target")
    sol = Solution("cross_entropy", [], {}, title="Binary cross-entropy")
    log = LOG_NAME[base]
    sol.add(conventions(
        "binary cross-entropy: pred is the probability p of the positive class",
        f"logarithm: {log} ({'natural log' if base == 'e' else 'base ' + base})",
        f"loss = {'mean' if reduction == 'mean' else 'sum'} over the {y.size} samples",
    ))
    p = z
    if logits:
        p = sigmoid(z)
        sol.add(Step("Sigmoid of the logits", "p_i = σ(z_i) = 1 / (1 + e^(−z_i))",
                     lines=[t(f"p_{i + 1} = σ({{}}) = {{}}", z[i], p[i]) for i in range(z.size)]))
        # ln σ(z) and ln(1 − σ(z)) from z itself: σ(40) rounds to 1, yet ln(1 − σ(40)) = −40, not −∞
        ln_p, ln_q = -np.logaddexp(0.0, -z), -np.logaddexp(0.0, z)
    else:
        _check_probabilities(p, "pred")
        ln_p, ln_q = log_base(p, "e"), log_base(1 - p, "e")
    terms = -(_xlogy(y, ln_p) + _xlogy(1 - y, ln_q)) / LN_BASE[base] + 0.0  # + 0.0: no −0
    lines = [t(f"L_{i + 1} = −[{{}}·{log} {{}} + {{}}·{log}(1 − {{}})] = {{}}", y[i], p[i], 1 - y[i], p[i], terms[i])
             for i in range(y.size)]
    sol.add(Step("Each sample's loss", f"L_i = −[y_i·{log} p_i + (1 − y_i)·{log}(1 − p_i)]", lines=lines))
    _reduce(sol, terms, reduction, "L")
    return sol


def _categorical_ce(target: np.ndarray, z: np.ndarray, logits: bool, base: str, reduction: str) -> Solution:
    n, c = z.shape
    sol = Solution("cross_entropy", [], {}, title="Categorical cross-entropy")
    log = LOG_NAME[base]
    y, soft = one_hot(target, n, c)
    sol.add(conventions(
        f"categorical cross-entropy over {c} classes; each row of pred is one sample",
        *(["soft targets: each row of target is a distribution p, and CE = H(p, ŷ) = −Σ_j p_j·log ŷ_j"] if soft else []),
        f"logarithm: {log} ({'natural log' if base == 'e' else 'base ' + base})",
        f"loss = {'mean' if reduction == 'mean' else 'sum'} over the {n} sample{'s' * (n != 1)}",
    ))
    if target.ndim == 1:
        sol.add(Step("One-hot encoding of the labels", "y_i = e_(label_i)",
                     lines=[t(f"label {{}} → ({', '.join('{}' for _ in range(c))})", target[i], *y[i])
                            for i in range(n)],
                     grids=[Grid("Y", y)]))
    p = z
    if logits:
        p = softmax(z)
        shifted = z - z.max(axis=1, keepdims=True)
        ln_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))  # log-softmax: exact where p underflows
        sol.add(Step("Softmax of the logits (max subtracted for stability)",
                     "ŷ_ij = e^(z_ij − max_j z_ij) / Σ_k e^(z_ik − max_k z_ik)",
                     lines=[t(f"ŷ_{i + 1} = softmax({', '.join('{}' for _ in range(c))}) = ({', '.join('{}' for _ in range(c))})",
                              *shifted[i], *p[i]) for i in range(n)],
                     grids=[Grid("Ŷ", p, _ones(y))]))
    else:
        _check_probabilities(p, "pred")
        sums = p.sum(axis=1)
        for i in np.flatnonzero(np.abs(sums - 1) > PROB_TOL):
            sol.warnings.append(f"pred row {i + 1} sums to {sums[i]:.6g}, not 1")
        ln_p = log_base(p, "e")
    terms = -_xlogy(y, ln_p).sum(axis=1) / LN_BASE[base] + 0.0
    lines = []
    for i in range(n):
        inner = " + ".join(f"{{}}·{log} {{}}" for _ in range(c))
        pairs = [v for j in range(c) for v in (y[i, j], p[i, j])]
        lines.append(t(f"CE_{i + 1} = −[{inner}] = {{}}", *pairs, terms[i]))
    sol.add(Step("Each sample's cross-entropy", f"CE_i = −Σ_j y_ij·{log} ŷ_ij", lines=lines,
                 grids=[] if logits else [Grid("Ŷ", p, _ones(y))]))
    _reduce(sol, terms, reduction, "CE")
    if logits:
        sol.answer["probabilities"] = p
    return sol


def one_hot(target: np.ndarray, n: int, c: int) -> tuple[np.ndarray, bool]:
    """n×c target rows and whether they are soft (distributions rather than one-hot rows)."""
    if target.ndim == 1:
        if target.size != n:
            raise BadInput(f"{target.size} labels for {n} prediction rows", "target")
        if np.any(target != np.round(target)):
            raise BadInput("class indices must be integers", "target")
        bad = [int(v) for v in target if not 0 <= v < c]
        if bad:
            raise BadInput(f"class index {bad[0]} out of range 0…{c - 1}", "target")
        y = np.zeros((n, c))
        y[np.arange(n), target.astype(int)] = 1.0
        return y, False
    if target.shape != (n, c):
        raise BadInput(f"one-hot target has shape {dims(target.shape)}, pred has {dims((n, c))}", "target")
    hard = np.all((target == 0) | (target == 1), axis=1) & (target.sum(axis=1) == 1)
    for i, row in enumerate(target):
        if not hard[i] and not (np.all((row >= 0) & (row <= 1)) and abs(row.sum() - 1) <= SUM_TOL):
            raise BadInput(f"row {i + 1} is neither one-hot nor a distribution (values in [0, 1] summing to 1; "
                           f"it sums to {row.sum():g})", "target")
    return target.astype(float), not bool(np.all(hard))


def _xlogy(y: np.ndarray, ln_p: np.ndarray) -> np.ndarray:
    """y·ln p with 0·ln 0 = 0 (a zero-weight term contributes nothing)."""
    with np.errstate(invalid="ignore"):
        return np.where(y == 0, 0.0, y * ln_p)


def _reduce(sol: Solution, terms: np.ndarray, reduction: str, name: str) -> None:
    n = terms.size
    total = float(terms.sum())
    if np.isinf(total):
        sol.warnings.append("a true class has probability 0: log(0) = −∞, so the loss is infinite")
    if reduction == "sum":
        loss = total
        sol.add(Step("Sum over samples", f"L = Σ_i {name}_i",
                     t(" + ".join("{}" for _ in range(n)), *terms), t("{}", loss)))
    else:
        loss = total / n
        sol.add(Step("Mean over samples", f"L = (1/{n}) Σ_i {name}_i",
                     t("(" + " + ".join("{}" for _ in range(n)) + f") / {n}", *terms), t("{}", loss)))
    sol.answer.update(loss=loss, per_sample=terms)


def _as_vectors(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A row and a column of the same length (one typed, one read from a file) are the same vector."""
    def is_vector(m: np.ndarray) -> bool:
        return m.ndim <= 1 or (m.ndim == 2 and 1 in m.shape)

    if a.shape != b.shape and a.size == b.size and is_vector(a) and is_vector(b):
        return a.ravel(), b.ravel()
    return a, b


def _ones(m: np.ndarray) -> list[tuple[int, int]]:
    return [tuple(int(i) for i in ix) for ix in np.argwhere(m == 1)]


CROSS_ENTROPY_SLIPS = [
    Slip("log base 10 instead of natural log", lambda p: {**p, "base": "10"} if p["base"] == "e" else None),
    Slip("log base 2 instead of natural log", lambda p: {**p, "base": "2"} if p["base"] == "e" else None),
    Slip("natural log instead of the asked base", lambda p: {**p, "base": "e"} if p["base"] != "e" else None),
    Slip("sum over samples instead of the mean", lambda p: {**p, "reduction": "sum"}),
]


# ── Dice ─────────────────────────────────────────────────────────────────────

def dice(target: np.ndarray, pred: np.ndarray, mode: str = "sum", smooth: float = 0.0) -> Solution:
    """Dice coefficient 2Σxy / (Σx + Σy) (mode 'sum') or 2Σxy / (Σx² + Σy²) (mode 'squared')."""
    x, y = _as_vectors(np.asarray(target, dtype=float), np.asarray(pred, dtype=float))
    if x.shape != y.shape:
        raise BadInput(f"target is {dims(x.shape)} but pred is {dims(y.shape)}; they must match", "pred")
    _check_probabilities(x, "target")
    _check_probabilities(y, "pred")
    if mode not in ("sum", "squared"):
        raise BadInput(f"mode must be sum or squared, got '{mode}'", "--mode")
    sol = Solution("dice", [], {}, title=f"Dice coefficient ({'sum' if mode == 'sum' else 'squared-sum'} denominator)")
    denominator = "|X| + |Y| = Σx + Σy" if mode == "sum" else "Σx² + Σy²"
    sol.add(conventions(f"X = target, Y = pred; denominator {denominator}",
                        "loss = 1 − coefficient" + (f"; smoothing S = {smooth:g} added to numerator and denominator"
                                                    if smooth else "")))
    xy = x * y
    inter = float(xy.sum())
    sol.add(Step("Element-wise product X∘Y", grids=[Grid("X∘Y", xy)] if xy.ndim == 2 else [],
                 lines=[] if xy.ndim == 2 else [t("X∘Y = {}", xy)]))
    nonzero = xy[xy != 0]
    terms = t(" + ".join("{}" for _ in nonzero) or "0", *nonzero) if nonzero.size <= 16 else None  # else too long to read
    sol.add(Step("Intersection", "|X∩Y| = Σ X∘Y", terms, t("{}", inter)))
    if mode == "sum":
        sx, sy = float(x.sum()), float(y.sum())
        sol.add(Step("Denominator terms", lines=[t("|X| = Σ x = {}", sx), t("|Y| = Σ y = {}", sy)]))
        formula = "Dice = (2|X∩Y| + S) / (|X| + |Y| + S)" if smooth else "Dice = 2|X∩Y| / (|X| + |Y|)"
    else:
        sx, sy = float((x * x).sum()), float((y * y).sum())
        sol.add(Step("Denominator terms", lines=[_sum_of_squares("x", x, sx), _sum_of_squares("y", y, sy)]))
        formula = "Dice = (2Σxy + S) / (Σx² + Σy² + S)" if smooth else "Dice = 2Σxy / (Σx² + Σy²)"
    num, den = 2 * inter + smooth, sx + sy + smooth
    if den == 0:
        coef = float("nan")
        sol.warnings.append("target and pred are both all zero: Dice is 0/0 (use --smooth)")
    else:
        coef = num / den
    subst = t("(2 · {} + {}) / ({} + {} + {}) = {} / {}", inter, smooth, sx, sy, smooth, num, den) if smooth else \
        t("2 · {} / ({} + {}) = {} / {}", inter, sx, sy, num, den)
    sol.add(Step("Dice coefficient", formula, subst, t("{}", coef)))
    sol.add(Step("Dice loss", "L = 1 − Dice", t("1 − {}", coef), t("{}", 1 - coef)))
    sol.answer.update(coefficient=coef, loss=1 - coef, intersection=inter)
    return sol


def _sum_of_squares(name: str, v: np.ndarray, total: float):
    """`Σ y² = 0.05² + 0.83² + … = 4.42`, written out when short enough to read."""
    vs = v.ravel()
    if vs.size > 16 or np.all((vs == 0) | (vs == 1)):
        return t(f"Σ {name}² = {{}}", total)
    return t(f"Σ {name}² = " + " + ".join("{}²" for _ in vs) + " = {}", *vs, total)


DICE_SLIPS = [
    Slip("squared-sum denominator instead of plain sums", lambda p: {**p, "mode": "squared"} if p["mode"] == "sum" else None),
    Slip("plain-sum denominator instead of squared sums", lambda p: {**p, "mode": "sum"} if p["mode"] == "squared" else None),
]


# ── MSE ──────────────────────────────────────────────────────────────────────

def mse(target: np.ndarray, pred: np.ndarray, reduction: str = "mean", half: bool = False,
        power: int = 2) -> Solution:
    """Mean squared error (1/n) Σ (y − ŷ)². `reduction`, `half` and `power` exist for slips."""
    y, yhat = _as_vectors(np.atleast_1d(np.asarray(target, dtype=float)), np.atleast_1d(np.asarray(pred, dtype=float)))
    if y.shape != yhat.shape:
        raise BadInput(f"target is {dims(y.shape)} but pred is {dims(yhat.shape)}; they must match", "pred")
    n = y.size
    sol = Solution("mse", [], {}, title="Mean squared error")
    sol.add(conventions(f"MSE = mean over all {n} values of (y − ŷ)²; no ½ factor"))
    d = (y - yhat).ravel()
    err = np.abs(d) ** power
    sq = "²" if power == 2 else ""
    bars = "|" if power == 1 else ""
    lines = [t(f"({{}} − {paren(yhat.flat[i])}){sq} = {{}}" if power == 2 else f"|{{}} − {paren(yhat.flat[i])}| = {{}}",
               y.flat[i], yhat.flat[i], err[i]) for i in range(n)]
    sol.add(Step("Squared error of each sample" if power == 2 else "Absolute error of each sample",
                 f"e_i = {bars}(y_i − ŷ_i){sq}{bars}", lines=lines))
    total = float(err.sum())
    sol.add(Step("Sum", "Σ e_i", t(" + ".join("{}" for _ in range(n)), *err), t("{}", total)))
    factor = (0.5 if half else 1.0) / (1 if reduction == "sum" else n)
    loss = total * factor
    if reduction == "mean" and not half:
        sol.add(Step("Mean", f"MSE = (1/{n}) Σ e_i", t(f"{{}} / {n}", total), t("{}", loss)))
    else:  # only slipped conventions get here
        sol.add(Step("Scale", f"L = {'½ ' if half else ''}Σ e_i{'' if reduction == 'sum' else f' / {n}'}",
                     t("{}", total), t("{}", loss)))
    sol.answer.update(loss=loss, squared_errors=err.reshape(y.shape), sum=total)
    return sol


MSE_SLIPS = [
    Slip("sum of squared errors instead of the mean", lambda p: {**p, "reduction": "sum"}),
    Slip("extra ½ factor", lambda p: {**p, "half": True}),
    Slip("½ factor and sum instead of mean (½·SSE)", lambda p: {**p, "half": True, "reduction": "sum"}),
    Slip("absolute instead of squared errors", lambda p: {**p, "power": 1}),
]
