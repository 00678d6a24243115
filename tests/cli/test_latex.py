"""The LaTeX renderer: every bundled solution's maths is plain ASCII LaTeX (Unicode only inside
\\text{}), and the symbols students meet in formulas get their LaTeX names."""
from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata

import pytest

from dlcalc.cli.render import text
from dlcalc.cli.render.latex import tex
from dlcalc.problems import library

MATH = re.compile(r"\\begin\{align\*\}(.*?)\\end\{align\*\}|\\\[(.*?)\\\]|\$(.*?)\$", re.S)


def _outside_text(math: str) -> str:
    """The maths with every \\text{…} (no nested braces in ours) taken out."""
    return re.sub(r"\\text\{[^{}]*\}", "", math)


@pytest.mark.parametrize("pid", sorted(library.problems()))
def test_every_bundled_solution_has_ascii_maths_and_no_combining_marks(pid):
    out = text(library.problems()[pid].solve(), "latex")
    for m in MATH.finditer(out):
        math = _outside_text(next(g for g in m.groups() if g is not None))
        assert math.isascii(), (pid, sorted({c for c in math if not c.isascii()}))
    assert not [c for c in out if unicodedata.combining(c)], pid  # a hat on its own letter is \hat{x}


@pytest.mark.parametrize("unicode, latex", [
    ("γ", r"\gamma"), ("x̂", r"\hat{x}"), ("m̂", r"\hat{m}"), ("x̄", r"\bar{x}"),
    ("σ_B²", r"\sigma _{B}^{2}"),          # σ_B squared, not σ with the subscript B²
    ("w_ji", "w_{ji}"), ("g₁₀", "g_{10}"), ("e⁻¹", "e^{-1}"), ("β1ᵗ", "1^{t}"),
    ("rows 1–3", r"\text{--}"), ("180°", r"^{\circ}"), ("ε", r"\varepsilon"),
])
def test_symbols_get_their_latex_names(unicode, latex):
    got = tex(unicode)
    assert latex in got
    assert _outside_text(got).isascii()


def test_an_unknown_character_is_set_as_text():
    assert tex("a ★ b") == r"a \text{★} b"


PDFLATEX = shutil.which("pdflatex")


def _compile(tmp_path, name: str, source: str) -> str:
    """pdflatex on `source`; its log, after checking it finished without an error."""
    (tmp_path / f"{name}.tex").write_text(source, encoding="utf-8")
    r = subprocess.run([PDFLATEX, "-interaction=nonstopmode", "-halt-on-error", f"{name}.tex"], cwd=tmp_path,
                       capture_output=True, text=True, timeout=300)
    errors = [line for line in r.stdout.splitlines() if line.startswith("!")]
    assert r.returncode == 0 and errors == [], errors[:3]
    assert (tmp_path / f"{name}.pdf").stat().st_size > 10_000
    return (tmp_path / f"{name}.log").read_text(encoding="utf-8", errors="replace")


@pytest.mark.skipif(PDFLATEX is None, reason="pdflatex is not installed (.ci/run installs a minimal TeX)")
def test_every_bundled_solution_compiles_with_pdflatex(tmp_path):
    # the whole library as one document, made by dlcalc itself (solve --standalone), as a student's notes
    # would be; pdflatex must finish without an error (Missing {, Extra alignment tab, an undefined control
    # sequence …)
    from tests.conftest import run_cli

    ids = sorted(library.problems())
    result = run_cli("solve", *(a for pid in ids for a in ("-e", pid)), "--standalone")
    assert result.code == 0, result.err
    source = result.out
    assert source.startswith("\\documentclass") and source.rstrip().endswith("\\end{document}")
    assert source.count("\\begin{document}") == 1 and source.count("\\section*{") == len(ids)
    _compile(tmp_path, "all", source)


# ── --standalone ────────────────────────────────────────────────────────────

MSE = ("mse", "--target", "9 6 8", "--pred", "8.5 6.7 7.8")


def test_standalone_is_a_whole_document_around_the_body():
    from tests.conftest import run_cli

    body, doc = run_cli(*MSE, "-f", "latex").out, run_cli(*MSE, "-f", "latex", "--standalone").out
    assert doc.startswith("\\documentclass") and doc.rstrip().endswith("\\end{document}")
    assert "\\usepackage{amsmath" in doc and "\\usepackage{graphicx}" in doc
    assert body.strip() in doc  # the same body, wrapped
    assert run_cli(*MSE, "--standalone").out == doc  # no format named: a document is LaTeX


@pytest.mark.parametrize("fmt", ["plain", "markdown", "json", "rich"])
def test_standalone_with_another_format_is_bad_input(fmt):
    from tests.conftest import assert_bad_input, run_cli

    assert_bad_input(run_cli(*MSE, "-f", fmt, "--standalone"), "--standalone", fmt)
    assert_bad_input(run_cli("solve", "-e", "hw12-3", "-f", fmt, "--standalone"), "--standalone", fmt)


def test_solve_standalone_is_one_document_with_a_section_per_problem():
    from tests.conftest import run_cli

    out = run_cli("solve", "-e", "hw12-1", "-e", "hw12-3", "--standalone").out
    assert out.count("\\documentclass") == out.count("\\begin{document}") == out.count("\\end{document}") == 1
    assert out.count("\\section*{") == 2 and "% ── hw12-1 " in out and "% ── hw12-3 " in out


def test_the_document_wrapper_escapes_its_title():
    from dlcalc.cli.render.latex import document

    doc = document("body", "Exam 1 — 50% of the grade, student_7")
    assert "50\\% of the grade, student\\_7" in doc and doc.index("\\begin{document}") < doc.index("body")
    assert "\\LARGE" not in document("body")  # no title, no heading


def test_prose_specials_are_escaped():
    from dlcalc.cli.render.latex import text as prose

    assert prose("x^2 a~b <3> |y| \\n 5% #1 a_b") == \
        r"x\^{}2 a\~{}b $<$3$>$ $|$y$|$ \textbackslash{}n 5\% \#1 a\_b"
