"""LaTeX document body (needs amsmath): align* for worked lines, bracketed arrays for matrices."""
from __future__ import annotations

import re
from functools import lru_cache

from dlcalc.calc.solution import Solution, Step
from dlcalc.cli.render.layout import Formatter, equation, matrices, numeric_columns, table_cells, worked
from dlcalc.cli.render.numbers import GROUP, ungrouped

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
    GROUP: r"\,", "÷": r" \div ", "⇒": r"\Rightarrow ", "∀": r"\forall ", "∉": r"\notin ", "≡": r"\equiv ", "⋅": r" \cdot ",
}
# combining accents follow their letter: x̂ → \hat{x}, x̄ → \bar{x}, ẋ → \dot{x}, x̃ → \tilde{x}
_ACCENTS = {"\u0302": "hat", "\u0304": "bar", "\u0307": "dot", "\u0303": "tilde", "\u20d7": "vec"}
_ACCENT_RE = re.compile(f"(\\\\[A-Za-z]+ ?|.)([{''.join(_ACCENTS)}])")
_SUB = dict(zip("₀₁₂₃₄₅₆₇₈₉ₜ₊₋ᵢⱼₖ", "0123456789t+-ijk"))
_SUP = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻ⁿᵗⁱ", "0123456789+-nti"))
_SUBSCRIPT_RE = re.compile(f"_([^\\W{''.join(_SUP)}]+)")
_SCRIPTS = re.compile(f"[{''.join(_SUB)}]+|[{''.join(_SUP)}]+")
_SYMBOL_RE = re.compile("|".join(re.escape(k) for k in sorted(_SYMBOLS, key=len, reverse=True)))


# A snake_case name (grad_output, input_shape, cross_entropy) is an identifier, set upright as text, not
# `grad` with the subscript `output`: a name of two or more characters with a part after an underscore
# of three or more letters. Shorter tails stay subscripts, as the steps mean them: out_h1, net_ij, X_pad.
_NAME_RE = re.compile(r"(?<![\\\w])[A-Za-z][A-Za-z0-9]+(?:_[A-Za-z0-9]+)+(?!\w)")
# a space between words (`fc1 input`, `row 1`, `0.5 (bias)`) is kept: maths would drop it (fc1input)
_WORD_SPACE = re.compile(r"(?<=[A-Za-z0-9.)\]]) (?=[A-Za-z0-9(])")
# while the rules below run: a kept space, a script's braces, braces written in the step ({w1: 0, w2: 0})
_SPACE, _OPEN, _CLOSE, _LBRACE, _RBRACE = "\uf8ff", "\uf8fd", "\uf8fe", "\uf8fb", "\uf8fc"
_E_NOTATION = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)e([+\-−]?)0*(\d+)(?![\w.])")   # 4.54e-05 → 4.54·10⁻⁵


def is_name(word: str) -> bool:
    parts = word.split("_")
    return "_" in word and len(parts[0]) >= 2 and any(len(p) >= 3 and p.isalpha() for p in parts[1:])


def name(word: str) -> str:
    """An identifier (a field's name, an option's value) in maths: upright text, underscores escaped."""
    return rf"\text{{{word.replace('_', chr(92) + '_')}}}"


_WORD_RE = re.compile(r"(?<![\\{\w])([A-Za-z]{2,})(?![A-Za-z])")  # a word of letters: \ln, \mathrm{sign}
_TWO_LETTERS = re.compile("[A-Za-z]{2}")
_EXPONENT = re.compile(r"\de[+\-−]?\d")
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_SCRIPT_CHARS = frozenset(_SUB) | frozenset(_SUP)
_SYMBOL_FIRST = frozenset(k[0] for k in _SYMBOLS)
_ACCENT_CHARS = frozenset(_ACCENTS)


@lru_cache(maxsize=65_536)
def tex(s: str) -> str:
    """Unicode maths as written in steps → LaTeX maths; a character with no LaTeX name is set as \\text{…}.
    Each rule runs only when the line holds what it rewrites (a cheap test first: lines are many)."""
    names: list[str] = []

    def keep(m: re.Match) -> str:  # identifiers wait outside the rules below as a private-use character
        if not is_name(m.group(0)):
            return m.group(0)
        names.append(name(m.group(0)))
        return chr(0xE000 + len(names) - 1)

    underscore, ascii_only = "_" in s, s.isascii()
    if underscore:
        s = _NAME_RE.sub(keep, s)
    s = s.replace("{", _LBRACE).replace("}", _RBRACE) if "{" in s or "}" in s else s  # {w1: 0}: braces shown
    if " " in s:
        s = _WORD_SPACE.sub(lambda m: " " if _after_function(s, m.start()) else _SPACE, s)
    if "e" in s and _EXPONENT.search(s):
        s = _E_NOTATION.sub(_power_of_ten, s)
    s = _scripts_braced(s) if "^(" in s or "_(" in s else s
    if underscore:
        s = _SUBSCRIPT_RE.sub(r"_{\1}", s)  # σ_B² is σ_B squared: the superscript stays outside the braces
    if _TWO_LETTERS.search(s):
        s = _WORD_RE.sub(_word, s)
    if not ascii_only and not _SCRIPT_CHARS.isdisjoint(s):
        s = _SCRIPTS.sub(_script, s)  # runs: ₁₀ → _{10}, ⁻¹ → ^{-1}
    if not _SYMBOL_FIRST.isdisjoint(s):
        s = _SYMBOL_RE.sub(lambda m: _SYMBOLS[m.group(0)], s)
    if not ascii_only and not _ACCENT_CHARS.isdisjoint(s):
        s = _ACCENT_RE.sub(lambda m: rf"\{_ACCENTS[m.group(2)]}{{{m.group(1).strip()}}}", s)
    if names:
        s = re.sub(f"[\ue000-{chr(0xE000 + len(names) - 1)}]", lambda m: names[ord(m.group(0)) - 0xE000], s)
    if not s.isascii():
        s = s.replace(_SPACE, "\\ ").replace(_OPEN, "{").replace(_CLOSE, "}").replace(_LBRACE, r"\{").replace(_RBRACE, r"\}")
        s = _NON_ASCII.sub(lambda m: rf"\text{{{m.group(0)}}}", s) if not s.isascii() else s
    return s


def _power_of_ten(m: re.Match) -> str:
    sign = "-" if m.group(2) in ("-", "−") else ""
    return rf"{m.group(1)} \times 10^{{{sign}{m.group(3)}}}"


def _after_function(s: str, i: int) -> bool:
    """Does the space at `i` follow `ln`, `max_j`, `Σ_k`…? (they space their argument themselves)"""
    m = re.search(r"(?<![A-Za-z])([A-Za-z]+|[Σ∑∏])(?:_\w+)?$", s[:i])
    return m is not None and (m.group(1) in _FUNCS or m.group(1) in "Σ∑∏")


def _scripts_braced(s: str) -> str:
    """`e^(s − max)`, `e_(label)`: the parentheses only group the script, so they become its braces
    (LaTeX would raise the `(` alone). Unbalanced, they are left as they are."""
    out, i = [], 0
    while i < len(s):
        if s[i] in "^_" and s.startswith("(", i + 1):
            depth, j = 0, i + 1
            for j in range(i + 1, len(s)):
                depth += {"(": 1, ")": -1}.get(s[j], 0)
                if depth == 0:
                    break
            if depth == 0:
                out.append(s[i] + _OPEN + _scripts_braced(s[i + 2:j]) + _CLOSE)
                i = j + 1
                continue
        out.append(s[i])
        i += 1
    return "".join(out)


def _script(m: re.Match) -> str:
    run = m.group(0)
    return "_{" + "".join(_SUB[c] for c in run) + "}" if run[0] in _SUB else "^{" + "".join(_SUP[c] for c in run) + "}"


def _word(m: re.Match) -> str:
    w = m.group(1)
    if w in _FUNCS:
        return f"\\{w} "
    return {"inf": r"\infty ", "nan": r"\mathrm{NaN}"}.get(w, f"\\mathrm{{{w}}}")


# prose specials: \^ and \~ alone are accents (x\^2 would put a hat on the 2); < > | are maths, so that they
# print right in any font encoding (OT1, the default, has no such glyphs in text)
_PROSE = {"\\": r"\textbackslash{}", "^": r"\^{}", "~": r"\~{}", "<": "$<$", ">": "$>$", "|": "$|$"}
_PROSE_RE = re.compile(r"[\\%#&_$^{}~<>|]")


@lru_cache(maxsize=65_536)
def text(s: str) -> str:
    """Prose: escape LaTeX specials; mathematical Unicode becomes inline maths, so pdflatex copes too."""
    s = _PROSE_RE.sub(lambda m: _PROSE.get(m.group(0)) or "\\" + m.group(0), s).replace("--", "-{}-")  # --no-flip
    if s.isascii():  # what follows rewrites Unicode only (a table's numbers are ASCII)
        return s
    s = s.replace(GROUP, r"\,")  # 120 847: a thin space in text too
    s = _ACCENT_RE.sub(lambda m: rf"$\{_ACCENTS[m.group(2)]}{{{m.group(1)}}}$", s)  # m̂ → $\hat{m}$
    s = "".join(f"${_SYMBOLS[c].strip()}$" if ord(c) > 127 and c in _SYMBOLS and _SYMBOLS[c].strip() else c
                for c in s)
    return _SCRIPTS.sub(lambda m: f"${_script(m)}$", s)


# A worked line longer than the page is broken, as on paper, before an operator, the continuation
# indented under the `=`. Widths are guessed from the line as text (about 5pt a character, what maths
# at 10pt takes, a little more than it needs), for the narrowest page a body is pasted into: the
# default article's 345pt. A wider page only has room to spare.
WIDTH = 66          # characters of maths on one line
LONG_LHS = 22       # a left side longer than this, on a line too long, is not aligned with the others
_BEFORE = (" = ", " + ", " − ", " - ", " → ", " ← ", " ≈ ", " / ")   # a continuation opens with these
_AFTER = (", ", "; ", ": ")                                            # and a line ends with these


# the combining marks a worked line can hold (m̂, x̄): they take no room of their own
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def _chars(s: str) -> int:
    return len(s) if s.isascii() else len(s) - len(_COMBINING.findall(s))


_BEFORE_SET, _AFTER_SET = frozenset(_BEFORE), frozenset(_AFTER)   # each 3 and 2 characters long
_CUT_CHARS = re.compile(r"[(\[{)\]} ,;:]")                         # what _cuts looks at, not every character


def _cuts(s: str, level: int) -> list[int]:
    """Where `s` may be cut: level 0 outside brackets; 1 also after a `,` inside them (a long vector);
    2 also before an operator inside them, or at any space. Never inside a script's `^(…)` or `_(…)`."""
    cuts, depth, scripts, in_script = [], 0, [], 0
    for m in _CUT_CHARS.finditer(s):
        i, c = m.start(), m.group()
        if c in "([{":
            opens = i > 0 and s[i - 1] in "^_"
            scripts.append(opens)
            in_script += opens
            depth += 1
        elif c in ")]}":
            if depth:
                in_script -= scripts.pop()
                depth -= 1
        elif in_script:  # every cut is at a space or after , ; :
            continue
        elif c == " ":
            if s[i:i + 3] in _BEFORE_SET and (depth == 0 or level >= 2):
                cuts.append(i + 1)
            elif level >= 2 and depth == 0:
                cuts.append(i + 1)
        elif s[i:i + 2] in _AFTER_SET and (depth == 0 or level >= 1):
            cuts.append(i + 2)
    return cuts


def _pieces(s: str, room: int) -> list[str]:
    """`s` cut into lines of at most `room` characters, as few cuts inside brackets as will do."""
    if _chars(s) <= room:
        return [s]
    width: range | list[int] = range(len(s) + 1)  # width[i]: the characters of s[:i], so that a slice's is a difference
    if not s.isascii() and _COMBINING.search(s):
        width = [0]
        for c in s:
            width.append(width[-1] + (not _COMBINING.match(c)))
    for level in range(3):
        out, start, last = [], 0, 0
        for cut in _cuts(s, level) + [len(s)]:
            if width[cut] - width[start] > room and last > start:
                out.append(s[start:last].rstrip())
                start = last
            last = cut
        out.append(s[start:].rstrip())
        if all(_chars(piece) <= room for piece in out) or level == 2:
            return [piece for piece in out if piece]
    return [s]


def _row(lhs: str, pieces: list[str], given: bool, rel: str = "=") -> list[str]:
    """`lhs &= first` (or `& first` with no left side), then `&\\quad rest` for each continuation;
    one that opens with `=` is aligned on it."""
    rows = []
    for n, piece in enumerate(pieces):
        if n == 0:
            rows.append(f"  {_side(lhs, given)} &{rel} {_value(piece, given)}" if lhs is not None else f"  & {tex(piece)}")
        elif piece.startswith("= "):
            rows.append(f"  &= {tex(piece[2:])}")
        else:  # {}+ keeps the operator binary (spaced as in the line it continues)
            rows.append(r"  &\quad {}" + tex(piece))
    return rows


def _side(lhs: str, given: bool) -> str:
    """The Given step's left sides (and its matrices' labels) are the problem's field names: identifiers,
    never maths; a channel's index stays maths (`grad_output[0,1]`)."""
    m = re.fullmatch(r"(\w+)(\[[\d,]+\])?", lhs) if given else None
    return name(m.group(1)) + (m.group(2) or "") if m else tex(lhs)


def _value(rhs: str, given: bool) -> str:
    """A Given value that is a word (`out_in`, `half_sse`) is the option's value as typed."""
    return name(rhs) if given and re.fullmatch(r"[A-Za-z]\w*", rhs) else tex(rhs)


def _align(lines: list[str], given: bool = False) -> list[str]:
    """Worked lines aligned on their first `=`; on a page too narrow for that, a line whose left side is
    long is left unaligned, and lines too long are broken."""
    rows = []
    for line in lines:
        lhs, sep, rhs = line.partition(" = ")
        if " ≈ " in lhs:  # aligned at the first relation, whichever it is
            lhs, sep, rhs = line.partition(" ≈ ")
        rel = "=" if sep == " = " else r"\approx"
        if given and not sep and re.match(r"\w+: ", line):  # `layers: conv → relu → …` names a field too
            head = line.partition(": ")[0] + ": "
            rows.append((None, line[len(head):], head, rel))
        else:
            rows.append((lhs, rhs, "", rel) if sep else (None, line, "", rel))
    sides = [(_chars(lhs), _chars(rest)) for lhs, rest, _, _ in rows if lhs is not None]
    if sides and max(a for a, _ in sides) + 3 + max(b for _, b in sides) > WIDTH:
        rows = [(lhs, rest, head, rel) if lhs is None or _chars(lhs) <= LONG_LHS else
                (None, f"{lhs} {'=' if rel == '=' else '≈'} {rest}", head, rel) for lhs, rest, head, rel in rows]
    widest = max([_chars(lhs) for lhs, _, _, _ in rows if lhs is not None], default=0)
    room = max(WIDTH - widest - 3, WIDTH // 2)
    out = []
    for lhs, rest, head, rel in rows:
        pieces = _pieces(rest, room - _chars(head))
        first = _row(lhs, pieces, given, rel)
        out += [first[0].replace("& ", f"& {name(head[:-2])}: ", 1)] + first[1:] if head else first
    return [r"\begin{align*}", " \\\\\n".join(out), r"\end{align*}"]


def _bmatrix(label: str, a, hl: set, fmt: Formatter, given: bool = False) -> str:
    shown = [[ungrouped(fmt(v)) for v in r] for r in a.tolist()]  # a grid's numbers are not grouped
    cells = [[tex(c) for c in r] for r in shown]
    rows = [" & ".join(rf"\mathbf{{{c}}}" if (i, j) in hl else c for j, c in enumerate(r)) for i, r in enumerate(cells)]
    cols = "r" * (len(cells[0]) if cells else 1)  # an array, not bmatrix: no 10-column limit (MaxMatrixCols)
    maths = rf"{_side(label, given)} = \left[\begin{{array}}{{{cols}}} " + r" \\ ".join(rows) + r" \end{array}\right]"
    wide = _chars(label) + 3 + sum(max(map(len, col)) + 2 for col in zip(*shown)) > WIDTH * 3 // 4  # numbers: ASCII
    return rf"\[ {_fitted('$' + chr(92) + 'displaystyle ' + maths + '$') if wide else maths} \]"


def _fitted(box: str) -> str:
    """`box` scaled down to the line's width if, set, it turns out wider (never scaled up); what is guessed
    wide is wrapped, so that a narrow matrix stays plain LaTeX. Needs graphicx (\\resizebox)."""
    return rf"\sbox0{{{box}}}\ifdim\wd0>\linewidth\resizebox{{\linewidth}}{{!}}{{\usebox0}}\else\usebox0\fi"


def _tabular(table, fmt: Formatter) -> list[str]:
    align = "".join("r" if numeric else "l" for numeric in numeric_columns(table))
    cells = table_cells(table, fmt)
    rows = [[text(c) for c in row] for row in cells]
    out = [r"\begin{tabular}{" + align + "}", " & ".join(text(h) for h in table.headers) + r" \\ \hline"]
    out += [" & ".join(row) + r" \\" for row in rows]
    out.append(r"\end{tabular}")
    shown = [[h] + [r[j] for r in cells if j < len(r)] for j, h in enumerate(table.headers)]
    if sum(max(map(_chars, col)) + 3 for col in shown) > WIDTH * 3 // 4:  # text is wider than maths a character
        out = [r"\par\noindent" + _fitted("\n".join(out)) + r"\par"]
    return out


def step_latex(step: Step, fmt: Formatter) -> str:
    out = []
    eq = equation(step, fmt)
    maths = ([eq] if eq else []) + [worked(line, fmt) for line in step.lines]
    if step.prose:
        out += [r"\begin{itemize}"] + [rf"  \item {text(p)}" for p in step.prose] + [r"\end{itemize}"]
    if maths:
        out += _align(maths, given=step.role == "given")
    for grid in step.grids:
        for label, a, hl in matrices(grid):
            out.append(_bmatrix(label, a, hl, fmt, given=step.role == "given"))
    if step.table is not None:
        out += _tabular(step.table, fmt)
    if step.note:
        out.append(text(step.note))
    return "\n".join(out)


def _answer(sol: Solution, fmt: Formatter, full: bool = False) -> list[str]:
    """A list in text, not one maths row per key: a long vector breaks at its commas instead of running off
    the page; a list of records is summarised as in plain text."""
    from dlcalc.cli.render.plain import answer_lines

    return [r"\begin{itemize}"] + [rf"  \item {text(line)}" for line in answer_lines(sol, fmt, full)] + [r"\end{itemize}"]


def render(sol: Solution, fmt: Formatter, answer_only: bool = False, full: bool = False) -> str:
    answer = _answer(sol, fmt, full)
    if answer_only:
        return "\n".join(answer)
    out = [rf"\section*{{{text(sol.title or sol.kind)}}}"]
    for n, step in enumerate(sol.steps, 1):
        out += [rf"\subsection*{{Step {n}: {text(step.title)}}}", step_latex(step, fmt)]
    out += [r"\subsection*{Answer}"] + answer
    out += [rf"\paragraph{{Warning.}} {text(w)}" for w in sol.warnings]
    return "\n".join(out)


# What the bodies above need, and nothing outside texlive-latex-base and -recommended: amsmath (align*,
# \text), amssymb, graphicx (\resizebox for a matrix wider than the line). No fontenc: T1 without the
# cm-super fonts gives bitmap fonts, and the bodies need no glyph T1 adds (< > | are set as maths); for
# the same reason the list bullet is the maths one (the text bullet is a bitmap without cm-super).
PREAMBLE = r"""\documentclass[11pt,a4paper]{article}
\usepackage[utf8]{inputenc}
\usepackage{amsmath,amssymb}
\usepackage{graphicx}
\usepackage[margin=2.5cm]{geometry}
\setlength{\parindent}{0pt}
\renewcommand{\labelitemi}{$\bullet$}
"""


def document(body: str, title: str = "") -> str:
    """A whole LaTeX document around rendered bodies (one solution's, or several one after the other):
    the preamble they need, `title` (prose, escaped here) as a heading when given, and the body."""
    head = rf"\begin{{center}}\LARGE\bfseries {text(title)}\end{{center}}" + "\n" if title.strip() else ""
    return PREAMBLE + "\\begin{document}\n" + head + body.rstrip("\n") + "\n\\end{document}"
