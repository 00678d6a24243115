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


@pytest.mark.skipif(PDFLATEX is None, reason="pdflatex is not installed (.ci/run installs a minimal TeX)")
def test_every_bundled_solution_compiles_with_pdflatex(tmp_path):
    # one document holding every bundled example's solution, as a student's notes would; pdflatex must
    # finish without an error (Missing {, Extra alignment tab, an undefined control sequence …)
    from dlcalc.cli import render

    bodies = [render.text(p.solve(), "latex") for p in library.problems().values()]
    doc = tmp_path / "all.tex"
    doc.write_text("\\documentclass{article}\n\\usepackage[utf8]{inputenc}\n\\usepackage[T1]{fontenc}\n"
                   "\\usepackage{amsmath,amssymb}\n\\begin{document}\n" + "\n\\clearpage\n".join(bodies)
                   + "\n\\end{document}\n", encoding="utf-8")
    r = subprocess.run([PDFLATEX, "-interaction=nonstopmode", "-halt-on-error", doc.name], cwd=tmp_path,
                       capture_output=True, text=True, timeout=300)
    errors = [line for line in r.stdout.splitlines() if line.startswith("!")]
    assert r.returncode == 0 and errors == [], errors[:3]
    assert (tmp_path / "all.pdf").stat().st_size > 10_000
