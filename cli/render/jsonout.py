"""CONTRACT §4 JSON: full-precision answers, strict JSON (non-finite numbers as strings)."""
from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from calc.solution import Solution
from cli.render import latex, plain
from cli.render.layout import Fmt


def plain_value(x: Any) -> Any:
    """numpy and non-finite floats → strict-JSON values."""
    if isinstance(x, np.ndarray):
        return [plain_value(v) for v in x] if x.ndim else plain_value(x.item())
    if isinstance(x, (list, tuple)):
        return [plain_value(v) for v in x]
    if isinstance(x, dict):
        return {str(k): plain_value(v) for k, v in x.items()}
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        x = float(x)
        if math.isnan(x):
            return "nan"
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        return x
    return x


def solution_dict(sol: Solution, fmt: Fmt) -> dict:
    steps = []
    for step in sol.steps:
        d = {"title": step.title, "text": "\n".join(plain.step_lines(step, fmt)), "latex": latex.step_latex(step, fmt)}
        if step.grids:
            d["grids"] = [{"label": g.label, "values": plain_value(g.array()),
                           "highlight": [list(h) for h in g.highlight]} for g in step.grids]
        if step.table is not None:
            d["table"] = {"headers": step.table.headers, "rows": plain_value(step.table.rows)}
        steps.append(d)
    return {"kind": sol.kind, "title": sol.title, "answer": plain_value(sol.answer), "steps": steps,
            "warnings": list(sol.warnings)}


def dumps(obj: Any) -> str:
    return json.dumps(plain_value(obj), ensure_ascii=False, allow_nan=False)


def render(sol: Solution, fmt: Fmt, answer_only: bool = False) -> str:
    return dumps(solution_dict(sol, fmt))
