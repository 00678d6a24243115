"""Sizes as typed in files and on the command line, shared by conv, pool, convsize and cnn: strides,
dilations, window sizes (`2`, `2,1`, [2, 1]), paddings (`same`, `1,1,0,0`) and shapes (`6x6`, `3×32×32`).
They are turned into numbers here; calc/ checks their ranges."""
from __future__ import annotations

import re
from typing import Any

from dlcalc.calc import conv, pool
from dlcalc.calc.errors import BadInput
from dlcalc.problems.matrix import parse_number
from dlcalc.problems.schema import Field

_SEP = re.compile(r"\s*[,x×*]\s*|\s+")
PAD_WORDS = "an integer, 'same', 'valid', rows,columns or top,bottom,left,right"


def _numbers(raw: Any, what: str) -> list:
    """`2`, `2,1`, `6x6`, `3×32×32`, [2, 1] → a list of numbers (ints checked by calc)."""
    if isinstance(raw, bool) or raw is None:
        raise BadInput(f"expected {what}, got {raw!r}")
    if isinstance(raw, (int, float)):
        return [raw]
    if isinstance(raw, (list, tuple)):
        return list(raw)
    if isinstance(raw, str):
        tokens = [tok for tok in _SEP.split(raw.strip().strip("()[]")) if tok]
        if not tokens:
            raise BadInput(f"expected {what}, got '{raw}'")
        return [parse_number(tok) for tok in tokens]
    raise BadInput(f"expected {what}, got {raw!r}")


def as_pair(name: str):
    """Converter for stride/dilation/size/kernel size: one integer ≥ 1 or two (rows, columns)."""
    def convert(raw: Any) -> tuple[int, int]:
        return conv.pair(_numbers(raw, "an integer or two (rows, columns)"), name)
    return convert


def as_padding(raw: Any) -> tuple[int, int, int, int] | str:
    """An integer, `same`, `valid`, `rows,columns` or `top,bottom,left,right`."""
    if isinstance(raw, str) and raw.strip().lower() in ("same", "valid"):
        return conv.padding4(raw)
    try:
        return conv.padding4(_numbers(raw, PAD_WORDS))
    except BadInput as e:
        if "not a number" in e.message:
            raise BadInput(f"expected {PAD_WORDS}; got {raw!r}") from None
        raise


def as_mode(raw: Any) -> str:
    """max, avg or min ('average' and 'mean' mean avg)."""
    if not isinstance(raw, str):
        raise BadInput(f"expected one of {', '.join(pool.MODES)}, got {raw!r}")
    return pool.mode_name(raw)


def as_shape(raw: Any) -> tuple[int, ...]:
    """`6x6`, `3x32x32`, [3, 32, 32] or 6 (a square) → (H, W) or (C, H, W)."""
    values = _numbers(raw, "a shape like 6x6 or 3x32x32")
    if len(values) == 1:
        values = values * 2
    if len(values) not in (2, 3):
        raise BadInput(f"expected H×W or C×H×W, got {len(values)} numbers")
    return tuple(conv.pair([v], "input_shape")[0] for v in values)


PAIR_JSON = {"oneOf": [{"type": "integer", "minimum": 1}, {"type": "string"},
                        {"type": "array", "items": {"type": "integer", "minimum": 1}, "minItems": 1, "maxItems": 2}]}
PAD_JSON = {"oneOf": [{"type": "integer", "minimum": 0}, {"enum": ["same", "valid"]}, {"type": "string"},
                       {"type": "array", "items": {"type": "integer", "minimum": 0}, "minItems": 1, "maxItems": 4}]}
SHAPE_JSON = {"oneOf": [{"type": "integer", "minimum": 1}, {"type": "string"},
                         {"type": "array", "items": {"type": "integer", "minimum": 1}, "minItems": 2, "maxItems": 3}]}


def stride_field(default: Any, help_: str) -> Field:
    return Field("stride", "any", help_, default=default, convert=as_pair("stride"), json=PAIR_JSON, flags=("-s",),
                 metavar="S")


def padding_field(help_: str) -> Field:
    return Field("padding", "any", help_, default=0, convert=as_padding, json=PAD_JSON, flags=("-P",), metavar="P")


def dilation_field() -> Field:
    return Field("dilation", "any", "gap between kernel taps: 1 = none (int or rows,columns)", default=1,
                 convert=as_pair("dilation"), json=PAIR_JSON, flags=("-d",), metavar="D")


FULL = Field("full", "bool", "write out every output cell (default: the first 16, the rest summarised)", default=False)
