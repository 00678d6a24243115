"""One neuron, a layer of neurons, or a small feed-forward network, worked the way lecture 8 writes it.

net = w·x + b (the bias b is the weight w₀ = −θ of the constant input x₀ = 1), out = g(net).
A network is a list of layers whose weights have one row per unit (Θ_ki: from input i to unit k),
each layer's outputs feeding the next: the course's XOR = AND(OR, NAND) is two layers.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np

from dlcalc.calc.activations import Activation, activation
from dlcalc.calc.errors import BadInput
from dlcalc.calc.solution import Slip, Solution, Step, Table, Text, conventions, paren

NEURON_ACTIVATIONS = ("step", "sign", "sigmoid", "tanh", "relu", "linear")
MAX_TRUTH_INPUTS = 10  # 2¹⁰ = 1024 rows
CLASSIFIERS = ("step", "sign", "sigmoid")  # their output is read as a 0/1 decision: answer key `logical`
MAX_LINES = 64         # worked lines per layer; the table and the answer hold the rest


@dataclass
class NeuronLayer:
    weights: np.ndarray   # k×n: one row per unit
    bias: np.ndarray      # k
    g: Activation
    where: str            # field path for errors: "weights", "layers[1]"


def neuron_activation(name: Any, where: str = "activation") -> str:
    """The canonical name of an activation a neuron may use (unknown names suggest the closest)."""
    return activation(name, where, allowed=NEURON_ACTIVATIONS).name


def neuron(weights: Any = None, bias: Any = None, inputs: Any = None, activation: str = "sigmoid",
           truth_table: bool = False, out_weights: Any = None, out_bias: Any = None,
           out_activation: str | None = None, layers: list[dict] | None = None,
           bias_scale: float = 1.0, force_activation: str | None = None) -> Solution:
    """Forward pass of a neuron (or network) on input rows or on every 0/1 input combination.

    `layers`: [{weights, bias, activation}] instead of weights/bias/out_weights/out_bias.
    `bias_scale` and `force_activation` exist for slips (forgot the bias, wrong activation).
    """
    net_layers = _build(weights, bias, activation, out_weights, out_bias, out_activation, layers,
                        bias_scale, force_activation)
    n = net_layers[0].weights.shape[1]
    sol = Solution("neuron", [], {}, title=_title(net_layers, truth_table))
    if truth_table:
        if n > MAX_TRUTH_INPUTS:
            raise BadInput(f"a truth table enumerates 2^n rows; {n} inputs is more than {MAX_TRUTH_INPUTS}",
                           net_layers[0].where + ("" if layers is None else ".weights"))
        if inputs is not None:
            sol.warnings.append("inputs ignored: the truth table enumerates every 0/1 input combination")
        x = np.array(list(itertools.product((0.0, 1.0), repeat=n)))
    elif inputs is None:
        raise BadInput("give the inputs x, or ask for a truth table to enumerate every 0/1 input", "inputs")
    else:
        x = _rows(inputs, n)
    sol.add(_conventions(net_layers, truth_table))
    a, nets, outs = x, [], []
    for index, layer in enumerate(net_layers):
        with np.errstate(over="ignore", invalid="ignore"):  # reported below, in words
            net = a @ layer.weights.T + layer.bias
        if not np.all(np.isfinite(net)):
            raise BadInput("w·x + b overflows (beyond ±1.8e308); scale the weights or inputs down",
                           layer.where + ("" if layers is None else ".weights"))
        out = layer.g.f(net)
        sol.add(_layer_step(index, net_layers, x, a, net, out))
        nets.append(net)
        outs.append(out)
        a = out
    _answer(sol, x, nets, outs, net_layers, truth_table)
    return sol


# ── building the layers from the inputs ─────────────────────────────────────

def _build(weights, bias, act, out_weights, out_bias, out_act, layers, bias_scale, force) -> list[NeuronLayer]:
    if layers is not None:
        if weights is not None or out_weights is not None:
            raise BadInput("give either layers or weights/out_weights, not both", "layers")
        if not layers:
            raise BadInput("layers must list at least one layer", "layers")
        specs = [(lay.get("weights"), lay.get("bias"), lay.get("activation") or act, f"layers[{i}]")
                 for i, lay in enumerate(layers)]
    else:
        if weights is None:
            raise BadInput("required: the weights w (a vector, or a matrix with one row per unit)", "weights")
        specs = [(weights, bias, act, "weights")]
        if out_weights is not None:
            specs.append((out_weights, out_bias, out_act or act, "out_weights"))
        else:
            for value, name in ((out_bias, "out_bias"), (out_act, "out_activation")):
                if value is not None:
                    raise BadInput("needs the output layer's weights too (out_weights)", name)
    built: list[NeuronLayer] = []
    for w, b, name, where in specs:
        previous = built[-1].weights.shape[0] if built else None
        built.append(_layer(w, b, force or name, where, previous, layers is not None, bias_scale))
    return built


def _layer(w: Any, b: Any, act: str, where: str, n_in: int | None, nested: bool, bias_scale: float) -> NeuronLayer:
    w_where = f"{where}.weights" if nested else where
    b_where = f"{where}.bias" if nested else {"weights": "bias", "out_weights": "out_bias"}[where]
    a_where = f"{where}.activation" if nested else {"weights": "activation", "out_weights": "out_activation"}[where]
    if w is None:
        raise BadInput("required field 'weights' is missing", w_where)
    w = np.asarray(w, dtype=float)
    if w.ndim > 2:
        raise BadInput(f"expected a vector (one neuron) or a matrix with one row per unit, got {w.ndim} dimensions",
                       w_where)
    w = w.reshape(1, -1) if w.ndim < 2 else w
    if n_in is not None and w.shape[1] != n_in:
        raise BadInput(f"{w.shape[1]} weights per unit, but the layer before has {n_in} outputs", w_where)
    k = w.shape[0]
    b = np.zeros(k) if b is None else np.asarray(b, dtype=float)
    if b.ndim > 1 or (b.ndim == 1 and b.size != k):
        raise BadInput(f"expected {'one number' if k == 1 else f'{k} numbers (one per unit)'}, "
                       f"got {b.size} value{'s' * (b.size != 1)}", b_where)
    b = np.broadcast_to(b.reshape(-1), (k,)) * bias_scale  # a single number is every unit's bias
    return NeuronLayer(w, b.astype(float), _activation(act, a_where), where)


def _activation(name: Any, where: str) -> Activation:
    return activation(str(name), where, allowed=NEURON_ACTIVATIONS)


def _rows(inputs: Any, n: int) -> np.ndarray:
    """Input rows m×n; a flat list is one row (or, for a one-input neuron, one value per row)."""
    x = np.asarray(inputs, dtype=float)
    if x.ndim > 2:
        raise BadInput(f"expected a vector or one row per example, got {x.ndim} dimensions", "inputs")
    if x.ndim < 2:
        x = x.reshape(1, -1) if x.size == n or n != 1 else x.reshape(-1, 1)
    if x.shape[1] != n:
        raise BadInput(f"each input row has {x.shape[1]} value{'s' * (x.shape[1] != 1)} but the weights expect {n}",
                       "inputs")
    return x


# ── steps ───────────────────────────────────────────────────────────────────

def _title(layers: list[NeuronLayer], truth_table: bool) -> str:
    if len(layers) == 1:
        what = "Neuron" if layers[0].weights.shape[0] == 1 else f"NeuronLayer of {layers[0].weights.shape[0]} neurons"
    else:
        what = f"{len(layers)}-layer network"
    return f"{what}: truth table" if truth_table else f"{what}: forward pass"


def _conventions(layers: list[NeuronLayer], truth_table: bool) -> Step:
    items = ["net = w·x + b; the bias b = w₀ = −θ weighs the constant input x₀ = 1"]
    seen: set[str] = set()
    for layer in layers:
        if layer.g.name not in seen:
            seen.add(layer.g.name)
            items.append(f"{layer.g.symbol}(z) = {layer.g.formula}")
    if len(layers) > 1 or layers[0].weights.shape[0] > 1:
        items.append("weights: one row per unit (Θ_ki: input i → unit k)")
    if len(layers) > 1:
        items.append("each layer's outputs feed the next at full precision")
    if truth_table or layers[-1].g.name in CLASSIFIERS:
        reading = {"sigmoid": " (out ≥ 0.5)", "sign": " (out = +1)", "step": " (out = 1)"}.get(layers[-1].g.name, "")
        items.append(f"logical output y = 1 when the last net ≥ 0{reading}, else 0")
    return conventions(*items)


def unit_names(layers: list[NeuronLayer]) -> list[list[str]]:
    """How steps and tables name each unit: a_k for hidden units (a_k^(l) when several hidden layers), out."""
    names = []
    for index, layer in enumerate(layers):
        k = layer.weights.shape[0]
        if index == len(layers) - 1:
            names.append(["out"] if k == 1 else [f"out_{j + 1}" for j in range(k)])
        elif len(layers) == 2:
            names.append([f"a_{j + 1}" for j in range(k)])
        else:
            names.append([f"a_{j + 1}^({index + 2})" for j in range(k)])
    return names


def _layer_step(index: int, layers: list[NeuronLayer], x: np.ndarray, a: np.ndarray, net: np.ndarray,
                out: np.ndarray) -> Step:
    layer, names = layers[index], unit_names(layers)[index]
    sym = layer.g.symbol
    last = index == len(layers) - 1
    title = ("Net input and output" if len(layers) == 1 else
             "Output layer" if last else f"Hidden layer {index + 1}" if len(layers) > 2 else "Hidden layer")
    in_sym = "x_i" if index == 0 else ("a_i" if len(layers) == 2 else f"a_i^({index + 1})")
    if layer.weights.shape[0] == 1:
        formula = f"net = Σ_i w_i {in_sym} + b,  {names[0]} = {sym}(net)"
    else:
        unit = names[0].split("_")[0] + "_k" + ("" if len(layers) <= 2 or last else f"^({index + 2})")
        formula = f"net_k = Σ_i w_ki {in_sym} + b_k,  {unit} = {sym}(net_k)"
    single = x.shape[0] == 1 and len(layers) == 1 and layer.weights.shape[0] == 1
    lines: list[Text] = []
    units = layer.weights.shape[0]
    for r in range(x.shape[0]):
        prefix, prefix_values = _row_label(x[r]) if x.shape[0] > 1 else ("", ())
        if prefix and units > 1:  # the row once, its units below it
            lines.append(Text(prefix.rstrip(), prefix_values))
            prefix, prefix_values = "    ", ()
        for k in range(units):
            sum_text, sum_values = _weighted_sum(layer.weights[k], a[r], layer.bias[k])
            name = names[k]
            if single:
                lines.append(Text(f"net = {sum_text} = {{}}", (*sum_values, net[r, k])))
                lines.append(layer.g.value_line(net[r, k], out[r, k], lead="out = ", brief=True))
            else:  # the slides' a_1 = g(−10 + 20x₁ + 20x₂), with the numbers in
                lines.append(Text(f"{prefix}{name} = {sym}({sum_text}) = {sym}({{}}) = {{}}",
                                  (*prefix_values, *sum_values, net[r, k], out[r, k])))
    if len(lines) > MAX_LINES:
        lines = lines[:MAX_LINES] + [Text(f"… {len(lines) - MAX_LINES} more lines: every value is in the answer")]
    return Step(title, formula, lines=lines)


def _row_label(x: np.ndarray) -> tuple[str, tuple]:
    return "x = (" + ", ".join("{}" for _ in x) + "):  ", tuple(x)


def _weighted_sum(w: np.ndarray, a: np.ndarray, b: float) -> tuple[str, tuple]:
    """`20·1 + 20·0 + (−30)`: negative numbers in parentheses, as on paper (a leading weight needs none)."""
    parts, values = [], []
    for i, (wi, ai) in enumerate(zip(w, a)):
        parts.append(f"{paren(wi, first=i == 0)}·{paren(ai)}")
        values += [wi, ai]
    parts.append(paren(b))
    values.append(b)
    return " + ".join(parts), tuple(values)


def _answer(sol: Solution, x: np.ndarray, nets: list, outs: list, layers: list[NeuronLayer], truth_table: bool) -> None:
    net, out = nets[-1], outs[-1]
    logical = (net >= 0).astype(float)
    per_row = lambda m: m[:, 0] if m.shape[1] == 1 else m  # noqa: E731
    pick = (lambda m: per_row(m)[0]) if x.shape[0] == 1 and not truth_table else per_row
    sol.answer.update(net=pick(net), output=pick(out))
    if truth_table or layers[-1].g.name in CLASSIFIERS:
        sol.answer["logical"] = pick(logical)
    if len(layers) > 1:
        sol.answer["hidden"] = [pick(h) for h in outs[:-1]]
    if not truth_table:
        return
    names = unit_names(layers)
    k = net.shape[1]
    headers = [f"x_{i + 1}" for i in range(x.shape[1])] + [n for ns in names[:-1] for n in ns]
    headers += (["net"] if k == 1 else [f"net_{j + 1}" for j in range(k)]) + names[-1]
    headers += ["y"] if k == 1 else [f"y_{j + 1}" for j in range(k)]
    rows = [list(x[r]) + [v for h in outs[:-1] for v in h[r]] + list(net[r]) + list(out[r]) + list(logical[r])
            for r in range(x.shape[0])]
    sol.add(Step("Truth table", "y = 1 if net ≥ 0 else 0", table=Table(headers, rows)))
    sol.answer["table"] = rows


# ── slips ───────────────────────────────────────────────────────────────────

def _has_bias(p: dict) -> bool:
    biases = [lay.get("bias") for lay in p["layers"]] if p.get("layers") else [p.get("bias"), p.get("out_bias")]
    return any(b is not None and np.any(np.asarray(b, dtype=float) != 0) for b in biases)


def _activations_used(p: dict) -> set[str]:
    if p.get("layers"):
        return {str(lay.get("activation") or p["activation"]) for lay in p["layers"]}
    used = {str(p["activation"])}
    if p.get("out_weights") is not None:
        used.add(str(p.get("out_activation") or p["activation"]))
    return used


def _swap(used: str, instead: str):
    return lambda p: {**p, "force_activation": instead} if _activations_used(p) == {used} else None


SLIPS = [
    Slip("forgot the bias (net = w·x only)", lambda p: {**p, "bias_scale": 0.0} if _has_bias(p) else None),
    Slip("bias subtracted (net = w·x − b, the threshold sign mixed up)",
         lambda p: {**p, "bias_scale": -1.0} if _has_bias(p) else None),
    Slip("step instead of sigmoid", _swap("sigmoid", "step")),
    Slip("sigmoid instead of step", _swap("step", "sigmoid")),
    Slip("step (0/1) instead of sign (±1)", _swap("sign", "step")),
    Slip("sign (±1) instead of step (0/1)", _swap("step", "sign")),
    Slip("tanh instead of sigmoid", _swap("sigmoid", "tanh")),
]
