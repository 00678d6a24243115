"""Backpropagation on small fully connected networks, worked neuron by neuron.

The course's recipe (lectures 12, 13; Big Data Analytics lecture 8): forward pass
(net and out of every neuron), loss, output δ, hidden δ as the weighted sum of the
next layer's δ times the activation derivative, gradients δ_j·a_i, updates
w ← w − η·∂L/∂w, and the loss again.

Internally every weight matrix is out×in (W[j, i] connects input i to unit j, so
net = W·a + b); `layout: in_out` problems are transposed on the way in and back on
the way out. δ_j = ∂L/∂net_j throughout.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from dlcalc.calc.activations import ACTIVATIONS, canonical, softmax
from dlcalc.calc.errors import BadInput, closest, dims, quote
from dlcalc.calc.solution import Grid, Slip, Solution, Step, Table, Text, conventions, paren, t, with_wrong

LOSSES = ("half_sse", "sse", "mse", "cross_entropy", "bce")
LAYOUTS = ("out_in", "in_out")
HIDDEN_ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "linear")
ACTIVATION_NAMES = HIDDEN_ACTIVATIONS + ("softmax",)
NAMINGS = ("auto", "numbered", "indexed")
NUMBERED_UP_TO = 20      # networks with at most this many weights get the course's names w1, w2, …
CHECK_H = 1e-5           # central-difference step: truncation O(h²) and rounding O(ε/h) balance here
MAX_UPDATES = 100_000    # steps × samples (SGD) or steps (batch)
MAX_PARAMETERS = 100_000
MAX_WORK = 200_000_000   # steps × samples × weights: a few seconds of numpy at most
LINES_UP_TO = 64         # weights per layer written one line each; bigger layers are shown as matrices
LEGEND_UP_TO = 300       # parameters listed one by one in the legend
CHECK_UP_TO = 5_000      # parameters nudged one by one by the numerical gradient check
TABLE_ENDS = 10          # a long loss table shows this many updates at each end
TERMS_UP_TO = 6          # fan-in up to which a net input is written out term by term
LINE_WIDTH = 70          # a net line longer than this at 4 decimals is split after its rule (80 columns)
PROB_TOL = 1e-6

LOSS_FORMULA = {
    "half_sse": "L = ½ Σ_k (out_k − t_k)²", "sse": "L = Σ_k (out_k − t_k)²", "mse": "L = (1/K) Σ_k (out_k − t_k)²",
    "cross_entropy": "L = −Σ_k t_k·ln out_k", "bce": "L = −Σ_k [t_k·ln out_k + (1 − t_k)·ln(1 − out_k)]",
}
LOSS_GRADIENT = {
    "half_sse": "∂L/∂out_k = out_k − t_k", "sse": "∂L/∂out_k = 2(out_k − t_k) (no ½)",
    "mse": "∂L/∂out_k = (2/K)(out_k − t_k) over the K outputs",
    "cross_entropy": "δ_k = out_k − t_k with softmax outputs", "bce": "δ_k = out_k − t_k with sigmoid outputs",
}


# ── the network and its validation ───────────────────────────────────────────

@dataclass
class DenseLayer:
    W: np.ndarray        # out×in
    b: np.ndarray        # (out,)
    act: str             # one of ACTIVATION_NAMES
    given_ndim: int = 2  # 1: the weights were given as one unit's vector
    bias_given: str = "vector"  # vector | scalar (copied to every unit) | none (zeros)

    def copy(self) -> DenseLayer:
        return replace(self, W=self.W.copy(), b=self.b.copy())


_UNTRAINABLE = "has derivative 0 everywhere, so backprop cannot train it"


def activation_name(name: Any, where: str = "activation") -> str:
    return canonical(name, ACTIVATION_NAMES, where, why={"step": _UNTRAINABLE, "sign": _UNTRAINABLE})


def build(input: Any, target: Any, layers: list, layout: str = "out_in",
          loss: str = "half_sse") -> tuple[np.ndarray, np.ndarray, list[DenseLayer]]:
    """Validate a problem: samples X (n×d), targets T (n×K), layers out×in. BadInput names layer and field."""
    if layout not in LAYOUTS:
        raise BadInput(f"expected out_in or in_out, got {quote(layout)}{closest(str(layout), LAYOUTS)}", "layout")
    if loss not in LOSSES:
        raise BadInput(f"unknown loss {quote(loss)}{closest(str(loss), LOSSES)}; expected one of {', '.join(LOSSES)}", "loss")
    if not isinstance(layers, (list, tuple)) or not layers:
        raise BadInput("expected a non-empty list of layers {weights, bias, activation}", "layers")
    net = [_layer(spec, i, layout, i == len(layers) - 1) for i, spec in enumerate(layers)]
    for i in range(1, len(net)):
        _check_chain(net[i - 1], net[i], i, layout)
    if sum(L.W.size + L.b.size for L in net) > MAX_PARAMETERS:
        raise BadInput(f"more than {MAX_PARAMETERS} parameters; this tool is for hand-sized networks", "layers")
    X = _samples(input, net[0].W.shape[1])
    T = _targets(target, X.shape[0], net[-1].W.shape[0], len(net))
    _check_loss(loss, net, T)
    return X, T, net


def _layer(spec: Any, i: int, layout: str, last: bool) -> DenseLayer:
    path = f"layers[{i}]"
    if not isinstance(spec, dict) or "weights" not in spec:
        raise BadInput("expected a mapping with weights (and bias, activation)", path)
    W = _finite_array(spec["weights"], f"{path}.weights")
    if W.ndim not in (1, 2):
        raise BadInput(f"expected a matrix (or one unit's weight vector), got {W.ndim} dimensions", f"{path}.weights")
    given_ndim = W.ndim
    W = W.reshape(1, -1) if W.ndim == 1 else (W.T if layout == "in_out" else W)
    units = W.shape[0]
    raw_bias = spec.get("bias")
    if raw_bias is None:
        b, how = np.zeros(units), "none"
    else:
        b = _finite_array(raw_bias, f"{path}.bias")
        how = "scalar" if b.size == 1 and units > 1 else "vector"
        if b.ndim > 1 and b.size == units:
            b = b.ravel()  # a column typed for a bias is still the bias
        if b.size == 1:
            b = np.full(units, float(b.ravel()[0]))
        if b.ndim != 1 or b.size != units:
            raise BadInput(f"has {b.size} values but {path} has {units} unit{'s' * (units != 1)} "
                           f"(one bias per unit, or one number for all)", f"{path}.bias")
    act = activation_name(spec.get("activation") or "sigmoid", f"{path}.activation")
    if act == "softmax" and not last:
        raise BadInput("softmax is only allowed in the last layer (with loss cross_entropy)", f"{path}.activation")
    return DenseLayer(W.astype(float), b.astype(float), act, given_ndim, how)


def _finite_array(raw: Any, where: str) -> np.ndarray:
    try:
        a = np.asarray(raw, dtype=float)
    except (TypeError, ValueError):
        raise BadInput("expected numbers (a matrix as nested lists)", where) from None
    if a.size == 0:
        raise BadInput("is empty", where)
    if not np.all(np.isfinite(a)):
        raise BadInput("must be finite numbers (no inf or nan)", where)
    return a


def _check_chain(prev: DenseLayer, layer: DenseLayer, i: int, layout: str) -> None:
    units, fan_in = prev.W.shape[0], layer.W.shape[1]
    if fan_in == units:
        return
    given = layer.W.shape if layout == "out_in" else layer.W.T.shape
    how = "out_in: rows = units, columns = inputs" if layout == "out_in" else "in_out: rows = inputs, columns = units"
    hint = ""
    if layer.given_ndim == 2 and layer.W.shape[0] == units:
        hint = f"; transposed it would fit (is the layout {'in_out' if layout == 'out_in' else 'out_in'}?)"
    raise BadInput(f"is {dims(given)} ({how}), so it takes {fan_in} input{'s' * (fan_in != 1)}, "
                   f"but layers[{i - 1}] has {units} unit{'s' * (units != 1)}{hint}", f"layers[{i}].weights")


def _samples(raw: Any, d: int) -> np.ndarray:
    X = _finite_array(raw, "input")
    if X.ndim == 0:
        X = X.reshape(1, 1)
    elif X.ndim == 1:
        X = X.reshape(1, -1)
    if X.ndim != 2:
        raise BadInput("expected one sample (a vector) or one row per sample", "input")
    if X.shape[1] != d:
        many = " (for several samples give one row per sample: [[...], [...]])" if X.shape[0] == 1 and X.size % d == 0 else ""
        raise BadInput(f"has {X.shape[1]} value{'s' * (X.shape[1] != 1)} per sample but layers[0].weights takes "
                       f"{d} input{'s' * (d != 1)}{many}", "input")
    return X


def _targets(raw: Any, n: int, K: int, L: int) -> np.ndarray:
    T = _finite_array(raw, "target")
    if T.ndim == 0 or (T.ndim == 1 and n == 1):
        T = T.reshape(1, -1)
    elif T.ndim == 1 and K == 1:
        T = T.reshape(-1, 1)  # one output: one target per sample
    if T.ndim == 2 and T.shape[0] != n:
        raise BadInput(f"has {T.shape[0]} rows (one per sample) but the input has {n} sample{'s' * (n != 1)}",
                       "target")
    if T.ndim != 2 or T.shape[1] != K:
        what = f"{T.shape[1]} value{'s' * (T.shape[1] != 1)} per sample" if T.ndim == 2 else f"shape {dims(T.shape)}"
        raise BadInput(f"has {what} but the last layer (layers[{L - 1}]) has {K} unit{'s' * (K != 1)}", "target")
    return T


def _check_loss(loss: str, net: list[DenseLayer], T: np.ndarray) -> None:
    last = f"layers[{len(net) - 1}].activation"
    act = net[-1].act
    if loss == "cross_entropy" and act != "softmax":
        hint = " (for sigmoid outputs use loss: bce)" if act == "sigmoid" else ""
        raise BadInput(f"loss cross_entropy needs a softmax output layer, got {act}{hint}", last)
    if act == "softmax" and loss != "cross_entropy":
        raise BadInput(f"a softmax output layer is used with loss cross_entropy, not {loss}", "loss")
    if loss == "bce" and act != "sigmoid":
        raise BadInput(f"loss bce needs a sigmoid output layer, got {act}", last)
    if loss in ("cross_entropy", "bce"):
        if np.any(T < 0) or np.any(T > 1):
            bad = T.flat[int(np.argmax((T < 0) | (T > 1)))]
            raise BadInput(f"{loss} targets must be probabilities in [0, 1], found {bad:g}", "target")
        sums = T.sum(axis=1)
        if loss == "cross_entropy" and np.any(np.abs(sums - 1) > PROB_TOL):
            s = int(np.argmax(np.abs(sums - 1) > PROB_TOL))
            raise BadInput(f"cross_entropy targets must be probability vectors (one-hot or summing to 1); "
                           f"{'the target' if len(T) == 1 else f'row {s + 1}'} sums to {sums[s]:g}", "target")


# ── the mathematics: forward, loss, backward ─────────────────────────────────

def f(act: str, z: np.ndarray) -> np.ndarray:
    return softmax(z) if act == "softmax" else ACTIVATIONS[act].f(z)


def df(act: str, z: np.ndarray) -> np.ndarray:
    """f′(net), element-wise (softmax never needs it: it only meets cross-entropy, whose δ is out − t)."""
    return ACTIVATIONS[act].df(z)


def forward(net: list[DenseLayer], x: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """nets[li] and outs[li + 1] of every layer; outs[0] is the input."""
    nets, outs = [], [np.asarray(x, dtype=float)]
    for layer in net:
        nets.append(layer.W @ outs[-1] + layer.b)
        outs.append(f(layer.act, nets[-1]))
    return nets, outs


def sample_loss(loss: str, y: np.ndarray, t: np.ndarray) -> float:
    with np.errstate(divide="ignore", invalid="ignore"):
        if loss == "half_sse":
            return float(0.5 * np.sum((y - t) ** 2))
        if loss == "sse":
            return float(np.sum((y - t) ** 2))
        if loss == "mse":
            return float(np.mean((y - t) ** 2))
        if loss == "cross_entropy":
            return float(-np.sum(_xlogy(t, y)))
        return float(-np.sum(_xlogy(t, y) + _xlogy(1 - t, 1 - y)))


def _xlogy(a: np.ndarray, p: np.ndarray) -> np.ndarray:
    """a·ln p with 0·ln 0 = 0."""
    return np.where(a == 0, 0.0, a * np.log(np.where(a == 0, 1.0, p)))


def dloss(loss: str, y: np.ndarray, t: np.ndarray) -> np.ndarray:
    """∂L/∂out for the squared-error losses."""
    return {"half_sse": 1.0, "sse": 2.0, "mse": 2.0 / y.size}[loss] * (y - t)


def shortcut(loss: str, act: str) -> bool:
    """Softmax + cross-entropy and sigmoid + BCE: ∂L/∂out·∂out/∂net collapses to out − t."""
    return (loss, act) in (("cross_entropy", "softmax"), ("bce", "sigmoid"))


@dataclass
class Pass:
    """One sample through the network and back."""

    nets: list[np.ndarray]
    outs: list[np.ndarray]          # outs[0] = x
    target: np.ndarray
    loss: float
    dout: np.ndarray | None         # ∂L/∂out at the output layer (None for a shortcut)
    fprimes: list[np.ndarray | None]  # f′(net) as used, per layer (None at a shortcut output)
    backs: list[np.ndarray | None]  # what layer l + 1 sends back to hidden layer l (its δ, by the chain rule)
    sums: list[np.ndarray | None]   # Σ_k back_k·w_kj arriving at each hidden layer
    deltas: list[np.ndarray]


def run_sample(net: list[DenseLayer], x: np.ndarray, t: np.ndarray, loss: str, derivative: str = "chain") -> Pass:
    """Forward and backward for one sample. `derivative` other than 'chain' exists for slips:
    'none' leaves every activation derivative out (gradient w.r.t. out), 'unpropagated'
    sends back Σ w·(∂L/∂out) instead of Σ w·δ (the next layer's derivative is lost)."""
    nets, outs = forward(net, x)
    L = len(net)
    y, top = outs[-1], net[-1]
    fprimes: list[np.ndarray | None] = [None] * L
    sums: list[np.ndarray | None] = [None] * L
    backs: list[np.ndarray | None] = [None] * L
    deltas: list[np.ndarray] = [np.zeros(0)] * L
    if shortcut(loss, top.act):
        dout, deltas[-1] = None, y - t
        err = deltas[-1]
    else:
        dout = dloss(loss, y, t)
        fprimes[-1] = np.ones_like(y) if derivative == "none" else df(top.act, nets[-1])
        deltas[-1] = dout * fprimes[-1]
        err = dout
    for li in range(L - 2, -1, -1):
        backs[li] = err if derivative == "unpropagated" else deltas[li + 1]
        sums[li] = net[li + 1].W.T @ backs[li]
        fprimes[li] = np.ones_like(nets[li]) if derivative == "none" else df(net[li].act, nets[li])
        deltas[li] = sums[li] * fprimes[li]
        err = sums[li]
    return Pass(nets, outs, t, sample_loss(loss, y, t), dout, fprimes, backs, sums, deltas)


def gradients(net: list[DenseLayer], passes: list[Pass]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Mean over the samples of ∂L/∂W = δ·aᵀ and ∂L/∂b = δ."""
    gW = [np.mean([np.outer(p.deltas[li], p.outs[li]) for p in passes], axis=0) for li in range(len(net))]
    gb = [np.mean([p.deltas[li] for p in passes], axis=0) for li in range(len(net))]
    return gW, gb


def outputs_and_losses(net: list[DenseLayer], X: np.ndarray, T: np.ndarray, loss: str) -> tuple[list[np.ndarray], np.ndarray]:
    """Every sample's output and loss with the current weights."""
    outs = [forward(net, x)[1][-1] for x in X]
    return outs, np.array([sample_loss(loss, y, t) for y, t in zip(outs, T)])


def dataset_loss(net: list[DenseLayer], X: np.ndarray, T: np.ndarray, loss: str) -> float:
    return float(np.mean(outputs_and_losses(net, X, T, loss)[1]))


def numerical_gradients(net: list[DenseLayer], X: np.ndarray, T: np.ndarray, loss: str,
                        h: float = CHECK_H) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Central differences [L(θ + h) − L(θ − h)] / 2h for every weight and bias."""
    def nudge(arrays: list[np.ndarray]) -> list[np.ndarray]:
        out = []
        for a in arrays:
            g = np.zeros_like(a)
            for ix in np.ndindex(a.shape):
                keep = a[ix]
                a[ix] = keep + h
                up = dataset_loss(net, X, T, loss)
                a[ix] = keep - h
                down = dataset_loss(net, X, T, loss)
                a[ix] = keep
                g[ix] = (up - down) / (2 * h)
            out.append(g)
        return out
    return nudge([layer.W for layer in net]), nudge([layer.b for layer in net])


# ── names: the course's w1, w2, … or w(l)_ji, with a legend ──────────────────

@dataclass
class Names:
    units: list[list[str]]            # units[0]: inputs x1…; units[l + 1]: layer l (h1… hidden, o1… output)
    weights: list[list[list[str]]]    # weights[li][j][i]
    biases: list[list[str]]
    numbered: bool


def make_names(net: list[DenseLayer], scheme: str = "auto") -> Names:
    first = np.cumsum([0] + [L.W.shape[0] for L in net[:-1]])  # hidden units are numbered on across layers: h1…
    units = [[f"x{i + 1}" for i in range(net[0].W.shape[1])]]
    units += [[f"h{first[li] + j + 1}" for j in range(L.W.shape[0])] for li, L in enumerate(net[:-1])]
    units.append([f"o{j + 1}" for j in range(net[-1].W.shape[0])])
    numbered = scheme == "numbered" or (scheme == "auto" and sum(L.W.size for L in net) <= NUMBERED_UP_TO)
    before = np.cumsum([0] + [L.W.size for L in net])  # weights in the layers before: w1, w2, … run on

    def weight(li: int, j: int, i: int) -> str:
        units, fan_in = net[li].W.shape
        if numbered:
            return f"w{before[li] + j * fan_in + i + 1}"
        return f"w({li + 1})_{j + 1}{'' if max(units, fan_in) < 10 else ','}{i + 1}"
    weights = [[[weight(li, j, i) for i in range(L.W.shape[1])] for j in range(L.W.shape[0])] for li, L in enumerate(net)]
    biases = [[f"b_{u}" for u in units[li + 1]] for li in range(len(net))]
    return Names(units, weights, biases, numbered)


def _entry(layer: DenseLayer, li: int, j: int, i: int, layout: str) -> str:
    if layer.given_ndim == 1:
        return f"layers[{li}].weights[{i}]"
    return f"layers[{li}].weights[{j}][{i}]" if layout == "out_in" else f"layers[{li}].weights[{i}][{j}]"


def _bias_entry(layer: DenseLayer, li: int, j: int) -> str:
    return {"vector": f"layers[{li}].bias[{j}]", "scalar": f"layers[{li}].bias", "none": "— (no bias given: 0)"}[layer.bias_given]


def parameters(net: list[DenseLayer], with_bias: list[bool]):
    """(layer, unit j, input i) of every parameter in the legend's order; i is None for a bias."""
    for li, layer in enumerate(net):
        units, fan_in = layer.W.shape
        yield from ((li, j, i) for j in range(units) for i in range(fan_in))
        if with_bias[li]:
            yield from ((li, j, None) for j in range(units))


def _at(W: list[np.ndarray], b: list[np.ndarray], li: int, j: int, i: int | None) -> float:
    """A parameter's entry in per-layer weight matrices W and bias vectors b (weights, gradients, …)."""
    return float(b[li][j] if i is None else W[li][j, i])


def _name(names: Names, li: int, j: int, i: int | None) -> str:
    return names.biases[li][j] if i is None else names.weights[li][j][i]


def legend(net: list[DenseLayer], names: Names, layout: str, with_bias: list[bool]) -> Step:
    prose = ["x = inputs, h = hidden units, o = output units",
             "weights numbered w1, w2, … layer by layer, unit by unit" if names.numbered else
             "w(l)_ji = weight of layer l from input i to unit j"]
    count = sum(L.W.size + L.b.size * has for L, has in zip(net, with_bias))
    if count > LEGEND_UP_TO:
        return Step("Names", prose=prose + [f"{count} parameters: too many to list one by one"])

    def row(li: int, j: int, i: int | None) -> list:
        layer, dst = net[li], names.units[li + 1][j]
        where = _bias_entry(layer, li, j) if i is None else _entry(layer, li, j, i, layout)
        what = f"bias of {dst}" if i is None else f"{names.units[li][i]} → {dst}"
        return [_name(names, li, j, i), what, where, _at([L.W for L in net], [L.b for L in net], li, j, i)]
    return Step("Names", prose=prose, table=Table(["name", "connection", "entry", "value"],
                                                  [row(*p) for p in parameters(net, with_bias)]))


# ── worked steps ─────────────────────────────────────────────────────────────

def _forward_lines(net: list[DenseLayer], names: Names, p: Pass, li: int, with_bias: list[bool]) -> list[Text]:
    layer, src, dst = net[li], names.units[li], names.units[li + 1]
    a, z, out = p.outs[li], p.nets[li], p.outs[li + 1]
    src_sym = [f"out_{s}" if li else s for s in src]
    lines = []
    for j, u in enumerate(dst):
        w = layer.W[j]
        bias = [layer.b[j]] if with_bias[li] else []
        bias_sym = f" + {names.biases[li][j]}" if with_bias[li] else ""
        if w.size <= TERMS_UP_TO:
            symbolic = " + ".join(f"{names.weights[li][j][i]}·{src_sym[i]}" for i in range(w.size)) + bias_sym
            numbers = " + ".join(f"{paren(w[i])}·{paren(a[i])}" for i in range(w.size)) + (f" + {paren(bias[0])}" if bias else "")
            values = [x for i in range(w.size) for x in (w[i], a[i])] + bias + [z[j]]
            line = f"net_{u} = {symbolic} = {numbers} = {{}}"
            if len(line) + sum(len(f"{v:.4f}".rstrip("0").rstrip(".")) - 2 for v in values) > LINE_WIDTH:
                lines += [t(f"net_{u} = {symbolic}"), t(f"{' ' * len(f'net_{u} ')}= {numbers} = {{}}", *values)]
            else:
                lines.append(t(line, *values))
        else:
            lines.append(t(f"net_{u} = Σ_i w_i·a_i{bias_sym} = {{}}", z[j]))
        if layer.act != "softmax":
            lines.append(_out_line(layer.act, u, z[j], out[j]))
    if layer.act == "softmax":
        lines += _softmax_lines(dst, z, out)
    return lines


def _out_line(act: str, u: str, z: float, out: float) -> Text:
    if act == "linear":
        return t(f"out_{u} = net_{u} = {{}}", out)
    return ACTIVATIONS[act].value_line(z, out, lead=f"out_{u} = ", brief=act != "relu")


def _softmax_lines(dst: list[str], z: np.ndarray, out: np.ndarray) -> list[Text]:
    shift = float(z.max()) if z.max() > 50 else 0.0  # e^net would overflow the page: subtract the max
    e = np.exp(z - shift)
    power = "e^({} − {})" if shift else "e^{}"
    args = lambda v: (v, shift) if shift else (v,)  # noqa: E731
    total = " + ".join(power for _ in z)
    lines = [t(f"Σ_k e^net_k{' (max subtracted)' if shift else ''} = {total} = {{}}",
               *[x for v in z for x in args(v)], float(e.sum()))]
    lines += [t(f"out_{u} = {power} / {{}} = {{}}", *args(z[j]), float(e.sum()), out[j]) for j, u in enumerate(dst)]
    return lines


def _loss_line(loss: str, y: np.ndarray, tt: np.ndarray, value: float, label: str) -> Text:
    pairs = [x for k in range(y.size) for x in (y[k], tt[k])]
    sq = " + ".join(f"({{}} − {paren(tt[k])})²" for k in range(y.size))
    if loss == "half_sse":
        return t(f"{label} = ½[{sq}] = {{}}", *pairs, value)
    if loss == "sse":
        return t(f"{label} = {sq} = {{}}", *pairs, value)
    if loss == "mse":
        return t(f"{label} = [{sq}] / {y.size} = {{}}", *pairs, value)
    if loss == "cross_entropy":
        keep = [k for k in range(y.size) if tt[k] != 0]
        terms = " + ".join("{}·ln {}" for _ in keep)
        return t(f"{label} = −({terms}) = {{}}", *[x for k in keep for x in (tt[k], y[k])], value)
    terms = " + ".join("{}·ln {} + {}·ln(1 − {})" for _ in range(y.size))
    return t(f"{label} = −({terms}) = {{}}", *[x for k in range(y.size) for x in (tt[k], y[k], 1 - tt[k], y[k])], value)


def _dout_line(loss: str, u: str, y: float, tt: float, g: float, K: int) -> Text:
    rule = {"half_sse": ("out_{0} − t_{0}", "{} − " + paren(tt)),
            "sse": ("2(out_{0} − t_{0})", "2({} − " + paren(tt) + ")"),
            "mse": (f"(2/{K})(out_{{0}} − t_{{0}})", f"(2/{K})({{}} − {paren(tt)})")}[loss]
    return t(f"∂L/∂out_{u} = {rule[0].format(u)} = {rule[1]} = {{}}", y, tt, g)


def _output_delta_lines(net: list[DenseLayer], names: Names, p: Pass, loss: str) -> list[Text]:
    top, lines = net[-1], []
    for k, u in enumerate(names.units[-1]):
        y, tt, d = p.outs[-1][k], p.target[k], p.deltas[-1][k]
        if p.dout is None:
            lines.append(t(f"δ_{u} = out_{u} − t_{u} = {{}} − {paren(tt)} = {{}}", y, tt, d))
            continue
        lines.append(_dout_line(loss, u, y, tt, p.dout[k], p.outs[-1].size))
        lines.append(ACTIVATIONS[top.act].slope_line(p.nets[-1][k], y, p.fprimes[-1][k], unit=u))
        lines.append(t(f"δ_{u} = ∂L/∂out_{u} · ∂out_{u}/∂net_{u} = {paren(p.dout[k])}·{paren(p.fprimes[-1][k])} = {{}}",
                       p.dout[k], p.fprimes[-1][k], d))
    return lines


def _hidden_delta_lines(net: list[DenseLayer], names: Names, p: Pass, li: int) -> list[Text]:
    nxt, lines = net[li + 1], []
    for j, u in enumerate(names.units[li + 1]):
        ks = range(nxt.W.shape[0])
        back, fp = p.backs[li], p.fprimes[li][j]
        lines.append(ACTIVATIONS[net[li].act].slope_line(p.nets[li][j], p.outs[li + 1][j], fp, unit=u))
        if len(ks) > 2 * TERMS_UP_TO:  # a wide next layer: the sum's value, not its terms
            lines.append(t(f"δ_{u} = (Σ_k δ_k·w_k{j + 1}) · ∂out_{u}/∂net_{u} = {{}} · {paren(fp)} = {{}}",
                           p.sums[li][j], fp, p.deltas[li][j]))
            continue
        sym = " + ".join(f"δ_{names.units[li + 2][k]}·{names.weights[li + 1][k][j]}" for k in ks)
        num = " + ".join(f"{paren(back[k])}·{paren(nxt.W[k, j])}" for k in ks)
        lines.append(t(f"δ_{u} = ({sym}) · ∂out_{u}/∂net_{u}"))
        lines.append(t(f"     = ({num}) · {paren(fp)} = {{}} · {paren(fp)} = {{}}",
                       *[x for k in ks for x in (back[k], nxt.W[k, j])], fp, p.sums[li][j], fp, p.deltas[li][j]))
    return lines


def _gradient_lines(names: Names, passes: list[Pass], li: int, gW: np.ndarray, gb: np.ndarray,
                    with_bias: bool) -> list[Text]:
    src = [f"out_{s}" if li else s for s in names.units[li]]
    lines = []
    for j, u in enumerate(names.units[li + 1]):
        lines += [_gradient_line(f"∂L/∂{names.weights[li][j][i]}", f"δ_{u}·{src[i]}",
                                 [(p.deltas[li][j], p.outs[li][i]) for p in passes], gW[j, i])
                  for i in range(gW.shape[1])]
        if with_bias:
            lines.append(_gradient_line(f"∂L/∂{names.biases[li][j]}", f"δ_{u}", [(p.deltas[li][j],) for p in passes],
                                        gb[j]))
    return lines


def _gradient_line(lhs: str, rule: str, factors: list[tuple], value: float) -> Text:
    """One sample: the rule with its numbers (δ·a, or δ alone); several: the mean of the samples' products."""
    n = len(factors)
    product = ["·".join(paren(x) for x in fs) for fs in factors]
    numbers = [x for fs in factors for x in fs]
    if n == 1:
        return t(f"{lhs} = {rule} = {{}}", value) if len(factors[0]) == 1 else \
            t(f"{lhs} = {rule} = {product[0]} = {{}}", *numbers, value)
    if n > TERMS_UP_TO:
        return t(f"{lhs} = (1/{n}) Σ_s {rule} = {{}}", value)
    return t(f"{lhs} = (1/{n}) Σ_s {rule} = ({' + '.join(product)}) / {n} = {{}}", *numbers, value)


def _update_lines(names: Names, li: int, old: DenseLayer, new: DenseLayer, gW: np.ndarray, gb: np.ndarray, lr: float,
                  op: str, with_bias: bool) -> list[Text]:
    def line(name: str, before: float, g: float, after: float) -> Text:
        return t(f"{name}′ = {name} {op} η·∂L/∂{name} = {{}} {op} {{}}·{paren(g)} = {{}}", before, lr, g, after)
    lines = []
    for j in range(old.W.shape[0]):
        lines += [line(names.weights[li][j][i], old.W[j, i], gW[j, i], new.W[j, i]) for i in range(old.W.shape[1])]
        if with_bias:
            lines.append(line(names.biases[li][j], old.b[j], gb[j], new.b[j]))
    return lines


def given_layout(layer: DenseLayer, W: np.ndarray, layout: str) -> np.ndarray:
    """A weight matrix back in the shape and layout the problem gave it."""
    if layer.given_ndim == 1:
        return W.ravel().copy()
    return W.T.copy() if layout == "in_out" else W.copy()


def _layer_title(net: list[DenseLayer], names: Names, li: int) -> str:
    units = names.units[li + 1]
    shown = ", ".join(units) if len(units) <= 4 else f"{units[0]}…{units[-1]}"
    if li == len(net) - 1:
        return f"output layer ({shown})"
    return f"hidden layer {li + 1} ({shown})" if len(net) > 2 else f"hidden layer ({shown})"


# ── the solver ───────────────────────────────────────────────────────────────

@dataclass(frozen=True)
class Wrong:
    """Wrong conventions students use: only slips set them, and grading solves again with them."""

    ascent: bool = False       # w + η·∂L/∂w
    derivative: str = "chain"  # none: activation derivatives left out; unpropagated: hidden δ without them


RIGHT = Wrong()


@dataclass(frozen=True)
class Run:
    """What every worked step of one run reads: the problem's conventions and the names of its weights."""

    layout: str
    loss: str
    lr: float
    update_bias: bool
    steps: int
    batch: bool
    names: Names
    with_bias: list[bool]  # layers whose net input has a bias term
    n: int                 # samples
    wrong: Wrong

    @property
    def op(self) -> str:
        return "+" if self.wrong.ascent else "−"


@np.errstate(over="ignore", invalid="ignore")  # overflow is reported once, in words, not by numpy
def backprop(input: Any, target: Any, layers: list, layout: str = "out_in", loss: str = "half_sse",
             learning_rate: float = 0.5, update_bias: bool = True, steps: int = 1, batch: bool = False,
             check: bool = False, weight_names: str = "auto", detail: int = 3, wrong: Wrong = RIGHT) -> Solution:
    """Gradient-descent updates of a fully connected network, worked neuron by neuron.

    `input`/`target`: one sample (vectors) or one row per sample. Several samples are one
    batch update per step with the mean gradient (`batch`), else sequential SGD in the given
    order, one update per sample. `detail` updates are worked in full; later ones are summed
    up in a loss table. `wrong` is set by grading slips only.
    """
    X, T, net = build(input, target, layers, layout, loss)
    n = X.shape[0]
    groups = [list(range(n))] if batch or n == 1 else [[s] for s in range(n)]
    _check_run(net, X, learning_rate, steps, len(groups), weight_names)
    updates = [(step, g) for step in range(1, steps + 1) for g in groups]
    run = Run(layout, loss, learning_rate, update_bias, steps, batch, make_names(net, weight_names),
              [update_bias or L.bias_given != "none" for L in net], n, wrong)
    sign = 1.0 if wrong.ascent else -1.0
    sgd = len(groups) > 1

    sol = Solution("backprop", [], {}, title="Backpropagation")
    sol.add(_conventions(net, X, run))
    sol.add(legend(net, run.names, layout, run.with_bias))

    _, losses = outputs_and_losses(net, X, T, loss)
    history = [float(np.mean(losses))]
    rows: list[list] = []
    diverged = False
    for k, (step, group) in enumerate(updates):
        shown = k < detail
        tag = _tag(k, step, group, len(updates), sgd)
        passes = [run_sample(net, X[s], T[s], loss, wrong.derivative) for s in group]
        gW, gb = gradients(net, passes)
        old = [L.copy() for L in net] if shown or k == 0 else []
        if k == 0:
            first = (old, passes, gW, gb)
        if shown:
            _worked_forward_and_back(sol, net, run, passes, group, tag)
            for li in range(len(net) - 1, -1, -1):
                sol.add(_gradient_step(net, run, passes, li, gW[li], gb[li], tag))
        for li, layer in enumerate(net):
            layer.W += sign * learning_rate * gW[li]
            if update_bias:
                layer.b += sign * learning_rate * gb[li]
        outs, losses = outputs_and_losses(net, X, T, loss)
        history.append(float(np.mean(losses)))
        rows.append(_history_row(k, step, group, float(np.mean([p.loss for p in passes])),
                                 float(np.mean(losses[group])), history[-1], sgd))
        if not diverged and not all(np.all(np.isfinite(L.W)) and np.all(np.isfinite(L.b)) for L in net):
            diverged = True
            sol.warnings.append(f"the weights diverge (no longer finite after update {k + 1}): "
                                f"η = {learning_rate:g} is too large")
        if shown:
            _worked_update(sol, net, old, run, gW, gb, tag)
            sol.add(_new_loss_step(run, outs, T, losses, tag, history[-1]))

    if len(updates) > 1:
        sol.add(_history_step(rows, sgd, detail, len(updates)))
    check_diff = _check_step(sol, first, X[groups[0]], T[groups[0]], run) if check else None
    sol.add(Step("Weights after the last update" if len(updates) > 1 else "Weights after the update",
                 grids=[g for li, L in enumerate(net) for g in
                        [Grid(f"layers[{li}].weights", given_layout(L, L.W, layout)), Grid(f"layers[{li}].bias", L.b)]]))
    _answer(sol, net, first, history, layout, check_diff)
    if loss in ("cross_entropy", "bce"):
        for value, what in ((history[0], "before"), (history[-1], "after the updates")):
            if value == np.inf:
                sol.warnings.append(f"the loss {what} is inf (an output probability reached 0 or 1)")
    return sol


def _check_run(net: list[DenseLayer], X: np.ndarray, lr: float, steps: int, per_step: int, weight_names: str) -> None:
    """The settings, and a run small enough to finish in a few seconds without overflowing at the start."""
    if not 0 < lr < np.inf:
        raise BadInput(f"must be a finite number > 0, got {lr:g}", "learning_rate")
    if not isinstance(steps, (int, np.integer)) or steps < 1:
        raise BadInput(f"must be a whole number ≥ 1, got {steps}", "steps")
    if weight_names not in NAMINGS:
        raise BadInput(f"expected one of {', '.join(NAMINGS)}, got {quote(weight_names)}{closest(str(weight_names), NAMINGS)}",
                       "weight_names")
    if steps * per_step > MAX_UPDATES:
        raise BadInput(f"{steps * per_step} updates; at most {MAX_UPDATES}", "steps")
    n, size = X.shape[0], sum(L.W.size for L in net)
    if steps * n * size > MAX_WORK:  # every update passes every sample forward
        raise BadInput(f"{steps} step{'s' * (steps != 1)} × {n} sample{'s' * (n != 1)} × {size} weights is more than "
                       f"{MAX_WORK:,} multiply-adds; this tool is for hand-sized runs", "steps")
    if not all(np.all(np.isfinite(z)) for x in X for z in forward(net, x)[0]):
        raise BadInput("a net input overflows in the forward pass (beyond ±1.8e308); scale the inputs or "
                       "weights down", "input")


def _tag(k: int, step: int, group: list[int], total: int, sgd: bool) -> str:
    if total == 1:
        return ""
    if not sgd:
        return f"Update {k + 1}: "
    return f"Update {k + 1} (epoch {step}, sample {group[0] + 1}): "


def _conventions(net: list[DenseLayer], X: np.ndarray, run: Run) -> Step:
    layout, loss, lr, update_bias, steps, batch = run.layout, run.loss, run.lr, run.update_bias, run.steps, run.batch
    shape = " → ".join([f"{net[0].W.shape[1]} inputs"] + [f"{L.W.shape[0]} {L.act}" for L in net])
    items = [f"network: {shape}",
             "layout out_in: weights[j][i] is input i → unit j (a row per unit)" if layout == "out_in" else
             "layout in_out: weights[i][j] is input i → unit j (a column per unit)",
             f"loss {loss}: {LOSS_FORMULA[loss]}, so {LOSS_GRADIENT[loss]}",
             "δ_j = ∂L/∂net_j; hidden δ_j = (Σ_k δ_k·w_kj)·f′(net_j)",
             "∂L/∂w_ji = δ_j·a_i, a_i being the input or out that w_ji multiplies",
             f"update: w ← w {run.op} η·∂L/∂w, η = {lr:g}, every gradient taken before it",
             "biases are updated the same way (∂L/∂b_j = δ_j)" if update_bias else "biases are kept fixed (update_bias: false)"]
    scalar = [f"layers[{li}]" for li, L in enumerate(net) if L.bias_given == "scalar"]
    if scalar:
        items.append(f"{', '.join(scalar)}: one bias given, copied to each unit")
    n = X.shape[0]
    if n > 1:
        items += [f"{n} samples; L = mean of the sample losses",
                  "batch gradient descent: one update per step with the mean gradient" if batch else
                  "sequential SGD: one update per sample, in the order given"]
    if steps > 1:
        items.append(f"{steps} {'epochs' if n > 1 and not batch else 'steps'} of gradient descent")
    if run.wrong.ascent:
        items.append("(slip) the update adds η·∂L/∂w instead of subtracting it")
    derivative = run.wrong.derivative
    if derivative == "none":
        items.append("(slip) activation derivatives left out: gradients taken w.r.t. out instead of net")
    elif derivative == "unpropagated":
        items.append("(slip) hidden δ built from Σ w·∂L/∂out of the next layer, without its activation derivative")
    return conventions(*items)


def _worked_forward_and_back(sol: Solution, net: list[DenseLayer], run: Run, passes: list[Pass], group: list[int],
                             tag: str) -> None:
    names, loss, with_bias, n = run.names, run.loss, run.with_bias, run.n
    several = len(passes) > 1
    labels = [f", sample {s + 1}" if several else "" for s in group]
    for p, label in zip(passes, labels):
        if several:
            sol.add(Step(f"{tag}Forward pass{label}",
                         lines=[x for li in range(len(net)) for x in _forward_lines(net, names, p, li, with_bias)]))
        else:
            for li in range(len(net)):
                sol.add(Step(f"{tag}Forward pass, {_layer_title(net, names, li)}", _forward_rule(net[li].act, with_bias[li]),
                             lines=_forward_lines(net, names, p, li, with_bias)))
    lines = [_loss_line(loss, p.outs[-1], p.target, p.loss, _loss_label(s, n)) for p, s in zip(passes, group)]
    if several:
        losses = [p.loss for p in passes]
        lines.append(t(f"L = ({' + '.join('{}' for _ in losses)}) / {len(losses)} = {{}}", *losses, float(np.mean(losses))))
    sol.add(Step(f"{tag}Loss", LOSS_FORMULA[loss], lines=lines))
    for p, label in zip(passes, labels):
        top = f"δ_k = out_k − t_k ({'softmax' if loss == 'cross_entropy' else 'sigmoid'} + {loss})" \
            if p.dout is None else "δ_k = ∂L/∂out_k · ∂out_k/∂net_k"
        sol.add(Step(f"{tag}Output δ{label}", top, lines=_output_delta_lines(net, names, p, loss)))
        for li in range(len(net) - 2, -1, -1):
            sol.add(Step(f"{tag}Hidden δ, {_layer_title(net, names, li)}{label}",
                         "δ_j = (Σ_k δ_k·w_kj) · ∂out_j/∂net_j", lines=_hidden_delta_lines(net, names, p, li)))


def _loss_label(s: int, n: int) -> str:
    """L for the only sample, L_s for sample s of several."""
    return f"L_{s + 1}" if n > 1 else "L"


def _forward_rule(act: str, with_bias: bool) -> str:
    net = "net_j = Σ_i w_ji·a_i" + (" + b_j" if with_bias else "")
    out = "out_j = e^net_j / Σ_k e^net_k" if act == "softmax" else f"out_j = {ACTIVATIONS[act].symbol}(net_j)"
    return f"{net},  {out}"


def _gradient_step(net: list[DenseLayer], run: Run, passes: list[Pass], li: int, gW: np.ndarray, gb: np.ndarray,
                   tag: str) -> Step:
    small = net[li].W.size <= LINES_UP_TO
    return Step(f"{tag}Gradients, {_layer_title(net, run.names, li)}",
                "∂L/∂w_ji = δ_j · a_i" + ("   ∂L/∂b_j = δ_j" if run.update_bias else ""),
                lines=_gradient_lines(run.names, passes, li, gW, gb, run.update_bias) if small else [],
                grids=[] if small else [Grid(f"∂L/∂W({li + 1})", given_layout(net[li], gW, run.layout))])


def _worked_update(sol: Solution, net: list[DenseLayer], old: list[DenseLayer], run: Run, gW: list[np.ndarray],
                   gb: list[np.ndarray], tag: str) -> None:
    names, lr, op, update_bias, layout = run.names, run.lr, run.op, run.update_bias, run.layout
    for li in range(len(net) - 1, -1, -1):
        small = net[li].W.size <= LINES_UP_TO
        grids = [] if small else [Grid(f"layers[{li}].weights′", given_layout(net[li], net[li].W, layout))] + \
            ([Grid(f"layers[{li}].bias′", net[li].b)] if update_bias else [])
        sol.add(Step(f"{tag}Updated weights, {_layer_title(net, names, li)}",
                     f"w′ = w {op} η·∂L/∂w,  η = {lr:g}",
                     lines=_update_lines(names, li, old[li], net[li], gW[li], gb[li], lr, op, update_bias) if small else [],
                     prose=["biases kept fixed (update_bias: false)"] if not update_bias and li == len(net) - 1 else [],
                     grids=grids))


def _new_loss_step(run: Run, outs: list[np.ndarray], T: np.ndarray, losses: np.ndarray, tag: str,
                   total: float) -> Step:
    names, loss = run.names, run.loss
    n, lines = len(outs), []
    for s, y in enumerate(outs):
        label = f"sample {s + 1}: " if n > 1 else ""
        lines.append(t(f"{label}" + ", ".join(f"out_{u} = {{}}" for u in names.units[-1]), *y))
        lines.append(_loss_line(loss, y, T[s], losses[s], _loss_label(s, n)))
    if n > 1:
        lines.append(t(f"L = mean over the {n} samples = {{}}", total))
    return Step(f"{tag}Loss after the update", "forward pass again with the updated weights", lines=lines)


def _history_row(k: int, step: int, group: list[int], before: float, after: float, total: float, sgd: bool) -> list:
    return [k + 1, step, group[0] + 1, before, after, total] if sgd else [k + 1, before, total]


def _history_step(rows: list[list], sgd: bool, detail: int, total: int) -> Step:
    headers = ["update", "epoch", "sample", "L_s before", "L_s after", "L after"] if sgd else \
        ["update", "L before", "L after"]
    prose = ["L_s: loss of the sample updated on; L: mean loss over all samples"] if sgd else []
    if total > detail:
        prose.append(f"updates {detail + 1}–{total} are not written out (detail: {detail}); their losses are listed")
    if len(rows) > 2 * TABLE_ENDS + 1:  # a long run: its start and its end (the answer `losses` has every value)
        prose.append(f"updates {TABLE_ENDS + 1}–{total - TABLE_ENDS} left out of the table; the answer 'losses' has them all")
        rows = rows[:TABLE_ENDS] + rows[-TABLE_ENDS:]
    return Step("Loss per update", prose=prose, table=Table(headers, rows))


def _check_step(sol: Solution, first: tuple, X: np.ndarray, T: np.ndarray, run: Run) -> float | None:
    """Compare the first update's backprop gradients with central differences (the course's numerical gradient)."""
    net0, _, gW, gb = first
    size = sum(L.W.size + L.b.size for L in net0)
    if size > CHECK_UP_TO:
        sol.warnings.append(f"gradient check skipped: {size} parameters (it nudges at most {CHECK_UP_TO} one by one)")
        return None
    nW, nb = numerical_gradients(net0, X, T, run.loss)
    rows = [[_name(run.names, *p), _at(gW, gb, *p), _at(nW, nb, *p), abs(_at(gW, gb, *p) - _at(nW, nb, *p))]
            for p in parameters(net0, run.with_bias)]
    diff = max(r[3] for r in rows)
    sol.add(Step(f"Gradient check (central differences, h = {CHECK_H:g})",
                 "∂L/∂w ≈ [L(w + h) − L(w − h)] / 2h",
                 prose=["the first update's gradients, at the weights before it"],
                 lines=[t("largest |backprop − numerical| = {}", diff)],
                 table=Table(["name", "backprop", "numerical", "|difference|"], rows)))
    return diff


def _answer(sol: Solution, net: list[DenseLayer], first: tuple, history: list[float], layout: str,
            check_diff: float | None) -> None:
    _, passes, gW, gb = first
    outs = np.array([p.outs[-1] for p in passes])
    deltas = [np.array([p.deltas[li] for p in passes]) for li in range(len(net))]
    single = len(passes) == 1
    sol.answer.update(
        loss=history[0],
        loss_after=history[-1],
        weights=np.concatenate([L.W.ravel() for L in net]),
        biases=np.concatenate([L.b for L in net]),
        gradient=np.concatenate([g.ravel() for g in gW]),
        bias_gradient=np.concatenate(gb),
        outputs=outs[0] if single else outs,
        deltas=[d[0] if single else d for d in deltas],
        losses=np.array(history),
        layers=[{"weights": given_layout(L, L.W, layout).tolist(), "bias": L.b.tolist()} for L in net],
    )
    if check_diff is not None:
        sol.answer["check_max_difference"] = check_diff


# ── slips: wrong conventions a student may use, for grading diagnosis ────────

SLIPS = [
    Slip("biases kept fixed (they should be updated too)", lambda p: {**p, "update_bias": False} if p["update_bias"] else None),
    Slip("biases updated (they should stay fixed)", lambda p: {**p, "update_bias": True} if not p["update_bias"] else None),
    Slip("sign error in the update: w + η·∂L/∂w", lambda p: with_wrong(p, RIGHT, ascent=True)),
    Slip("missing ½ in the loss (Σ(out − t)² instead of ½Σ)",
         lambda p: {**p, "loss": "sse"} if p["loss"] == "half_sse" else None),
    Slip("extra ½ in the loss (½Σ(out − t)² instead of Σ)", lambda p: {**p, "loss": "half_sse"} if p["loss"] == "sse" else None),
    Slip("gradient w.r.t. out instead of net (activation derivative left out)",
         lambda p: with_wrong(p, RIGHT, derivative="none") if p["loss"] not in ("cross_entropy", "bce") else None),
    Slip("hidden δ without the next layer's activation derivative (Σ w·∂L/∂out)",
         lambda p: with_wrong(p, RIGHT, derivative="unpropagated") if len(p["layers"]) > 1 else None),
]
