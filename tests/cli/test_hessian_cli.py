"""`dlcalc hessian` end to end: the course's saddle in every format, problem files, hostile and bad input.

Hand values (tests/calc/test_hessian.py): L = (1 − w1·w2)² at (0, 0) has g = 0, H = [[0, −2], [−2, 0]],
eigenvalues −2, 2 (a saddle), escape direction u = (1, 1).
"""
from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from tests.conftest import assert_bad_input


def width(line: str) -> int:
    """Columns on screen: combining marks (the hat of m̂) take none."""
    return sum(not unicodedata.combining(c) for c in line)

COURSE = ["hessian", "(1 - w1*w2)^2", "--at", "w1=0, w2=0"]


def test_course_example_json(dlcalc):
    r = dlcalc(*COURSE, "--format", "json")
    assert r.code == 0, r.err
    out = json.loads(r.out, parse_constant=lambda c: pytest.fail(f"non-strict JSON {c}"))
    assert out["kind"] == "hessian"
    a = out["answer"]
    assert a["variables"] == ["w1", "w2"]
    assert a["gradient"] == [0, 0]
    assert a["hessian"] == [[0, -2], [-2, 0]]
    assert a["eigenvalues"] == [-2, 2]
    assert a["classification"] == "saddle"
    assert a["escape_direction"] == [1, 1]
    assert all(set(s) >= {"title", "text", "latex"} for s in out["steps"])


@pytest.mark.parametrize("fmt", ["plain", "rich", "markdown", "latex"])
def test_every_format_renders(dlcalc, fmt):
    r = dlcalc(*COURSE, "--format", fmt)
    assert r.code == 0 and not r.err, r.err
    assert "saddle" in r.out
    assert "Traceback" not in r.out


def test_plain_reads_like_the_slides(dlcalc):
    out = dlcalc(*COURSE, "--format", "plain").out
    for line in ["∂L/∂w1 = -2·w2·(1 - w1·w2)", "det(H − λI) = λ^2 - 4 = 0", "(λ - 2)·(λ + 2) = 0",
                 "λ₁ = -2", "u₁ = (1, 1)", "classification = saddle", "minimum ratio"]:
        assert line in out, line


def test_rich_fits_80_columns(dlcalc, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    r = dlcalc(*COURSE, "--format", "rich")
    assert r.code == 0
    assert max(width(line) for line in r.out.splitlines()) <= 80


def test_answer_only(dlcalc):
    out = dlcalc(*COURSE, "-q", "--format", "plain").out.splitlines()
    assert "classification = saddle" in out and "eigenvalues = [-2, 2]" in out


def test_expr_option_and_leading_minus(dlcalc):
    # L = −w1² − w2²: H = diag(−2, −2), a local maximum at the origin
    for argv in (["hessian", "--expr", "-w1^2 - w2^2", "--at", "w1=0, w2=0", "--format", "json"],
                 ["hessian", "--at", "w1=0, w2=0", "--format", "json", "--", "-w1^2 - w2^2"]):
        r = dlcalc(*argv)
        assert r.code == 0, r.err
        assert r.json()["answer"]["classification"] == "local_max"


def test_without_point_solves_for_critical_points(dlcalc):
    a = dlcalc("hessian", "w1^3 - 3*w1 + w2^2", "--format", "json").json()["answer"]
    assert a["critical_points"] == [[-1, 0], [1, 0]] and a["classification"] == ["saddle", "local_min"]


def test_problem_file(dlcalc, tmp_path: Path):
    f = tmp_path / "saddle.yaml"
    f.write_text("kind: hessian\nexpr: '(1 - w1*w2)**2'\nat: {w1: 0, w2: 0}\n")
    r = dlcalc("hessian", str(f), "--format", "json")
    assert r.code == 0, r.err
    assert r.json()["answer"]["classification"] == "saddle"
    # --at next to a file replaces its point: at (1, 1), on the valley w1·w2 = 1, H = [[2, 2], [2, 2]]
    r = dlcalc("hessian", str(f), "--at", "w1=1, w2=1", "--format", "json")
    assert r.json()["answer"]["eigenvalues"] == [0, 4]
    solved = dlcalc("solve", str(f), "--format", "json")
    assert solved.code == 0 and json.loads(solved.out.splitlines()[0])["answer"]["classification"] == "saddle"


def test_problem_file_errors_name_file_line_field(dlcalc, tmp_path: Path):
    f = tmp_path / "bad.yaml"
    f.write_text("kind: hessian\nexpr: '(1 - w1*w2)**2'\nat: {w1: 0, w3: 0}\n")
    assert_bad_input(dlcalc("hessian", str(f)), "bad.yaml:3: at:", "does not use 'w3'")


# ── hostile expressions: refused, one line, exit 2, nothing executed ────────

HOSTILE = [
    "__import__('os').system('touch {marker}')",
    "__import__(\"os\").system(\"touch {marker}\")",
    "().__class__.__bases__[0].__subclasses__()",
    "(w).__class__",
    "lambda: 0",
    "lambda w: __import__('os')",
    "'touch {marker}'",
    "w.__globals__",
    "open('{marker}', 'w').write('x')",
    "exec(\"open('{marker}', 'w')\")",
    "eval('w')",
    "w1(2)",
    "exp(w)(2)",
    "w[0]",
    "__builtins__",
    "getattr(w, '__class__')",
    "w; import os",
    "w if w else w",
    "{{}}",
]


@pytest.mark.parametrize("template", HOSTILE)
@pytest.mark.parametrize("command", ["hessian", "optimize"])
def test_hostile_expressions_are_refused(dlcalc, tmp_path: Path, template, command):
    marker = tmp_path / "pwned"
    expr = template.replace("{marker}", str(marker))
    extra = ["--lr", "0.1"] if command == "optimize" else []
    r = dlcalc(command, "--expr", expr, "--at", "w=0", *extra)
    assert_bad_input(r, "--expr:", "column")
    assert not marker.exists()


def test_hostile_expression_in_a_problem_file(dlcalc, tmp_path: Path):
    marker = tmp_path / "pwned"
    f = tmp_path / "evil.yaml"
    f.write_text(f"kind: hessian\nexpr: \"__import__('os').system('touch {marker}')\"\n")
    assert_bad_input(dlcalc("hessian", str(f)), "evil.yaml:2: expr:", "names may not start with '__'")
    assert_bad_input(dlcalc("solve", str(f)), "evil.yaml:2: expr:")
    assert not marker.exists()


# ── bad input ───────────────────────────────────────────────────────────────

@pytest.mark.parametrize("argv, fragments", [
    (["(1 - w1).__class__", "--at", "w1=0"], ["EXPR:", "unexpected '.' at column 9", "(1 - w1)▸.__class__"]),
    (["--expr", "(1 - w1", "--at", "w1=0"], ["--expr:", "unclosed '('"]),
    (["foo(w)"], ["unknown function 'foo'"]),
    (["2w", "--at", "w=0"], ["missing operator"]),
    (["(1 - w1*w2)^2", "--at", "w1=0"], ["--at:", "no value for w2"]),
    (["(1 - w1*w2)^2", "--at", "w1=0, w2=0, w3=1"], ["--at:", "does not use 'w3'"]),
    (["(1 - w1*w2)^2", "--at", "w1=zero, w2=0"], ["--at:", "value of w1", "'zero' is not a number"]),
    (["(1 - w1*w2)^2", "--at", "w1, w2"], ["--at:", "name=value pairs"]),
    (["(1 - w1*w2)^2", "--at", "w1=0, w1=1, w2=0"], ["--at:", "w1 is given twice"]),
    (["(1 - w1*w2)^2", "--at", "w1=nan, w2=0"], ["--at:", "not a finite number"]),
    (["abs(w)", "--at", "w=0"], ["--at:", "not differentiable"]),
    (["log(w)", "--at", "w=0"], ["--at:", "not defined"]),
    (["w^2", "--expr", "w^2"], ["give the expression once"]),
    ([], ["missing the expression"]),
    (["nofile.yaml"], ["nofile.yaml", "no such file"]),
    # numbers that would take minutes (or a traceback) in exact arithmetic
    (["1e99999999*w", "--at", "w=1"], ["EXPR:", "number out of range"]),
    (["(9^9999)^9999*w", "--at", "w=1"], ["EXPR:", "more than 400 digits"]),
    (["w^9000", "--at", "w=3"], ["--at:", "too large for float64"]),
    (["*".join(f"(w+{i})" for i in range(1, 120)), "--at", "w=0"], ["EXPR:", "too large to differentiate"]),
])
def test_bad_input(dlcalc, argv, fragments):
    assert_bad_input(dlcalc("hessian", *argv), *fragments)
