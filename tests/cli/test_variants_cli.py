"""`dlcalc variants` and `dlcalc grade` on a key that draws its numbers: a sheet and a key per student, and
every student graded against their own numbers (the expected answers computed here with numpy/scipy)."""
from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from scipy.signal import convolve2d

from tests.conftest import assert_bad_input
from tests.drawn import DRAWN_CE, drawn_conv

KEY = "title: Midterm\nseed: midterm-2026\nproblems:\n" + DRAWN_CE + drawn_conv(high=4) + """\
    points: 2
  - id: h
    kind: hessian
    ask: eigenvalues
    expr: "w1^3 + w2^3 + w1*w2"
    at: {w1: {random: int, low: -2, high: 2}, w2: {random: int, low: -2, high: 2}}
"""
STUDENTS = [f"s{i:02d}" for i in range(29)] + ["Chen, Li"]


@pytest.fixture
def exam(tmp_path):
    key = tmp_path / "key.yaml"
    key.write_text(KEY)
    roster = tmp_path / "roster.csv"
    roster.write_text("student,email\n" + "".join(f'"{s}",{i}@uni.edu\n' for i, s in enumerate(STUDENTS)))
    return tmp_path, key, roster


def expected_answers(values: dict) -> dict:
    """The three answers from the drawn numbers, computed independently of dlcalc."""
    t, p = values["ce"]["target"], np.array(values["ce"]["pred"])
    ce = -np.mean(np.log(p[np.arange(len(t)), t]))
    conv = convolve2d(np.array(values["conv"]["input"]), np.array(values["conv"]["kernel"]), mode="valid")
    w1, w2 = values["h"]["at.w1"], values["h"]["at.w2"]
    eig = np.linalg.eigvalsh(np.array([[6 * w1, 1], [1, 6 * w2]]))   # H of w1³ + w2³ + w1·w2
    return {"ce": f"{ce:.6f}", "conv": json.dumps(conv.tolist()), "h": ", ".join(f"{v:.6f}" for v in eig[::-1])}


def test_thirty_students_get_thirty_different_sheets_and_keys(dlcalc, exam):
    tmp, key, roster = exam
    r = dlcalc("variants", str(key), "--roster", str(roster), "--out", str(tmp / "out"))
    assert r.code == 0, r.err
    record = json.loads((tmp / "out" / "variants.json").read_text())
    assert record["seed"] == "midterm-2026" and list(record["students"]) == STUDENTS
    sheets = sorted((tmp / "out").glob("*.md"))
    keys = sorted((tmp / "out" / "keys").glob("*.md"))
    assert len(sheets) == len(keys) == 30 and (tmp / "out" / "Chen__Li.md").exists()
    assert len({s.read_text() for s in sheets}) == 30 and len({k.read_text() for k in keys}) == 30
    for sid in ("s00", "Chen, Li"):
        name = sid.replace(", ", "__")
        sheet = (tmp / "out" / f"{name}.md").read_text()
        worked = (tmp / "out" / "keys" / f"{name}.md").read_text()
        want = expected_answers(record["students"][sid])
        assert "Answer" not in sheet and want["ce"][:6] not in sheet        # the sheet gives no answer
        assert f"{float(want['ce']):.4f}".rstrip("0") in worked               # its key does (4 decimals)
        drawn = record["students"][sid]["conv"]["input"]
        assert " | ".join(map(str, drawn[0])) in sheet                          # the student's own numbers


def test_every_student_is_graded_against_their_own_numbers(dlcalc, exam):
    tmp, key, roster = exam
    assert dlcalc("variants", str(key), "--roster", str(roster), "--out", str(tmp / "out")).code == 0
    record = json.loads((tmp / "out" / "variants.json").read_text())
    rows = []
    for i, sid in enumerate(STUDENTS):
        want = expected_answers(record["students"][sid])
        rows += [[sid, "conv", want["conv"]], [sid, "h", want["h"]]]
        # every third student sums the cross-entropy instead of averaging it (a named slip); the rest are right
        ce = float(want["ce"]) * (2 if i % 3 == 0 else 1)
        rows.append([sid, "ce", f"{ce:.6f}"])
    answers = tmp / "answers.csv"
    with answers.open("w", newline="") as f:
        csv.writer(f).writerows([["student", "problem", "answer"], *rows])
    r = dlcalc("grade", str(key), str(answers), "-f", "json")
    assert r.code == 1, r.err
    report = r.json()
    scores = {s["id"]: s for s in report["students"]}
    for i, sid in enumerate(STUDENTS):
        marks = {m["id"]: m for m in scores[sid]["problems"]}
        assert marks["conv"]["correct"] and marks["h"]["correct"], (sid, marks)
        assert marks["ce"]["correct"] is (i % 3 != 0)
        if i % 3 == 0:
            assert "sum over samples" in marks["ce"]["diagnosis"]
        assert scores[sid]["score"] == (3 if i % 3 == 0 else 4)
    # the same answers against other numbers (another seed) are wrong
    other = dlcalc("grade", str(key), str(answers), "-f", "json", "--seed", "another").json()
    assert sum(m["correct"] for s in other["students"] for m in s["problems"]) < 10


def test_variants_and_grade_need_a_seed(dlcalc, exam):
    tmp, key, roster = exam
    key.write_text(KEY.replace("seed: midterm-2026\n", ""))
    assert_bad_input(dlcalc("variants", str(key), "--roster", str(roster), "--out", str(tmp / "o")), "--seed")
    answers = tmp / "a.csv"
    answers.write_text("student,problem,answer\ns00,ce,1\n")
    assert_bad_input(dlcalc("grade", str(key), str(answers)), "--seed")
    assert dlcalc("variants", str(key), "--roster", str(roster), "--out", str(tmp / "o"), "--seed", "x").code == 0


def test_variants_never_writes_over_an_input(dlcalc, exam):
    tmp, key, roster = exam
    assert_bad_input(dlcalc("variants", str(key), "--roster", str(roster), "--out", str(key)), "--out")
    assert key.read_text() == KEY


def test_latex_sheets_and_keys(dlcalc, exam):
    tmp, key, roster = exam
    r = dlcalc("variants", str(key), "--roster", str(roster), "--out", str(tmp / "tex"), "-f", "latex")
    assert r.code == 0, r.err
    sheet = (tmp / "tex" / "s00.tex").read_text()
    assert sheet.lstrip().startswith(r"\documentclass") and sheet.rstrip().endswith(r"\end{document}")
    assert r"\begin{document}" in (tmp / "tex" / "keys" / "s00.tex").read_text()


def test_solve_shows_one_variant_and_says_so(dlcalc, exam):
    _, key, _ = exam
    r = dlcalc("solve", str(key), "-f", "json")
    assert r.code == 0, r.err
    first = json.loads(r.out.splitlines()[0])
    assert any("variant of student 'sample'" in w for w in first["warnings"])


@pytest.mark.skipif(__import__("shutil").which("pdflatex") is None,
                    reason="pdflatex is not installed (.ci/run installs a minimal TeX)")
def test_latex_sheets_and_keys_compile(dlcalc, exam):
    import subprocess

    tmp, key, roster = exam
    assert dlcalc("variants", str(key), "--roster", str(roster), "--out", str(tmp / "tex"), "-f", "latex").code == 0
    for path in (tmp / "tex" / "Chen__Li.tex", tmp / "tex" / "keys" / "Chen__Li.tex"):
        r = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", path.name], cwd=path.parent,
                           capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, [line for line in r.stdout.splitlines() if line.startswith("!")][:3]
        assert path.with_suffix(".pdf").stat().st_size > 5_000


def test_check_a_students_own_variant(dlcalc, exam):
    tmp, key, roster = exam
    assert dlcalc("variants", str(key), "--roster", str(roster), "--out", str(tmp / "out")).code == 0
    record = json.loads((tmp / "out" / "variants.json").read_text())
    mine = expected_answers(record["students"]["s03"])["ce"]
    r = dlcalc("check", str(key), "-a", f"ce={mine}", "--student", "s03", "-f", "plain")
    assert r.code == 0 and "✓ ce.loss" in r.out and r.err == ""
    other = dlcalc("check", str(key), "-a", f"ce={mine}", "-f", "plain")   # no --student: the sample, and said so
    assert "give --student ID" in other.err


def test_a_sheet_gives_the_very_numbers_its_key_is_solved_with(dlcalc, tmp_path):
    key = tmp_path / "k.yaml"
    key.write_text("seed: s\nproblems:\n  - id: m\n    kind: mse\n    target: [1, 2, 3]\n"
                   "    pred: {random: uniform, low: 0, high: 100, decimals: 6, shape: [3]}\n")
    roster = tmp_path / "r.csv"
    roster.write_text("student\nana\n")
    assert dlcalc("variants", str(key), "--roster", str(roster), "--out", str(tmp_path / "o")).code == 0
    drawn = json.loads((tmp_path / "o" / "variants.json").read_text())["students"]["ana"]["m"]["pred"]
    sheet = (tmp_path / "o" / "ana.md").read_text()
    assert f"pred = [{', '.join(repr(v).rstrip('0') for v in drawn)}]" in sheet   # six decimals, not four
