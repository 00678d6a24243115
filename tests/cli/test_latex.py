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
OVERFULL = re.compile(r"Overfull \\hbox \(([\d.]+)pt too wide\) .*?lines? (\d+)")
MAX_OVERFULL = 20.0  # pt: a matrix or a worked line this much wider than the text is what a reader notices


def _compile(tmp_path, name: str, source: str) -> str:
    """pdflatex on `source`; its log, after checking it finished without an error."""
    (tmp_path / f"{name}.tex").write_text(source, encoding="utf-8")
    r = subprocess.run([PDFLATEX, "-interaction=nonstopmode", "-halt-on-error", f"{name}.tex"], cwd=tmp_path,
                       capture_output=True, text=True, timeout=300)
    errors = [line for line in r.stdout.splitlines() if line.startswith("!")]
    assert r.returncode == 0 and errors == [], errors[:3]
    assert (tmp_path / f"{name}.pdf").stat().st_size > 10_000
    return (tmp_path / f"{name}.log").read_text(encoding="utf-8", errors="replace")


def _too_wide(source: str, log: str) -> list[tuple[str, float]]:
    """(problem id, pt) of every overfull box wider than MAX_OVERFULL, the id found from the line pdflatex
    names and the `% ── id (file)` comment that opens each problem in `dlcalc solve`'s output."""
    starts = [(n, m.group(1)) for n, line in enumerate(source.splitlines(), 1) if (m := re.match(r"% ── (\S+) ", line))]
    out = []
    for m in OVERFULL.finditer(log):
        pt, line = float(m.group(1)), int(m.group(2))
        if pt > MAX_OVERFULL:
            out.append((next((pid for n, pid in reversed(starts) if n <= line), "?"), pt))
    return out


@pytest.mark.skipif(PDFLATEX is None, reason="pdflatex is not installed (.ci/run installs a minimal TeX)")
def test_every_bundled_solution_compiles_with_pdflatex_and_fits_the_page(tmp_path):
    # the whole library as one document, made by dlcalc itself (solve --standalone), as a student's notes
    # would be; pdflatex must finish without an error (Missing {, Extra alignment tab, an undefined control
    # sequence …) and nothing may stick out of the text more than MAX_OVERFULL (a matrix or a worked line
    # running into the margin); the log says how far each box sticks out and on which line
    from tests.conftest import run_cli

    ids = sorted(library.problems())
    result = run_cli("solve", *(a for pid in ids for a in ("-e", pid)), "--standalone")
    assert result.code == 0, result.err
    source = result.out
    assert source.startswith("\\documentclass") and source.rstrip().endswith("\\end{document}")
    assert source.count("\\begin{document}") == 1 and source.count("\\section*{") == len(ids)
    log = _compile(tmp_path, "all", source)
    assert _too_wide(source, log) == []


@pytest.mark.skipif(PDFLATEX is None, reason="pdflatex is not installed (.ci/run installs a minimal TeX)")
def test_the_bodies_fit_the_narrowest_page_they_are_pasted_into(tmp_path):
    # a body pasted into the plainest document (article at 10pt: 345pt of text, narrower than --standalone's
    # page) with the packages the README names: it must fit there too
    from tests.conftest import run_cli

    ids = sorted(library.problems())
    bodies = run_cli("solve", *(a for pid in ids for a in ("-e", pid)), "-f", "latex").out
    source = ("\\documentclass{article}\n\\usepackage{amsmath,amssymb,graphicx}\n\\begin{document}\n" + bodies
              + "\n\\end{document}\n")
    assert _too_wide(source, _compile(tmp_path, "bodies", source)) == []


@pytest.mark.skipif(PDFLATEX is None, reason="pdflatex is not installed (.ci/run installs a minimal TeX)")
def test_the_overfull_check_sees_a_box_that_sticks_out(tmp_path):
    # the two tests above are not vacuous: a 500pt rule in a 345pt text, under a problem's comment, is found
    source = ("\\documentclass{article}\n\\begin{document}\nx\n% ── wide-one (here.yaml)\n\n\\noindent\\rule{500pt}{1pt}\n\n"
              + "text " * 500 + "\n\\end{document}\n")
    (found,) = _too_wide(source, _compile(tmp_path, "wide", source))
    assert found[0] == "wide-one" and found[1] == pytest.approx(500 - 345, abs=1)


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


# ── identifiers in maths ────────────────────────────────────────────────────

@pytest.mark.parametrize("plain, latex", [
    ("grad_output", r"\text{grad\_output}"), ("input_shape = [3, 227, 227]", r"\text{input\_shape} = [3, 227, 227]"),
    ("softmax + cross_entropy", r"\text{cross\_entropy}"), ("count_include_pad", r"\text{count\_include\_pad}"),
    ("grad_output[0,1]", r"\text{grad\_output}[0,1]"),
    # a short tail is the subscript the step means
    ("out_h1", r"\mathrm{out}_{h1}"), ("net_ij", r"\mathrm{net}_{ij}"), ("X_pad", "X_{pad}"), ("σ_B²", r"\sigma _{B}^{2}"),
    # spaces between words are kept (maths would set `fc1input`), not after a function (\ln spaces itself)
    ("fc1 input", r"\mathrm{fc}1\ \mathrm{input}"), ("0.5 (bias)", r"0.5\ (\mathrm{bias})"), ("ln 0.6", r"\ln  0.6"),
    # braces written in a step are shown; a script in parentheses is braced whole
    ("{w1: 0, w2: 0}", r"\{w1: 0, w2: 0\}"), ("e^(s − m)", "e^{s - m}"), ("e_(label)", r"e_{\mathrm{label}}"),
    ("4.54e-05", r"4.54 \times 10^{-5}"),
])
def test_identifiers_and_words_in_maths(plain, latex):
    assert latex in tex(plain)


def test_the_given_step_names_fields_as_text_not_as_subscripts():
    # the bug: `grad_output` in the Given step was set as grad with the subscript output
    from tests.conftest import run_cli

    out = run_cli("batchnorm", "--input", "1 2; 3 4; 5 6", "--grad-output", "1 0; 0 1; 1 1", "-f", "latex").out
    given = out[out.index("Step 1: Given"):out.index("Step 2")]
    assert r"\text{grad\_output} = \left[" in given and "grad}_{" not in given
    assert r"\text{input} = \left[" in given


def test_a_given_word_value_is_text(tmp_path):
    from dlcalc.cli.render.latex import _align
    from tests.conftest import run_cli

    source = tmp_path / "bp.yaml"
    source.write_text(run_cli("examples", "--show", "bd8-backprop-222").out)
    out = run_cli("backprop", str(source), "--layout", "in_out", "-f", "latex").out
    assert r"\text{layout} &= \text{in\_out}" in out
    # `out_in` has a two-letter tail, which the rule for maths reads as a subscript (as in net_ij); in the
    # Given step a word is the option's value as typed (out_in is the default, so a sheet never shows it)
    assert r"\text{layout} &= \text{out\_in}" in "\n".join(_align(["layout = out_in"], given=True))
    assert r"\mathrm{out}_{in}" in "\n".join(_align(["layout = out_in"]))


@pytest.mark.parametrize("pid", sorted(library.problems()))
def test_no_bundled_solution_sets_a_name_as_a_subscript(pid):
    out = text(library.problems()[pid].solve(), "latex")
    assert not re.findall(r"\\mathrm\{[A-Za-z]{2,}\}_\{[A-Za-z]{3,}\}", out)  # input_{shape}, cross_{entropy}
    maths = "".join(next(g for g in m.groups() if g is not None) for m in MATH.finditer(out))
    assert not re.findall(r"[\^_]\(", maths)  # e^(…) raises only its parenthesis


def test_prose_specials_are_escaped():
    from dlcalc.cli.render.latex import text as prose

    assert prose("x^2 a~b <3> |y| \\n 5% #1 a_b") == \
        r"x\^{}2 a\~{}b $<$3$>$ $|$y$|$ \textbackslash{}n 5\% \#1 a\_b"


def test_a_long_line_is_broken_before_an_operator_outside_brackets():
    from dlcalc.cli.render.latex import _pieces

    line = " + ".join(f"0.{n:02d}²" for n in range(1, 17)) + " = 5.4697"
    pieces = _pieces(line, 40)
    assert " ".join(pieces) == line and all(len(p) <= 40 for p in pieces) and len(pieces) > 2
    assert all(p.startswith(("+ ", "= ")) for p in pieces[1:])
    vector = "y = (" + ", ".join(["0.1234"] * 12) + ")"  # no operator outside: cut after a comma inside
    assert all(len(p) <= 40 for p in _pieces(vector, 40)) and _pieces(vector, 40)[0].endswith(",")
    assert _pieces("e^(a + b + c + d)", 5) == ["e^(a + b + c + d)"]  # never inside a script
