"""Transposed convolution as PyTorch's conv_transpose2d computes it, the way d2l (14.10) draws it:
every input cell adds its value times the kernel (not flipped) into the output, the copies S apart
(stride gaps between them), overlapping copies summed; then P rows and columns are cropped from
each side. H' = (H − 1)·S − 2P + D·(K − 1) + A + 1, A the output padding (added at the bottom/right).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from dlcalc.calc.conv import as_image
from dlcalc.calc.errors import BadInput, dims
from dlcalc.calc.maps import add_grids, pair_text
from dlcalc.calc.sizes import Pair, check_size, pair
from dlcalc.calc.solution import Slip, Solution, Step, conventions, t, with_wrong

SHOWN = 9   # input cells whose scaled kernel copy is drawn


@dataclass(frozen=True)
class Wrong:
    """Slipped conventions, for diagnosis only."""

    flip: bool = False            # the kernel rotated 180°, as a convolution would
    forward_size: bool = False    # the output size by the forward conv formula


RIGHT = Wrong()


def _kernels(k: Any, c_in: int) -> np.ndarray:
    """kh×kw, C_in×kh×kw (one output channel) or C_in×C_out×kh×kw (PyTorch's weight layout)."""
    k = np.asarray(k, dtype=float)
    k = k.reshape(1, 1) if k.ndim == 0 else k[None, :] if k.ndim == 1 else k
    if k.ndim == 2:
        k = np.broadcast_to(k, (c_in, *k.shape)) if c_in > 1 else k[None]
    if k.ndim == 3:
        k = k[:, None]
    if k.ndim != 4 or k.shape[0] != c_in:
        raise BadInput(f"expected kh×kw, C_in×kh×kw or C_in×C_out×kh×kw with C_in = {c_in}, got {dims(k.shape)}",
                       "kernel")
    if not np.all(np.isfinite(k)):
        raise BadInput("values must be finite numbers", "kernel")
    return k


def conv_transpose(input: Any, kernel: Any, stride: Any = 1, padding: Any = 0, output_padding: Any = 0,
                   dilation: Any = 1, bias: Any = None, wrong: Wrong = RIGHT) -> Solution:
    x = as_image(input)
    k = _kernels(kernel, x.shape[0])
    s, d = pair(stride, "stride"), pair(dilation, "dilation")
    p, a = pair(padding, "padding", minimum=0), pair(output_padding, "output_padding", minimum=0)
    if a[0] >= max(s[0], d[0]) or a[1] >= max(s[1], d[1]):
        raise BadInput(f"must be smaller than the stride or the dilation, got {pair_text(a)}", "output_padding")
    c_in, c_out, kh, kw = k.shape
    kk = k[..., ::-1, ::-1] if wrong.flip else k
    full = tuple((n - 1) * st + dd * (kk_ - 1) + 1 + aa for n, st, dd, kk_, aa in
                 zip(x.shape[1:], s, d, (kh, kw), a))
    out_hw = (full[0] - 2 * p[0], full[1] - 2 * p[1])
    if min(out_hw) < 1:
        raise BadInput(f"cropping {pair_text(p)} from each side of the {full[0]}×{full[1]} sum leaves nothing", "padding")
    check_size(c_out * full[0] * full[1], "output values", "kernel")
    b = _bias(bias, c_out)
    canvas = np.zeros((c_out, *full))
    for ci, i, j in np.ndindex(*x.shape):
        r, c = i * s[0], j * s[1]
        canvas[:, r: r + d[0] * (kh - 1) + 1: d[0], c: c + d[1] * (kw - 1) + 1: d[1]] += x[ci, i, j] * kk[ci]
    y = canvas[:, p[0]: p[0] + out_hw[0], p[1]: p[1] + out_hw[1]] + b[:, None, None]
    sol = Solution("conv_transpose", [], {}, title="Transposed convolution")
    sol.add(conventions(*_conventions(s, p, a, d, c_in, c_out, wrong)))
    sol.add(_size_step(x.shape[1:], (kh, kw), s, p, a, d, out_hw, wrong))
    sol.add(_copies_step(x, kk, s, d))
    sol.add(add_grids(Step("The sums", "overlapping copies add up", prose=[f"{full[0]}×{full[1]} before cropping"]),
                      "sum", canvas if c_out > 1 else canvas[0], lead=("index",)))
    shape = list(y.shape if c_out > 1 else y.shape[1:])
    if any(p) or bias is not None:
        step = Step("Crop the padding" + (" and add the bias" if bias is not None else ""),
                    prose=[f"{pair_text(p)} row(s)/column(s) off each side" if any(p) else "no padding to crop"])
        sol.add(add_grids(step, "O", y if c_out > 1 else y[0], lead=("index",), answered=True))
    forward = [((n + 2 * pp - dd * (kk_ - 1) - 1) // st) + 1 for n, st, pp, dd, kk_ in
               zip(x.shape[1:], s, p, d, (kh, kw))]
    sol.answer.update(output=y if c_out > 1 else y[0],
                      output_shape=([c_out] if c_out > 1 else []) + (forward if wrong.forward_size else shape[-2:]))
    return sol


def _bias(bias: Any, c_out: int) -> np.ndarray:
    if bias is None:
        return np.zeros(c_out)
    b = np.asarray(bias, dtype=float).ravel()
    if b.size not in (1, c_out):
        raise BadInput(f"{b.size} values for {c_out} output channel{'s' * (c_out != 1)}: give one, or one per channel",
                       "bias")
    if not np.all(np.isfinite(b)):
        raise BadInput("values must be finite numbers", "bias")
    return np.broadcast_to(b, (c_out,))


def _conventions(s: Pair, p: Pair, a: Pair, d: Pair, c_in: int, c_out: int, wrong: Wrong) -> list[str]:
    return [
        "PyTorch's conv_transpose2d: each input cell adds value × kernel into the output; the kernel is "
        + ("rotated 180°" if wrong.flip else "not flipped"),
        f"the copies are placed stride {pair_text(s)} apart" + (f", the kernel's taps dilation {pair_text(d)} apart"
                                                               if d != (1, 1) else "") + "; overlaps are summed",
        f"padding {pair_text(p)} is cropped from each side of the sum" if any(p) else "no padding (nothing cropped)",
        *([f"output padding {pair_text(a)} adds rows/columns at the bottom/right"] if any(a) else []),
        f"kernel layout C_in×C_out×kh×kw: {c_in} input and {c_out} output channel(s)",
    ]


def _size_step(hw: tuple, k: Pair, s: Pair, p: Pair, a: Pair, d: Pair, out: Pair, wrong: Wrong) -> Step:
    same = hw[0] == hw[1] and k[0] == k[1] and s[0] == s[1] and p[0] == p[1] and a[0] == a[1] and d[0] == d[1]
    lines = []
    for axis, name in enumerate(("H", "W")):
        if same and axis:
            break
        lhs = "H' = W'" if same else f"{name}'"
        lines.append(t(f"{lhs} = ({{}} − 1)·{{}} − 2·{{}} + {{}}·({{}} − 1) + {{}} + 1 = {{}}",
                       hw[axis], s[axis], p[axis], d[axis], k[axis], a[axis], out[axis]))
    return Step("Output size", "H' = (H − 1)·S − 2P + D·(K − 1) + A + 1", lines=lines)


def _copies_step(x: np.ndarray, k: np.ndarray, s: Pair, d: Pair) -> Step:
    step = Step("Each input cell's scaled copy of the kernel",
                prose=[f"cell (i, j) starts its copy at row (i − 1)·{s[0]} + 1, column (j − 1)·{s[1]} + 1"])
    cells = list(np.ndindex(*x.shape))
    for ci, i, j in cells[:SHOWN]:
        name = f"x{ci + 1}({i + 1},{j + 1})" if x.shape[0] > 1 else f"x({i + 1},{j + 1})"
        step.lines.append(t(f"{name} = {{}}: {{}}·K at rows from {i * s[0] + 1}, columns from {j * s[1] + 1}",
                            x[ci, i, j], x[ci, i, j]))
        copy = x[ci, i, j] * k[ci]
        step = add_grids(step, f"{x[ci, i, j]:g}·K", copy if copy.shape[0] > 1 else copy[0], lead=("index",))
    if len(cells) > SHOWN:
        step.prose.append(f"the other {len(cells) - SHOWN} cells place their copies the same way")
    return step


SLIPS = [
    Slip("kernel flipped (a convolution's rotation)", lambda p: with_wrong(p, RIGHT, flip=True)),
    Slip("output size by the forward convolution formula", lambda p: with_wrong(p, RIGHT, forward_size=True)),
]
