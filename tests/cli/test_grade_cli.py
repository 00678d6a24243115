"""`dlcalc grade KEY ANSWERS` on a synthetic class with known right, wrong and slipped answers."""
from __future__ import annotations

import csv
import io
import json
import os
from math import log, log10

import pytest

from tests.conftest import assert_bad_input

KEY = """\
title: Midterm
problems:
  - id: ce
    points: 2
    kind: cross_entropy
    target: [0, 1]
    pred: [[0.5, 0.5], [0.2, 0.8]]
  - id: dice
    points: 2
    kind: dice
    ask: coefficient
    target: [1, 1, 0]
    pred: [0.5, 1, 0]
  - id: mse
    kind: mse
    target: [1, 2, 3, 4]
    pred: [2, 4, 3, 4]
  - id: per
    kind: cross_entropy
    ask: per_sample
    rtol: 0.01
    target: [0, 1]
    pred: [[0.5, 0.5], [0.2, 0.8]]
"""
MAX = 2 + 2 + 1 + 1

# The right answers, by hand:
CE1, CE2 = -log(0.5), -log(0.8)          # 0.6931, 0.2231: −ln of the true class's probability
CE = (CE1 + CE2) / 2                     # 0.4581 (mean over the 2 samples)
DICE = 2 * 1.5 / (2 + 1.5)               # Σxy = 0.5·1 + 1·1 = 1.5, Σx = 2, Σy = 1.5 → 6/7 = 0.8571
MSE = (1 + 4 + 0 + 0) / 4                # errors −1, −2, 0, 0 → squares 1, 4, 0, 0 → 1.25
# The slips, each computed independently:
CE_LOG10 = (-log10(0.5) - log10(0.8)) / 2    # 0.1990: log base 10 instead of ln
CE_SUM = CE1 + CE2                           # 0.9163: sum over samples instead of the mean
DICE_SQUARED = 2 * 1.5 / (2 + (0.25 + 1))    # Σx² = 2, Σy² = 0.5² + 1² = 1.25 → 12/13 = 0.9231
DICE_LOSS = 1 - DICE                         # 1/7 = 0.1429: gave the loss, asked the coefficient
MSE_HALF = MSE / 2                           # 0.625: an extra ½
MSE_SUM = 1 + 4                              # 5: sum of squared errors, no mean

CLASS = [
    # student, problem, answer
    ("ann", "ce", f"{CE:.5f}"), ("ann", "dice", f"{DICE:.4f}"), ("ann", "mse", "1.25"),
    ("ann", "per", f"{CE1:.4f} {CE2:.4f}"),                               # everything right: 6/6
    ("ben", "ce", f"{CE_LOG10:.5f}"), ("ben", "dice", f"{DICE_SQUARED:.5f}"), ("ben", "mse", f"{MSE_HALF}"),
    ("ben", "per", "[0.69, 0.22]"),                                       # 0.22 vs 0.2231: > 1e-4 + 0.01·0.2231
    ("cat", "ce", f"{CE_SUM:.5f}"), ("cat", "dice", f"{DICE_LOSS:.5f}"), ("cat", "mse", f"{MSE_SUM}"),
    ("cat", "per", f"{CE1:.3f}; {CE2:.3f}"),                               # a column is still right (rtol 0.01): 1
    ("dan", "ce", "0.46"), ("dan", "dice", "abc"), ("dan", "mse", "7"),
    ("dan", "per", f"{CE1} {CE2} 0"),                                     # three values for two: 0
    ("eve", "ce", f"{CE:.4f}"), ("eve", "dice", f"{DICE:.4f}"),            # two answers missing: 4
]
SCORES = {"ann": 6.0, "ben": 0.0, "cat": 1.0, "dan": 0.0, "eve": 4.0, "hal": 0.0}
DIAGNOSES = {
    "ann": [None, None, None, None],
    "ben": ["log base 10 instead of natural log", "squared-sum denominator instead of plain sums", "extra ½ factor",
            "rounded to 2 decimals (more precision needed)"],
    "cat": ["sum over samples instead of the mean", "gave loss instead of coefficient",
            "sum of squared errors instead of the mean", None],
    "dan": ["rounded to 2 decimals (more precision needed)", "unparsable answer 'abc'", None, None],
    "eve": [None, None, None, None],
    "hal": [None, None, None, None],
}
CORRECT = {"ann": [True] * 4, "ben": [False] * 4, "cat": [False, False, False, True], "dan": [False] * 4,
           "eve": [True, True, False, False], "hal": [False] * 4}
# lines 20–23 of the CSV: unknown problems and an empty id are skipped; hal's row lost its trailing empty
# cell (LMSs trim them): it is read, with no answer
BAD_ROWS = "fay,zz,1\ngus,dise,0.8\n,ce,0.5\nhal,ce\n"


def csv_text(rows, extra: str = "") -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["student", "problem", "answer"])
    w.writerows(rows)
    return buf.getvalue() + extra


@pytest.fixture
def exam(tmp_path):
    (tmp_path / "key.yaml").write_text(KEY)
    (tmp_path / "answers.csv").write_text(csv_text(CLASS, BAD_ROWS))
    (tmp_path / "clean.csv").write_text(csv_text(CLASS))
    sheets: dict[str, dict[str, str]] = {}
    for s, p, a in CLASS:
        sheets.setdefault(s, {})[p] = a
    (tmp_path / "answers.yaml").write_text(json.dumps(sheets))  # JSON is YAML: {student: {problem: answer}}
    return tmp_path


def grade(dlcalc, exam, *args, answers="answers.csv"):
    return dlcalc("grade", str(exam / "key.yaml"), str(exam / answers), *args)


# ── the class ────────────────────────────────────────────────────────────────

def test_json_report_scores_points_and_diagnoses(dlcalc, exam):
    r = grade(dlcalc, exam, "--format", "json")
    assert r.code == 1  # some answers are wrong
    report = r.json()
    students = {s["id"]: s for s in report["students"]}
    assert list(students) == ["ann", "ben", "cat", "dan", "eve", "hal"]   # fay and gus had only bad rows
    for sid, s in students.items():
        assert (s["score"], s["max"]) == (SCORES[sid], MAX), sid
        assert [p["id"] for p in s["problems"]] == ["ce", "dice", "mse", "per"]
        assert [p["correct"] for p in s["problems"]] == CORRECT[sid], sid
        assert [p["diagnosis"] for p in s["problems"]] == DIAGNOSES[sid], sid
    ann = students["ann"]["problems"]
    assert [p["points"] for p in ann] == [2, 2, 1, 1]                       # points per problem
    assert ann[0]["expected"] == pytest.approx(CE) and ann[0]["given"] == pytest.approx(CE, abs=1e-5)
    assert ann[3]["expected"] == pytest.approx([CE1, CE2])                 # a vector answer: a JSON list
    assert students["eve"]["problems"][2] == {"id": "mse", "correct": False, "points": 0, "max_points": 1,
                                              "expected": 1.25, "given": None, "given_text": None, "diagnosis": None,
                                              "missing": True}
    assert students["dan"]["problems"][1]["given"] == "abc"                # unparsable: kept as typed, scored wrong
    assert students["ben"]["problems"][3]["given_text"] == "[0.69, 0.22]"  # as typed, beside what it was read as


def test_json_report_shape_is_the_contract(dlcalc, exam):
    report = grade(dlcalc, exam, "--format", "json").json()
    assert {"students", "summary"} <= set(report)
    for s in report["students"]:
        assert {"id", "score", "max", "problems"} <= set(s)
        for p in s["problems"]:
            assert {"id", "correct", "expected", "given", "diagnosis"} <= set(p)
    summary = report["summary"]
    assert summary["students"] == 6 and summary["max"] == MAX
    assert summary["mean"] == pytest.approx((6 + 0 + 1 + 0 + 4 + 0) / 6)
    assert summary["median"] == pytest.approx(0.5)                          # scores 0 0 0 1 4 6
    assert summary["all_correct"] == 1 and summary["bad_rows"] == 3
    assert summary["problems"]["ce"]["correct"] == 2
    assert summary["problems"]["ce"]["slips"] == {"log base 10 instead of natural log": 1,
                                                  "sum over samples instead of the mean": 1,
                                                  "rounded to 2 decimals (more precision needed)": 1}
    assert summary["problems"]["mse"]["answered"] == 4                    # eve and hal left it out
    assert summary["problems"]["mse"]["wrong_answers"] == [{"answer": "7", "count": 1}]   # dan's: no slip gives 7
    assert sum(b["count"] for b in summary["histogram"]) == 6


def test_bad_rows_are_reported_and_skipped(dlcalc, exam):
    r = grade(dlcalc, exam, "--format", "json")
    path = exam / "answers.csv"
    assert r.err.splitlines() == [
        f"dlcalc: warning: {path}:20: unknown problem 'zz'; row skipped",
        f"dlcalc: warning: {path}:21: unknown problem 'dise' (did you mean 'dice'?); row skipped",
        f"dlcalc: warning: {path}:22: empty student or problem id; row skipped",
    ]
    assert [b["line"] for b in r.json()["bad_rows"]] == [20, 21, 22]


def test_yaml_answers_grade_the_same(dlcalc, exam):
    from_csv = grade(dlcalc, exam, "--format", "json", answers="clean.csv").json()
    r = grade(dlcalc, exam, "--format", "json", answers="answers.yaml")
    assert r.code == 1 and r.err == ""
    assert r.json()["students"] == from_csv["students"]


def test_yaml_answers_with_numbers_and_lists(dlcalc, exam):
    (exam / "a.yaml").write_text(f"ann:\n  ce: {CE}\n  dice: {DICE}\n  mse: 1.25\n  per: [{CE1}, {CE2}]\n"
                                 "ben:\n  ce: 0.46\n  dice:\n")
    report = grade(dlcalc, exam, "--format", "json", answers="a.yaml").json()
    ann, ben = report["students"]
    assert ann["score"] == MAX and ben["score"] == 0
    assert [p["given"] for p in ben["problems"]][1:] == [None, None, None]   # `dice:` with nothing is no answer


def test_csv_report(dlcalc, exam):
    r = grade(dlcalc, exam, "--format", "csv")
    assert r.code == 1
    rows = list(csv.DictReader(io.StringIO(r.out)))
    assert list(rows[0]) == ["student", "problem", "correct", "points", "max_points", "answer", "read_as", "expected",
                             "diagnosis", "missing"]
    assert len(rows) == 6 * 4
    by = {(row["student"], row["problem"]): row for row in rows}
    assert by["ann", "ce"]["correct"] == "1" and by["ann", "ce"]["points"] == "2" and by["ann", "ce"]["max_points"] == "2"
    assert by["ben", "mse"]["diagnosis"] == "extra ½ factor" and by["ben", "mse"]["points"] == "0"
    assert json.loads(by["ann", "per"]["expected"]) == pytest.approx([CE1, CE2])
    assert by["eve", "per"]["answer"] == "" and by["eve", "per"]["diagnosis"] == "" and by["eve", "per"]["missing"] == "1"
    assert by["ben", "per"]["answer"] == "[0.69, 0.22]" and json.loads(by["ben", "per"]["read_as"]) == [0.69, 0.22]
    assert float(by["ann", "mse"]["expected"]) == MSE


def test_plain_report(dlcalc, exam):
    r = grade(dlcalc, exam, "--format", "plain", answers="clean.csv")
    lines = r.out.splitlines()
    assert lines[0] == "5 students, 4 problems: mean 2.20, median 1 of 6; 1 with everything right"   # (6+0+1+0+4)/5
    # one character per problem: ✓ right, ~ a slip the kind names, ✗ wrong (a slip it does not name too), · none
    assert "ann  6/6  ✓✓✓✓" in lines
    assert "ben  0/6  ~~~✗" in lines        # log base 10, squared sums, extra ½: named; rounding is not a kind's slip
    assert "cat  1/6  ~✗~✓" in lines        # gave the loss for the coefficient: not one of dice's named slips
    assert "eve  4/6  ✓✓··" in lines
    assert "3 mse: 1/5 right (4 answered), mean 0.20 points" in lines
    assert "    1 × extra ½ factor" in lines and "    1 × 7 (no known slip)".replace("7", "'7'") in lines


def test_rich_report(dlcalc, exam):
    r = grade(dlcalc, exam, "--format", "rich")
    assert r.code == 1
    assert "6 students, 4 problems" in r.out and "ann" in r.out and "log base 10" in r.out and "histogram" in r.out


# ── exit codes and bad input ─────────────────────────────────────────────────

def test_everyone_right_exits_0(dlcalc, exam):
    (exam / "good.csv").write_text(csv_text([row for row in CLASS if row[0] == "ann"]))
    r = grade(dlcalc, exam, "--format", "json", answers="good.csv")
    assert r.code == 0 and [s["score"] for s in r.json()["students"]] == [MAX]


def test_answers_csv_missing_a_column(dlcalc, exam):
    (exam / "bad.csv").write_text("student,answer\nann,0.5\n")
    assert_bad_input(grade(dlcalc, exam, answers="bad.csv"), "bad.csv:1", "no problem/answer columns",
                     "no column names a problem of the key (ce, dice, mse, per)", '--map "COLUMN=ID"')


@pytest.mark.parametrize("text, fragments", [
    ("problems: [\n", [":2:1: YAML syntax error"]),
    ("problems:\n  - {id: a, kind: mse, target: [1], pred: [1]}\n  - {id: a, kind: mse, target: [1], pred: [1]}\n",
     [":3: id: duplicate problem id 'a'"]),
])
def test_a_bad_key_is_bad_input(dlcalc, exam, text, fragments):
    (exam / "key.yaml").write_text(text)
    assert_bad_input(grade(dlcalc, exam), "key.yaml", *fragments)


@pytest.mark.parametrize("broken, fragments", [
    ("{id: dice, kind: dise, target: [1], pred: [1]}", [":3: kind: unknown kind 'dise'", "did you mean 'dice'?"]),
    ("{id: dice, kind: mse, target: [1, 2], pred: [1]}", [":3: pred: target is 2 but pred is 1"]),
])
def test_a_broken_key_problem_fails_its_own_cells_only(dlcalc, exam, broken, fragments):
    # the rest of the class is graded; the broken problem is said on stderr and the run ends with exit 2
    (exam / "key.yaml").write_text("problems:\n  - {id: mse, kind: mse, target: [1, 2, 3, 4], pred: [2, 4, 3, 4]}\n"
                                   f"  - {broken}\n")
    r = grade(dlcalc, exam, "--format", "json", answers="clean.csv")
    assert r.code == 2
    error = [line for line in r.err.splitlines() if line.startswith("dlcalc: error:")]
    assert len(error) == 1 and "problem dice" in error[0] and all(f in error[0] for f in fragments)
    students = {s["id"]: s for s in r.json()["students"]}
    assert [p["correct"] for p in students["ann"]["problems"]] == [True, False]        # mse 1.25 still right
    assert students["ann"]["problems"][1]["diagnosis"].startswith("the key could not be solved")


def test_missing_answers_file(dlcalc, exam):
    assert_bad_input(grade(dlcalc, exam, answers="none.csv"), "none.csv", "no such file")


def test_output_in_a_missing_directory(dlcalc, exam):
    out = exam / "no" / "such" / "report.json"
    assert_bad_input(grade(dlcalc, exam, "--output", str(out)), "--output", "directory does not exist")
    assert not (exam / "no").exists()


def test_output_that_is_a_directory(dlcalc, exam):
    assert_bad_input(grade(dlcalc, exam, "--output", str(exam)), "--output", "exists and is not a regular file")


# ── tolerances ───────────────────────────────────────────────────────────────

def test_tolerance_options(dlcalc, exam):
    # 0.46 for CE = 0.45815: |Δ| = 0.00185 > 1e-4 + 1e-3·0.458 = 0.00056 by default
    (exam / "x.csv").write_text(csv_text([("x", "ce", "0.46")]))

    def ce_correct(*opts):
        return grade(dlcalc, exam, "--format", "json", *opts, answers="x.csv").json()["students"][0]["problems"][0]["correct"]

    assert not ce_correct()
    assert ce_correct("--rtol", "0.005")          # 1e-4 + 0.005·0.458 = 0.00239 ≥ 0.00185
    assert not ce_correct("--rtol", "0.003")      # 0.00147 < 0.00185
    assert ce_correct("--atol", "0.002")          # 0.002 + 0.00046 ≥ 0.00185


def test_a_problems_own_tolerance_wins(dlcalc, exam):
    # "per" has rtol 0.01 in the key: 0.70 for 0.6931 is within 1e-4 + 0.00693; --rtol 0 does not change that
    (exam / "x.csv").write_text(csv_text([("x", "per", f"0.70 {CE2}")]))
    r = grade(dlcalc, exam, "--format", "json", "--rtol", "0", answers="x.csv")
    assert r.json()["students"][0]["problems"][3]["correct"] is True
    (exam / "y.csv").write_text(csv_text([("y", "per", f"0.71 {CE2}")]))          # 0.0169 off: wrong
    r = grade(dlcalc, exam, "--format", "json", "--rtol", "0.5", answers="y.csv")
    assert r.json()["students"][0]["problems"][3]["correct"] is False


def test_a_sets_tolerance_applies_to_its_problems(dlcalc, exam):
    (exam / "key.yaml").write_text("rtol: 0.1\nproblems:\n  - {id: m, kind: mse, target: [0], pred: [2]}\n")   # 4
    (exam / "x.csv").write_text(csv_text([("x", "m", "4.3"), ("y", "m", "4.5")]))                          # ±0.4001
    r = grade(dlcalc, exam, "--format", "json", answers="x.csv")
    assert [s["score"] for s in r.json()["students"]] == [1, 0]


# ── the report file is written atomically ───────────────────────────────────

OLD = b"old report \xe2\x9c\x93 keep me\n"


def leftovers(directory) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.startswith(".report"))


def test_output_file_gets_the_report(dlcalc, exam):
    out = exam / "report.json"
    out.write_bytes(OLD)
    r = grade(dlcalc, exam, "--format", "json", "--output", str(out))
    assert r.code == 1 and r.out == ""
    assert json.loads(out.read_text())["students"] == grade(dlcalc, exam, "--format", "json").json()["students"]
    assert leftovers(exam) == []
    umask = os.umask(0o022)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask  # an ordinary file, not mkstemp's 0600


def test_plain_is_written_when_no_format_is_given(dlcalc, exam):
    out = exam / "report.txt"
    grade(dlcalc, exam, "--output", str(out))
    assert out.read_text().startswith("6 students, 4 problems")


def test_a_failing_run_leaves_the_old_report_intact(dlcalc, exam):
    out = exam / "report.json"
    out.write_bytes(OLD)
    (exam / "key.yaml").write_text("problems: [\n")   # a key that cannot be read at all
    assert grade(dlcalc, exam, "--format", "json", "--output", str(out)).code == 2
    assert out.read_bytes() == OLD and leftovers(exam) == []


class _DiskFull:
    """A file whose second write fails, as on a full disk: the temporary file is half written."""

    def __init__(self, f):
        self.f, self.writes = f, 0

    def write(self, text):
        self.writes += 1
        if self.writes > 1:
            raise OSError(28, "No space left on device")
        return self.f.write(text[: len(text) // 2]) and self.write(text)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.f.close()


def test_a_write_failing_midway_leaves_the_old_report_and_no_temp_file(dlcalc, exam, monkeypatch):
    out = exam / "report.json"
    out.write_bytes(OLD)
    real_fdopen = os.fdopen
    monkeypatch.setattr(os, "fdopen", lambda *a, **k: _DiskFull(real_fdopen(*a, **k)))
    r = grade(dlcalc, exam, "--format", "json", "--output", str(out), answers="clean.csv")
    assert_bad_input(r, f"--output {out}", "cannot write the report: No space left on device")
    assert out.read_bytes() == OLD and leftovers(exam) == []


def test_a_failing_rename_leaves_the_old_report_and_no_temp_file(dlcalc, exam, monkeypatch):
    out = exam / "report.json"
    out.write_bytes(OLD)

    def refuse(src, dst):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    assert_bad_input(grade(dlcalc, exam, "--output", str(out), answers="clean.csv"), "cannot write the report: Permission denied")
    assert out.read_bytes() == OLD and leftovers(exam) == []


def test_an_interrupted_write_leaves_no_temp_file(dlcalc, exam, monkeypatch):
    out = exam / "report.json"
    out.write_bytes(OLD)

    def interrupt(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupt)
    r = grade(dlcalc, exam, "--output", str(out))
    assert r.code == 130 and "interrupted" in r.err
    assert out.read_bytes() == OLD and leftovers(exam) == []
