"""Is a given answer right, and if not, which known slip explains it? Pure comparison, no I/O."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

RTOL, ATOL = 1e-3, 1e-4


@dataclass(frozen=True)
class Tolerance:
    rtol: float = RTOL
    atol: float = ATOL


def as_expected(value: Any) -> Any:
    """Normalise an answer value: numbers and arrays to float arrays, words stay words."""
    if isinstance(value, (str, bool, np.bool_)):
        return value
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return str(value)


def matches(given: Any, expected: Any, tol: Tolerance) -> bool:
    """|given − expected| ≤ atol + rtol·|expected| for every entry, shapes equal; words compare by text."""
    expected = as_expected(expected)
    if isinstance(expected, (bool, np.bool_)):
        return isinstance(given, str) and given.strip().lower() in (("true", "yes", "1") if expected else ("false", "no", "0"))
    if isinstance(expected, str):
        return isinstance(given, str) and given.strip().lower().replace(" ", "_") == expected.lower()
    if isinstance(given, str) or given is None:
        return False
    g = np.asarray(given, dtype=float)
    if g.shape != expected.shape:
        if g.size == expected.size == 1:
            g = g.reshape(expected.shape)
        elif g.size == expected.size and g.squeeze().shape == expected.squeeze().shape:
            g = g.reshape(expected.shape)  # a column typed as a row is still the same numbers
        else:
            return False
    with np.errstate(invalid="ignore"):
        same = (np.isinf(expected) & (g == expected)) | (np.isnan(expected) & np.isnan(g))
        # an infinite expected value has an infinite tolerance band: only ±inf itself matches it
        ok = np.isfinite(expected) & (np.abs(g - expected) <= tol.atol + tol.rtol * np.abs(expected))
    return bool(np.all(ok | same))


def rounding_slip(given: Any, expected: Any) -> str | None:
    """Right value, rounded too coarsely (e.g. 0.59 for 0.5946)."""
    expected = as_expected(expected)
    if isinstance(expected, str) or isinstance(given, str) or given is None:
        return None
    g = np.asarray(given, dtype=float)
    if g.size != expected.size or not np.all(np.isfinite(expected)):
        return None
    g, e = g.ravel(), expected.ravel()
    for decimals in (0, 1, 2):
        # a multiple of 10^-d within half a unit of the value: either neighbour of a tie (0.125 → 0.12 or 0.13)
        scaled = g * 10.0 ** decimals
        on_grid = np.allclose(scaled, np.round(scaled), rtol=0, atol=1e-6)
        near = np.all(np.abs(g - e) <= 0.5 * 10.0 ** -decimals + 1e-9)
        if on_grid and near and not np.allclose(g, e, rtol=0, atol=1e-9):
            return f"rounded to {decimals} decimal{'s' if decimals != 1 else ''} (more precision needed)"
    return None


def sign_slip(given: Any, expected: Any, tol: Tolerance) -> str | None:
    expected = as_expected(expected)
    if isinstance(expected, str) or isinstance(given, str) or given is None or not np.any(expected != 0):
        return None
    return "sign flipped" if matches(-np.asarray(given, dtype=float), expected, tol) else None
