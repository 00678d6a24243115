"""Declarative fields for each kind: conversion of raw values (YAML or command line), errors, JSON Schema.

A field's `where` in an error is the YAML line and field name for files, or the
option name (`--pred`) on the command line: the caller supplies it.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dlcalc.calc.errors import BadInput, closest, quote
from dlcalc.calc.solution import Grid, Slip, Solution, Step, t
from dlcalc.problems.matrix import (MAX_DEPTH, NONFINITE_TEXT, NUMBER_TEXT, UNSIGNED_TEXT, parse_matrix, parse_number,
                                    to_array)

_MISSING = object()


# ── JSON Schema of the text forms the converters below accept ───────────────
# The patterns are built from the converters' own regexes, so that an editor flags what the loader refuses.
# What a JSON Schema cannot say (rows of equal length, balanced brackets, a bound on a number typed as text)
# is left to the loader: the schema may be looser than the loader there, never stricter.

def text_json(pattern: str) -> dict:
    """Text that is `pattern` with spaces around it."""
    return {"type": "string", "pattern": rf"^\s*(?:{pattern})\s*$"}


def anycase(word: str) -> str:
    """`ReLU` → `[rR][eE][lL][uU]`: JSON Schema regexes have no case-insensitive flag."""
    return "".join(f"[{c.lower()}{c.upper()}]" if c.lower() != c.upper() else re.escape(c) for c in word)


def words_json(words: Sequence[str]) -> dict:
    return text_json("|".join(anycase(w) for w in words))


def _matrix_json(nonfinite: bool) -> dict:
    """A number, a nested list (one depth throughout, ≤ MAX_DEPTH) of numbers, or matrix text (`1 0; 0 1`)."""
    token = NUMBER_TEXT + (f"|{NONFINITE_TEXT}" if nonfinite else "")
    item: dict = {"anyOf": [{"type": "number"}, text_json(token)]}
    lists = []
    for _ in range(MAX_DEPTH):
        item = {"type": "array", "minItems": 1, "items": item}
        lists.append(item)
    text = {"type": "string", "pattern": rf"^[\s\[]*(?:{token})(?:[\s,;\[\]]+(?:{token}))*[\s,;\]]*$"}
    return {"anyOf": [{"type": "number"}, text, *lists]}


# The root of the published schema holds these once; fields refer to them.
DEFS = {"matrix": _matrix_json(False), "matrix_nonfinite": _matrix_json(True)}
MATRIX_JSON = {"$ref": "#/$defs/matrix"}


def number_json(bound: dict, nonfinite: bool = False) -> dict:
    """A number (within `bound`) or its text; text of a number that must be ≥ 0 has no minus sign."""
    unsigned = bound.get("minimum", bound.get("exclusiveMinimum", -1)) >= 0
    return {"anyOf": [{"type": "number", **bound},
                      text_json((UNSIGNED_TEXT if unsigned else NUMBER_TEXT) + (f"|{NONFINITE_TEXT}" * nonfinite))]}


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
    aliases: Mapping[str, str] = field(default_factory=dict)  # a choice's other spellings: {"mean": "avg"}
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
        """What `value` accepts, as JSON Schema (see `text_json` for what it cannot say)."""
        if self.json is not None:
            return {**self.json, "description": self.help}
        bound = {"exclusiveMinimum": 0} if self.positive else {"minimum": self.minimum} if self.minimum is not None else {}
        if self.type == "choice":  # the enum for editors' completion; the pattern for every accepted spelling
            numbers = [int(c) for c in self.choices if c.isdigit()]
            aliases = [a for a, c in self.aliases.items() if c in self.choices]
            base = {"anyOf": [{"enum": [*self.choices, *numbers]}, words_json([*self.choices, *aliases])]}
        else:
            base = {
                "matrix": {"$ref": "#/$defs/matrix_nonfinite"} if self.allow_nonfinite else MATRIX_JSON,
                "number": number_json(bound, self.allow_nonfinite),
                "int": {"anyOf": [{"type": "integer", **bound}, text_json(UNSIGNED_TEXT if bound else NUMBER_TEXT)]},
                "bool": {"anyOf": [{"type": "boolean"}, {"type": "string", "pattern": "^(?:" + "|".join(
                    anycase(w) for w in _BOOL_WORDS) + ")$"}]},
                "str": {"type": ["string", "number"]},
                "any": {},
            }[self.type]
        return {**base, "description": self.help}


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


_BOOL_WORDS = {"true": True, "false": False, "yes": True, "no": False}


def as_bool(f: Field | None, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.lower() in _BOOL_WORDS:
        return _BOOL_WORDS[raw.lower()]
    raise BadInput(f"expected true or false, got {shown(raw)}")


def as_choice(f: Field, raw: Any) -> str:
    """One of the choices, in any case or by an alias; `2` and `2.0` are the choice "2"."""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    s = str(raw).strip() if isinstance(raw, (str, int)) and not isinstance(raw, bool) else None
    key = (s or "").lower()
    key = f.aliases.get(key, key)
    chosen = {c.lower(): c for c in f.choices}.get(key)
    if s is None or chosen is None:
        raise BadInput(f"expected one of {', '.join(map(str, f.choices))}, got {shown(raw)}{closest(s or '', f.choices)}")
    return chosen


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
    "printed": "the answer the source printed, where the note says it is wrong (check and grade name it)",
    "rtol": "relative tolerance for grading this problem",
    "atol": "absolute tolerance for grading this problem",
    "slip_credit": "share of the points (0 to 1) for an answer that matches one of the kind's named slips",
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
    compare: Mapping[str, str] = field(default_factory=dict)  # answer key → exact | multiset | direction
    # the subcommand: its name, `dlcalc --help` panel and place there, and whether it reads a FILE
    command: str = ""
    panel: str = "Commands"
    rank: int = 0
    takes: str = "options"                        # options | file (the options then replace its fields)
    file_help: str = ""                           # what a FILE holds, for its help
    questions: Mapping[str, str] = field(default_factory=dict)  # answer key → the sentence a sheet asks it with
    practice: Mapping[str, Any] | None = None     # `dlcalc practice KIND`: fields with generators, exam-sized
    # answer key → the words it can be (word → how a quiz shows it): a word answer a quiz can offer as choices
    choices: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # solving needs sympy (half a second to import): `solve --jobs` gives such problems to its worker
    # processes, which import it while the file is read, and solves the rest itself
    symbolic: bool = False

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

    def solve(self, params: dict, given: Sequence[str] = ()) -> Solution:
        """Solve; with `given` (the fields the user gave), the solution opens with them, as a sheet does."""
        sol = self.solver(**params)
        step = self.given_step(params, given)
        if step is not None:
            sol.steps.insert(0, step)
        return sol

    def given_step(self, params: dict, given: Sequence[str]) -> Step | None:
        """The problem's own inputs, from the declaration: matrices drawn, the rest written out."""
        lines, grids = [], []
        for f in self.fields:
            if f.name not in given or params.get(f.name) is None:
                continue
            value = params[f.name]
            if f.default is not None and _same(value, f.default):
                continue  # a default (a switch left off) is not one of the problem's own inputs
            if f.type == "matrix" and np.ndim(value) >= 2:
                grids.append(Grid(f.name, np.asarray(value, dtype=float)))
            elif f.type in ("matrix", "number", "int", "bool"):
                lines.append(t(f"{f.name} = {{}}", value))
            elif hasattr(value, "text"):  # an expression
                lines.append(t(f"{f.name}: {value.text}"))
            elif isinstance(value, (list, tuple)) and value and not all(isinstance(v, (int, float)) for v in value):
                types = [getattr(v, "type", None) or (v.get("type") if isinstance(v, dict) else None) for v in value]
                shown = " → ".join(types) if all(types) else f"{len(value)}"
                lines.append(t(f"{f.name}: {shown} (worked below)"))
            else:
                if isinstance(value, tuple):  # a size pair: one number when both are the same, as it was typed
                    value = value[0] if len(set(value)) == 1 else list(value)
                lines.append(t(f"{f.name} = {{}}", value))
        if not lines and not grids:
            return None
        return Step("Given", lines=lines, grids=grids, role="given")

    def json_schema(self) -> dict:
        props: dict[str, Any] = {"kind": {"const": self.name}}
        props.update({f.name: f.json_schema() for f in self.fields})
        return {
            "type": "object",
            "description": self.summary,
            "properties": props,
            "required": ["kind"] + [f.name for f in self.fields if f.required],
        }


def _same(value: Any, default: Any) -> bool:
    try:
        return bool(np.all(np.asarray(value) == np.asarray(default))) and np.shape(value) == np.shape(default)
    except (TypeError, ValueError):
        return False


def check_keys(mapping: dict, valid: Sequence[str], what: str, where: Callable[[str, int], str]) -> None:
    """Unknown keys are errors naming the closest valid key."""
    for key in mapping:
        if key not in valid:
            raise BadInput(f"unknown key {quote(key)} for {what}{closest(str(key), valid)}", where(quote(key)[1:-1], 0))
