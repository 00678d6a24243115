"""Sizes of feature maps and windows, shared by conv, pool, cnn and receptive_field: strides, dilations
and paddings checked, the footprint D(K − 1) + 1 of a dilated kernel, the output size
⌊(n + P − D(K − 1) − 1)/S⌋ + 1, 'same' padding in numbers, and the limits on work done by hand."""
from __future__ import annotations

from typing import Any

import numpy as np

from dlcalc.calc.errors import BadInput

Pair = tuple[int, int]
Pad4 = tuple[int, int, int, int]  # top, bottom, left, right

MAX_INT = 1_000_000       # largest size, stride, padding or dilation read (no image is wider)


MAX_VALUES = 2_000_000    # largest padded input or output accepted (it is printed in full)

MAX_WORK = 2_000_000_000  # most multiply-adds accepted (a few seconds)

def pair(value: Any, where: str, minimum: int = 1) -> Pair:
    """An int or an (a, b) pair of ints in minimum…MAX_INT: stride 2 means (2, 2)."""
    items = list(value) if isinstance(value, (tuple, list, np.ndarray)) else [value]
    if len(items) not in (1, 2):
        raise BadInput(f"expected one integer or two (rows, columns), got {len(items)} values", where)
    out = []
    for v in items:
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer, float, np.floating)):
            raise BadInput(f"expected an integer, got {v!r}", where)
        if not float(v).is_integer():
            raise BadInput(f"expected an integer, got {float(v):g}", where)
        if v < minimum:
            raise BadInput(f"must not be negative, got {int(v)}" if minimum == 0 else
                           f"must be ≥ {minimum}, got {int(v)}", where)
        if v > MAX_INT:  # refused before any arithmetic: 1e300 would otherwise be printed in full
            raise BadInput(f"must be at most {MAX_INT:,}, got {float(v):g}", where)
        out.append(int(v))
    return (out[0], out[-1])

def span(k: int, d: int) -> int:
    """Rows (or columns) a kernel of size k covers at dilation d: D(K − 1) + 1."""
    return d * (k - 1) + 1

def output_size(n: int, k: int, stride: int, pad_total: int, dilation: int, where: str = "kernel",
                axis: str = "") -> int:
    """⌊(n + P_total − D(K − 1) − 1) / S⌋ + 1; BadInput when the footprint does not fit the padded input.

    `axis` ("rows" or "columns") only words the error.
    """
    if stride < 1:
        raise BadInput(f"must be ≥ 1, got {stride}", "stride")
    if dilation < 1:
        raise BadInput(f"must be ≥ 1, got {dilation}", "dilation")
    if pad_total < 0:
        raise BadInput(f"must not be negative, got {pad_total}", "padding")
    size = (n + pad_total - span(k, dilation)) // stride + 1
    if size < 1:
        noun = "window" if where == "size" else "kernel"
        unit = f" {axis}" if axis else ""
        foot = f"{k}{unit}" if dilation == 1 else f"{span(k, dilation)}{unit} ({k} dilated by {dilation})"
        raise BadInput(f"the {noun} spans {foot} but the padded input has only {n + pad_total} "
                       f"({n} + padding {pad_total})", where)
    return size

def padding4(value: Any, where: str = "padding") -> Pad4 | str:
    """0, 'same', 'valid', (rows, columns) or (top, bottom, left, right) → a 4-tuple, or 'same'."""
    if isinstance(value, str):
        word = value.strip().lower()
        if word in ("same", "valid"):
            return (0, 0, 0, 0) if word == "valid" else "same"
        raise BadInput(f"expected an integer, 'same', 'valid' or top,bottom,left,right; got '{value}'", where)
    items = list(value) if isinstance(value, (tuple, list, np.ndarray)) else [value]
    if len(items) not in (1, 2, 4):
        raise BadInput(f"expected 1, 2 (rows, columns) or 4 (top, bottom, left, right) values, got {len(items)}", where)
    v = [pair([item], where, minimum=0)[0] for item in items]
    if len(v) == 4:
        return (v[0], v[1], v[2], v[3])
    return (v[0], v[0], v[-1], v[-1])

def resolve_padding(padding: Any, hw: Pair, khw: Pair, stride: Pair, dilation: Pair) -> Pad4:
    """Numbers for 'same' (TensorFlow's rule: output ⌈n/S⌉, the odd extra row/column at the bottom/right)."""
    p = padding4(padding)
    if p != "same":
        return p  # type: ignore[return-value]
    out: list[int] = []
    for n, k, s, d in zip(hw, khw, stride, dilation):
        total = max((-(-n // s) - 1) * s + span(k, d) - n, 0)
        out += [total // 2, total - total // 2]
    return tuple(out)  # type: ignore[return-value]


def check_size(n: int, what: str, where: str, limit: int | None = None) -> None:
    """Refuse problems no one works by hand and that would exhaust memory or time."""
    limit = limit or MAX_VALUES
    if n > limit:
        raise BadInput(f"too large for a worked solution: {n:,} {what} (limit {limit:,})", where)
