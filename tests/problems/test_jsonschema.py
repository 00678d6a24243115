"""The published JSON Schema (`dlcalc schema`) accepts every bundled file and rejects broken ones."""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from dlcalc.problems import jsonschema as problem_schema
from dlcalc.problems import registry
from dlcalc.problems.loader import load_text
from tests.conftest import assert_bad_input, run_cli

LIBRARY = sorted((Path(__file__).parents[2] / "problems" / "library").glob("*.yaml"))


@pytest.fixture(scope="module")
def validator():
    schema = problem_schema.schema()
    jsonschema.Draft202012Validator.check_schema(schema)  # the schema itself is valid draft 2020-12
    return jsonschema.Draft202012Validator(schema)


def test_the_library_is_not_empty():
    assert any(p.name == "lecture12-losses.yaml" for p in LIBRARY)


@pytest.mark.parametrize("path", LIBRARY, ids=lambda p: p.name)
def test_every_bundled_file_validates(validator, path):
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(doc)]
    assert errors == []


GOOD = {"kind": "mse", "target": [1, 2], "pred": "1 3"}


def test_a_good_problem_and_a_good_set(validator):
    assert validator.is_valid(GOOD)
    assert validator.is_valid({"title": "Quiz", "rtol": 0.01, "problems": [
        {**GOOD, "id": "q1", "points": 2, "ask": "loss", "source": "Lecture 12", "note": "x", "atol": 0}]})


@pytest.mark.parametrize("broken", [
    {**GOOD, "prd": [1, 2]},                                       # unknown key
    {**GOOD, "kind": "msee"},                                      # unknown kind
    {"kind": "mse", "target": [1, 2]},                             # missing required field
    {**GOOD, "ask": "coefficient"},                                # not an answer of mse
    {**GOOD, "points": -1},                                        # negative points
    {**GOOD, "target": True},                                      # not a matrix
    {"kind": "dice", "target": [1], "pred": [1], "mode": "sqared"},   # not a choice
    {"kind": "cross_entropy", "target": [1], "pred": [0.5], "logits": "maybe"},
    {"problems": []},                                              # an empty set
    {"problems": [GOOD], "titel": "x"},                            # unknown set key
    {"problems": [{**GOOD, "prd": 1}]},                            # a broken problem inside a set
    {"target": [1], "pred": [1]},                                  # no kind, no problems
    [GOOD],                                                        # a list at the top
])
def test_broken_files_are_rejected(validator, broken):
    assert not validator.is_valid(broken)


@pytest.mark.parametrize("broken", [
    "kind: mse\ntarget: [1, 2]\nprd: [1, 2]\n",
    "kind: msee\ntarget: [1]\npred: [1]\n",
    "kind: mse\ntarget: [1, 2]\n",
])
def test_schema_and_loader_agree_on_broken_files(validator, broken):
    assert not validator.is_valid(yaml.safe_load(broken))
    [p] = load_text(broken, "b.yaml")
    assert p.error is not None


def test_every_kind_has_a_branch_with_its_fields():
    schema = problem_schema.schema()
    branches = {b["title"]: b for b in schema["$defs"]["problem"]["oneOf"]}
    assert set(branches) == set(registry.kinds())
    mse = branches["mse"]
    assert mse["properties"]["kind"] == {"const": "mse"}
    assert mse["required"] == ["kind", "target", "pred"]
    assert mse["additionalProperties"] is False
    assert branches["dice"]["properties"]["mode"]["anyOf"][0]["enum"] == ["sum", "squared"]  # for completion
    assert branches["dice"]["properties"]["ask"]["enum"] == ["coefficient", "loss"]


def test_schema_command_prints_the_same_schema(dlcalc):
    r = dlcalc("schema")
    assert r.code == 0 and r.err == ""
    assert json.loads(r.out) == json.loads(json.dumps(problem_schema.schema()))


def test_schema_of_one_kind(dlcalc):
    r = dlcalc("schema", "--kind", "dice")
    assert r.code == 0
    doc = r.json()
    assert [b["title"] for b in doc["$defs"]["problem"]["oneOf"]] == ["dice"]
    v = jsonschema.Draft202012Validator(doc)
    assert v.is_valid({"kind": "dice", "target": [1], "pred": [1]}) and not v.is_valid(GOOD)


def test_schema_of_an_unknown_kind(dlcalc):
    assert_bad_input(dlcalc("schema", "--kind", "dise"), "--kind", "unknown kind 'dise'", "did you mean 'dice'?")


# ── the schema and the loader agree, field by field ─────────────────────────

def _bounded_fields():
    for kind in registry.kinds().values():
        for f in kind.fields:
            if f.type in ("number", "int") and (f.positive or f.minimum is not None):
                yield kind, f


@pytest.mark.parametrize("kind, field", list(_bounded_fields()), ids=lambda x: getattr(x, "name", ""))
def test_a_bounded_number_is_refused_by_both_below_its_bound_and_accepted_by_both_at_it(kind, field):
    root = problem_schema.schema(kind.name)
    prop = jsonschema.Draft202012Validator({**root["$defs"]["problem"]["oneOf"][0]["properties"][field.name],
                                            "$defs": root["$defs"]})
    bound = 0 if field.positive else field.minimum
    inside = bound + 1 if field.positive else bound   # > 0, or ≥ minimum
    for value, ok in ((bound - 1, False), (inside, True)) + (((bound, False),) if field.positive else ()):
        value = int(value) if field.type == "int" else float(value)
        try:
            field.value(value)
            loader_ok = True
        except Exception:
            loader_ok = False
        assert loader_ok is ok, (kind.name, field.name, value)
        assert prop.is_valid(value) is ok, (kind.name, field.name, value)


@pytest.mark.parametrize("layer, ok", [
    ({"type": "conv", "kernel": [[1]], "activation": "identity"}, True),   # identity = linear = none
    ({"type": "fc", "weights": [[1]], "activation": "linear"}, True),
    ({"type": "fc", "weights": [[1]], "activation": "softmax"}, True),
    ({"type": "conv", "kernel": [[1]], "activation": "softmax"}, False),   # softmax only after flatten/fc
    ({"type": "conv", "kernel": [[1]], "activation": "ReLU"}, True),       # names in any case
    ({"type": "conv", "kernel": [[1]], "activation": "Logistic"}, True),   # and by alias
    ({"type": "conv", "kernel": [[1]], "activation": "relu6"}, False),
    ({"type": "conv", "kernel": [[1]], "flip": "no"}, True),               # a bool as a word
])
def test_cnn_layer_activations_agree(validator, layer, ok):
    doc = {"kind": "cnn", "input": [[1, 2], [3, 4]], "layers": [layer] + ([] if layer["type"] == "fc" else [])}
    if layer["type"] == "fc":
        doc["layers"] = [{"type": "flatten"}, layer]
        doc["layers"][1]["weights"] = [[1, 1, 1, 1]]
    problems = load_text(json.dumps(doc), "f.yaml")
    assert (problems[0].error is None) is ok, problems[0].error
    assert validator.is_valid(doc) is ok


def test_one_kinds_schema_accepts_a_file_without_kind_as_its_command_does(tmp_path):
    # `dlcalc backprop FILE` reads a file that leaves `kind` out; `dlcalc schema --kind backprop` agrees
    doc = {"input": [0.05, 0.1], "target": [0.01, 0.99],
           "layers": [{"weights": [[0.15, 0.2], [0.25, 0.3]], "bias": [0.35, 0.35]}]}
    path = tmp_path / "bp.yaml"
    path.write_text(json.dumps(doc))
    assert run_cli("backprop", str(path), "-q").code == 0
    assert jsonschema.Draft202012Validator(problem_schema.schema("backprop")).is_valid(doc)
    assert not jsonschema.Draft202012Validator(problem_schema.schema()).is_valid(doc)  # which kind? say it
