"""A sequential CNN's forward pass, worked layer by layer as lecture 13 (Homework 13) writes it.

Convolution and pooling (their numbers, checks and worked steps) are `calc.conv` and
`calc.pool`, the loss is `calc.losses`; this module joins them into a network: the model
summary (shapes, parameter counts), activation layers, flatten and fully connected layers.

Feature maps are C×H×W inside; a one-channel map is shown and answered as H×W.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dlcalc.calc import activations, cnn_backward, losses
from dlcalc.calc.cnn_backward import act_back
from dlcalc.calc.conv import as_image, as_kernels, conv_steps
from dlcalc.calc.maps import add_grids, pair_text
from dlcalc.calc.sizes import padding4, pair
from dlcalc.calc.errors import BadInput, quote
from dlcalc.calc.errors import dims as dims_text
from dlcalc.calc.pool import pool_steps
from dlcalc.calc.solution import Grid, Slip, Solution, Step, Table, conventions, paren, t

LAYER_TYPES = ("conv", "maxpool", "avgpool", "flatten", "fc", "relu", "sigmoid", "tanh", "softmax")
ACTIVATION_LAYERS = ("relu", "sigmoid", "tanh", "softmax")
CONV_ACTIVATIONS = ("none", "relu", "sigmoid", "tanh")   # `linear` is read as none
FC_ACTIVATIONS = CONV_ACTIVATIONS + ("softmax",)
LOSSES = ("cross_entropy", "mse")
FIELDS = ("kernel", "weights", "bias", "stride", "padding", "dilation", "size", "flip", "activation")
MAX_TERMS = 12  # longest w·x sum written out term by term


@dataclass(frozen=True, eq=False)
class CnnLayer:
    """One layer as the problem gives it; `index`, `line` and `lines` locate it in the YAML for errors.

    conv: `kernel` kh×kw, C×kh×kw (one filter) or F×C×kh×kw, `bias` a number or one per filter,
    `stride`/`dilation` n or (rows, columns), `padding` n, (rows, columns), (top, bottom, left,
    right) or 'same'; `flip` None follows the problem's default. maxpool/avgpool: `size`,
    `stride` (default: size), `padding`. fc: `weights` out×in, `bias`. `bias` None: no bias.
    """

    type: str
    kernel: np.ndarray | None = None
    weights: np.ndarray | None = None
    bias: np.ndarray | None = None
    stride: Any = None
    padding: Any = 0
    dilation: Any = 1
    flip: bool | None = None
    activation: str = "none"
    size: Any = None
    name: str = ""
    index: int = 0
    line: int = 0
    lines: Mapping[str, int] = field(default_factory=dict)

    def fail(self, key: str, message: str) -> BadInput:
        where = f"layers[{self.index}].{key}" if key else f"layers[{self.index}]"
        return BadInput(message, where, self.lines.get(key, self.line))


@dataclass
class Pass:
    """One layer run: its name, shapes (internal C×H×W or n), parameters, worked steps and output."""

    layer: CnnLayer
    name: str
    shape_in: tuple[int, ...]
    output: np.ndarray
    params: int
    params_text: str   # how the count is worked out: (3·3·1 + 1)·2 = 20
    flip: bool
    steps: list[Step]


# ── shapes ───────────────────────────────────────────────────────────────────

def dims(shape: tuple[int, ...]) -> str:
    """A shape as written on paper: a one-channel map 1×4×4 is just 4×4."""
    return dims_text(_shown(shape))


def describe(shape: tuple[int, ...]) -> str:
    """`a vector of 9` or `2×3×3` for messages."""
    return f"a vector of {shape[0]}" if len(shape) == 1 else dims(shape)


def _shown(shape: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(shape[1:]) if len(shape) == 3 and shape[0] == 1 else tuple(shape)


def shown(a: np.ndarray) -> np.ndarray:
    """A feature map as answered: one channel drops its channel axis."""
    return a.reshape(_shown(a.shape))


# ── the layers: each returns (steps, output, parameter count, how it is counted) ─
# Each runs layer `name` on `x`, the output of layer `source` ("x" for the network's input).

Result = tuple[list[Step], np.ndarray, int, str]


def _conv(layer: CnnLayer, x: np.ndarray, flip: bool, full: bool, name: str, source: str) -> Result:
    _needs_maps(layer, x)
    k = as_kernels(layer.kernel, x.shape[0])
    f, c, kh, kw = k.shape
    steps, z = conv_steps(x, k, 1 if layer.stride is None else layer.stride, layer.padding, layer.dilation,
                          flip, layer.bias, full, source)
    steps = _titled(name, steps)
    with_bias = layer.bias is not None
    count = f"({kh}·{kw}·{c} + 1)·{f} = {k.size + f}" if with_bias else f"{kh}·{kw}·{c}·{f} = {k.size}"
    params = k.size + (f if with_bias else 0)
    if layer.activation == "none":
        return _named(steps, name, z), z, params, count
    a, step = _activate(name, z, layer.activation)
    return steps + [step], a, params, count


def _pool(layer: CnnLayer, x: np.ndarray, flip: bool, full: bool, name: str, source: str) -> Result:
    _needs_maps(layer, x)
    mode = "max" if layer.type == "maxpool" else "avg"
    steps, y = pool_steps(x, layer.size, layer.stride, layer.padding, mode, full, source)
    return _named(_titled(name, steps), name, y), y, 0, ""


def _needs_maps(layer: CnnLayer, x: np.ndarray) -> None:
    if x.ndim != 3:
        raise layer.fail("type", f"{layer.type} needs feature maps (C×H×W), but its input is a vector of "
                                 f"{x.size} values; put it before the flatten/fc layers")


def _titled(name: str, steps: list[Step]) -> list[Step]:
    """Another module's steps under this layer's name (their conventions are stated in ours)."""
    return [dataclasses.replace(s, title=f"{name}: {s.title}") for s in steps if s.role != "conventions"]


def _maps(step: Step, name: str, a: np.ndarray, answered: bool = True) -> Step:
    """Draw feature maps under the layer's name, as the next layer's steps refer to them: `conv1 channel 2`."""
    return add_grids(step, name, shown(a), answered=answered)


def _named(steps: list[Step], name: str, output: np.ndarray) -> list[Step]:
    """The last step draws the layer's output (as O or P, its shape in the first line): draw it under the layer's name."""
    last = steps[-1]
    return steps[:-1] + [_maps(dataclasses.replace(last, grids=[], prose=last.prose[:1]), name, output)]


def _flatten(layer: CnnLayer, x: np.ndarray, flip: bool, full: bool, name: str, source: str) -> Result:
    v = x.reshape(-1)
    return [_flatten_step(name, x, v)], v, 0, ""


def _flatten_step(name: str, x: np.ndarray, v: np.ndarray) -> Step:
    title = name if name.lower().startswith("flatten") else f"{name}: flatten"  # not `flatten: flatten`
    if x.ndim == 1:
        return Step(title, prose=["the input is a vector already; it passes unchanged"], grids=[Grid(name, v)])
    order = "channel by channel, each channel row by row" if x.shape[0] > 1 else "row by row"
    return Step(f"{title} {dims(x.shape)} → {v.size}", prose=[f"row-major: {order}, left to right"],
                grids=[Grid(name, v)])


def _fc(layer: CnnLayer, x: np.ndarray, flip: bool, full: bool, name: str, source: str) -> Result:
    v = x.reshape(-1)
    w = layer.weights
    if w is None or w.ndim not in (1, 2):
        raise layer.fail("weights", "expected fc weights out×in (one row per output unit), got "
                                    + ("nothing" if w is None else f"shape {dims(w.shape)}"))
    w = np.atleast_2d(w)
    out, n = w.shape
    if n != v.size:
        what = "the flattened input has" if x.ndim > 1 else "its input has"
        hint = " (they look transposed: weights are out×in, one row per output unit)" if out == v.size else ""
        raise layer.fail("weights", f"fc weights are {out}×{n} (out×in) but {what} {v.size} values; "
                                    f"expected {out}×{v.size}{hint}")
    b = None if layer.bias is None else np.atleast_1d(np.asarray(layer.bias, dtype=float)).ravel()
    if b is not None and b.size == 1:
        b = np.repeat(b, out)
    if b is not None and b.size != out:
        raise layer.fail("bias", f"expected one bias per output unit ({out}), got {b.size}")
    steps = [_flatten_step(f"{name} input", x, v)] if x.ndim > 1 else []
    net = w @ v + (0.0 if b is None else b)
    lines = [_dot_line(i, w[i], v, None if b is None else b[i], net[i]) for i in range(out)]
    formula = "net_i = Σ_j w_ij·x_j" + (" + b_i" if b is not None else "")
    steps.append(Step(f"{name}: fully connected, {out}×{n} weights", formula, lines=lines, grids=[Grid("net", net)]))
    params = w.size + (0 if b is None else out)
    count = f"({n} + 1)·{out} = {params}" if b is not None else f"{n}·{out} = {params}"
    if layer.activation == "none":
        steps[-1] = dataclasses.replace(steps[-1], grids=[Grid(name, net)])
        return steps, net, params, count
    a, step = _activate(name, net, layer.activation)
    return steps + [step], a, params, count


def _dot_line(i: int, w: np.ndarray, x: np.ndarray, b: float | None, net: float):
    """`net_1 = 0.5·3 + 0.2·(−1) + 0.1 = 1.4`; a long sum is written Σ_j w_1j·x_j, then its value."""
    n = i + 1
    if w.size > MAX_TERMS:
        if b is None:
            return t(f"net_{n} = Σ_j w_{n}j·x_j = {{}}", net)
        return t(f"net_{n} = Σ_j w_{n}j·x_j + b_{n} = {{}} + {paren(b)} = {{}}", float(w @ x), b, net)
    terms = " + ".join(f"{paren(a)}·{paren(c)}" for a, c in zip(w, x))
    values = [v for pair in zip(w, x) for v in pair]
    if b is None:
        return t(f"net_{n} = {terms} = {{}}", *values, net)
    return t(f"net_{n} = {terms} + {paren(b)} = {{}}", *values, b, net)


def _activation_layer(layer: CnnLayer, x: np.ndarray, flip: bool, full: bool, name: str, source: str) -> Result:
    if layer.type == "softmax" and x.ndim != 1:
        raise layer.fail("type", f"softmax needs a vector, but its input is {dims(x.shape)} feature maps; "
                                 "put a flatten or fc layer before it")
    a, step = _activate(name, x, layer.type)
    return [step], a, 0, ""


def _activate(name: str, z: np.ndarray, act: str) -> tuple[np.ndarray, Step]:
    """Apply an activation element-wise (softmax: over the vector): lines for a vector, a grid for maps."""
    if act == "softmax":
        a = activations.softmax(z)
        shift = z - z.max()
        total = float(np.exp(shift).sum())
        lines = [t("Σ_k e^(z_k − max z) = " + " + ".join(f"e^{paren(v)}" for v in shift) + " = {}", *shift, total)]
        lines += [t(f"out_{i + 1} = e^{paren(shift[i])} / {{}} = {{}}", shift[i], total, a[i]) for i in range(z.size)]
        return a, Step(f"{name}: softmax", "out_i = e^(z_i) / Σ_k e^(z_k)  (max z subtracted first: same values, no overflow)",
                       lines=lines, grids=[Grid(name, a)])
    f = activations.activation(act)
    a = f.f(z)
    step = Step(f"{name}: {f.symbol}, element-wise", f"out = {f.symbol}(z) = {f.formula}")
    if z.ndim == 1:
        step.lines = [f.value_line(z[i], a[i], lead=f"out_{i + 1} = ", brief=True) for i in range(z.size)]
        step.grids = [Grid(name, a)]
        return a, step
    return a, _maps(step, name, a)


_RUN = {"conv": _conv, "maxpool": _pool, "avgpool": _pool, "flatten": _flatten, "fc": _fc,
        **{a: _activation_layer for a in ACTIVATION_LAYERS}}
_PREFIX = {"maxpool": "pool", "avgpool": "pool"}


# ── the network ──────────────────────────────────────────────────────────────

def forward(input: Any, layers: list[CnnLayer], flip: bool = True, full: bool = False) -> list[Pass]:
    """Run (and work) every layer in turn; BadInput names the layer, field and YAML line."""
    if not layers:
        raise BadInput("a CNN needs at least one layer", "layers")
    raw = np.asarray(input, dtype=float)
    if raw.ndim not in (1, 2, 3):  # one row is a 1×W image
        raise BadInput(f"expected an input H×W or C×H×W, got shape {dims(raw.shape)}", "input")
    x = as_image(raw)
    passes: list[Pass] = []
    for layer, name in zip(layers, _names(layers)):
        turned = flip if layer.flip is None else layer.flip
        try:
            steps, y, params, count = _RUN[layer.type](layer, x, turned, full, name, passes[-1].name if passes else "x")
        except BadInput as e:  # from here or from dlcalc.calc.conv/pool: name this layer and what came into it
            came = f" (this layer's input is {describe(x.shape)}{', from ' + passes[-1].name if passes else ''})"
            key = e.where.rsplit(".", 1)[-1] if e.where.startswith("layers[") else e.where
            raise layer.fail(key if key in FIELDS or key == "type" else "", e.message + came) from None
        passes.append(Pass(layer, name, x.shape, y, params, count, turned, steps))
        x = y
    return passes


def _names(layers: list[CnnLayer]) -> list[str]:
    """conv1, conv2, pool1, fc1 as the lectures name them; flatten and activations numbered only when repeated."""
    for layer in layers:
        if layer.type not in _RUN:
            raise layer.fail("type", f"unknown layer type {quote(layer.type)}; expected one of {', '.join(LAYER_TYPES)}")
    prefixes = [_PREFIX.get(layer.type, layer.type) for layer in layers]
    names, seen = [], {}
    for layer, prefix in zip(layers, prefixes):
        seen[prefix] = seen.get(prefix, 0) + 1
        numbered = prefix in ("conv", "pool", "fc") or prefixes.count(prefix) > 1
        names.append(layer.name or (f"{prefix}{seen[prefix]}" if numbered else prefix))
    return names


def validate(params: dict) -> None:
    """Cross-field checks for the problem schema: the layers fit the input and each other; target goes with loss."""
    forward(params["input"], params["layers"], params.get("flip", True))
    target, loss = params.get("target"), params.get("loss")
    if target is not None and loss is None:
        raise BadInput(f"a target needs a loss: add 'loss: {LOSSES[0]}' or 'loss: {LOSSES[1]}'", "target")
    if loss is not None and target is None:
        raise BadInput("a loss needs a target: add 'target:' (a class index, a one-hot vector or values)", "loss")


def solve(input: Any, layers: list[CnnLayer], flip: bool = True, target: Any = None, loss: str | None = None,
          full: bool = False, gradients: bool = False) -> Solution:
    """Forward pass through `layers`, every layer worked; then the loss when `target` and `loss` are given.

    `flip` is the default for conv layers (true convolution, the course's convention);
    `full` writes out every window of every convolution and pooling.
    """
    passes = forward(input, layers, flip, full)
    sol = Solution("cnn", [], {}, title="CNN forward pass")
    sol.add(_conventions(passes))
    sol.add(_summary(passes))
    if any(p.params for p in passes):
        sol.add(Step("Parameter counts", prose=["conv (kh·kw·C + 1)·F, fc (in + 1)·out; the +1 only with a bias"],
                     lines=[t(f"{p.name}: {p.params_text}") for p in passes if p.params]))
    x = as_image(input)
    sol.add(_maps(Step(f"Input x ({dims(x.shape)})"), "x", x, answered=False))
    for p in passes:
        sol.steps += p.steps
    out = shown(passes[-1].output)
    sol.answer.update(output=out, layers=[
        {"type": p.layer.type, "name": p.name, "output_shape": list(_shown(p.output.shape)), "output": shown(p.output),
         "params": p.params} for p in passes],
        params=sum(p.params for p in passes))
    if loss is not None and target is not None:
        _loss(sol, out, np.asarray(target, dtype=float), loss, _last_activation(layers[-1]))
        if gradients:
            _gradients(sol, input, passes, out, np.asarray(target, dtype=float), loss)
    elif gradients:
        raise BadInput("gradients need a target and a loss to differentiate", "gradients")
    return sol


def _gradients(sol: Solution, input: Any, passes: list[Pass], out: np.ndarray, target: np.ndarray, loss: str) -> None:
    """∂L/∂output from the loss, then back through every layer (calc.cnn_backward)."""
    last = _last_activation(passes[-1].layer)
    if loss == "mse":
        d_out, rule = 2 * (out - target.reshape(out.shape)) / out.size, "∂L/∂out = 2(out − t)/n"
    else:
        labels, pred = _ce_inputs(out, target)
        y = labels if pred.ndim == 1 else losses.one_hot(labels.astype(float), *pred.shape)[0][0]
        p = pred if pred.ndim == 1 else pred[0]
        if last in ("softmax", "sigmoid"):
            with np.errstate(divide="ignore"):
                d_out = -y / p + ((1 - y) / (1 - p) if p.size == 1 else 0.0)
            rule = "∂L/∂p = −y/p" + (" + (1 − y)/(1 − p)" if p.size == 1 else "") + " (then back through the " \
                   + last + ": p − y)"
        else:
            q = activations.sigmoid(p) if p.size == 1 else activations.softmax(p)
            d_out, rule = q - y, "∂L/∂z = " + ("σ(z) − y" if p.size == 1 else "softmax(z) − y") + " (the logits)"
    trace: list = []
    grads = cnn_backward.gradients(input, passes, d_out, trace)
    sol.add(Step("Backward: the loss's gradient", rule, lines=[t("∂L/∂out = {}", d_out)]))
    for n, up, down in trace:
        sol.add(_backward_step(passes[n], grads[n], up, down))
    sol.answer["gradients"] = grads


_BACK = {
    "maxpool": "each window's gradient goes to its maximum (the arg-max cell), the other cells get 0",
    "avgpool": "each window's gradient is shared out equally over its cells",
    "flatten": "the vector's gradient folded back into the maps",
    "relu": "passed where the input was > 0, else 0", "sigmoid": "times σ(1 − σ)", "tanh": "times 1 − tanh²",
    "softmax": "through the softmax's Jacobian",
}


def _backward_step(p: Pass, g: dict | None, up: np.ndarray, down: np.ndarray) -> Step:
    """One layer, backward: what comes in from above, the rule, the parameters' gradients, what goes below."""
    kind = p.layer.type
    if kind in ("conv", "fc"):  # δ: past the layer's own activation
        up = act_back(p.layer.activation, np.asarray(p.output, dtype=float), np.asarray(up, dtype=float).reshape(
            np.shape(p.output)))
    if kind == "conv":
        convention = "flipped kernels: ∂L/∂K is the correlation of the input with δ, rotated back" if p.flip else \
            "unflipped kernels (cross-correlation): ∂L/∂K is the correlation of the input with δ"
        step = Step(f"Backward {p.name}", "∂L/∂K = input ⋆ δ,  ∂L/∂b = Σ δ,  ∂L/∂input = δ spread back through K",
                    prose=[convention + ("; δ includes the activation's derivative" if p.layer.activation != "none" else "")])
        step = _maps(step, f"δ {p.name}", shown(up), answered=False)
        step = _maps(step, f"∂L/∂K {p.name}", np.asarray(g["weights"]), answered=True)
        if g["bias"] is not None:
            step.lines.append(t("∂L/∂b = {}", g["bias"]))
    elif kind == "fc":
        step = Step(f"Backward {p.name}", "δ = ∂L/∂net,  ∂L/∂W = δ·xᵀ,  ∂L/∂b = δ,  ∂L/∂x = Wᵀ·δ",
                    lines=[t("δ = {}", up)])
        step.grids.append(Grid(f"∂L/∂W {p.name}", np.atleast_2d(g["weights"])))
        if g["bias"] is not None:
            step.lines.append(t("∂L/∂b = {}", g["bias"]))
    else:
        step = Step(f"Backward {p.name}", _BACK.get(kind, "element-wise"))
        if np.ndim(up) >= 2:
            step = _maps(step, f"∂L/∂{p.name}", shown(up), answered=False)
        else:
            step.lines.append(t(f"∂L/∂{p.name} = {{}}", up))
    if np.ndim(down) >= 2:
        return _maps(step, f"∂L/∂(input of {p.name})", shown(down), answered=False)
    step.lines.append(t(f"∂L/∂(input of {p.name}) = {{}}", down))
    return step


def _conventions(passes: list[Pass]) -> Step:
    items = []
    convs = [p for p in passes if p.layer.type == "conv"]
    if convs:
        flipped = [p.name for p in convs if p.flip]
        if len(flipped) == len(convs):
            items.append("convolution: kernels rotated 180° before sliding (true convolution)")
        elif not flipped:
            items.append("convolution: kernels not flipped (cross-correlation, PyTorch's conv2d)")
        else:
            items.append(f"convolution: kernels rotated 180° in {', '.join(flipped)}; not flipped (cross-correlation) "
                         f"in {', '.join(p.name for p in convs if not p.flip)}")
        if any(p.shape_in[0] > 1 for p in convs):
            items.append("several channels: a filter sums its per-channel products, plus its bias")
    pools = {p.layer.type for p in passes if p.layer.type in ("maxpool", "avgpool")}
    if pools:
        padded = {p.layer.type for p in passes if p.layer.type in pools and _padded(p.layer.padding)}
        items.append("pooling: stride = window unless given"
                     + ("; max pooling pads with −∞" if "maxpool" in padded else "")
                     + ("; avg pooling counts padded zeros" if "avgpool" in padded else ""))
    if any(p.layer.type in ("flatten", "fc") and len(p.shape_in) == 3 for p in passes):
        items.append("flatten: row-major (channel by channel, row by row, left to right)")
    if any(p.layer.type == "fc" for p in passes):
        items.append("fc: net = W·x + b, W out×in (row i: the weights into unit i)")
    items.append("rows and columns count from 1; parameters = weights + biases (if any)")
    return conventions(*items)


def _summary(passes: list[Pass]) -> Step:
    rows = [[p.name, _type_text(p), f"{dims(p.shape_in)} → {dims(p.output.shape)}", p.params] for p in passes]
    rows.append(["total", "", "", sum(p.params for p in passes)])
    return Step("Model summary", table=Table(["layer", "type", "input → output", "params"], rows))


def _type_text(p: Pass) -> str:
    """`conv 3×3 ×2, stride 2, ReLU`: window, filters, settings that differ from the defaults, activation."""
    layer = p.layer
    extra = []
    if layer.type == "conv":
        f, _, kh, kw = as_kernels(layer.kernel, p.shape_in[0]).shape
        text = f"conv {kh}×{kw}" + (f" ×{f}" if f > 1 else "")
        for word, value in (("stride", layer.stride), ("dilation", layer.dilation)):
            if value is not None and pair(value, word) != (1, 1):
                extra.append(f"{word} {pair_text(pair(value, word))}")
    elif layer.type in ("maxpool", "avgpool"):
        k = pair(layer.size, "size")
        text = f"{layer.type} {k[0]}×{k[1]}"
        if layer.stride is not None and pair(layer.stride, "stride") != k:
            extra.append(f"stride {pair_text(pair(layer.stride, 'stride'))}")
    else:
        text = layer.type
    if layer.type in ("conv", "maxpool", "avgpool") and _padded(layer.padding):
        extra.append(f"pad {_pad_text(layer.padding)}")
    if layer.type in ("conv", "fc") and layer.activation != "none":
        extra.append("softmax" if layer.activation == "softmax" else activations.activation(layer.activation).symbol)
    return ", ".join([text] + extra)


def _padded(padding: Any) -> bool:
    p = padding4(padding)
    return p == "same" or any(p)


def _pad_text(padding: Any) -> str:
    p = padding4(padding)
    return p if isinstance(p, str) else str(p[0]) if len(set(p)) == 1 else "(" + ",".join(map(str, p)) + ")"


def _last_activation(layer: CnnLayer) -> str:
    return layer.type if layer.type in ACTIVATION_LAYERS else layer.activation if layer.type in ("conv", "fc") else "none"


# ── the loss ─────────────────────────────────────────────────────────────────

def _loss(sol: Solution, out: np.ndarray, target: np.ndarray, loss: str, last: str) -> None:
    """The loss of the network's output, worked by calc.losses (its steps, titled `Loss: …`)."""
    if loss == "mse":
        if target.size == out.size == 1:
            target = target.reshape(out.shape)
        if target.shape != out.shape:
            raise BadInput(f"target is {describe(target.shape)} but the network's output is {describe(out.shape)}", "target")
        worked = losses.mse(target, out)
    elif loss == "cross_entropy":
        if last == "softmax" and out.size == 1:  # read as binary, its p = 1 would make label 0 cost ∞
            raise BadInput("a softmax over one unit is always 1; for a binary output use one sigmoid unit "
                           "(or two softmax units)", "loss")
        logits = last not in ("softmax", "sigmoid")
        if logits:
            sol.add(Step("Loss input", prose=[f"the last layer has no {'sigmoid' if out.size == 1 else 'softmax'}: "
                                              "its outputs are logits, so cross-entropy applies it first"]))
        worked = losses.cross_entropy(*_ce_inputs(out, target), logits=logits)
    else:
        raise BadInput(f"unknown loss '{loss}'; expected one of {', '.join(LOSSES)}", "loss")
    sol.steps += [dataclasses.replace(s, title="Loss: " + (s.title.lower() if s.role == "conventions" else s.title),
                                      role="work")  # the loss's conventions, as one step of the cnn's work
                  for s in worked.steps]
    sol.warnings += worked.warnings
    sol.answer["loss"] = worked.answer["loss"]


def _ce_inputs(out: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One sample for calc.losses.cross_entropy: (labels, predictions)."""
    if out.ndim != 1:
        raise BadInput(f"cross-entropy needs a vector output, but the network outputs {dims(out.shape)} maps", "loss")
    if out.size == 1:  # one sigmoid unit: binary cross-entropy
        if target.size != 1:
            raise BadInput(f"one output unit needs one binary label, got {target.size} values", "target")
        return target.reshape(1), out
    if target.size == 1:
        return target.reshape(1), out[None, :]
    if target.ndim == 1 and target.size == out.size:
        return target[None, :], out[None, :]
    raise BadInput(f"target must be a class index or a one-hot vector of {out.size}, got {dims(target.shape)}", "target")


# ── slips (wrong conventions, for grading) ───────────────────────────────────

def _flip_slip(p: dict) -> dict | None:
    """Every conv layer flipped the other way."""
    if not any(layer.type == "conv" for layer in p["layers"]):
        return None
    default = p.get("flip", True)
    return {**p, "layers": [dataclasses.replace(layer, flip=not (default if layer.flip is None else layer.flip))
                            if layer.type == "conv" else layer for layer in p["layers"]]}


def _pool_slip(p: dict) -> dict | None:
    swap = {"maxpool": "avgpool", "avgpool": "maxpool"}
    if not any(layer.type in swap for layer in p["layers"]):
        return None
    return {**p, "layers": [dataclasses.replace(layer, type=swap.get(layer.type, layer.type)) for layer in p["layers"]]}


SLIPS = [
    Slip("kernels flipped the wrong way (convolution vs cross-correlation)", _flip_slip),
    Slip("max and average pooling swapped", _pool_slip),
]
