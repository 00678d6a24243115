"""The LaTeX renderer: every bundled solution's maths is plain ASCII LaTeX (Unicode only inside
\\text{}), and the symbols students meet in formulas get their LaTeX names."""
from __future__ import annotations

import re
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
