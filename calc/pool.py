"""Max, average and min pooling, every window written out as on paper.

`pool2d` combines the kh·kw shifted, strided slices of the padded input element-wise
(all windows at once, no loop per pixel). Average pooling counts padded zeros (PyTorch's count_include_pad=True);
max pooling pads with −∞ and min pooling with +∞, so padding never wins.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from dlcalc.calc.conv import as_image, no_padding, pad, tap
from dlcalc.calc.maps import (GRID_SIDE, add_grids, cells_shown, others_step, pad_text, padding_step, pair_text, size_step,
                              window_prose)
from dlcalc.calc.sizes import MAX_WORK, Pad4, Pair, check_size, output_size, pair, resolve_padding
from dlcalc.calc.errors import BadInput, closest, dims
from dlcalc.calc.solution import Slip, Solution, Step, conventions, paren, t

MODES = ("max", "avg", "min")
PAD_VALUE = {"max": -np.inf, "min": np.inf, "avg": 0.0}


def _plan(x: np.ndarray, size: Any, stride: Any, padding: Any) -> tuple[Pair, Pair, Pad4, Pair]:
    """Checked window, stride (default: the window), padding and output size."""
    k = pair(size, "size")
    s = k if stride is None else pair(stride, "stride")
    p = resolve_padding(padding, x.shape[1:], k, s, (1, 1))
    if p[0] >= k[0] or p[1] >= k[0] or p[2] >= k[1] or p[3] >= k[1]:
        raise BadInput(f"padding {max(p)} must be smaller than the window {pair_text(k)}, "
                       "or some window would hold only padding", "padding")
    out = (output_size(x.shape[1], k[0], s[0], p[0] + p[1], 1, "size", "rows"),
           output_size(x.shape[2], k[1], s[1], p[2] + p[3], 1, "size", "columns"))
    check_size(x.shape[0] * (x.shape[1] + p[0] + p[1]) * (x.shape[2] + p[2] + p[3]), "padded input values", "padding")
    check_size(x.shape[0] * k[0] * k[1] * out[0] * out[1], "window values", "size", MAX_WORK)
    return k, s, p, out


def _reduce(xp: np.ndarray, m: str, k: Pair, s: Pair, out: Pair, real: np.ndarray | None = None) -> np.ndarray:
    """Every window at once: combine the kh·kw shifted, strided slices of the padded input. An average
    divides by the whole window, or with `real` (1 on the input's cells, 0 on padding) by its real cells."""
    taps = [tap(xp, i, j, s, (1, 1), out) for i in range(k[0]) for j in range(k[1])]
    if m == "avg":
        if real is None:
            return np.add.reduce(taps) / len(taps)  # padded zeros count (count_include_pad=True)
        return np.add.reduce(taps) / np.add.reduce([tap(real, i, j, s, (1, 1), out) for i in range(k[0])
                                                    for j in range(k[1])])
    return (np.maximum if m == "max" else np.minimum).reduce(taps)


MODE_ALIASES = {"average": "avg", "mean": "avg", "maximum": "max", "minimum": "min"}


def mode_name(mode: str) -> str:
    """max, avg (also 'average', 'mean') or min."""
    m = str(mode).strip().lower()
    m = MODE_ALIASES.get(m, m)
    if m not in MODES:
        raise BadInput(f"expected one of {', '.join(MODES)}, got '{mode}'{closest(str(mode), MODES)}", "mode")
    return m


def pool2d(x: Any, size: Any, stride: Any = None, padding: Any = 0, mode: str = "max",
           count_include_pad: bool = True) -> np.ndarray:
    """C×H×W → C×H'×W' (an H×W input gives H'×W'); stride defaults to the window size."""
    m = mode_name(mode)
    flat = np.asarray(x).ndim < 3
    x = as_image(x)
    k, s, p, out = _plan(x, size, stride, padding)
    y = _reduce(pad(x, p, PAD_VALUE[m]), m, k, s, out, None if count_include_pad else pad(np.ones_like(x), p))
    return y[0] if flat else y


def pool_steps(x: Any, size: Any, stride: Any = None, padding: Any = 0, mode: str = "max",
               full: bool = False, x_name: str = "X", count_include_pad: bool = True) -> tuple[list[Step], np.ndarray]:
    """The worked steps (without the conventions step) and the C×H'×W' output; `x_name` labels the input."""
    m = mode_name(mode)
    x = as_image(x)
    k, s, p, out = _plan(x, size, stride, padding)
    xp = pad(x, p, PAD_VALUE[m])
    real = None if count_include_pad or m != "avg" else pad(np.ones_like(x), p)
    y = _reduce(xp, m, k, s, out, real)
    steps = [size_step("Output size", x.shape[1:], k, s, p, (1, 1), out, dilated=False)]
    padded = any(p)
    if padded:
        fill = {"max": "−∞ (never the maximum)", "min": "+∞ (never the minimum)",
                "avg": "zeros (they count in the average)" if real is None else "zeros (not counted in the average)"}[m]
        steps.append(padding_step("Padding", f"pad with {fill}", xp, p, x_name))
    shown, rest = cells_shown(y.shape, full)
    for ch, r, c in shown:
        steps.append(_window_step(xp, m, ch, r, c, k, s, y[ch, r, c], p, x_name, real))
    if rest:
        steps.append(others_step("windows", rest, y.size, full))
    step = Step("Pooled output", prose=[f"shape {dims(y.shape if x.shape[0] > 1 else y.shape[1:])}"])
    steps.append(add_grids(step, "P", y, lead=("index",), answered=True))
    return steps, y


def _window_step(xp: np.ndarray, m: str, ch: int, r: int, c: int, k: Pair, s: Pair, value: float,
                 p: Pad4, x_name: str, real: np.ndarray | None = None) -> Step:
    padded = any(p)
    C = xp.shape[0]
    r0, c0 = r * s[0], c * s[1]
    win = xp[ch, r0: r0 + k[0], c0: c0 + k[1]]
    name = f"P{ch + 1}({r + 1},{c + 1})" if C > 1 else f"P({r + 1},{c + 1})"
    vals = list(win.ravel())
    slots = ", ".join("{}" for _ in vals)
    if m == "avg":
        if real is not None:  # only the input's own cells: the padded zeros neither add nor count
            vals = list(win.ravel()[real[ch, r0: r0 + k[0], c0: c0 + k[1]].ravel() > 0])
        subst = t(f"({' + '.join(paren(v) for v in vals)}) / {len(vals)}", *vals)
        formula = f"{name} = mean of the window" + ("'s input cells (padding not counted)" if real is not None else "")
        where = ""
    else:
        subst = t(f"{m}({slots})", *vals)
        formula = f"{name} = {m} of the window"
        i, j = np.unravel_index(int(np.argmax(win) if m == "max" else np.argmin(win)), win.shape)
        where = f"the {m}imum sits at row {r0 + i + 1}, column {c0 + j + 1} of the {'padded ' if padded else ''}input"
        if padded:
            where += f" (row {r0 + i + 1 - p[0]}, column {c0 + j + 1 - p[2]} of the input)"
    cells = [(r0 + i, c0 + j) for i in range(k[0]) for j in range(k[1])]
    prose = [window_prose(r0, c0, k[0], k[1], (1, 1), padded) + (f", channel {ch + 1}" if C > 1 else "")]
    step = Step(name, formula, subst, t("{}", value), prose=prose + ([where] if where else []))
    if max(xp.shape[1:]) > GRID_SIDE:
        return add_grids(step, "window", win)
    label = (f"{x_name}_pad" if padded else x_name) + (f" channel {ch + 1}" if C > 1 else "")
    return add_grids(step, label, xp[ch], cells)  # only the window's own channel


def pool(input: Any, size: Any = 2, stride: Any = None, padding: Any = 0, mode: str = "max",
         full: bool = False, count_include_pad: bool = True) -> Solution:
    """Pooling of an H×W or C×H×W input; the answer keeps the input's layout (H'×W' or C×H'×W')."""
    m = mode_name(mode)
    x = np.asarray(input, dtype=float)
    img = as_image(x)
    k, s, p, _ = _plan(img, size, stride, padding)
    word = {"max": "Max", "avg": "Average", "min": "Min"}[m]
    sol = Solution("pool", [], {}, title=f"{word} pooling {k[0]}×{k[1]}")
    fill = {"max": "−∞", "min": "+∞",
            "avg": "zeros, counted in the average (PyTorch's count_include_pad=True; --no-count-include-pad "
                   "divides by the real cells only)" if count_include_pad else
                   "zeros, not counted: each average is over the window's input cells only (count_include_pad=False)"}[m]
    sol.add(conventions(
        f"{word.lower()} pooling with a {k[0]}×{k[1]} window, stride {pair_text(s)}"
        + (" (the window size: windows do not overlap)" if s == k else ""),
        (f"padding {pad_text(p)}" + (" ('same': the output keeps the input's size at stride 1)"
                                     if isinstance(padding, str) and padding.strip().lower() == "same" else "")
         + f" with {fill}") if any(p) else "no padding",
        "each channel is pooled on its own; rows and columns are counted from 1",
    ))
    steps, y = pool_steps(img, k, s, p, m, full, count_include_pad=count_include_pad)
    sol.steps += steps
    shape = y.shape if img.shape[0] > 1 or x.ndim == 3 else y.shape[1:]
    sol.answer = {"output": y.reshape(shape), "output_shape": list(shape)}
    return sol


def _other_mode(p: dict, frm: str, to: str) -> dict | None:
    return {**p, "mode": to} if mode_name(p["mode"]) == frm else None


def _overlap(p: dict) -> dict | None:
    """Stride 1 (sliding, overlapping windows) where the stride should be the window size."""
    k = pair(p["size"], "size")
    s = k if p.get("stride") is None else pair(p["stride"], "stride")
    return {**p, "stride": 1} if s != (1, 1) else None


SLIPS = [
    Slip("average pooling instead of max pooling", lambda p: _other_mode(p, "max", "avg")),
    Slip("max pooling instead of average pooling", lambda p: _other_mode(p, "avg", "max")),
    Slip("max pooling instead of min pooling", lambda p: _other_mode(p, "min", "max")),
    Slip("stride 1 (overlapping windows) instead of the window size", _overlap),
    Slip("padding missing", no_padding),
    Slip("padded zeros counted in the average", lambda p: {**p, "count_include_pad": True}
         if mode_name(p["mode"]) == "avg" and not p.get("count_include_pad", True) else None),
    Slip("padded zeros left out of the average", lambda p: {**p, "count_include_pad": False}
         if mode_name(p["mode"]) == "avg" and p.get("count_include_pad", True) else None),
]
