"""The JSON output: full-precision answers, strict JSON (non-finite numbers as the strings "inf", "nan")."""
from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from dlcalc.calc.solution import Solution
from dlcalc.cli.render import latex, plain
from dlcalc.cli.render.layout import Formatter


def python_value(x: Any, strict: bool = False) -> Any:
    """numpy values → plain Python lists, numbers and booleans; `strict` also writes non-finite
    floats as the strings "inf", "-inf", "nan" (strict JSON)."""
    kind = type(x)
    if kind is str or kind is int or x is None:  # the common leaves first: a table has thousands
        return x
    if kind is float:
        return x if not strict or math.isfinite(x) else "nan" if math.isnan(x) else "inf" if x > 0 else "-inf"
    if isinstance(x, np.ndarray):
        if x.dtype.kind in "biu" or (x.dtype.kind == "f" and (not strict or np.isfinite(x).all())):
            return x.tolist()  # the common case, in C: no element is a string
        return [python_value(v, strict) for v in x] if x.ndim else python_value(x.item(), strict)
    if isinstance(x, (list, tuple)):
        if x and all(type(v) is float for v in x) and (not strict or math.isfinite(sum(x))):
            return list(x)  # a trace or a vector of plain finite floats: nothing to convert
        return [python_value(v, strict) for v in x]
    if isinstance(x, dict):
        return {str(k): python_value(v, strict) for k, v in x.items()}
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        x = float(x)
        if strict and math.isnan(x):
            return "nan"
        if strict and math.isinf(x):
            return "inf" if x > 0 else "-inf"
        return x
    return x


def plain_value(x: Any) -> Any:
    """numpy and non-finite floats → strict-JSON values."""
    return python_value(x, strict=True)


def solution_dict(sol: Solution, fmt: Formatter) -> dict:
    steps = []
    for step in sol.steps:
        d = {"title": step.title, "text": "\n".join(plain.step_lines(step, fmt)), "latex": latex.step_latex(step, fmt)}
        if step.grids:
            d["grids"] = [{"label": g.label, "values": plain_value(g.array()),
                           "highlight": [list(h) for h in g.highlight]} for g in step.grids]
        if step.table is not None:
            d["table"] = {"headers": [str(h) for h in step.table.headers], "rows": plain_value(step.table.rows)}
        steps.append(d)
    out = {"kind": sol.kind, "title": sol.title, "answer": plain_value(sol.answer), "steps": steps,
           "warnings": list(sol.warnings)}
    if sol.note:
        out["note"] = sol.note
    return out


def dumps(obj: Any) -> str:
    return encoded(plain_value(obj))


def encoded(plain: Any) -> str:
    """A value that is plain already (solution_dict's): not walked a second time."""
    return json.dumps(plain, ensure_ascii=False, allow_nan=False)


def render(sol: Solution, fmt: Formatter, answer_only: bool = False, full: bool = False) -> str:
    return encoded(solution_dict(sol, fmt))
