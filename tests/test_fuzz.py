"""Fuzzing: random and adversarial text for the matrix parser, the expression parser and
the problem-file loader. The only acceptable outcomes are a result or a clean BadInput
(exit 2 and one line on the command line). Any other exception is a bug: add the input
that found it to tests/corpus/ (matrix/, expr/ or yaml/) so it is replayed for ever.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlcalc.calc.errors import BadInput
from dlcalc.calc.expr import parse as parse_expr
from dlcalc.cli.render import text as render_text
from dlcalc.problems import registry
from dlcalc.problems.loader import load_text
from dlcalc.problems.matrix import parse_matrix, to_array

CORPUS = Path(__file__).parent / "corpus"
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MARKER = Path("/tmp/dlcalc-pwned")

# Text that looks like what users type: numbers, separators, brackets, words, odd Unicode.
def _tokens(pieces: list[str], max_size: int) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(pieces), max_size=max_size).map("".join)


matrix_text = _tokens(list("0123456789.-+eE;, []/\n\t") + ["nan", "inf", "−", "x", "1e308"], 60)
expr_text = _tokens(list("w12xy+-*/^() .,_'\"[]:=") + ["**", "exp", "log", "sqrt", "abs", "max", "__", "lambda",
                                                        "sigmoid"], 40)
scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True),
                    st.text(max_size=12), st.sampled_from(["same", "valid", "1 0; 0 1", "sigmoid", "e", "w1=0"]))
junk = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                     st.dictionaries(st.text(max_size=6), inner, max_size=4)),
                    max_leaves=12)


def _ok_or_bad_input(fn, *args):
    try:
        return fn(*args)
    except BadInput as e:
        assert str(e).strip() and "\n" not in str(e).strip(), repr(str(e))
        return None


@FUZZ
@given(matrix_text)
def test_matrix_parser_never_crashes(s):
    a = _ok_or_bad_input(parse_matrix, s)
    if a is not None:
        assert isinstance(a, np.ndarray) and np.all(np.isfinite(a))


@FUZZ
@given(junk)
def test_nested_lists_never_crash(data):
    _ok_or_bad_input(to_array, data)


@FUZZ
@given(expr_text)
def test_expression_parser_never_crashes(s):
    _ok_or_bad_input(parse_expr, s)


@FUZZ
@given(st.text(max_size=200))
def test_yaml_loader_never_crashes_on_any_text(s):
    problems = _ok_or_bad_input(load_text, s, "fuzz.yaml")
    for p in problems or []:
        _ok_or_bad_input(p.solve)


def _value_for(field) -> st.SearchStrategy:
    """Mostly plausible values of a field's type, sometimes junk."""
    plausible = {
        "matrix": st.one_of(st.lists(st.floats(-3, 3), min_size=1, max_size=5),
                            st.lists(st.lists(st.floats(0, 1), min_size=2, max_size=2), min_size=1, max_size=3),
                            st.sampled_from(["0 1 2", "0.2 0.8; 0.6 0.4", "1 0 1; 0 1 0; 1 0 1", "[[[1, 2], [3, 4]]]"])),
        "number": st.one_of(st.floats(-5, 5), st.integers(-3, 5), st.sampled_from(["0.5", "1/2"])),
        "int": st.integers(-2, 6),
        "bool": st.booleans(),
        "choice": st.sampled_from(list(field.choices) or ["x"]),
        "str": st.sampled_from(["(1 - w1*w2)^2", "w1^2 + w2^2", "x", "w1=0, w2=0"]),
        "any": junk,
    }[field.type]
    return st.one_of(plausible, plausible, plausible, junk)


@st.composite
def problem_files(draw):
    kinds = registry.kinds()
    kind = kinds[draw(st.sampled_from(sorted(kinds)))]
    doc = {"kind": kind.name}
    for f in kind.fields:
        if f.required or draw(st.booleans()):
            doc[f.name] = draw(_value_for(f))
    if draw(st.integers(0, 9)) == 0:
        doc[draw(st.text(min_size=1, max_size=8))] = draw(junk)
    return yaml.safe_dump(doc, allow_unicode=True)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem_files())
def test_random_problem_files_solve_or_fail_cleanly(text):
    problems = _ok_or_bad_input(load_text, text, "fuzz.yaml")
    for p in problems or []:
        sol = _ok_or_bad_input(p.solve)
        if sol is not None:  # every renderer copes with whatever numbers came out
            for fmt in ("plain", "json", "latex", "markdown"):
                assert render_text(sol, fmt, 4)


def _corpus(folder: str) -> list[Path]:
    return sorted((CORPUS / folder).iterdir())


@pytest.mark.parametrize("path", _corpus("matrix"), ids=lambda p: p.name)
def test_matrix_corpus(path):
    _ok_or_bad_input(parse_matrix, path.read_bytes().decode("utf-8", "replace"))


HOSTILE_EXPRESSIONS = {"dunder-import.txt", "attribute.txt", "lambda.txt", "string.txt", "call-result.txt"}


@pytest.mark.parametrize("path", _corpus("expr"), ids=lambda p: p.name)
def test_expression_corpus(path):
    """Hostile text is refused; the rest parses and builds its sympy form, or is refused cleanly."""
    MARKER.unlink(missing_ok=True)
    expr = _ok_or_bad_input(parse_expr, path.read_text())
    if path.name in HOSTILE_EXPRESSIONS:
        assert expr is None, "hostile expression accepted"
    elif expr is not None:
        _ok_or_bad_input(lambda: expr.sympy)
    assert not MARKER.exists()


@pytest.mark.parametrize("path", _corpus("yaml"), ids=lambda p: p.name)
def test_yaml_corpus_refused_fast(path):
    MARKER.unlink(missing_ok=True)
    t0 = time.perf_counter()
    problems = _ok_or_bad_input(load_text, path.read_bytes(), path.name)
    for p in problems or []:
        _ok_or_bad_input(p.solve)
    assert time.perf_counter() - t0 < 5, "hostile file took too long"  # generous: refusal is instant here
    assert not MARKER.exists()


def test_hostile_yaml_is_refused_by_name():
    for name, fragment in [("python-tag.yaml", "tag"), ("billion-laughs.yaml", "alias"),
                           ("not-utf8.yaml", "UTF-8"), ("duplicate-key.yaml", "duplicate")]:
        with pytest.raises(BadInput, match=fragment):
            load_text((CORPUS / "yaml" / name).read_bytes(), name)


def test_corpus_files_are_small():
    for path in CORPUS.rglob("*"):
        if path.is_file():
            assert os.path.getsize(path) < 100_000, path
