"""How numbers look: integers as integers, everything else rounded to the chosen precision.

A number printed without a decimal point is an exact integer. A value that only rounds to one keeps its
zeros: σ(10) = 0.9999546 is `1.0000` and 19.99999 is `20.0000` at four decimals, never `1` or `20` (a
student would take those for exact and recompute from them). Float noise is not a value: within 1e-14
(relative, some 50 ulps) of an integer is that integer, so 0.7 + 0.2 + 0.1 = 0.9999999999999999 and a
hundred 0.1s summed (9.99999999999998) print as 1 and 10, while σ(30) = 1 − 9.4e-14 prints as 1.0000.
Other trailing zeros are dropped (0.6, not 0.6000). With --precision 0 every value is shown as an
integer, as asked.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

# Digit grouping. A number standing on its own (in a worked line, a table cell, a one-number answer)
# with five or more digits before the point is written in groups of three, joined by a narrow no-break
# space as the SI writes them: 120 847 089 664, 12 345.678 (four digits, 2024 or 4096, read well as they
# are). The narrow space (U+202F) is not a space our matrix input splits values at, nor a comma, and
# the answer parser of grading reads it back. Numbers inside a vector, matrix or grid are never grouped:
# a matrix is copied back as input, where a space separates values, and its columns align as they are.
# LaTeX writes the group space as \, ; JSON answers are numbers.
GROUP = "\u202f"
GROUP_FROM = 5  # digits before the point


def grouped(s: str) -> str:
    """`120847089664` → `120 847 089 664` (U+202F), `-12345.5` → `-12 345.5`; anything else as it is."""
    sign = s[:1] if s[:1] in "-+" else ""
    whole, dot, frac = s[len(sign):].partition(".")
    if len(whole) < GROUP_FROM or not whole.isdigit():
        return s
    head = len(whole) % 3 or 3
    return sign + GROUP.join([whole[:head]] + [whole[i:i + 3] for i in range(head, len(whole), 3)]) + dot + frac


def ungrouped(s: str) -> str:
    """A formatted number as it goes in a grid or a list: without group spaces."""
    return s.replace(GROUP, "")


def number(x: Any, precision: int = 4, group: bool = True) -> str:
    """Format one value of a step or answer for people (JSON carries full precision instead); `group`:
    a number standing alone, digits grouped (see GROUP); the entries of a list, dict or array are not."""
    if isinstance(x, (bool, np.bool_)):
        return "true" if x else "false"
    if isinstance(x, (int, np.integer)):
        return grouped(str(int(x))) if group else str(int(x))
    if isinstance(x, (float, np.floating)):
        s = _real(float(x), precision)
        return grouped(s) if group else s
    if isinstance(x, dict):
        return "{" + ", ".join(f"{k}: {number(v, precision, False)}" for k, v in x.items()) + "}"
    if isinstance(x, np.ndarray) and x.ndim == 0:
        return number(x.item(), precision, group)
    if isinstance(x, (np.ndarray, list, tuple)):
        return "[" + ", ".join(number(v, precision, False) for v in x) + "]"
    return str(x)


def more_digits(x: float, precision: int, extra: int) -> str:
    """`x` as number(x, precision) writes it, with `extra` more digits in the same form: more decimals, or
    more significant digits where number() counts those (a worked line needing them, recompute.py)."""
    return _real(float(x), precision, extra)


def _real(x: float, precision: int, extra: int = 0) -> str:
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    if precision > 0 and abs(x) < 10.0 ** (1 - precision):
        return f"{x:.{precision + extra}g}"  # small values keep `precision` significant digits: 0.00025, not 0.0003
    if abs(x) >= 1e12:
        return f"{x:.{max(precision, 1) + extra}e}"
    s = f"{x:.{precision + extra}f}"
    if "." not in s:
        return "0" if s == "-0" else s  # --precision 0
    short = s.rstrip("0").rstrip(".")
    if "." in short or abs(x - round(x)) <= 1e-14 * max(1.0, abs(x)):
        return "0" if short == "-0" else short  # 0.6, not 0.6000; 1, not 1.0000, for float noise
    return s  # rounds to an integer without being one: 20.0000


def formatter(precision: int):
    """number() at `precision`, remembering scalars: a solution writes the same values many times."""
    seen: dict = {}

    def fmt(x: Any) -> str:
        if type(x) in (float, int, np.float64):
            text = seen.get(x)
            if text is None:
                text = number(x, precision)
                if len(seen) < 100_000:
                    seen[x] = text
            return text
        return number(x, precision)
    fmt.precision = precision  # type: ignore[attr-defined]  # what worked lines are checked at (recompute.py)
    fmt.memo = {}  # type: ignore[attr-defined]  # the worked lines written, by Text object (recompute.py)
    return fmt
