"""Is a given answer right, and if not, which known slip explains it? Pure comparison, no I/O.

How a key compares is declared by its kind (`Kind.compare`): within tolerance (the default),
`exact` (counts, shapes, parameter numbers: 102760448 is not 102764544), `multiset` (eigenvalues in
any order) or `direction` (an eigenvector or escape direction, right up to a non-zero scale).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np

RTOL, ATOL = 1e-3, 1e-4
MODES = ("tolerance", "exact", "multiset", "direction")
TRUE_WORDS, FALSE_WORDS = ("true", "yes", "1", "1.0"), ("false", "no", "0", "0.0")


@dataclass(frozen=True)
class Tolerance:
    rtol: float = RTOL
    atol: float = ATOL


def as_expected(value: Any) -> Any:
    """Normalise an answer value: numbers and arrays to float arrays, words stay words."""
    if isinstance(value, (str, bool, np.bool_)):
        return value
    if isinstance(value, dict):  # {x: −4, y: −4, z: 3}: graded as the values in that order
        value = list(value.values())
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return str(value)


def word(text: str) -> str:
    """A word answer as compared: case, spaces, `-`/`_`, a leading "local" and a trailing "point" do not
    count, and min/max may be written out: `Saddle point` = `saddle`, `Local minimum` = `local_min`."""
    w = re.sub(r"[\s_\-]+", "", str(text).lower())
    w = re.sub(r"points?$", "", re.sub(r"^local", "", w))
    return w.replace("imum", "")


def matches(given: Any, expected: Any, tol: Tolerance, mode: str = "tolerance") -> bool:
    """|given − expected| ≤ atol + rtol·|expected| for every entry, shapes equal (or as `mode` says);
    words compare as `word` reads them; a true/false answer also as yes/no/1/0."""
    expected = as_expected(expected)
    if isinstance(given, dict):  # a slipped answer {x: …} compared as the key's own is
        given = list(given.values())
    if isinstance(expected, (bool, np.bool_)):
        if isinstance(given, (str, float, int, np.ndarray)) and not isinstance(given, bool):
            text = str(given).strip().lower() if isinstance(given, str) else f"{float(np.ravel(given)[0]):g}" \
                if np.size(given) == 1 else ""
            return text in (TRUE_WORDS if expected else FALSE_WORDS)
        return False
    if isinstance(expected, str):
        return isinstance(given, str) and word(given) == word(expected)
    if isinstance(given, str) or given is None:
        return False
    g = _shaped(np.asarray(given, dtype=float), expected)
    if g is None:
        return False
    if mode == "multiset":
        g, expected = np.sort(g.ravel()), np.sort(expected.ravel())
    elif mode == "direction":
        return _same_direction(g.ravel(), expected.ravel(), tol)
    if mode == "exact" and np.all(np.isfinite(expected)) and np.all(expected == np.round(expected)):
        return bool(np.all(g == expected))
    return _within(g, expected, tol)


def _shaped(g: np.ndarray, expected: np.ndarray) -> np.ndarray | None:
    if g.shape == expected.shape:
        return g
    if g.size == expected.size == 1:
        return g.reshape(expected.shape)
    if g.size == expected.size and g.squeeze().shape == expected.squeeze().shape:
        return g.reshape(expected.shape)  # a column typed as a row is still the same numbers
    return None


def _within(g: np.ndarray, expected: np.ndarray, tol: Tolerance) -> bool:
    with np.errstate(invalid="ignore"):
        same = (np.isinf(expected) & (g == expected)) | (np.isnan(expected) & np.isnan(g))
        # an infinite expected value has an infinite tolerance band: only ±inf itself matches it
        ok = np.isfinite(expected) & (np.abs(g - expected) <= tol.atol + tol.rtol * np.abs(expected))
    return bool(np.all(ok | same))


def _same_direction(g: np.ndarray, e: np.ndarray, tol: Tolerance) -> bool:
    """g = c·e for some c ≠ 0 (−u and 2u are u's direction): compare g/c, c fitted by least squares."""
    if not (np.all(np.isfinite(g)) and np.all(np.isfinite(e))) or not np.any(e) or not np.any(g):
        return False
    c = float(g @ e) / float(e @ e)
    return c != 0 and _within(g / c, e, tol)


def rounding_slip(given: Any, expected: Any) -> str | None:
    """Right value, rounded too coarsely (e.g. 0.59 for 0.5946)."""
    expected = as_expected(expected)
    if isinstance(expected, (str, bool, np.bool_)) or isinstance(given, str) or given is None:
        return None
    g = np.asarray(given, dtype=float)
    if g.size != expected.size or not np.all(np.isfinite(expected)):
        return None
    g, e = g.ravel(), expected.ravel()
    for decimals in (0, 1, 2, 3):
        # a multiple of 10^-d within half a unit of the value: either neighbour of a tie (0.125 → 0.12 or 0.13)
        scaled = g * 10.0 ** decimals
        on_grid = np.allclose(scaled, np.round(scaled), rtol=0, atol=1e-6)
        near = np.all(np.abs(g - e) <= 0.5 * 10.0 ** -decimals + 1e-9)
        if on_grid and near and not np.allclose(g, e, rtol=0, atol=1e-9):
            return f"rounded to {decimals} decimal{'s' if decimals != 1 else ''} (more precision needed)"
    return None


def sign_slip(given: Any, expected: Any, tol: Tolerance) -> str | None:
    expected = as_expected(expected)
    if isinstance(expected, (str, bool, np.bool_)) or isinstance(given, str) or given is None or not np.any(expected != 0):
        return None
    return "sign flipped" if matches(-np.asarray(given, dtype=float), expected, tol) else None
