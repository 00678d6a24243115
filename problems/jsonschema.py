"""The JSON Schema of problem files, derived from the registry (never a second list of kinds)."""
from __future__ import annotations

from dlcalc.calc.errors import BadInput, closest
from dlcalc.problems import registry
from dlcalc.problems.loader import SET_KEYS
from dlcalc.problems.schema import COMMON, DEFS, number_json

# YAML reads `1e-3` as text (it wants `1.0e-3`); the loader accepts both, so the schema does too.
_NUMBER = number_json({"minimum": 0})
_COMMON_SCHEMA = {
    "id": {"type": "string"}, "title": {"type": "string"}, "points": _NUMBER,
    "ask": {"type": "string"}, "source": {"type": "string"}, "note": {"type": "string"},
    "printed": {"type": ["number", "string", "array"]},
    "rtol": _NUMBER, "atol": _NUMBER, "slip_credit": {"anyOf": [{"type": "number", "minimum": 0, "maximum": 1},
                                                               _NUMBER["anyOf"][1]]},
}


def _generator_schema() -> dict:
    """`{random: NAME, …}` with the keys generators.SPECS gives each name (the loader checks the values further)."""
    from dlcalc.problems.generators import SPECS

    value = {"type": ["number", "string", "array", "object", "boolean"]}
    keys = {"low": {"type": "number"}, "high": {"type": "number"}, "decimals": {"type": "integer", "minimum": 0,
            "maximum": 6}, "classes": {"type": "integer", "minimum": 2},
            "shape": {"anyOf": [{"type": "integer", "minimum": 1},
                                {"type": "array", "minItems": 1, "maxItems": 4, "items": {"type": "integer", "minimum": 1}}]},
            "from": {"type": "array", "minItems": 1, "items": value}}
    return {"description": "a value drawn per student (dlcalc variants): int, uniform, choice, probabilities, labels, binary",
            "oneOf": [{"type": "object", "properties": {"random": {"const": name}, **{k: keys[k] for k in req + opt}},
                       "required": ["random", *req], "additionalProperties": False}
                      for name, (req, opt) in SPECS.items()]}


GENERATOR = {"$ref": "#/$defs/generator"}


def _or_drawn(field: dict) -> dict:
    """A field's schema that also takes a generator."""
    if "anyOf" in field:
        return {**field, "anyOf": [*field["anyOf"], GENERATOR]}
    rest = {k: v for k, v in field.items() if k != "description"}
    return {"anyOf": [rest, GENERATOR], "description": field.get("description", "")}


def _kind_schema(kind, alone: bool = False) -> dict:
    """One kind's problem; `alone` (`dlcalc schema --kind K`) lets a file leave `kind` out, as the command
    of that kind (`dlcalc backprop FILE`) accepts."""
    s = kind.json_schema()
    if alone:
        s["required"] = [r for r in s["required"] if r != "kind"]
    s["title"] = kind.name
    s["properties"] = {k: v if k == "kind" else _or_drawn(v) for k, v in s["properties"].items()}
    s["properties"].update({k: {**v, "description": COMMON[k]} for k, v in _COMMON_SCHEMA.items()})
    s["properties"]["ask"] = {"enum": list(kind.answer_keys), "description": COMMON["ask"]}
    s["additionalProperties"] = False
    return s


def schema(only: str | None = None) -> dict:
    kinds = registry.kinds()
    if only is not None and only not in kinds:
        raise BadInput(f"unknown kind '{only}'{closest(only, kinds)}", "--kind")
    problem = {"oneOf": [_kind_schema(k, only is not None) for name, k in sorted(kinds.items()) if only in (None, name)]}
    problem_set = {
        "type": "object",
        "properties": {"title": {"type": "string"}, "source": {"type": "string"}, "note": {"type": "string"},
                       "rtol": _NUMBER, "atol": _NUMBER, "seed": {"type": ["string", "number"]},
                       "problems": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/problem"}}},
        "required": ["problems"],
        "additionalProperties": False,
    }
    assert set(problem_set["properties"]) == set(SET_KEYS)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "dlcalc problem file",
        "description": "One problem (a mapping with 'kind') or a problem set (a mapping with 'problems').",
        "$defs": {"problem": problem, "generator": _generator_schema(),
                  **{k: {"anyOf": [*v["anyOf"], GENERATOR]} for k, v in DEFS.items()}},
        "oneOf": [{"$ref": "#/$defs/problem"}, problem_set],
    }
