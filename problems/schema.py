"""Declarative fields for each kind: conversion of raw values (YAML or command line), errors, JSON Schema.

A field's `where` in an error is the YAML line and field name for files, or the
option name (`--pred`) on the command line: the caller supplies it.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from dlcalc.calc.errors import BadInput, closest, quote
from dlcalc.calc.solution import Slip, Solution
from dlcalc.problems.matrix import parse_matrix, parse_number, to_array

_MISSING = object()
MATRIX_JSON = {"oneOf": [{"type": "array"}, {"type": "string"}, {"type": "number"}]}  # a list, §3 text, or a number


@dataclass
class Field:
    """One input of a kind. `type`: matrix | number | int | bool | choice | str | any."""

    name: str
    type: str
    help: str = ""
    required: bool = False
    default: Any = None
    choices: Sequence[str] = ()
    convert: Callable[[Any], Any] | None = None  # for structured fields (layers, points)
    json: dict | None = None                      # JSON Schema for structured fields
    allow_nonfinite: bool = False
    minimum: float | None = None                  # for number/int: smallest allowed value
    positive: bool = False                        # for number/int: strictly > 0
    # the command line (cli/options.py builds the option from these)
    flags: tuple[str, ...] = ()                   # more option names: a short form, an alias
    option: str = ""                              # the long option when not --<name>
    metavar: str = ""
    negative: str = ""                            # a bool's off switch when not --no-<name>
    cli: bool = True                              # False: only in problem files (structured fields)
    default_shown: Any = None                     # the default help shows when the solver picks it (None given)

    def value(self, raw: Any) -> Any:
        """Convert a raw value; raises BadInput without location (the caller adds it)."""
        if self.convert is not None:
            return self.convert(raw)
        v = _CONVERT[self.type](self, raw)
        if self.type in ("number", "int"):
            if self.positive and not v > 0:
                raise BadInput(f"must be > 0, got {shown(raw)}")
            if self.minimum is not None and v < self.minimum:
                raise BadInput(f"must be ≥ {self.minimum:g}, got {shown(raw)}")
        return v

    def json_schema(self) -> dict:
        if self.json is not None:
            return {**self.json, "description": self.help}
        base = {
            "matrix": MATRIX_JSON,
            "number": {"oneOf": [{"type": "number"}, {"type": "string"}]},
            "int": {"type": "integer"},
            "bool": {"type": "boolean"},
            "choice": {"enum": list(self.choices)},
            "str": {"type": "string"},
            "any": {},
        }[self.type]
        out = {**base, "description": self.help}
        bound = {"exclusiveMinimum": 0} if self.positive else {"minimum": self.minimum} if self.minimum is not None else {}
        if self.type == "int":
            out.update(bound)
        elif self.type == "number" and bound:  # the same bound as the loader's, on the numeric branch
            out["oneOf"] = [{"type": "number", **bound}, {"type": "string"}]
        return out


def shown(raw: Any) -> str:
    """A raw value for an error message, quoted and cut short."""
    return quote(raw, 40) if isinstance(raw, str) else quote(repr(raw), 40)[1:-1]


def as_matrix(f: Field | None, raw: Any) -> np.ndarray:
    allow = bool(f and f.allow_nonfinite)
    if isinstance(raw, np.ndarray):
        return raw.astype(float)
    if isinstance(raw, str):
        return parse_matrix(raw, allow)
    if isinstance(raw, bool) or raw is None:
        raise BadInput(f"expected a matrix, got {shown(raw)}")
    if isinstance(raw, (int, float)):
        return to_array(float(raw), allow)
    if isinstance(raw, list):
        return to_array(raw, allow)
    raise BadInput(f"expected a matrix (list or text like '1 0; 0 1'), got {shown(raw)}")


def as_number(f: Field | None, raw: Any) -> float:
    if isinstance(raw, bool) or raw is None:
        raise BadInput(f"expected a number, got {shown(raw)}")
    if isinstance(raw, (int, float)):
        x = float(raw)
        if not np.isfinite(x) and not (f and f.allow_nonfinite):
            raise BadInput(f"expected a finite number, got {shown(raw)}")
        return x
    if isinstance(raw, str):
        return parse_number(raw, bool(f and f.allow_nonfinite))
    raise BadInput(f"expected a number, got {shown(raw)}")


def as_int(f: Field | None, raw: Any) -> int:
    if isinstance(raw, bool):
        raise BadInput(f"expected an integer, got {shown(raw)}")
    if isinstance(raw, int):
        return raw
    x = as_number(None, raw) if isinstance(raw, (float, str)) else None
    if x is None or not float(x).is_integer():
        raise BadInput(f"expected an integer, got {shown(raw)}")
    return int(x)


def as_bool(f: Field | None, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.lower() in ("true", "false", "yes", "no"):
        return raw.lower() in ("true", "yes")
    raise BadInput(f"expected true or false, got {shown(raw)}")


def as_choice(f: Field, raw: Any) -> str:
    s = str(raw).strip() if isinstance(raw, (str, int, float)) and not isinstance(raw, bool) else None
    if s is None or s not in f.choices:
        raise BadInput(f"expected one of {', '.join(map(str, f.choices))}, got {shown(raw)}{closest(s or '', f.choices)}")
    return s


def as_str(f: Field | None, raw: Any) -> str:
    if not isinstance(raw, (str, int, float)) or isinstance(raw, bool):
        raise BadInput(f"expected text, got {shown(raw)}")
    return str(raw)


_CONVERT: dict[str, Callable[[Any, Any], Any]] = {
    "matrix": as_matrix, "number": as_number, "int": as_int, "bool": as_bool,
    "choice": as_choice, "str": as_str, "any": lambda f, raw: raw,
}

# Keys every problem may carry besides its kind's own fields.
COMMON = {
    "kind": "the problem kind",
    "id": "identifier used by solve/check/grade",
    "title": "a short title",
    "points": "points for grading (default 1)",
    "ask": "which answer key is graded (default: the kind's first)",
    "source": "where the problem comes from (lecture, slide)",
    "note": "remarks, e.g. where the course's printed answer is wrong",
    "rtol": "relative tolerance for grading this problem",
    "atol": "absolute tolerance for grading this problem",
}


@dataclass
class Kind:
    """A problem kind, declared once: fields, solver, answer keys, slips."""

    name: str
    summary: str
    fields: list[Field]
    solver: Callable[..., Solution]
    answer_keys: Sequence[str]
    slips: Sequence[Slip] = ()
    validate: Callable[[dict], None] | None = None  # cross-field checks after conversion
    # the subcommand: its name, `dlcalc --help` panel and place there, and whether it reads a FILE
    command: str = ""
    panel: str = "Commands"
    rank: int = 0
    takes: str = "options"                        # options | file (the options then replace its fields)
    file_help: str = ""                           # what a FILE holds, for its help

    @property
    def primary(self) -> str:
        return self.answer_keys[0]

    def field_named(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)

    def params(self, raw: dict, where: Callable[[str, int], str]) -> dict:
        """Convert raw values to the solver's keyword arguments.

        `where(path, line)` turns a field path (and its YAML line, when a nested
        converter knows it) into the location an error message names.
        """
        params: dict[str, Any] = {}
        for f in self.fields:
            value = raw.get(f.name, _MISSING)
            if value is _MISSING or value is None:
                if f.required:
                    raise BadInput(f"required field '{f.name}' is missing", where(f.name, 0))
                params[f.name] = f.default
                continue
            try:
                params[f.name] = f.value(value)
            except BadInput as e:
                raise BadInput(e.message, where(e.where or f.name, e.line)) from None
        if self.validate is not None:
            try:
                self.validate(params)
            except BadInput as e:
                raise BadInput(e.message, where(e.where, e.line)) from None
        return params

    def solve(self, params: dict) -> Solution:
        return self.solver(**params)

    def json_schema(self) -> dict:
        props: dict[str, Any] = {"kind": {"const": self.name}}
        props.update({f.name: f.json_schema() for f in self.fields})
        return {
            "type": "object",
            "description": self.summary,
            "properties": props,
            "required": ["kind"] + [f.name for f in self.fields if f.required],
        }


def check_keys(mapping: dict, valid: Sequence[str], what: str, where: Callable[[str, int], str]) -> None:
    """Unknown keys are errors naming the closest valid key."""
    for key in mapping:
        if key not in valid:
            raise BadInput(f"unknown key {quote(key)} for {what}{closest(str(key), valid)}", where(quote(key)[1:-1], 0))
