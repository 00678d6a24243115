"""The published JSON Schema and the loader agree, field by field, for every kind.

Each field of each kind gets the same pool of samples (numbers, matrix text, sizes like `2,1` and `6x6`,
padding words, activation names in other cases and by alias, booleans as words, points, nested lists,
broken forms) plus its own choices in upper case. For every sample:
- the loader accepts it ⇒ the schema accepts it (an editor must never flag a file dlcalc reads), and
- the schema accepts it ⇒ the loader accepts it, except for what JSON Schema cannot express, each case
  named in LOOSER with its reason; a test checks that every reason there is still needed.
"""
from __future__ import annotations

import jsonschema
import pytest

from dlcalc.calc.activations import ALIASES
from dlcalc.problems import jsonschema as problem_schema
from dlcalc.problems import registry

POOL = [
    0, 1, 2, -1, 0.5, -0.5, 1e-3, 3.0, 2.5, True, False, None, {}, {"a": 1},
    "0.5", "3", " 3 ", "-1", "−2", "+1 -2", "1e-3", "1e5", "1/3", "nan", "inf", "abc", "", "x", "w1^2",
    "1 2; 3 4", "[[1, 2], [3, 4]]", "[1 2; 3 4]", "1,2", "1 2; 3", "1;;2", "[1 2",
    [], [1, 2], [[1, 2], [3, 4]], [[1], [2, 3]], [1, "a"], ["1", "2"], [[1, [2]]], [[[[[[[1]]]]]]],
    "2,1", "2, 1", "(2, 1)", "2 x 2", "6x6", "3x32x32", "3×32×32", "1,1,0,0", "1 2 3", [2, 1], [2, 1, 3], [1, 1, 0, 0],
    "same", "valid", "SAME", "full",
    "ReLU", "relu", "sigmoid", "Sigmoid", "tanh", "none", "identity", "linear", "softmax", " sum ", "Sum",
    "true", "yes", "no", "TRUE", "maybe",
    "w1=0, w2=0", "w1 = 1/2; w2=-1", "w1=", "w1=a", {"w1": 0, "w2": "1/2"}, {"w1": "a"},
    *ALIASES, *(a.upper() for a in ALIASES),
]

NON_INTEGER_TEXT = {"0.5", "1/3", "1e-3"}


def looser(field, sample) -> str | None:
    """Why the schema may accept `sample` for `field` though the loader refuses it (None: it may not)."""
    if field.type == "matrix" and sample in ("1 2; 3", "1;;2", "[1 2", [[1], [2, 3]]):
        return "rows of different lengths, empty rows and unbalanced brackets"
    if field.type in ("int", "any") and isinstance(sample, str) and sample in NON_INTEGER_TEXT:
        return "an integer typed as text: the pattern reads a number, the loader then wants a whole one"
    if field.name == "expr":
        return "the expression grammar and its variables"
    return None


def _cases():
    for kind in sorted(registry.kinds().values(), key=lambda k: k.name):
        for field in kind.fields:
            yield kind, field


@pytest.fixture(scope="module")
def schemas():
    return {name: problem_schema.schema(name) for name in registry.kinds()}


def _loader_accepts(field, sample) -> bool:
    try:
        field.value(sample)
        return True
    except Exception:
        return False


def _samples(field):
    return POOL + [c for c in field.choices] + [c.upper() for c in field.choices]


def _verdicts(schemas, kind, field):
    root = schemas[kind.name]
    prop = root["$defs"]["problem"]["oneOf"][0]["properties"][field.name]
    validator = jsonschema.Draft202012Validator({**prop, "$defs": root["$defs"]})
    for sample in _samples(field):
        yield sample, _loader_accepts(field, sample), validator.is_valid(sample)


@pytest.mark.parametrize("kind, field", list(_cases()), ids=lambda x: getattr(x, "name", ""))
def test_schema_and_loader_agree_on_every_sample(schemas, kind, field):
    never_flagged = [s for s, loader, schema in _verdicts(schemas, kind, field) if loader and not schema]
    assert never_flagged == [], "the schema refuses what the loader reads"
    unexplained = [s for s, loader, schema in _verdicts(schemas, kind, field)
                   if schema and not loader and looser(field, s) is None]
    assert unexplained == [], "the schema accepts what the loader refuses"


def test_every_exemption_is_still_needed(schemas):
    used = {looser(f, s) for k, f in _cases() for s, loader, schema in _verdicts(schemas, k, f)
            if schema and not loader}
    reasons = {looser(f, s) for k, f in _cases() for s in _samples(f)} - {None}
    assert reasons <= used


def test_the_pool_reaches_both_verdicts_for_every_field(schemas):
    # a field the pool never gets accepted (or never refused) would make the agreement vacuous
    for kind, field in _cases():
        verdicts = {loader for _, loader, _ in _verdicts(schemas, kind, field)}
        if field.cli or field.type != "any":
            assert verdicts == {True, False}, (kind.name, field.name)


@pytest.mark.parametrize("kind, field, sample, reading", [
    ("dice", "mode", " Sum ", "sum"), ("pool", "mode", "MEAN", "avg"), ("activation", "name", "ReLU", "relu"),
    ("conv", "activation", "identity", "linear"), ("cross_entropy", "base", 2.0, "2"),
    ("neuron", "activation", "Logistic", "sigmoid"),
])
def test_other_spellings_of_a_choice_are_read_as_the_choice(kind, field, sample, reading):
    (f,) = [f for f in registry.kind(kind).fields if f.name == field]
    assert f.value(sample) == reading


@pytest.mark.parametrize("kind, field", [("activation", "name"), ("neuron", "activation")])
def test_a_null_activation_is_refused_not_read_as_none(kind, field):
    # YAML `name: ~` is a value left empty, not the activation `none` (a layer's key set to null is absent)
    (f,) = [f for f in registry.kind(kind).fields if f.name == field]
    with pytest.raises(Exception, match="activation"):
        f.value(None)
