"""Problem files: one problem or a set; every error names file, line, field and the closest valid name."""
from __future__ import annotations

from math import log

import numpy as np
import pytest

from dlcalc.calc.errors import BadInput
from dlcalc.problems.loader import load_path, load_text, locate

SET = """\
title: Quiz
rtol: 0.01
problems:
  - id: q1
    points: 2
    kind: cross_entropy
    target: [0, 1]
    pred: [[0.5, 0.5], [0.2, 0.8]]
  - kind: dice
    ask: coefficient
    atol: 0.5
    target: "1 1 0"
    pred: [0.5, 1, 0]
  - id: q3
    kind: mse
    title: Three errors
    target: [1, 2, 3]
    pred: [1, 2, 5]
"""


def error_of(text: str, name: str = "p.yaml") -> str:
    """The message of the first problem's error, or of the whole file's."""
    try:
        problems = load_text(text, name)
    except BadInput as e:
        return str(e)
    bad = [p for p in problems if p.error is not None]
    assert bad, "expected an error"
    return str(bad[0].error)


# ── good files ───────────────────────────────────────────────────────────────

def test_a_set_loads_with_ids_lines_meta_and_params():
    q1, q2, q3 = load_text(SET, "quiz.yaml", stem="quiz")
    assert [p.id for p in (q1, q2, q3)] == ["q1", "quiz-2", "q3"]  # the second has no id: stem-index
    assert [p.line for p in (q1, q2, q3)] == [4, 9, 14]
    assert all(p.error is None for p in (q1, q2, q3))
    assert (q1.points, q2.points, q3.points) == (2.0, 1.0, 1.0)
    assert (q1.ask, q2.ask, q3.ask) == ("loss", "coefficient", "loss")   # default: the kind's first answer key
    assert q1.meta["rtol"] == 0.01 and q3.meta["rtol"] == 0.01           # the set's rtol is inherited
    assert q2.meta["atol"] == 0.5
    np.testing.assert_array_equal(q2.params["target"], [1, 1, 0])       # matrix text and YAML lists alike
    assert q2.params["mode"] == "sum"                                    # the field's default


def test_solving_a_loaded_problem():
    q1, q2, q3 = load_text(SET, "quiz.yaml")
    assert q1.solve().answer["loss"] == pytest.approx((-log(0.5) - log(0.8)) / 2)  # 0.4581
    # Σxy = 0.5 + 1 = 1.5, Σx = 2, Σy = 1.5: 2·1.5 / 3.5 = 6/7
    assert q2.solve().answer["coefficient"] == pytest.approx(6 / 7)
    sol = q3.solve()
    assert sol.answer["loss"] == pytest.approx(4 / 3) and sol.title == "Three errors"


def test_single_problem_takes_the_file_stem_as_id(tmp_path):
    path = tmp_path / "hw3.yaml"
    path.write_text("kind: mse\ntarget: [3, -1]\npred: [2.5, -1.2]\n")
    [p] = load_path(path)
    assert p.id == "hw3" and p.file == str(path) and p.line == 1
    assert p.solve().answer["loss"] == pytest.approx((0.5 ** 2 + 0.2 ** 2) / 2)  # 0.145


def test_default_kind_for_command_files():
    [p] = load_text("target: [1]\npred: [3]\n", "f.yaml", default_kind="mse")
    assert p.kind.name == "mse" and p.solve().answer["loss"] == 4.0


def test_numeric_id_becomes_text():
    [p] = load_text("id: 12\nkind: mse\ntarget: [1]\npred: [1]\n", "f.yaml")
    assert p.id == "12"


def test_locate_finds_nested_lines():
    [_, q2, _] = load_text(SET, "quiz.yaml")
    assert locate(q2.raw, "pred") == 13
    assert locate(q2.raw, "pred[1]") == 13
    assert locate(q2.raw, "nothing") == 9  # not written: the problem's own line
    assert locate({"a": 1}, "a") == 0      # a plain dict knows no lines
    assert q2.where("mode") == "quiz.yaml:9: mode"  # a field not written: the problem's line


# ── errors with file, line, field and closest name ──────────────────────────

def test_unknown_kind_suggests_the_closest():
    msg = error_of("kind: msee\ntarget: [1]\npred: [1]\n")
    assert msg.startswith("p.yaml:1: kind: unknown kind 'msee' (did you mean 'mse'?)")
    assert "known kinds:" in msg and "cross_entropy" in msg


def test_unknown_key_names_line_and_closest_key():
    msg = error_of("kind: mse\ntarget: [1, 2]\nprd: [1, 2]\n")
    assert msg == "p.yaml:3: prd: unknown key 'prd' for kind mse (did you mean 'pred'?)"


def test_unknown_key_inside_a_set_names_its_own_line():
    text = SET.replace("    title: Three errors\n", "    titel: Three errors\n")
    problems = load_text(text, "quiz.yaml")
    assert [p.error is None for p in problems] == [True, True, False]  # the others still load
    assert str(problems[2].error) == "quiz.yaml:16: titel: unknown key 'titel' for kind mse (did you mean 'title'?)"


def test_missing_required_field_names_it():
    assert error_of("kind: mse\ntarget: [1]\n") == "p.yaml:1: pred: required field 'pred' is missing"


def test_missing_kind():
    assert error_of("target: [1]\npred: [1]\n") == "p.yaml:1: kind: required field 'kind' is missing"


@pytest.mark.parametrize("key", ["problem", "Problems", "problms"])
def test_problem_for_problems_is_suggested(key):
    msg = error_of(f"title: x\n{key}:\n  - {{kind: mse, target: [1], pred: [1]}}\n")
    assert msg == f"p.yaml:2: {key}: unknown key '{key}' (did you mean 'problems'?)"


def test_unknown_set_key():
    text = SET.replace("rtol: 0.01", "rtoll: 0.01")
    assert error_of(text) == "p.yaml:2: rtoll: unknown key 'rtoll' for a problem set (did you mean 'rtol'?)"


def test_duplicate_ids_name_both_lines():
    text = ("problems:\n"
            "  - {id: a, kind: mse, target: [1], pred: [1]}\n"
            "  - {id: b, kind: mse, target: [1], pred: [1]}\n"
            "  - {id: a, kind: mse, target: [1], pred: [2]}\n")
    assert error_of(text, "d.yaml") == "d.yaml:4: id: duplicate problem id 'a' (first at line 2)"


def test_default_id_colliding_with_a_written_one_is_a_duplicate():
    text = "problems:\n  - {kind: mse, target: [1], pred: [1]}\n  - {id: s-1, kind: mse, target: [1], pred: [1]}\n"
    with pytest.raises(BadInput, match="duplicate problem id 's-1'"):
        load_text(text, "s.yaml", stem="s")


def test_bad_ask_lists_answers_and_closest():
    msg = error_of("kind: dice\nask: coef\ntarget: [1]\npred: [1]\n")
    assert msg == ("p.yaml:2: ask: 'coef' is not an answer of dice (answers: coefficient, loss) "
                   "(did you mean 'coefficient'?)")


@pytest.mark.parametrize("line, expected", [
    ("mode: sqared", "p.yaml:2: mode: expected one of sum, squared, got 'sqared' (did you mean 'squared'?)"),
    ("smooth: abc", "p.yaml:2: smooth: 'abc' is not a number"),
    ("smooth: -1", "p.yaml:2: smooth: must be ≥ 0, got -1"),
    ("points: two", "p.yaml:2: points: 'two' is not a number"),
    ("points: -1", "p.yaml:2: points: must not be negative"),
    ("rtol: [1]", "p.yaml:2: rtol: expected a number, got [1]"),
    ("title: [1, 2]", "p.yaml:2: title: expected text, got [1, 2]"),
    ("id: {a: 1}", "p.yaml:2: id: expected text, got {'a': 1}"),
    ("source: true", "p.yaml:2: source: expected text, got True"),
])
def test_wrong_types_name_line_and_field(line, expected):
    assert error_of(f"kind: dice\n{line}\ntarget: [1, 0]\npred: [0.5, 0.5]\n") == expected


@pytest.mark.parametrize("value, fragment", [
    ("true", "expected a matrix, got True"),
    ("{a: 1}", "expected a matrix"),
    ("[1, [2]]", "ragged"),
    ("'1 2; 3'", "ragged rows: row 1 has 2 values but row 2 has 1"),
    ("[]", "empty list"),
])
def test_bad_matrices_name_line_and_field(value, fragment):
    msg = error_of(f"kind: mse\npred: [1, 2]\ntarget: {value}\n")
    assert msg.startswith("p.yaml:3: target: ") and fragment in msg


def test_logits_must_be_a_bool():
    msg = error_of("kind: cross_entropy\ntarget: [1]\npred: [0.5]\nlogits: maybe\n")
    assert msg == "p.yaml:4: logits: expected true or false, got 'maybe'"


def test_solver_errors_are_located_at_the_field():
    [p] = load_text("kind: mse\ntarget: [1, 2]\npred: [1, 2, 3]\n", "s.yaml")
    assert p.error is None
    with pytest.raises(BadInput) as e:
        p.solve()
    assert str(e.value) == "s.yaml:3: pred: target is 2 but pred is 3; they must match"


def test_a_non_mapping_problem_is_an_error_of_its_own():
    problems = load_text("problems:\n  - 5\n  - {kind: mse, target: [1], pred: [1]}\n", "s.yaml", stem="s")
    assert str(problems[0].error) == "s.yaml:2: expected a mapping with 'kind'"
    assert problems[1].error is None and problems[1].id == "s-2"


@pytest.mark.parametrize("text, expected", [
    ("- 1\n- 2\n", "p.yaml:1: expected a mapping with 'kind' (one problem) or 'problems' (a set)"),
    ("problems: []\n", "p.yaml:1: problems: 'problems' must be a non-empty list"),
    ("problems: {a: 1}\n", "p.yaml:1: problems: 'problems' must be a non-empty list"),
    ("title: [a]\nproblems:\n  - {kind: mse, target: [1], pred: [1]}\n", "p.yaml:1: title: expected text, got ['a']"),
])
def test_bad_file_shapes(text, expected):
    with pytest.raises(BadInput) as e:
        load_text(text, "p.yaml")
    assert str(e.value) == expected


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(BadInput, match="no such file"):
        load_path(tmp_path / "nope.yaml")
    with pytest.raises(BadInput, match="not a regular file"):
        load_path(tmp_path)


def test_hostile_file_through_the_loader(tmp_path):
    marker = tmp_path / "x"
    path = tmp_path / "evil.yaml"
    path.write_text(f"kind: mse\ntarget: !!python/object/apply:os.system ['touch {marker}']\npred: [1]\n")
    with pytest.raises(BadInput, match=r"evil.yaml:2: YAML tag .* is not allowed"):
        load_path(path)
    assert not marker.exists()


def test_non_utf8_file(tmp_path):
    path = tmp_path / "latin.yaml"
    path.write_bytes("kind: mse\ntarget: [1]\npred: [1]\ntitle: café\n".encode("latin-1"))
    with pytest.raises(BadInput, match=r"latin.yaml:4: not UTF-8 text"):
        load_path(path)


def test_unchecked_problems_check_to_what_loading_with_checks_gives():
    # solve --jobs reads a file unchecked and checks each problem in a worker: the same ids, errors,
    # values and inherited settings as a checked load (rtol from the set, the set's seed, 7 read as "7")
    text = ("rtol: 0.01\nseed: s1\nproblems:\n"
            "  - {id: a, kind: mse, target: [1, 2], pred: [1]}\n"
            "  - {id: 7, kind: mse, target: [1, 2], pred: [1, 3], atol: 0.5}\n"
            "  - {kind: nope}\n"
            "  - {id: d, kind: mse, target: {random: int, low: 0, high: 3, shape: [2]}, pred: [1, 2]}\n")
    checked = load_text(text, "f.yaml", stem="f")
    unchecked = load_text(text, "f.yaml", stem="f", checked=False)
    assert [u.id for u in unchecked] == ["a", "7", "f-3", "d"]
    again = [u.check() for u in unchecked]
    for p, q in zip(checked, again):
        assert (q.id, q.line, q.meta, q.seed, str(q.error)) == (p.id, p.line, p.meta, p.seed, str(p.error))
    assert again[1].meta == {"id": "7", "rtol": 0.01, "atol": 0.5}
    assert again[3].seed == "s1" and set(again[3].generators) == {"target"}
    assert np.array_equal(again[1].params["pred"], [1, 3])


def test_an_unchecked_load_still_refuses_a_duplicate_id():
    with pytest.raises(BadInput, match="duplicate problem id 'a' \\(first at line 2\\)"):
        load_text("problems:\n  - {id: a, kind: mse}\n  - {id: a, kind: nope}\n", "f.yaml", checked=False)
