"""The Python API: dlcalc.solve / solve_file / Solution / BadInput, and notebook display.

Values are derived by hand in the comments, or taken from tests/problems/test_library.py's table of
hand-derived values for every bundled problem.
"""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

import dlcalc
from dlcalc.problems import library
from tests.problems.test_library import EXPECTED

CONV_INPUT = "1 1 1 0 0; 0 1 1 1 0; 0 0 1 1 1; 0 0 1 1 0; 0 1 1 0 0"
X_KERNEL = [[1, 0, 1], [0, 1, 0], [1, 0, 1]]


def test_the_readme_one_liner():
    # ((1 − 1.5)² + (2 − 2)²) / 2 = 0.25 / 2
    assert dlcalc.solve("mse", target=[1, 2], pred=[1.5, 2]).answer["loss"] == 0.125


def test_the_contract_example_conv_stride_2():
    # the X kernel is symmetric under 180°, so flipping changes nothing; windows at rows/cols 1 and 3:
    # O(1,1) = 1+1+1+1 = 4 (corners and centre of rows 1–3, cols 1–3), O(1,2) = 1+0+1+1+1 = 4,
    # O(2,1) = 0+1+0+0+1 = 2, O(2,2) = 1+1+1+1+0 = 4
    sol = dlcalc.solve("conv", input=CONV_INPUT, kernel=X_KERNEL, stride=2)
    assert sol.answer["output"] == [[4, 4], [2, 4]]
    assert sol.answer["output_shape"] == [2, 2]


@pytest.mark.parametrize("form", ["text", "list", "numpy", "numpy-int"])
def test_a_matrix_may_be_text_a_list_or_a_numpy_array(form):
    rows = [[int(v) for v in r.split()] for r in CONV_INPUT.split(";")]
    value = {"text": CONV_INPUT, "list": rows, "numpy": np.array(rows, dtype=float),
             "numpy-int": np.array(rows, dtype=np.int64)}[form]
    sol = dlcalc.solve("conv", input=value, kernel=np.array(X_KERNEL), stride=np.int64(2))
    assert sol.answer["output"] == [[4, 4], [2, 4]]


def test_answers_are_plain_python_not_numpy():
    sol = dlcalc.solve("conv", input=CONV_INPUT, kernel=X_KERNEL)

    def walk(x):
        if isinstance(x, list):
            return all(walk(v) for v in x)
        return type(x) in (int, float, bool, str)
    assert all(walk(v) for v in sol.answer.values())
    json.dumps(sol.answer)  # a plain structure: serialisable as it is


def test_non_finite_answers_are_python_floats():
    # −ln 0 = ∞: in Python that is float('inf'), not the string JSON uses
    sol = dlcalc.solve("cross_entropy", target=[1], pred=[[1.0, 0.0]])
    assert sol.answer["loss"] == math.inf
    assert sol.warnings


def _plain(x):
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_plain(v) for v in x]
    return x


def _as_numpy(kind, fields):
    """Every matrix field that is a list becomes a numpy array: the API must read both the same."""
    out = {}
    for k, v in fields.items():
        f = kind.field_named(k)
        out[k] = np.array(v, dtype=float) if f is not None and f.type == "matrix" and isinstance(v, list) else v
    return out


@pytest.mark.parametrize("pid", sorted(EXPECTED))
@pytest.mark.parametrize("numpy_fields", [False, True], ids=["as-in-file", "numpy"])
def test_every_bundled_problem_solves_through_the_api_to_its_hand_derived_value(pid, numpy_fields):
    problem = library.problems()[pid]
    fields = _plain(dict(problem.raw))
    kind = fields.pop("kind")
    if numpy_fields:
        fields = _as_numpy(problem.kind, fields)
    value = dlcalc.solve(kind, **fields).answer[problem.ask]
    expected = EXPECTED[pid]
    if isinstance(expected, (str, bool)):
        assert value == expected
    elif isinstance(expected, dict):  # a gradient {variable: value}
        assert list(value) == list(expected)
        np.testing.assert_allclose(list(value.values()), list(expected.values()), rtol=1e-9, atol=1e-12)
    else:
        np.testing.assert_allclose(np.asarray(value, dtype=float), np.asarray(expected, dtype=float),
                                   rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("call, where, words", [
    (lambda: dlcalc.solve("msee", target=[1], pred=[1]), "kind", "did you mean 'mse'"),
    (lambda: dlcalc.solve("ce", target=[0], pred=[[1, 0]]), "kind", "'ce' is the command; its kind is 'cross_entropy'"),
    (lambda: dlcalc.solve("mse", target=[1], prd=[1]), "prd", "did you mean 'pred'"),
    (lambda: dlcalc.solve("mse", target=[1]), "pred", "required field 'pred' is missing"),
    (lambda: dlcalc.solve("mse", target=[1], pred="x"), "pred", "'x' is not a number"),
    (lambda: dlcalc.solve("mse", target=[1, 2], pred=[1, 2, 3]), "pred", "must match"),
    (lambda: dlcalc.solve("conv", input=[[1]], kernel=X_KERNEL), "kernel", "padded input"),
    (lambda: dlcalc.solve("dice", target=[1], pred=[1], smooth=-1), "smooth", "≥ 0"),
    (lambda: dlcalc.solve("mse", target=np.array([1.0, np.nan]), pred=[1, 2]), "target", "finite"),
    (lambda: dlcalc.solve(3, target=[1]), "kind", "expected a kind name"),
], ids=["unknown-kind", "command-name", "unknown-field", "missing", "not-a-number", "shapes", "kernel-too-big", "minimum",
        "nan", "kind-not-text"])
def test_bad_input_raises_badinput_naming_the_field(call, where, words):
    with pytest.raises(dlcalc.BadInput) as e:
        call()
    assert e.value.where == where
    assert words in str(e.value)
    assert isinstance(e.value, ValueError)  # so `except ValueError` in a notebook catches it too


def test_solve_file_returns_one_solution_per_problem(tmp_path):
    path = tmp_path / "hw.yaml"
    path.write_text("problems:\n"
                    "  - {id: a, kind: mse, target: [1, 2], pred: [1.5, 2]}\n"           # 0.25 / 2
                    "  - {id: b, kind: dice, target: [1, 0], pred: [1, 0]}\n")           # 2·1/(1+1) = 1
    sols = dlcalc.solve_file(path)
    assert [s.kind for s in sols] == ["mse", "dice"]
    assert sols[0].answer["loss"] == 0.125 and sols[1].answer["coefficient"] == 1


def test_solve_file_names_the_file_and_line_of_a_bad_problem(tmp_path):
    path = tmp_path / "hw.yaml"
    path.write_text("problems:\n  - {id: a, kind: mse, target: [1, 2], pred: [1.5, 2]}\n"
                    "  - {id: b, kind: mse, target: [1, 2], pred: [1, x]}\n")
    with pytest.raises(dlcalc.BadInput) as e:
        dlcalc.solve_file(path)
    assert e.value.where.endswith("hw.yaml:3: pred")
    with pytest.raises(dlcalc.BadInput, match="no such file"):
        dlcalc.solve_file(tmp_path / "none.yaml")


def test_to_renders_every_format():
    sol = dlcalc.solve("mse", target=[1, 2], pred=[1.5, 2])
    assert "0.125" in sol.to("plain")
    assert sol.to("markdown").startswith("## ")
    assert r"\begin{align*}" in sol.to("latex")
    data = json.loads(sol.to("json"))
    assert data["kind"] == "mse" and data["answer"]["loss"] == 0.125
    assert "loss = 0.1\n" in sol.to("plain", precision=1)  # 0.125 at one decimal
    for bad, where in ((lambda: sol.to("html")), "format"), ((lambda: sol.to("plain", precision=99)), "precision"):
        with pytest.raises(dlcalc.BadInput) as e:
            bad()
        assert e.value.where == where


def test_a_solution_shows_itself_in_ipython_as_markdown_and_latex():
    from IPython.core.formatters import DisplayFormatter

    sol = dlcalc.solve("mse", target=[1, 2], pred=[1.5, 2])
    data, _ = DisplayFormatter().format(sol)
    assert data["text/markdown"] == sol.to("markdown")
    assert data["text/latex"] == sol.to("latex")
    assert data["text/plain"] == "<Solution mse: loss=0.125, squared_errors=[0.25, 0.0], sum=0.25>"


def test_kinds_lists_the_registry():
    table = dlcalc.kinds()
    assert {"mse", "conv", "backprop", "hessian"} <= set(table)
    assert all(isinstance(v, str) and v for v in table.values())
