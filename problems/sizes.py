"""Sizes as typed in files and on the command line, shared by conv, pool, convsize and cnn: strides,
dilations, window sizes (`2`, `2,1`, [2, 1]), paddings (`same`, `1,1,0,0`) and shapes (`6x6`, `3×32×32`).
They are turned into numbers here; calc/ checks their ranges."""
from __future__ import annotations

import re
from typing import Any

from dlcalc.calc import pool
from dlcalc.calc.sizes import padding4, pair
from dlcalc.calc.errors import BadInput
from dlcalc.problems.matrix import UNSIGNED_TEXT, parse_number
from dlcalc.problems.schema import Field, anycase, text_json

_SEP_TEXT = r"\s*[,x×*]\s*|\s+"
_SEP = re.compile(_SEP_TEXT)
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


def as_pair(name: str, minimum: int = 1):
    """Converter for stride/dilation/size/kernel size: one integer ≥ `minimum` or two (rows, columns)."""
    def convert(raw: Any) -> tuple[int, int]:
        return pair(_numbers(raw, "an integer or two (rows, columns)"), name, minimum)
    return convert


def as_padding(raw: Any) -> tuple[int, int, int, int] | str:
    """An integer, `same`, `valid`, `rows,columns` or `top,bottom,left,right`."""
    if isinstance(raw, str) and raw.strip().lower() in ("same", "valid"):
        return padding4(raw)
    try:
        return padding4(_numbers(raw, PAD_WORDS))
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
    return tuple(pair([v], "input_shape")[0] for v in values)


def sizes_json(counts: tuple[int, ...], minimum: int, words: tuple[str, ...] = ()) -> dict:
    """An integer, a list of `counts` integers, or their text (`2,1`, `6x6`, `(3, 32, 32)`) as `_numbers` reads it."""
    n, sep = f"(?:{UNSIGNED_TEXT})", f"(?:{_SEP_TEXT})"
    text = "|".join([rf"[(\[]*{n}(?:{sep}{n}){{{k - 1}}}[)\]]*" for k in counts] + [anycase(w) for w in words])
    integer = {"type": "integer", "minimum": minimum}
    lists = [{"type": "array", "items": integer, "minItems": k, "maxItems": k} for k in counts]
    return {"anyOf": [integer, text_json(text), *lists]}


PAIR_JSON = sizes_json((1, 2), 1)
PAIR0_JSON = sizes_json((1, 2), 0)  # a pair that may be 0: a transposed convolution's crop
PAD_JSON = sizes_json((1, 2, 4), 0, ("same", "valid"))
SHAPE_JSON = sizes_json((1, 2, 3), 1)


def stride_field(default: Any, help_: str) -> Field:
    return Field("stride", "any", help_, default=default, convert=as_pair("stride"), json=PAIR_JSON, flags=("-s",),
                 metavar="S")


def padding_field(help_: str) -> Field:
    return Field("padding", "any", help_, default=0, convert=as_padding, json=PAD_JSON, flags=("-P",), metavar="P")


def dilation_field() -> Field:
    return Field("dilation", "any", "gap between kernel taps: 1 = none (int or rows,columns)", default=1,
                 convert=as_pair("dilation"), json=PAIR_JSON, flags=("-d",), metavar="D")


FULL = Field("full", "bool", "write out every output cell (default: the first 16, the rest summarised)", default=False)
