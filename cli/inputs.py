"""Command-line values: `@file` (.csv/.txt/.json/.npy), `-` for stdin, else matrix text (README, "Typing matrices")."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from dlcalc.calc.errors import BadInput
from dlcalc.problems.matrix import MAX_CHARS, MAX_DEPTH, MAX_ELEMENTS, parse_matrix


def read_matrix(value: str | None, option: str):
    """Resolve `@file` and `-` into text or an array; plain text passes through (parsed by the schema)."""
    if value is None:
        return None
    if value == "-":
        return _lines_as_rows(sys.stdin.read(MAX_CHARS + 1), option)
    if value.startswith("@"):
        if not value[1:].strip():
            raise BadInput("'@' must be followed by a file name, e.g. @pred.csv", option)
        return _read_file(Path(value[1:]), option)
    if _looks_like_a_file(value):  # `-i image.csv`: a file name where its contents were meant
        raise BadInput(f"'{value}' is a file: to read it write @{value}", option)
    return value


def _looks_like_a_file(value: str) -> bool:
    """An existing file, or a name ending in one of the readable extensions: not matrix text."""
    text = value.strip()
    return bool(text) and not any(c in text for c in " ;[,") and (
        Path(text).is_file() or text.lower().endswith((".csv", ".txt", ".json", ".npy")))


def _lines_as_rows(text: str, option: str) -> str:
    """A table typed over several lines: newlines separate rows (unless it is a nested list)."""
    if len(text) > MAX_CHARS:
        raise BadInput(f"input longer than {MAX_CHARS} characters", option)
    if text.lstrip().startswith("["):
        return text
    rows = [line.split("#", 1)[0].strip() for line in text.splitlines()]
    return "\n".join(r for r in rows if r) or " "  # parse_matrix ends a row at a line break or ';'


def _read_file(path: Path, option: str):
    where = f"{option} {path}"
    if not path.is_file():
        raise BadInput("no such file" if not path.exists() else "not a regular file", where)
    try:
        if path.suffix.lower() == ".npy":
            with path.open("rb") as f:
                if f.read(6) != b"\x93NUMPY":  # else numpy blames "pickled data" for any garbage
                    raise BadInput("not a NumPy .npy file", where)
            return _checked_npy(np.load(path, allow_pickle=False), where)
        if path.stat().st_size > MAX_CHARS:
            raise BadInput(f"file larger than {MAX_CHARS} bytes", where)
        text = path.read_bytes().decode("utf-8-sig")  # spreadsheets often start a CSV with a BOM
    except BadInput:
        raise
    except UnicodeDecodeError:
        raise BadInput("not UTF-8 text", where) from None
    except (OSError, ValueError) as e:
        raise BadInput(f"cannot read: {e}", where) from None
    try:
        if path.suffix.lower() == ".json":
            return parse_matrix(text)
        return parse_matrix(_lines_as_rows(text, where))
    except BadInput as e:
        raise e.at(where) from None


def _checked_npy(a: np.ndarray, where: str) -> np.ndarray:
    """The same rules as typed matrices (README, "Typing matrices"): numeric, non-empty, finite, bounded."""
    if a.dtype.kind not in "biuf" or a.size > MAX_ELEMENTS or a.ndim > MAX_DEPTH:
        raise BadInput(f"expected a numeric array of at most {MAX_ELEMENTS} numbers and {MAX_DEPTH} dimensions", where)
    if a.size == 0:
        raise BadInput("empty matrix", where)
    a = a.astype(float)
    bad = np.argwhere(~np.isfinite(a))
    if bad.size:
        index = "".join(f"[{i}]" for i in bad[0])
        raise BadInput(f"value{index}: '{a[tuple(bad[0])]}' is not a finite number", where)
    return a
