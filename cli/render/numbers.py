"""How numbers look: integers as integers, everything else rounded to the chosen precision."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

def number(x: Any, precision: int = 4) -> str:
    """Format one value of a step or answer for people (JSON carries full precision instead)."""
    if isinstance(x, (bool, np.bool_)):
        return "true" if x else "false"
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    if isinstance(x, (float, np.floating)):
        x = float(x)
        if math.isnan(x):
            return "nan"
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        if x.is_integer() and abs(x) < 1e15:
            return str(int(x))
        if precision > 0 and abs(x) < 10.0 ** (1 - precision):
            return f"{x:.{precision}g}"  # small values keep `precision` significant digits: 0.00025, not 0.0003
        if abs(x) >= 1e12:
            return f"{x:.{max(precision, 1)}e}"
        s = f"{x:.{precision}f}"
        s = s.rstrip("0").rstrip(".") if "." in s else s
        return "0" if s == "-0" else s  # 0.6, not 0.6000; at most `precision` decimals
    if isinstance(x, dict):
        return "{" + ", ".join(f"{k}: {number(v, precision)}" for k, v in x.items()) + "}"
    if isinstance(x, np.ndarray) and x.ndim == 0:
        return number(x.item(), precision)
    if isinstance(x, (np.ndarray, list, tuple)):
        return "[" + ", ".join(number(v, precision) for v in x) + "]"
    return str(x)


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
    return fmt
