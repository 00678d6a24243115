"""problems/matrix.py: matrix text → float arrays, and every way it must refuse."""
from __future__ import annotations

import numpy as np
import pytest

from dlcalc.calc.errors import BadInput
from dlcalc.problems import matrix
from dlcalc.problems.matrix import MAX_CHARS, MAX_DEPTH, parse_matrix, parse_number, to_array


def same(a: np.ndarray, expected) -> bool:
    e = np.asarray(expected, dtype=float)
    return a.dtype == np.float64 and a.shape == e.shape and np.array_equal(a, e)


def refuses(text: str, *fragments: str, **kw) -> str:
    with pytest.raises(BadInput) as e:
        parse_matrix(text, **kw)
    for frag in fragments:
        assert frag in e.value.message, (frag, e.value.message)
    return e.value.message


# ── what is accepted ─────────────────────────────────────────────────────────

@pytest.mark.parametrize("text, expected", [
    ("1 0 1; 0 1 0; 1 0 1", [[1, 0, 1], [0, 1, 0], [1, 0, 1]]),
    ("1,0,1;0,1,0", [[1, 0, 1], [0, 1, 0]]),
    ("1, 0 ,1 ; 0 1, 0", [[1, 0, 1], [0, 1, 0]]),
    ("  0.5 0.25  ", [0.5, 0.25]),                 # one row is a vector
    ("1 0; 0 1;", [[1, 0], [0, 1]]),               # a trailing ';' is harmless
    ("[1 0; 0 1]", [[1, 0], [0, 1]]),              # MATLAB's brackets
    ("[1, 2; 3, 4]", [[1, 2], [3, 4]]),
    ("1 2\n3 4", [[1, 2], [3, 4]]),                # a table pasted over lines
    ("1 0;\n0 1;\n", [[1, 0], [0, 1]]),            # … with MATLAB's ';' ending each line
    ("1e-3 -2E2 +3 .5 5.", [0.001, -200, 3, 0.5, 5]),
])
def test_matlab_style(text, expected):
    assert same(parse_matrix(text), expected)


def test_a_lone_number_is_a_scalar():
    a = parse_matrix("7")
    assert a.shape == () and float(a) == 7.0


@pytest.mark.parametrize("text, expected", [
    ("[[1,0,1],[0,1,0],[1,0,1]]", [[1, 0, 1], [0, 1, 0], [1, 0, 1]]),
    ("[0.6, 0.2, 0.2]", [0.6, 0.2, 0.2]),
    ("[[[1, 2], [3, 4]], [[5, 6], [7, 8]]]", [[[1, 2], [3, 4]], [[5, 6], [7, 8]]]),  # C×H×W
    ("[[[[1]], [[2]]]]", [[[[1]], [[2]]]]),                                           # F×C×kh×kw
    ('[["1/3", 0.5]]', [[1 / 3, 0.5]]),                                               # strings are numbers too
    ("[[1., 2.], [.5, -0.]]", [[1, 2], [0.5, 0]]),                                    # Python floats JSON rejects
    ("[[1/3, 2/3], [1/4, 3/4]]", [[1 / 3, 2 / 3], [0.25, 0.75]]),                     # fractions in nested lists
    (" [ [1 , 2] ,\n [3, 4] ] ", [[1, 2], [3, 4]]),
])
def test_nested_lists(text, expected):
    assert same(parse_matrix(text), expected)


def test_any_depth_up_to_the_limit():
    # MAX_DEPTH nested lists hold a MAX_DEPTH-dimensional tensor
    text = "[" * MAX_DEPTH + "1" + "]" * MAX_DEPTH
    assert parse_matrix(text).shape == (1,) * MAX_DEPTH
    refuses("[" * (MAX_DEPTH + 1) + "1" + "]" * (MAX_DEPTH + 1), "nested deeper")


def test_very_deep_nesting_is_refused_without_a_recursion_error():
    refuses("[" * 100_000 + "1" + "]" * 100_000, "nested deeper")


@pytest.mark.parametrize("token, value", [
    ("1/3", 1 / 3), ("-3/4", -0.75), ("1e2/4", 25.0), ("−2", -2.0), ("−0.5", -0.5), ("−1/2", -0.5),
])
def test_numbers_fractions_and_unicode_minus(token, value):
    assert parse_number(token) == value


def test_unicode_minus_in_matrices():
    # The minus sign U+2212 that slides and word processors produce
    assert same(parse_matrix("1 −2; −3 4"), [[1, -2], [-3, 4]])
    assert same(parse_matrix("[[−1, 2], [3, −4]]"), [[-1, 2], [3, -4]])
    assert same(parse_matrix("[−1, 2]"), [-1, 2])


def test_to_array_takes_yaml_values():
    assert same(to_array([[1, 2.5], ["1/2", "−1"]]), [[1, 2.5], [0.5, -1]])
    assert same(to_array(3), 3.0)


def test_non_finite_only_when_allowed():
    assert parse_number("inf", allow_nonfinite=True) == float("inf")
    assert np.isnan(parse_number("nan", allow_nonfinite=True))
    a = parse_matrix("1 -inf", allow_nonfinite=True)
    assert a[1] == float("-inf")


# ── what is refused, and the message says where ─────────────────────────────

def test_ragged_rows():
    refuses("1 2 3; 4 5", "ragged", "row 1 has 3", "row 2 has 2")
    refuses("[[1, 2], [3]]", "ragged", "item[1]")
    refuses("[[[1, 2], [3, 4]], [[5, 6], [7]]]", "ragged", "item[1][1]")
    refuses("[1, [2]]", "ragged")


@pytest.mark.parametrize("text", ["", "   ", "\n", ";", "[]", "[[]]", "[[], []]"])
def test_empty(text):
    with pytest.raises(BadInput) as e:
        parse_matrix(text)
    assert "empty" in e.value.message


def test_an_empty_row():
    refuses("1 2;;3 4", "row 2 is empty")


@pytest.mark.parametrize("text, fragments", [
    ("1 a; 3 4", ("row 1", "'a' is not a number")),
    ("1 2; 3 x4", ("row 2", "'x4'")),
    ("1 2; 3 0x10", ("row 2", "'0x10'")),
    ("1_000", ("'1_000'",)),
    ("__import__('os')", ("not a number",)),
    ("1 2; 3 1/0", ("divides by zero",)),
    ("[[1, \"x\"]]", ("value[0][1]", "'x' is not a number")),
    ("[[1, true]]", ("value[0][1]", "'true' is not a number")),
    ("[null]", ("value[0]", "'null'")),
    ("[{\"a\": 1}]", ("value[0]", "not a number")),
    ("[[1, 2], [3, 4]", ("malformed",)),
    ("[[1, 2]], [3]", ("malformed",)),
    ("[[1,,2]]", ("malformed",)),
    ("[[1, 2,]]", ("malformed",)),
    ("[[1 2], [3 4]]", ("malformed",)),
])
def test_non_numbers(text, fragments):
    refuses(text, *fragments)


@pytest.mark.parametrize("text, fragment", [
    ("1 nan", "'nan' is not a finite number"),
    ("1 NaN", "not a finite number"),
    ("inf 1", "'inf' is not a finite number"),
    ("-inf 1", "not a finite number"),
    ("1e400", "'1e400' is not a finite number"),        # overflows to inf
    ("1e400/2", "not a finite number"),
    ("[1, NaN]", "value[1]"),
    ("[1, Infinity]", "not a finite number"),
    ("[1, -Infinity]", "not a finite number"),
    ("[1e999]", "not a finite number"),
    ('["nan", 1]', "not a finite number"),
])
def test_nan_and_inf_refused(text, fragment):
    refuses(text, fragment)


def test_size_limits(monkeypatch):
    # Text longer than MAX_CHARS is refused before any parsing
    refuses("0" * (MAX_CHARS + 1), "limit", str(MAX_CHARS))
    # … and a text within it is fine (this one is 2·50 000 − 1 characters)
    assert parse_matrix(" ".join(["0"] * 50_000)).shape == (50_000,)
    # The element cap, lowered here so the test stays fast
    monkeypatch.setattr(matrix, "MAX_ELEMENTS", 10)
    assert to_array([0] * 10).shape == (10,)
    with pytest.raises(BadInput) as e:
        to_array([[0] * 11])
    assert "limit is 10" in e.value.message
    with pytest.raises(BadInput):
        parse_matrix("[[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]")


def test_nothing_is_evaluated():
    # A token that Python would happily evaluate is just not a number
    for text in ("2**3", "1+1", "(1)", "[[2**3]]", "[[1+1, 2]]", "exit()"):
        with pytest.raises(BadInput):
            parse_matrix(text)


@pytest.mark.parametrize("text", ["0,5 1,5", "1,5 2", "0,4; 1,4 2"])
def test_commas_inside_numbers_beside_spaces_are_refused_as_decimal_commas(text):
    # "0,5 1,5" read as four values gave an MSE of 0.5 for an intended 0.01: never read silently
    with pytest.raises(BadInput, match="decimal commas"):
        parse_matrix(text)


@pytest.mark.parametrize("text, expected", [("1,2;3,4", [[1, 2], [3, 4]]), ("1, 2, 3", [1, 2, 3]), ("0,5", [0, 5])])
def test_commas_alone_separate_values_as_documented(text, expected):
    np.testing.assert_array_equal(parse_matrix(text), expected)
