"""The `hessian` kind, and the two inputs it shares with `optimize`: the expression and the point."""
from __future__ import annotations

import re
from fractions import Fraction
from typing import Any

from dlcalc.calc import hessian
from dlcalc.calc.errors import BadInput, quote
from dlcalc.calc.calculus import check_point
from dlcalc.calc.expr import Expr
from dlcalc.problems.matrix import NUMBER_TEXT, parse_number
from dlcalc.problems.schema import Field, Kind, as_number, shown, text_json

EXPR_HELP = ("loss expression: numbers, variables, + - * / ^ **, parentheses, "
             "exp log ln sqrt sin cos tan tanh sigmoid abs max min")
_PAIR = re.compile(r"\s*([^=,;\s]+)\s*=\s*([^,;]*?)\s*(?:[,;]|$)")
_PAIR_TEXT = rf"[^=,;\s]+\s*=\s*(?:{NUMBER_TEXT})"
POINT_JSON = {"anyOf": [
    {"type": "object", "minProperties": 1, "additionalProperties": {"anyOf": [{"type": "number"}, text_json(NUMBER_TEXT)]}},
    text_json(rf"{_PAIR_TEXT}(?:\s*[,;]\s*{_PAIR_TEXT})*\s*[,;]?")]}


def as_expr(raw: Any) -> Expr:
    if isinstance(raw, Expr):
        return raw
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
        raise BadInput(f"expected an expression as text, got {shown(raw)}")
    return Expr(str(raw))


def as_point(raw: Any) -> dict[str, float]:
    """`{w1: 0, w2: 0}` or the text `"w1=0, w2=0"` (commas, semicolons or spaces between pairs)."""
    if isinstance(raw, str):
        pairs = _split(raw)
    elif isinstance(raw, dict):
        pairs = [(str(k), v) for k, v in raw.items()]
    else:
        raise BadInput(f"expected name=value pairs like 'w1=0, w2=0' or a mapping, got {shown(raw)}")
    if not pairs:
        raise BadInput("the point is empty: expected name=value pairs like 'w1=0, w2=0'")
    point: dict[str, float | Fraction] = {}
    for name, value in pairs:
        shown_name = name if name.isidentifier() else quote(name)  # a key of newlines stays on one line
        if name in point:
            raise BadInput(f"{shown_name} is given twice")
        try:
            point[name] = _number(value) if isinstance(value, str) else as_number(None, value)
        except BadInput as e:
            raise BadInput(f"value of {shown_name}: {e.message}") from None
    return point


def _number(text: str) -> float | Fraction:
    """`1/3` stays the exact fraction (the Hessian is worked exactly); anything else is a float."""
    x = parse_number(text)
    if "/" in text:
        try:
            return Fraction(text.strip().replace("−", "-"))
        except ValueError:
            pass
    return x


def _split(text: str) -> list[tuple[str, str]]:
    s = text.strip().replace("−", "-")
    pairs, pos = [], 0
    while pos < len(s):
        m = _PAIR.match(s, pos)
        if not m or m.end() == pos:
            bad = s[pos:].strip().split(",")[0].split(";")[0].strip()
            raise BadInput(f"expected name=value pairs like 'w1=0, w2=0', got '{bad or s}'")
        pairs.append((m.group(1), m.group(2)))
        pos = m.end()
    for name, value in pairs:
        if not value:
            raise BadInput(f"no value after '{name}='")
    return pairs


def check_at(params: dict) -> None:
    """The point names exactly the expression's variables."""
    if params.get("at") is not None:
        check_point(params["expr"], params["at"])


def expr_field() -> Field:
    return Field("expr", "str", EXPR_HELP, required=True, convert=as_expr, json={"type": ["string", "number"]})


KINDS = [
    Kind(
        name="hessian",
        symbolic=True,
        questions={"classification": "Classify the point w': local_min, local_max, saddle, degenerate, or not_critical (g ≠ 0).",
                   "eigenvalues": "Give the eigenvalues of the Hessian at w'."},
        # classification is only interesting at a critical point: quadratic forms at the origin (a minimum, a
        # maximum, saddles, a degenerate one) and one loss whose origin is not critical
        practice={"expr": {"random": "choice", "from": ["w1^2 + w1*w2 + w2^2", "w1^2 - 3*w1*w2 + w2^2",
                                                        "-w1^2 + w1*w2 - 2*w2^2", "w1^2 + 2*w1*w2 + w2^2",
                                                        "2*w1^2 - w2^2", "w1^3 - 3*w1 + w2^2"]},
                  "at": {"w1": 0, "w2": 0}},
        command="hessian", panel="Optimisation", rank=40,
        summary="Gradient, Hessian, eigenvalues and classification (min/max/saddle) of a loss expression",
        fields=[
            expr_field(),
            Field("at", "any", "the point w', e.g. 'w1=0, w2=0' or {w1: 0, w2: 0}; without it the critical "
                  "points are solved for", convert=as_point, json=POINT_JSON),
        ],
        solver=hessian.hessian,
        answer_keys=("classification", "eigenvalues", "hessian", "gradient", "variables", "minimum_ratio",
                     "escape_direction", "loss"),
        compare={"eigenvalues": "multiset", "escape_direction": "direction"},
        choices={"classification": hessian.CLASS_TEXT},
        validate=check_at,
    ),
]
