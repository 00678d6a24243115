"""2-D convolution the way lecture 13 writes it: rotate the kernel 180°, pad, slide, multiply, sum.

`conv2d` is the vectorised numeric core: the kh·kw shifted, strided slices of the padded input
(one per kernel tap, covering every output pixel) stacked into an im2col matrix, then one
matrix product for all filters. `conv_steps` writes the worked solution; it loops over output
cells only to write out the ones it shows.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from dlcalc.calc.activations import activation as lookup_activation
from dlcalc.calc.errors import BadInput, dims
from dlcalc.calc.maps import (GRID_SIDE, MAX_SLICES, add_grids, cell_name, cells_shown, others_step,
                              pad_text, padding_step, pair_text, plural, size_step, window_prose)
from dlcalc.calc.sizes import (MAX_WORK, Pad4, Pair, check_size, output_size,
                               padding4, pair, resolve_padding, span)
from dlcalc.calc.solution import Slip, Solution, Step, conventions, paren, t

FC = ("index", "channel")  # how F×C×kh×kw kernels are labelled: K2 channel 1

TERMS_SHOWN = 36   # longest product sum written term by term
IM2COL_LIMIT = 8_000_000  # window values copied at most (64 MB); past it, accumulate tap by tap


# ── shapes ───────────────────────────────────────────────────────────────────

def _lifted(x: Any, ndim: int, expected: str, where: str) -> np.ndarray:
    """`x` with leading axes of 1 up to `ndim` (a lone number is 1×1), finite and non-empty."""
    x = np.asarray(x, dtype=float)
    x = x.reshape(1, 1) if x.ndim == 0 else x
    while x.ndim < ndim:
        x = x[None]
    if x.ndim != ndim or x.size == 0:
        raise BadInput(f"expected {expected}, got shape {dims(x.shape)}", where)
    if not np.all(np.isfinite(x)):
        raise BadInput("values must be finite numbers", where)
    return x


def as_image(x: Any, where: str = "input") -> np.ndarray:
    """H×W (or one row, or one number) → 1×H×W; C×H×W as is."""
    return _lifted(x, 3, "an H×W or C×H×W array", where)


def as_kernels(k: Any, channels: int, where: str = "kernel") -> np.ndarray:
    """kh×kw (a lone number is 1×1), C×kh×kw (one filter) or F×C×kh×kw → F×C×kh×kw, checking C."""
    k = _lifted(k, 4, "kh×kw, C×kh×kw or F×C×kh×kw", where)
    if k.shape[1] != channels:
        hint = "; for F filters on one channel give F×1×kh×kw" if channels == 1 else \
            "; give the kernel as C×kh×kw (one filter) or F×C×kh×kw"
        raise BadInput(f"the input has {channels} channel{'s' * (channels != 1)} but the kernel has "
                       f"{k.shape[1]}{hint}", where)
    return k


def as_bias(bias: Any, filters: int, where: str = "bias") -> np.ndarray:
    """None → zeros; a number → the same for every filter; else one value per filter."""
    if bias is None:
        return np.zeros(filters)
    b = np.atleast_1d(np.asarray(bias, dtype=float)).ravel()
    if b.size == 1:
        b = np.repeat(b, filters)
    if b.size != filters:
        raise BadInput(f"expected one bias per filter ({filters}), got {b.size}", where)
    if not np.all(np.isfinite(b)):
        raise BadInput("values must be finite numbers", where)
    return b


# ── the numeric core ─────────────────────────────────────────────────────────

def _plan(x: np.ndarray, khw: Pair, stride: Any, padding: Any, dilation: Any,
          size_where: str = "kernel", filters: int = 1) -> tuple[Pair, Pair, Pad4, Pair]:
    """Checked stride, dilation, padding and the output size H'×W' (and that the work is of a sane size)."""
    s, d = pair(stride, "stride"), pair(dilation, "dilation")
    p = resolve_padding(padding, x.shape[1:], khw, s, d)
    out = (output_size(x.shape[1], khw[0], s[0], p[0] + p[1], d[0], size_where, "rows"),
           output_size(x.shape[2], khw[1], s[1], p[2] + p[3], d[1], size_where, "columns"))
    check_size(x.shape[0] * (x.shape[1] + p[0] + p[1]) * (x.shape[2] + p[2] + p[3]), "padded input values", "padding")
    check_size(filters * out[0] * out[1], "output values", size_where)
    check_size(filters * x.shape[0] * khw[0] * khw[1] * out[0] * out[1], "multiply-adds", size_where, MAX_WORK)
    return s, d, p, out


def pad(x: np.ndarray, p: Pad4, value: float = 0.0) -> np.ndarray:
    return np.pad(x, ((0, 0), (p[0], p[1]), (p[2], p[3])), constant_values=value)


def tap(xp: np.ndarray, i: int, j: int, s: Pair, d: Pair, out: Pair) -> np.ndarray:
    """The input value under kernel tap (i, j) for every output pixel at once: C×H'×W'."""
    r, c = i * d[0], j * d[1]
    return xp[:, r: r + s[0] * (out[0] - 1) + 1: s[0], c: c + s[1] * (out[1] - 1) + 1: s[1]]


def conv2d(x: Any, k: Any, stride: Any = 1, padding: Any = 0, dilation: Any = 1, flip: bool = True,
           bias: Any = None) -> np.ndarray:
    """F×H'×W' = Σ_c Σ_taps K'[f, c, i, j] · X_pad[c, r·S + i·D, q·S + j·D] + b_f  (K' = K rotated 180° if flip).

    x: C×H×W (or H×W); k: F×C×kh×kw (or C×kh×kw, kh×kw); padding: int, 'same', 'valid', (v, h)
    or (top, bottom, left, right); stride/dilation: int or (rows, columns).
    """
    x = as_image(x)
    k = as_kernels(k, x.shape[0])
    b = as_bias(bias, k.shape[0])
    s, d, p, out = _plan(x, k.shape[2:], stride, padding, dilation, filters=k.shape[0])
    kk = k[..., ::-1, ::-1] if flip else k
    xp = pad(x, p)
    F, C, kh, kw = kk.shape
    if C * kh * kw * out[0] * out[1] <= IM2COL_LIMIT:
        # im2col: every receptive field as one row (C·kh·kw values), then one matrix product
        cols = np.stack([tap(xp, i, j, s, d, out) for i in range(kh) for j in range(kw)], axis=1)
        y = kk.reshape(F, C * kh * kw) @ cols.reshape(C * kh * kw, out[0] * out[1])
        y += b[:, None]  # in place: one output-sized allocation, not two
        return y.reshape(F, *out)
    y = np.zeros((F,) + out)
    for i in range(kh):  # too big to copy every window: one multiply-add per kernel tap, never per pixel
        for j in range(kw):
            y += np.tensordot(kk[:, :, i, j], tap(xp, i, j, s, d, out), axes=(1, 0))
    y += b[:, None, None]
    return y


# ── worked steps ─────────────────────────────────────────────────────────────

def _products(win: np.ndarray, ker: np.ndarray) -> tuple[str, list[float]]:
    """`1·1 + 0·(−1) + …` for one channel (elided in the middle when very long)."""
    pairs = list(zip(win.ravel(), ker.ravel()))
    if len(pairs) > TERMS_SHOWN:
        head, tail = pairs[:TERMS_SHOWN // 2], pairs[-2:]
        parts = [f"{paren(a)}·{paren(b)}" for a, b in head] + ["…"] + [f"{paren(a)}·{paren(b)}" for a, b in tail]
        return " + ".join(parts), [v for ab in head + tail for v in ab]
    return " + ".join(f"{paren(a)}·{paren(b)}" for a, b in pairs), [v for ab in pairs for v in ab]


def conv_steps(x: Any, k: Any, stride: Any = 1, padding: Any = 0, dilation: Any = 1, flip: bool = True,
               bias: Any = None, full: bool = False, x_name: str = "X") -> tuple[list[Step], np.ndarray]:
    """The worked steps of a convolution (without the conventions step) and its F×H'×W' output.

    `x_name` labels the input in the grids (a CNN names it after the layer it comes from).
    """
    x = as_image(x)
    k = as_kernels(k, x.shape[0])
    b = as_bias(bias, k.shape[0])
    s, d, p, out = _plan(x, k.shape[2:], stride, padding, dilation)
    y = conv2d(x, k, s, p, d, flip, b)
    F, C, kh, kw = k.shape
    kk = k[..., ::-1, ::-1] if flip else k
    kname = "K'" if flip else "K"
    steps = [size_step("Output size", x.shape[1:], (kh, kw), s, p, d, out)]
    if flip:
        sym = np.array_equal(kk, k)
        step = Step("Kernel rotated 180° (true convolution)", "K'(m, n) = K(kh − 1 − m, kw − 1 − n)",
                    note="the kernel is symmetric under a 180° rotation, so flipping changes nothing" if sym else "")
        steps.append(add_grids(add_grids(step, "K", k, lead=FC), "K'", kk, lead=FC))
    padded = any(p)
    xp = pad(x, p)
    if padded:
        steps.append(padding_step("Zero padding", "add zeros", xp, p, x_name))
    if d != (1, 1):
        foot = np.zeros((F, C, span(kh, d[0]), span(kw, d[1])))
        foot[:, :, ::d[0], ::d[1]] = kk
        taps = [(f, c, i * d[0], j * d[1]) for f in range(F) for c in range(C) for i in range(kh) for j in range(kw)]
        step = Step(f"Dilated kernel footprint (dilation {pair_text(d)})",
                    prose=[f"{plural(d[0] - 1, 'empty row')} between kernel rows, "
                           f"{plural(d[1] - 1, 'empty column')} between its columns: "
                           f"a {kh}×{kw} kernel covers {span(kh, d[0])}×{span(kw, d[1])} input cells"])
        steps.append(add_grids(step, f"{kname} dilated", foot, taps, FC))
    shown, rest = cells_shown(y.shape, full)
    for f, r, c in shown:
        steps.append(_cell_step(xp, kk, b, f, r, c, s, d, y[f, r, c], padded, x_name))
    if rest:
        steps.append(others_step("cells", rest, y.size, full))
    step = Step("Output feature map" + ("s" if F > 1 else ""), prose=[f"shape {dims(_out_shape(y, C))}"])
    steps.append(add_grids(step, "O", y, lead=("index",), answered=True))
    return steps, y


def _cell_step(xp: np.ndarray, kk: np.ndarray, b: np.ndarray, f: int, r: int, c: int, s: Pair, d: Pair,
               value: float, padded: bool, x_name: str) -> Step:
    F, C, kh, kw = kk.shape
    r0, c0 = r * s[0], c * s[1]
    win = xp[:, r0: r0 + span(kh, d[0]): d[0], c0: c0 + span(kw, d[1]): d[1]]
    cells = [(ch, r0 + i * d[0], c0 + j * d[1]) for ch in range(C) for i in range(kh) for j in range(kw)]
    name = cell_name(f, r, c, F)
    lines = []
    if C == 1:
        tmpl, vals = _products(win[0], kk[f, 0])
    else:
        sums = [float((win[ch] * kk[f, ch]).sum()) for ch in range(C)]
        for ch in range(min(C, MAX_SLICES)):
            ct, cv = _products(win[ch], kk[f, ch])
            lines.append(t(f"channel {ch + 1}: {ct} = {{}}", *cv, sums[ch]))
        if C > MAX_SLICES:
            lines.append(t(f"channels {MAX_SLICES + 1}–{C}: the same way"))
        tmpl, vals = " + ".join(paren(v) for v in sums), sums
    if b[f] != 0:
        tmpl, vals = f"{tmpl} + {paren(b[f])} (bias)", [*vals, b[f]]
    step = Step(name, name, t(tmpl, *vals), t("{}", value), lines=lines, prose=[window_prose(r0, c0, kh, kw, d, padded)])
    if max(xp.shape[1:]) > GRID_SIDE:
        return add_grids(step, "window", win)
    return add_grids(step, f"{x_name}_pad" if padded else x_name, xp, cells)


def _out_shape(y: np.ndarray, channels: int) -> tuple[int, ...]:
    """H'×W' for one filter on one channel, else F×H'×W' (the documented conv answer shape)."""
    return y.shape[1:] if y.shape[0] == 1 and channels == 1 else y.shape


# ── the `conv` kind ──────────────────────────────────────────────────────────

def conv(input: Any, kernel: Any, stride: Any = 1, padding: Any = 0, dilation: Any = 1, flip: bool = True,
         bias: Any = None, activation: str = "none", full: bool = False) -> Solution:
    """Convolution (flipped kernel unless flip=False) of H×W or C×H×W input with 1…F filters."""
    x = as_image(input)
    k = as_kernels(kernel, x.shape[0])
    act = lookup_activation(activation, "activation", ("linear", "relu", "sigmoid", "tanh"))
    F, C = k.shape[:2]
    s, d, p, _ = _plan(x, k.shape[2:], stride, padding, dilation)
    sol = Solution("conv", [], {}, title=("Convolution" if flip else "Cross-correlation")
                   + (f" with {F} filters" if F > 1 else ""))
    sol.add(conventions(*_conventions(flip, x.shape, k.shape, s, d, p, padding, bias is not None)))
    steps, y = conv_steps(x, k, s, p, d, flip, bias, full)
    sol.steps += steps
    shape = _out_shape(y, C)
    z = y.reshape(shape)
    sol.answer = {"output": z, "output_shape": list(shape)}
    if act.name != "linear":
        sol.answer.update(output=act.f(z), pre_activation=z)
        sol.add(add_grids(Step(f"Activation {act.symbol}", f"out = {act.symbol}(O) = {act.formula.replace('z', 'O')}"),
                          "out", sol.answer["output"], lead=("index",), answered=True))
    return sol


def _conventions(flip: bool, xs: tuple, ks: tuple, s: Pair, d: Pair, p: Pad4, raw_pad: Any, has_bias: bool) -> list[str]:
    F, C, kh, kw = ks
    shapes = (f"input {xs[1]}×{xs[2]}, kernel {kh}×{kw}" if F == C == 1 else
              f"input {dims(xs)} (C×H×W), {F} filter{'s' * (F > 1)} of {C}×{kh}×{kw}")
    if C > 1:
        shapes += "; each output cell sums over all channels"
    if has_bias:
        shapes += "; one bias per filter, added to every cell" if F > 1 else "; the bias is added to every cell"
    same = " ('same': output ⌈H/S⌉, any odd extra row/column at the bottom/right)" if raw_pad == "same" else ""
    return [
        "true convolution: the kernel is rotated 180° before it slides (the course convention; "
        "--no-flip or flip: false gives cross-correlation)" if flip else
        "cross-correlation: the kernel slides as given, not flipped (what PyTorch calls conv2d)",
        shapes,
        f"stride {pair_text(s)}, dilation {pair_text(d)}, zero padding {pad_text(p)}{same}",
        "rows and columns are counted from 1; O(i,j) = Σ window ∘ " + ("K'" if flip else "K"),
    ]


def _rot_differs(kernel: Any) -> bool:
    k = np.asarray(kernel, dtype=float)
    return k.ndim >= 2 and not np.array_equal(k, k[..., ::-1, ::-1])


def _pad_shift(p: dict, delta: int) -> dict | None:
    q = padding4(p["padding"])
    if q == "same" or min(q) + delta < 0:
        return None
    return {**p, "padding": tuple(v + delta for v in q)}


def _stride_shift(p: dict, delta: int) -> dict | None:
    s = pair(p["stride"], "stride")
    if min(s) + delta < 1:
        return None
    return {**p, "stride": (s[0] + delta, s[1] + delta)}


def no_padding(p: dict) -> dict | None:
    q = padding4(p["padding"])
    return {**p, "padding": 0} if q == "same" or any(q) else None  # type: ignore[arg-type]


CONV_SLIPS = [
    Slip("kernel not flipped (cross-correlation instead of convolution)",
         lambda p: {**p, "flip": False} if p["flip"] and _rot_differs(p["kernel"]) else None),
    Slip("kernel flipped although cross-correlation was asked",
         lambda p: {**p, "flip": True} if not p["flip"] and _rot_differs(p["kernel"]) else None),
    Slip("stride one too large", lambda p: _stride_shift(p, +1)),
    Slip("stride one too small", lambda p: _stride_shift(p, -1)),
    Slip("padding missing", no_padding),
    Slip("padding one too large", lambda p: _pad_shift(p, +1)),
    Slip("padding one too small", lambda p: _pad_shift(p, -1)),
]


# ── the `convsize` kind: shapes and parameter counts without data ────────────

def convsize(input_shape: Any, kernel: Any = 3, filters: int = 1, stride: Any = 1, padding: Any = 0,
             dilation: Any = 1, channels: int | None = None, bias: bool = True,
             count_channels: bool = True) -> Solution:
    """Output shape F×H'×W' and parameter count (kh·kw·C + 1)·F, against a fully connected layer.

    input_shape: (H, W) or (C, H, W). `count_channels=False` exists for slips (forgetting C).
    """
    shape = [pair([v], "input_shape")[0] for v in np.atleast_1d(np.asarray(input_shape, dtype=object))]
    if len(shape) not in (2, 3):
        raise BadInput(f"expected H×W or C×H×W, got {len(shape)} numbers", "input_shape")
    if channels is not None:
        channels = pair([channels], "channels")[0]
    C = shape[0] if len(shape) == 3 else (channels or 1)
    if channels is not None and channels != C:
        raise BadInput(f"input_shape has {C} channels but channels is {channels}", "channels")
    H, W = shape[-2:]
    F = pair([filters], "filters")[0]
    khw, s, d = pair(kernel, "kernel"), pair(stride, "stride"), pair(dilation, "dilation")
    p = resolve_padding(padding, (H, W), khw, s, d)
    out = (output_size(H, khw[0], s[0], p[0] + p[1], d[0], "kernel", "rows"),
           output_size(W, khw[1], s[1], p[2] + p[3], d[1], "kernel", "columns"))
    sol = Solution("convsize", [], {}, title="Convolution layer: output shape and parameters")
    sol.add(conventions(
        f"input {C}×{H}×{W} (C×H×W); {F} filter{'s' * (F > 1)} of {C}×{khw[0]}×{khw[1]} "
        "(every filter spans all input channels)",
        f"stride {pair_text(s)}, dilation {pair_text(d)}, zero padding {pad_text(p)}",
        "one bias per filter (and per fully connected neuron)" if bias else "no biases counted",
    ))
    sol.add(size_step("Output size", (H, W), khw, s, p, d, out))
    sol.add(Step("Output shape", "F × H' × W' (one channel per filter)", t("{}×{}×{}", F, *out)))
    cc = C if count_channels else 1
    weights, biases = khw[0] * khw[1] * cc * F, F if bias else 0
    ktxt = f"{khw[0]}×{khw[1]}" + (f"×{cc}" if cc > 1 else "")
    sol.add(Step("Convolution parameters", "(kh·kw·C + 1)·F" if bias else "kh·kw·C·F",
                 t(f"({ktxt} + 1)×{{}}" if bias else f"{ktxt}×{{}}", F), t("{}", weights + biases),
                 note="weights are shared: every output cell of a filter reuses the same kernel"))
    n_in, n_out = C * H * W, F * out[0] * out[1]
    fc, fc_same = (n_in + int(bias)) * F, (n_in + int(bias)) * n_out
    plus = " + 1" if bias else ""
    sol.add(Step("Fully connected layer for comparison", lines=[
        t("inputs: C·H·W = {}·{}·{} = {}", C, H, W, n_in),
        t(f"one neuron per filter: ({{}}{plus})×{{}} = {{}}", n_in, F, fc),
        t(f"as many neurons as the conv outputs ({{}}·{{}}·{{}} = {{}}): ({{}}{plus})×{{}} = {{}}",
          F, *out, n_out, n_in, n_out, fc_same),
    ], note="every neuron sees every input pixel; the conv layer connects each output to "
            f"{khw[0] * khw[1] * cc} inputs only"))
    sol.answer = {"output_shape": [F, *out], "params": weights + biases, "weights": weights, "biases": biases,
                  "fc_params": fc, "fc_params_same_output": fc_same}
    return sol


CONVSIZE_SLIPS = [
    Slip("bias not counted", lambda p: {**p, "bias": False} if p["bias"] else None),
    Slip("input channels not counted in each filter", lambda p: {**p, "count_channels": False}),
    Slip("padding missing", no_padding),
    Slip("stride ignored", lambda p: {**p, "stride": 1} if pair(p["stride"], "stride") != (1, 1) else None),
    Slip("stride one too large", lambda p: _stride_shift(p, +1)),
]
