"""LaTeX document body (needs amsmath): align* for worked lines, bracketed arrays for matrices."""
from __future__ import annotations

import re
from functools import lru_cache

from dlcalc.calc.solution import Solution, Step
from dlcalc.cli.render.layout import Formatter, equation, matrices, numeric_columns, worked

_FUNCS = {"log", "ln", "exp", "max", "min", "sin", "cos", "tan", "tanh", "det"}
_SYMBOLS = {
    "·": r" \cdot ", "×": r" \times ", "−": "-", "≤": r" \le ", "≥": r" \ge ", "≠": r" \ne ", "→": r" \to ",
    "←": r" \leftarrow ", "Σ": r"\sum ", "∂": r"\partial ", "∘": r" \circ ", "∩": r" \cap ", "σ": r"\sigma ",
    "δ": r"\delta ", "η": r"\eta ", "λ": r"\lambda ", "θ": r"\theta ", "Θ": r"\Theta ", "α": r"\alpha ",
    "β": r"\beta ", "ε": r"\varepsilon ", "μ": r"\mu ", "∇": r"\nabla ", "ŷ": r"\hat{y}", "Ŷ": r"\hat{Y}",
    "√": r"\surd ", "½": r"\tfrac{1}{2}", "∞": r"\infty ", "⌊": r"\lfloor ", "⌋": r"\rfloor ", "⌈": r"\lceil ",
    "⌉": r"\rceil ", "…": r"\dots ", "ᵀ": "^{T}", "⊙": r" \odot ", "≈": r" \approx ", "∈": r" \in ", "Δ": r"\Delta ",
    "%": r"\%", "#": r"\#", "&": r"\&", "•": "", "⎡": "", "′": "'",
    "γ": r"\gamma ", "Γ": r"\Gamma ", "ω": r"\omega ", "Ω": r"\Omega ", "φ": r"\phi ", "Φ": r"\Phi ",
    "ψ": r"\psi ", "Ψ": r"\Psi ", "ρ": r"\rho ", "τ": r"\tau ", "κ": r"\kappa ", "ν": r"\nu ", "ξ": r"\xi ",
    "π": r"\pi ", "Π": r"\Pi ", "χ": r"\chi ", "ζ": r"\zeta ", "Λ": r"\Lambda ", "Σ̂": r"\hat{\Sigma}",
    "–": r"\text{--}", "—": r"\text{---}", "°": r"^{\circ}", "±": r"\pm ", "∓": r"\mp ", "∝": r"\propto ",
    "⊤": "^{T}", "∑": r"\sum ", "∏": r"\prod ", "‖": r"\| ", "⟨": r"\langle ", "⟩": r"\rangle ",
    "⇒": r"\Rightarrow ", "∀": r"\forall ", "∉": r"\notin ", "≡": r"\equiv ", "⋅": r" \cdot ",
}
# combining accents follow their letter: x̂ → \hat{x}, x̄ → \bar{x}, ẋ → \dot{x}, x̃ → \tilde{x}
_ACCENTS = {"\u0302": "hat", "\u0304": "bar", "\u0307": "dot", "\u0303": "tilde", "\u20d7": "vec"}
_ACCENT_RE = re.compile(f"(\\\\[A-Za-z]+ ?|.)([{''.join(_ACCENTS)}])")
_SUB = dict(zip("₀₁₂₃₄₅₆₇₈₉ₜ₊₋ᵢⱼₖ", "0123456789t+-ijk"))
_SUP = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻ⁿᵗⁱ", "0123456789+-nti"))
_SUBSCRIPT_RE = re.compile(f"_([^\\W{''.join(_SUP)}]+)")
_SCRIPTS = re.compile(f"[{''.join(_SUB)}]+|[{''.join(_SUP)}]+")
_SYMBOL_RE = re.compile("|".join(re.escape(k) for k in sorted(_SYMBOLS, key=len, reverse=True)))


@lru_cache(maxsize=65_536)
def tex(s: str) -> str:
    """Unicode maths as written in steps → LaTeX maths; a character with no LaTeX name is set as \\text{…}."""
    s = _SUBSCRIPT_RE.sub(r"_{\1}", s)  # σ_B² is σ_B squared: the superscript stays outside the braces
    s = re.sub(r"(?<![\\{\w])([A-Za-z]{2,})(?![A-Za-z0-9])", _word, s)
    s = _SCRIPTS.sub(_script, s)  # runs: ₁₀ → _{10}, ⁻¹ → ^{-1}
    s = _SYMBOL_RE.sub(lambda m: _SYMBOLS[m.group(0)], s)
    s = _ACCENT_RE.sub(lambda m: rf"\{_ACCENTS[m.group(2)]}{{{m.group(1).strip()}}}", s)
    return re.sub(r"[^\x00-\x7f]+", lambda m: rf"\text{{{m.group(0)}}}", s)


def _script(m: re.Match) -> str:
    run = m.group(0)
    return "_{" + "".join(_SUB[c] for c in run) + "}" if run[0] in _SUB else "^{" + "".join(_SUP[c] for c in run) + "}"


def _word(m: re.Match) -> str:
    w = m.group(1)
    if w in _FUNCS:
        return f"\\{w} "
    return {"inf": r"\infty ", "nan": r"\mathrm{NaN}"}.get(w, f"\\mathrm{{{w}}}")


@lru_cache(maxsize=65_536)
def text(s: str) -> str:
    """Prose: escape LaTeX specials; mathematical Unicode becomes inline maths, so pdflatex copes too."""
    s = re.sub(r"([%#&_$^{}])", r"\\\1", s).replace("--", "-{}-")  # keep --no-flip, not an en dash
    s = _ACCENT_RE.sub(lambda m: rf"$\{_ACCENTS[m.group(2)]}{{{m.group(1)}}}$", s)  # m̂ → $\hat{m}$
    s = "".join(f"${_SYMBOLS[c].strip()}$" if ord(c) > 127 and c in _SYMBOLS and _SYMBOLS[c].strip() else c
                for c in s)
    return _SCRIPTS.sub(lambda m: f"${_script(m)}$", s)


def _align(lines: list[str]) -> list[str]:
    rows = []
    for line in lines:
        lhs, sep, rhs = line.partition(" = ")
        if " ≈ " in lhs:  # aligned at the first relation, whichever it is
            lhs, sep, rhs = line.partition(" ≈ ")
        rel = "=" if sep == " = " else r"\approx"
        rows.append(f"  {tex(lhs)} &{rel} {tex(rhs)}" if sep else f"  & {tex(line)}")
    return [r"\begin{align*}", " \\\\\n".join(rows), r"\end{align*}"]


def _bmatrix(label: str, a, hl: set, fmt: Formatter) -> str:
    rows = [" & ".join(rf"\mathbf{{{fmt(v)}}}" if (i, j) in hl else fmt(v) for j, v in enumerate(r))
            for i, r in enumerate(a)]
    cols = "r" * (len(rows[0].split(" & ")) if rows else 1)  # an array, not bmatrix: no 10-column limit (MaxMatrixCols)
    return rf"\[ {tex(label)} = \left[\begin{{array}}{{{cols}}} " + r" \\ ".join(rows) + r" \end{array}\right] \]"


def step_latex(step: Step, fmt: Formatter) -> str:
    out = []
    eq = equation(step, fmt)
    maths = ([eq] if eq else []) + [worked(line, fmt) for line in step.lines]
    if step.prose:
        out += [r"\begin{itemize}"] + [rf"  \item {text(p)}" for p in step.prose] + [r"\end{itemize}"]
    if maths:
        out += _align(maths)
    for grid in step.grids:
        for label, a, hl in matrices(grid):
            out.append(_bmatrix(label, a, hl, fmt))
    if step.table is not None:
        align = "".join("r" if numeric else "l" for numeric in numeric_columns(step.table))
        out += [r"\begin{tabular}{" + align + "}", " & ".join(text(h) for h in step.table.headers) + r" \\ \hline"]
        out += [" & ".join(text(fmt(v)) for v in row) + r" \\" for row in step.table.rows]
        out.append(r"\end{tabular}")
    if step.note:
        out.append(text(step.note))
    return "\n".join(out)


def _answer(sol: Solution, fmt: Formatter) -> list[str]:
    """A list in text, not one maths row per key: a long vector breaks at its commas instead of running off
    the page; a list of records is summarised as in plain text."""
    from dlcalc.cli.render.plain import answer_lines

    return [r"\begin{itemize}"] + [rf"  \item {text(line)}" for line in answer_lines(sol, fmt)] + [r"\end{itemize}"]


def render(sol: Solution, fmt: Formatter, answer_only: bool = False) -> str:
    answer = _answer(sol, fmt)
    if answer_only:
        return "\n".join(answer)
    out = [rf"\section*{{{text(sol.title or sol.kind)}}}"]
    for n, step in enumerate(sol.steps, 1):
        out += [rf"\subsection*{{Step {n}: {text(step.title)}}}", step_latex(step, fmt)]
    out += [r"\subsection*{Answer}"] + answer
    out += [rf"\paragraph{{Warning.}} {text(w)}" for w in sol.warnings]
    return "\n".join(out)
