"""Students' answer sheets: CSV `student,problem,answer` or YAML `{student: {problem: answer}}`."""
from __future__ import annotations

import numpy as np
import pytest

from dlcalc.calc.errors import BadInput
from dlcalc.problems.answers import Columns, parse_answer, read


# ── one answer ───────────────────────────────────────────────────────────────

@pytest.mark.parametrize("text, expected", [
    ("0.5", 0.5),
    ("  2 ", 2.0),
    ("−0.25", -0.25),            # Unicode minus, as copied from a PDF
    ("1/4", 0.25),
    (3, 3.0),
    (1.5, 1.5),
])
def test_numbers(text, expected):
    assert float(parse_answer(text)) == expected


@pytest.mark.parametrize("text, expected", [("7x7", [7, 7]), ("7 × 7", [7, 7]), ("3x227x227", [3, 227, 227])])
def test_sizes_as_written_on_paper(text, expected):
    assert parse_answer(text).tolist() == expected


@pytest.mark.parametrize("text", ["1 2; 3 4", "[[1, 2], [3, 4]]", "1,2;3,4"])
def test_matrices_in_section_3_syntax(text):
    np.testing.assert_array_equal(parse_answer(text), [[1, 2], [3, 4]])


def test_yaml_lists_are_matrices():
    np.testing.assert_array_equal(parse_answer([1, 2]), [1, 2])


def test_words_stay_words_and_bools_become_words():
    assert parse_answer("saddle") == "saddle" and parse_answer(" local_min ") == "local_min"
    assert parse_answer(True) == "true" and parse_answer(False) == "false"


@pytest.mark.parametrize("text", ["", "   ", "abc1", "0.5.5", "1 2; 3"])
def test_unparsable_is_none(text):
    assert parse_answer(text) is None


def test_infinity_is_an_answer():
    assert np.isinf(parse_answer("inf"))


# ── CSV sheets ───────────────────────────────────────────────────────────────

IDS = ["q1", "q2", "q3", "q4", "q5"]


def rows_of(path, ids=IDS):
    """Read a sheet and stream its rows (bad rows fill as they stream)."""
    sheet = read(path, ids)
    return list(sheet.rows()), sheet.bad


def write(tmp_path, name: str, text: str | bytes):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def test_csv_rows_keep_text_and_line(tmp_path):
    path = write(tmp_path, "a.csv", 'student,problem,answer\nann,q1,0.5\nann,q2,"1 2; 3 4"\n\nbob,q1, 0.7\n')
    rows, bad = rows_of(path)
    assert bad == []
    assert [(r.student, r.problem, r.text, r.line) for r in rows] == [
        ("ann", "q1", "0.5", 2), ("ann", "q2", "1 2; 3 4", 3), ("bob", "q1", " 0.7", 5)]  # blank line 4 skipped


def test_csv_header_in_any_order_case_and_with_bom_and_extra_columns(tmp_path):
    path = write(tmp_path, "a.csv", "\ufeffAnswer, Problem ,STUDENT,comment\n0.5,q1,ann,late\n")
    rows, bad = rows_of(path)
    assert bad == [] and [(r.student, r.problem, r.text) for r in rows] == [("ann", "q1", "0.5")]


@pytest.mark.parametrize("header, message", [
    # a student column but no problem/answer pair: a wide file, yet no column is a problem of the key
    ("student,answer", "no problem/answer columns, and no column names a problem of the key"),
    ("name,problem,value", "no problem/answer columns, and no column names a problem of the key"),
    ("answer,problem,value", "no student column in the header ('answer', 'problem', 'value')"),
])
def test_csv_missing_columns_are_bad_input(tmp_path, header, message):
    path = write(tmp_path, "a.csv", header + "\nann,1\n")
    with pytest.raises(BadInput) as e:
        rows_of(path)
    assert str(e.value).startswith(f"{path}:1: {message}")


def test_empty_csv_is_bad_input(tmp_path):
    path = write(tmp_path, "a.csv", "")
    with pytest.raises(BadInput, match="empty answers file"):
        rows_of(path)


def test_bad_csv_rows_are_reported_and_skipped(tmp_path):
    # bob's row lost its empty trailing cell (as LMSs trim them): it is read, with no answer
    text = "student,problem,answer\nann,q1,0.5\nbob,q1\n,q1,0.5\ncid,,1\ndan,q1,0.25\n"
    rows, bad = rows_of(write(tmp_path, "a.csv", text))
    assert [(r.student, r.line, r.text) for r in rows] == [("ann", 2, "0.5"), ("bob", 3, ""), ("dan", 6, "0.25")]
    assert [(b.line, b.message) for b in bad] == [
        (4, "empty student or problem id; row skipped"),
        (5, "empty student or problem id; row skipped"),
    ]


def test_csv_not_utf8(tmp_path):
    path = write(tmp_path, "a.csv", "student,problem,answer\nJosé,q1,1\n".encode("latin-1"))
    with pytest.raises(BadInput, match="not UTF-8"):
        rows_of(path)


def test_missing_answers_file(tmp_path):
    with pytest.raises(BadInput, match="no such file"):
        rows_of(tmp_path / "none.csv")


# ── YAML sheets ──────────────────────────────────────────────────────────────

def test_yaml_sheet(tmp_path):
    text = "ann:\n  q1: 0.5\n  q2: [1, 2]\n  q3: saddle\n  q4:\n1234:\n  q1: '0.7'\n  q5: true\n"
    rows, bad = rows_of(write(tmp_path, "a.yaml", text))
    assert bad == []
    assert [(r.student, r.problem, r.text, r.line) for r in rows] == [
        ("ann", "q1", "0.5", 2), ("ann", "q2", "[1, 2]", 3), ("ann", "q3", "saddle", 4),
        ("ann", "q4", "", 5),                          # nothing written: no answer
        ("1234", "q1", "0.7", 7), ("1234", "q5", "true", 8)]


def test_yaml_student_without_a_mapping_is_a_bad_row(tmp_path):
    rows, bad = rows_of(write(tmp_path, "a.yml", "ann: 0.5\nbob:\n  q1: 1\n"))
    assert [r.student for r in rows] == ["bob"]
    assert [(b.line, b.message) for b in bad] == [(1, "student 'ann': expected a mapping {problem: answer}")]


def test_yaml_sheet_must_be_a_mapping(tmp_path):
    with pytest.raises(BadInput, match=r"a.yaml:1: expected a mapping \{student: \{problem: answer\}\}"):
        rows_of(write(tmp_path, "a.yaml", "- 1\n- 2\n"))


def test_yaml_sheet_is_read_safely(tmp_path):
    marker = tmp_path / "x"
    with pytest.raises(BadInput, match="not allowed"):
        rows_of(write(tmp_path, "a.yaml", f"ann: !!python/object/apply:os.system ['touch {marker}']\n"))
    assert not marker.exists()


def test_a_long_matrix_cell_is_read_past_the_csv_modules_own_limit(tmp_path):
    # 90,000 entries "1 " are 180,000 characters: past the csv module's default of 131,072 per cell
    cell = "1 " * 90_000
    rows, bad = rows_of(write(tmp_path, "a.csv", f'student,problem,answer\nann,q1,"{cell}"\n'))
    assert bad == [] and len(rows[0].text) == 180_000


def test_a_cell_past_the_matrix_text_limit_is_reported_with_our_limit(tmp_path):
    cell = "1" * 2_000_002  # one character past MAX_CHARS + 1 (README Limits: 2,000,000 characters)
    rows, bad = rows_of(write(tmp_path, "a.csv", f'student,problem,answer\nann,q1,{cell}\nbob,q1,1\n'))
    assert [b.message for b in bad] == ["a cell is longer than 2000000 characters (the limit for matrix text)"]
    assert [r.student for r in rows] == ["bob"]


@pytest.mark.parametrize("text, expected", [
    ("59.46%", 0.5946), ("50 %", 0.5),                              # a percentage is a fraction
    ("(1, 1)", [1, 1]), ("u = (1, 1)", [1, 1]), ("w = 1.09, 0.68", [1.09, 0.68]),
    ("[[4 3 4]\n [2 4 3]]", [[4, 3, 4], [2, 4, 3]]),                # numpy's print of an array
    ("[[1. 0.5] [0. 1.]]", [[1, 0.5], [0, 1]]),
])
def test_answer_forms_students_type(text, expected):
    np.testing.assert_allclose(parse_answer(text), expected)


@pytest.mark.parametrize("text, expected", [
    ("w1=1.09, w2=0.68", {"w1": 1.09, "w2": 0.68}),
    ("{x: -3, y: 5, z: 1/2}", {"x": -3, "y": 5, "z": 0.5}),          # as dlcalc prints a graph's gradient
    ('{"z": 4, "x": −2}', {"z": 4, "x": -2}),                         # JSON, in the order typed
    ("x: 1; y: 2", {"x": 1, "y": 2}), ("{x: 7}", {"x": 7}),
])
def test_named_values_keep_their_names(text, expected):
    got = parse_answer(text)
    assert list(got) == list(expected) and got == pytest.approx(expected)


@pytest.mark.parametrize("text", ["x: 1, x: 2", "{x: 1, y}", "x: 1, y: two", "{}", "x: 0,5, y: 1"])
def test_named_values_that_are_not_all_named_numbers_are_not_read_as_such(text):
    assert not isinstance(parse_answer(text), dict)


def test_decimal_commas_only_when_asked():
    assert parse_answer("0,5946", decimal_comma=True) == pytest.approx(0.5946)
    np.testing.assert_allclose(parse_answer("1,0944; 0,6777", decimal_comma=True), [[1.0944], [0.6777]])
    np.testing.assert_allclose(parse_answer("0,5946"), [0, 5946])    # the grader refuses this for one-number keys


def test_words_with_spaces_and_dashes_stay_words():
    assert parse_answer("Saddle point") == "Saddle point" and parse_answer("local-min") == "local-min"


def test_wide_files_map_columns_to_problems(tmp_path):
    path = write(tmp_path, "w.csv", "Student ID,1: q1 (2 pts),q2,Notes\ns1,0.5,0.7,late\n")
    sheet = read(path, IDS)
    assert [(r.student, r.problem, r.text) for r in sheet.rows()] == [("s1", "q1", "0.5"), ("s1", "q2", "0.7")]
    assert sheet.layout == "wide" and sheet.kept == ["Notes"] and sheet.extra == {"s1": ("late",)}


def test_a_header_naming_two_problems_maps_to_neither(tmp_path):
    # `q1 or q2` names two ids: not guessed; q11 is not q1 (ids match as whole words)
    path = write(tmp_path, "w.csv", "student,q1 or q2,q11\ns1,0.5,0.7\n")
    with pytest.raises(BadInput, match="no column names a problem"):
        rows_of(path)
    sheet = read(path, IDS, Columns(maps=(("q1 or q2", "q1"),)))
    assert [(r.problem, r.text) for r in sheet.rows()] == [("q1", "0.5")]


def test_a_row_with_more_cells_keeps_them_in_the_last_answer(tmp_path):
    rows, bad = rows_of(write(tmp_path, "a.csv", "student,problem,answer\ns1,q1,1.0944, 0.6777\n"))
    assert bad == [] and rows[0].text == "1.0944, 0.6777"


def test_yaml_ids_and_answers_stay_as_typed(tmp_path):
    rows, _ = rows_of(write(tmp_path, "a.yaml", "00123:\n  q1: 007\n  q2: 0x1A\n"))
    assert [(r.student, r.text) for r in rows] == [("00123", "007"), ("00123", "0x1A")]   # not 83, 7, 26


NNBSP, THIN = "\u202f", "\u2009"


@pytest.mark.parametrize("text, expected", [
    (f"120{NNBSP}847{NNBSP}089{NNBSP}664", 120847089664),   # as dlcalc prints a parameter count
    (f"120{THIN}847{THIN}089{THIN}664", 120847089664),      # as LaTeX's \, copies out of a PDF
    (f"−12{NNBSP}345.5", -12345.5), (f"fc_params = 9{NNBSP}633{NNBSP}856", 9633856), (f"1{NNBSP}000", 1000),
])
def test_numbers_grouped_by_thin_spaces_are_one_number(text, expected):
    assert float(parse_answer(text)) == expected


def test_only_groups_of_three_after_a_thin_space_join_and_a_plain_space_still_separates():
    np.testing.assert_allclose(parse_answer(f"1{NNBSP}000 2; 3 4{NNBSP}000"), [[1000, 2], [3, 4000]])
    np.testing.assert_allclose(parse_answer("120 847"), [120, 847])           # an ordinary space: two values
    assert np.size(parse_answer(f"1{NNBSP}23")) == 2                          # 23 is no group of three
    assert np.size(parse_answer(f"1{NNBSP}2345")) == 2


def test_a_word_ending_a_sentence_keeps_its_word():
    assert parse_answer("Saddle point.") == "Saddle point" and parse_answer("saddle!") == "saddle"
    assert parse_answer("sad.dle") is None
