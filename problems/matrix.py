"""Matrix and tensor text (README, "Typing matrices"): MATLAB style `1 0; 0 1` or nested lists `[[1,0],[0,1]]`.

Numbers are matched by a regular expression and converted with float(): nothing
the user typed is ever evaluated.
"""
from __future__ import annotations

import re
from typing import Any

import numpy as np

from dlcalc.calc.errors import BadInput, dims, quote

MAX_CHARS = 2_000_000     # longest matrix text accepted
MAX_ELEMENTS = 1_000_000  # most numbers in one matrix
MAX_DEPTH = 6             # deepest list nesting (a 4-D filter bank needs 4)

_UNSIGNED = r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_NUMBER = re.compile(rf"[+-]?{_UNSIGNED}")
_FRACTION = re.compile(rf"([+-]?{_UNSIGNED})/({_UNSIGNED})")
# The same forms as JSON Schema patterns (ECMA-262 regexes), so that the schema reads text as parse_number does.
NUMBER_TEXT = rf"[+\-−]?{_UNSIGNED}(?:/{_UNSIGNED})?"
UNSIGNED_TEXT = rf"\+?{_UNSIGNED}(?:/{_UNSIGNED})?"
NONFINITE_TEXT = r"[+\-−]?[iI][nN][fF]|[nN][aA][nN]"
_NONFINITE = {"nan": float("nan"), "inf": float("inf"), "+inf": float("inf"), "-inf": float("-inf")}


def parse_number(token: str, allow_nonfinite: bool = False) -> float:
    """One number: `0.5`, `-3`, `1e-3`, `1/3`, the Unicode minus `−2`; `inf`/`nan` only if allowed."""
    s = token.strip().replace("−", "-")
    if _NUMBER.fullmatch(s):
        return _finite(float(s), allow_nonfinite, token)  # 1e400 overflows to inf
    m = _FRACTION.fullmatch(s)
    if m:
        den = float(m.group(2))
        if den == 0:
            raise BadInput(f"{quote(token)} divides by zero")
        return _finite(float(m.group(1)) / den, allow_nonfinite, token)
    if s.lower() in _NONFINITE:
        if allow_nonfinite:
            return _NONFINITE[s.lower()]
        raise BadInput(f"{quote(token)} is not a finite number")
    raise BadInput(f"{quote(token)} is not a number")


def parse_matrix(text: str, allow_nonfinite: bool = False) -> np.ndarray:
    """Parse matrix text into a float array (0-D for a lone number, 1-D for one row)."""
    if len(text) > MAX_CHARS:
        raise BadInput(f"matrix text is {len(text)} characters long; the limit is {MAX_CHARS}")
    s = text.strip().replace("−", "-")
    if not s:
        raise BadInput("empty matrix")
    if s.startswith("["):
        import json  # here: the MATLAB form a quick command is typed in does not pay for its import

        try:
            data = json.loads(s)
        except (json.JSONDecodeError, RecursionError):
            inner = s[1:-1] if s.endswith("]") else None
            if inner is not None and "[" not in inner:
                return _parse_matlab(inner, allow_nonfinite)  # MATLAB's [1 0; 0 1]
            data = _nested_lists(s)  # Python-style lists JSON rejects: [[1/3, 2.], [.5, 0]]
        return to_array(data, allow_nonfinite)
    return _parse_matlab(s, allow_nonfinite)


_LIST_TOKEN = re.compile(r"\s*(?:(\[)|(\])|(,)|([^\[\],\s]+))")


def _nested_lists(s: str) -> list:
    """Nested lists of number tokens (left as text for parse_number); no evaluation, bounded depth."""
    malformed = BadInput("malformed nested list (expected e.g. [[1, 0], [0, 1]])")
    stack: list[list] = []
    result: list | None = None
    expect_value = True  # after '[' or ',': a value or '[' (or ']' closing an empty list)
    pos = 0
    while pos < len(s):
        m = _LIST_TOKEN.match(s, pos)
        if m is None:
            break  # trailing whitespace
        pos = m.end()
        if result is not None:
            raise malformed  # text after the outermost ']'
        opened, closed, comma, token = m.groups()
        if opened:
            if not expect_value:
                raise malformed
            if len(stack) > MAX_DEPTH:
                raise BadInput(f"lists nested deeper than {MAX_DEPTH} levels")
            stack.append([])
        elif closed:
            if not stack or (expect_value and stack[-1]):
                raise malformed  # ']' without '[', or a trailing comma
            done = stack.pop()
            if stack:
                stack[-1].append(done)
            else:
                result = done
            expect_value = False
        elif comma:
            if expect_value or not stack:
                raise malformed
            expect_value = True
        else:
            if not expect_value or not stack:
                raise malformed
            stack[-1].append(token)
            expect_value = False
    if result is None:
        raise malformed
    return result


_TIGHT_COMMA = re.compile(r"\d,\d")               # 0,5: a separator, or a decimal comma
_MIXED = re.compile(r"[\d.]\s+[-+−.\d]")         # and a space between two numbers of the same row


def _parse_matlab(s: str, allow_nonfinite: bool) -> np.ndarray:
    # Rows end at ';' or at a line break (a table pasted over several lines, a ';' ending each line or not).
    s = ";".join(line.strip().removesuffix(";") for line in s.splitlines() if line.strip())
    rows = [r for r in s.split(";")]
    if rows and not rows[-1].strip():
        rows = rows[:-1]  # a trailing ';' is harmless
    parsed = []
    for i, row in enumerate(rows, 1):
        if _MIXED.search(row.strip()) and _TIGHT_COMMA.search(row):
            raise BadInput(f"{quote(row.strip(), 40)} has commas inside numbers and spaces between them: decimal "
                           "commas? Write 0.5, not 0,5 (a comma separates values, as a space does)")
        tokens = [tok for tok in re.split(r"[,\s]+", row.strip()) if tok]
        if not tokens:
            raise BadInput(f"row {i} is empty")
        try:
            parsed.append([parse_number(tok, allow_nonfinite) for tok in tokens])
        except BadInput as e:
            raise BadInput(f"row {i}: {e.message}") from None
    if not parsed:
        raise BadInput("empty matrix")
    widths = {len(r) for r in parsed}
    if len(widths) > 1:
        bad = next(i for i, r in enumerate(parsed, 1) if len(r) != len(parsed[0]))
        raise BadInput(f"ragged rows: row 1 has {len(parsed[0])} values but row {bad} has {len(parsed[bad - 1])}")
    if len(parsed) == 1:
        return np.array(parsed[0], dtype=float) if len(parsed[0]) > 1 else np.array(parsed[0][0])
    return np.array(parsed, dtype=float)


def to_array(data: Any, allow_nonfinite: bool = False) -> np.ndarray:
    """Check a nested list (from JSON or YAML) is rectangular and numeric, and make it an array."""
    shape = _shape(data, 0, ())
    flat: list[float] = []
    _flatten(data, flat, allow_nonfinite, ())
    if not flat and shape != ():
        raise BadInput("empty matrix")
    if len(flat) > MAX_ELEMENTS:
        raise BadInput(f"matrix has {len(flat)} numbers; the limit is {MAX_ELEMENTS}")
    return np.array(flat, dtype=float).reshape(shape)


def _shape(data: Any, depth: int, where: tuple) -> tuple:
    if depth > MAX_DEPTH:
        raise BadInput(f"lists nested deeper than {MAX_DEPTH} levels")
    if not isinstance(data, list):
        return ()
    if not data:
        raise BadInput(f"empty list{_index(where)}")
    shapes = [_shape(x, depth + 1, where + (i,)) for i, x in enumerate(data)]
    for i, sh in enumerate(shapes):
        if sh != shapes[0]:
            what = "row" if len(where) == 0 else "entry"
            raise BadInput(f"ragged {what}: item{_index(where + (i,))} has shape {dims(sh)}, "
                           f"item{_index(where + (0,))} has {dims(shapes[0])}")
    return (len(data),) + shapes[0]


def _flatten(data: Any, out: list, allow_nonfinite: bool, where: tuple) -> None:
    if isinstance(data, list):
        for i, x in enumerate(data):
            _flatten(x, out, allow_nonfinite, where + (i,))
        return
    try:
        if isinstance(data, bool) or data is None:
            raise BadInput(f"'{'null' if data is None else str(data).lower()}' is not a number")  # as typed: true, null
        out.append(parse_number(data, allow_nonfinite) if isinstance(data, str) else _finite(float(data), allow_nonfinite))
    except (TypeError, ValueError) as e:
        msg = e.message if isinstance(e, BadInput) else f"{quote(data)} is not a number"
        raise BadInput(f"value{_index(where)}: {msg}") from None


def _finite(x: float, allow_nonfinite: bool, token: str | None = None) -> float:
    if not allow_nonfinite and not np.isfinite(x):
        raise BadInput(f"'{x if token is None else token}' is not a finite number")
    return x


def _index(where: tuple) -> str:
    return "".join(f"[{i}]" for i in where) if where else ""


