"""Worked lines that recompute: redone from the printed numbers, a line gives its printed result.

Steps show rounded values but carry full precision into the next step, so a true line can fail the
student who checks it: δ_h2 = 0.009954 is shown as 0.01, and `δ_h2·x1 = 0.01·0.05 = 0.0004977` does not
multiply out. Every worked line is filled here, for every renderer alike (plain, rich, Markdown, LaTeX and
the JSON steps' text and latex; JSON answers keep full precision and never pass here):

1. A `Text` template (or a step's `formula = substitution = result` chain) is cut into segments at `=` and
   `≈` (relations) and at `,` `;` `:` `→` and wide gaps (breaks). A segment is *arithmetic* when it is
   numbers and slots with + − - · × * / ^ ² ³, parentheses, brackets, unary minus and implicit products
   (½[…], 2(…)), read as the student reads the printed text; a *result* is a lone number. A negative slot
   right before ², ³ or ^ is printed in parentheses, (-0.4)², since -0.4² reads −(0.4²). `σ(…) = σ(…)`
   (any function name on both sides) compares the insides.
2. An arithmetic segment joined by `=`s (through further arithmetic segments) to a result must recompute,
   from its printed operands, to within half a unit in the last place of the result as --precision prints
   it: `precision` decimals, `precision` significant digits for small values (numbers.number's rule).
3. If it does not, its rounded operands get more digits (decimals, or significant digits for small values),
   one at a time to the operand whose rounding moves the result most, at most 3 per operand and 12 per
   segment, until it recomputes (`0.009954·0.05 = 0.0004977`): the digits that matter are shown.
   Otherwise the operands stay as they were and the `=` after the segment becomes `≈`: the line says it is
   not an identity of the printed numbers.

The companion rule is in numbers.number: a non-integer never prints as an integer (σ(10) is 1.0000, not 1),
so `σ(20·1.0000 + …)` is seen as rounded here and widened to `σ(20·0.999955 + …) = σ(9.9982)`.

Cost: a template is compiled once (cached); a line with nothing to check is one `str.format`, and a
checked segment is evaluated only when one of its operands was rounded (float(printed) ≠ value): operands
that print exactly recompute exactly. The parser is a small recursive descent over tokens, never eval().
Floats suffice: agreement has a margin of 1e-9 of the half unit and a few ulps, so a recomputation that
lands on a rounding boundary agrees either way, as it does on paper.
"""
from __future__ import annotations

import math
import re
import string
from functools import lru_cache
from typing import Any

import numpy as np

from dlcalc.calc.solution import Formatter, Text
from dlcalc.cli.render.numbers import GROUP, more_digits

EXTRA_DIGITS = 3     # at most this many more digits per rounded operand
MAX_ADDED = 12       # … and at most this many more digits in one segment, else ≈
MARGIN = 1 + 1e-9    # of the half unit: float recomputation on a rounding boundary agrees

_TOKEN = re.compile(r"(?P<gap>\s{2,})|(?P<sp>\s)|(?P<num>\d+(?:\.\d+)?(?:e[+-]?\d+)?)|(?P<rel>[=≈])"
                    r"|(?P<brk>[,;:→])|(?P<op>[-+−·*×/^²³()\[\]½])|(?P<other>.)", re.S)
_NUMBER_TYPES = (int, float, np.integer, np.floating)
_ADD, _MUL = {"+": "+", "-": "-", "−": "-"}, {"·": "*", "*": "*", "×": "*", "/": "/"}


# ---------------------------------------------------------------- agreement


def half_unit(shown: float, precision: int) -> float:
    """Half a unit in the last place of `shown` as number() prints it at `precision`."""
    a = abs(shown)
    if a >= 1e12:  # number() writes these as 1.2346e+12: max(precision, 1) decimals of the mantissa
        return 0.5 * 10.0 ** (math.floor(math.log10(a)) - max(precision, 1))
    if precision > 0 and 0 < a < 10.0 ** (1 - precision):  # small values: `precision` significant digits
        return 0.5 * 10.0 ** (math.floor(math.log10(a)) - precision + 1)
    return 0.5 * 10.0 ** -precision


def agrees(value: float, shown: float, precision: int) -> bool:
    """Does `value` (recomputed from printed operands) round to the printed `shown` at `precision`? A hair
    of margin (a billionth of the half unit, a few float ulps) lets a value on the boundary agree."""
    slack = half_unit(shown, precision) * MARGIN + 8 * math.ulp(max(abs(value), abs(shown)))
    return abs(value - shown) <= slack


# ---------------------------------------------------------------- arithmetic of printed numbers


class _Parser:
    """Recursive descent over (kind, payload) tokens into a postfix program: ("n", x) a number, ("s", k) the
    value of slot k, ("+"|"-"|"*"|"/"|"^", None) a binary operation, ("neg", None) unary minus. A slot is
    its signed value: a negative one under a power is printed in parentheses (see _line).

        expr  := term (('+' | '−') term)*
        term  := unary (('·' | '×' | '/') unary | <implicit> '(' …)*
        unary := ('−' | '+') unary | power
        power := atom ('²' | '³')* ('^' unary)?
        atom  := number | slot | '(' expr ')' | '[' expr ']'
    """

    def __init__(self, tokens: list[tuple[str, Any]]):
        self.tokens, self.i, self.prog = tokens, 0, []

    def parse(self) -> list | None:
        try:
            self.expr()
        except SyntaxError:
            return None
        return self.prog if self.i == len(self.tokens) else None

    def peek(self) -> tuple[str, Any]:
        return self.tokens[self.i] if self.i < len(self.tokens) else ("end", None)

    def take(self) -> tuple[str, Any]:
        tok = self.peek()
        self.i += 1
        return tok

    def expr(self) -> None:
        self.term()
        while self.peek()[0] == "op" and self.peek()[1] in _ADD:
            op = _ADD[self.take()[1]]
            self.term()
            self.prog.append((op, None))

    def term(self) -> None:
        self.unary()
        while True:
            kind, sym = self.peek()
            if kind == "op" and sym in _MUL:
                self.take()
                self.unary()
                self.prog.append((_MUL[sym], None))
            elif kind == "op" and sym in "([":  # ½[…], 2(…), (…)(…)
                self.unary()
                self.prog.append(("*", None))
            else:
                return

    def unary(self) -> None:
        kind, sym = self.peek()
        if kind == "op" and sym in _ADD:
            self.take()
            self.unary()
            if _ADD[sym] == "-":
                self.prog.append(("neg", None))
            return
        self.power()

    def power(self) -> None:
        self.atom()
        while self.peek() in (("op", "²"), ("op", "³")):
            self.prog += [("n", 2.0 if self.take()[1] == "²" else 3.0), ("^", None)]
        if self.peek() == ("op", "^"):
            self.take()
            self.unary()
            self.prog.append(("^", None))

    def atom(self) -> None:
        kind, sym = self.take()
        if kind in ("n", "s"):
            self.prog.append((kind, sym))
        elif kind == "op" and sym in "([":
            self.expr()
            if self.take() != ("op", ")" if sym == "(" else "]"):
                raise SyntaxError
        else:
            raise SyntaxError


def run(prog: list, slots: list[float]) -> float | None:
    """Evaluate a postfix program; None when it has no finite real value."""
    stack: list[float] = []
    try:
        for op, arg in prog:
            if op == "n":
                stack.append(arg)
            elif op == "s":
                stack.append(slots[arg])
            elif op == "neg":
                stack[-1] = -stack[-1]
            else:
                b = stack.pop()
                a = stack[-1]
                if op == "^":
                    if abs(b) > 1000:
                        return None
                    stack[-1] = a ** b
                else:
                    stack[-1] = a + b if op == "+" else a - b if op == "-" else a * b if op == "*" else a / b
    except (ZeroDivisionError, OverflowError, IndexError):
        return None
    v = stack[0] if len(stack) == 1 else None
    return v if isinstance(v, float) and math.isfinite(v) else None


# ---------------------------------------------------------------- compiling a template


class _Segment:
    __slots__ = ("wrapper", "prog", "atom", "slots", "rel")

    def __init__(self, tokens: list, rel: int | None):
        self.rel = rel  # where the `=` after it is in the parts (None: a break, a ≈ or the end)
        self.wrapper, inner = _unwrap(tokens)
        self.prog = _Parser(inner).parse() if inner and all(k in ("n", "s", "op") for k, _ in inner) else None
        self.atom = None  # a lone number: ("n", value, sign) or ("s", k, sign), sign the template's own
        if self.prog is not None:
            core = [t for t in inner if t != ("op", "+")]
            sign = -1.0 if core and core[0][0] == "op" and core[0][1] in "-−" else 1.0
            core = core[1:] if sign < 0 else core
            if len(core) == 1 and core[0][0] in ("n", "s"):
                self.atom = (core[0][0], core[0][1], sign)
        self.slots = [k for kind, k in inner if kind == "s"] if self.prog is not None else []


def _unwrap(tokens: list) -> tuple[str, list]:
    """`σ(…)` → ("σ", …): a function applied on both sides of `=` is compared by its argument."""
    if len(tokens) >= 3 and tokens[0][0] == "other" and tokens[1] == ("op", "(") and tokens[-1] == ("op", ")"):
        depth = 0
        for n, tok in enumerate(tokens[1:], 1):
            if tok[0] == "op" and tok[1] in "([":
                depth += 1
            elif tok[0] == "op" and tok[1] in ")]":
                depth -= 1
                if depth == 0 and n != len(tokens) - 1:
                    return "", tokens  # σ(a)·σ(b): not one application
        return tokens[0][1], tokens[2:-1]
    return "", tokens


class _Compiled:
    __slots__ = ("parts", "checks", "slots")

    def __init__(self, parts: list, checks: list, slots: int):
        self.parts, self.checks, self.slots = parts, checks, slots
        # parts: str | ("s", k) | ("r", "="); checks: (segment, target atom, the slots it reads)


@lru_cache(maxsize=8192)
def _compile(template: str) -> _Compiled | None:
    """The template's parts and checks; None when it has nothing to check. A slot is compiled as a number;
    a line whose checked slots do not hold finite numbers is not checked (see line())."""
    try:
        fields = list(string.Formatter().parse(template))
    except ValueError:
        return None
    tokens: list[tuple[str, Any]] = []   # for parsing
    parts: list = []                     # for writing the line back with a ≈
    slot = 0
    for literal, name, spec, conv in fields:
        for m in _TOKEN.finditer(literal):
            kind, text = m.lastgroup, m.group()
            if kind == "num":
                tokens.append(("n", float(text)))
            elif kind == "op" and text == "½":
                tokens.append(("n", 0.5))
            elif kind == "rel":
                tokens.append(("rel", (text, len(parts))))
                parts.append(("r", text))
                continue
            elif kind == "other" and tokens and tokens[-1][0] == "other":
                tokens[-1] = ("other", tokens[-1][1] + text)
            elif kind != "sp":
                tokens.append(("brk", text) if kind == "gap" else (kind, text))
            if parts and isinstance(parts[-1], str):
                parts[-1] += text
            else:
                parts.append(text)
        if name is None:
            continue
        if name != "" or spec or conv:
            return None  # {0}, {:.2f}: not ours to fill
        tokens.append(("s", slot))
        parts.append(("s", slot))
        slot += 1
    segments, current = [], []
    for tok in tokens + [("brk", "")]:
        if tok[0] in ("rel", "brk"):
            segments.append(_Segment(current, tok[1][1] if tok[0] == "rel" and tok[1][0] == "=" else None))
            current = []
        else:
            current.append(tok)
    checks = []
    for i, seg in enumerate(segments):
        if seg.prog is None or seg.atom is not None or not seg.slots:
            continue
        j = i
        while segments[j].rel is not None and j + 1 < len(segments):
            j += 1
            nxt = segments[j]
            if nxt.prog is None or nxt.wrapper != seg.wrapper:
                break
            if nxt.atom is not None:
                need = seg.slots + ([nxt.atom[1]] if nxt.atom[0] == "s" else [])
                checks.append((seg, nxt.atom, need))
                break
    return _Compiled(parts, checks, slot) if checks else None


@lru_cache(maxsize=1024)
def _power_bases(template: str) -> tuple[int, ...]:
    """The slots written right before ², ³ or ^."""
    try:
        fields = list(string.Formatter().parse(template))  # (text before, field) pairs
    except ValueError:
        return ()
    out, slot = [], 0
    for n, (_, name, _, _) in enumerate(fields):
        if name is None:
            continue
        if n + 1 < len(fields) and fields[n + 1][0][:1] in ("²", "³", "^"):
            out.append(slot)
        slot += 1
    return tuple(out)


def _real(v: Any) -> bool:
    """A finite number (not a truth value), as a slot must hold to be recomputed."""
    if type(v) in (float, np.float64):
        return math.isfinite(v)
    if type(v) is int:
        return True
    return isinstance(v, _NUMBER_TYPES) and not isinstance(v, (bool, np.bool_)) and math.isfinite(v)


# ---------------------------------------------------------------- filling a line


def line(text: Text, fmt: Formatter) -> str:
    """The line with its numbers filled in, checked as the module docstring says. A formatter's `memo`
    keeps what it wrote for each Text object (JSON writes every step twice: text and latex)."""
    values = text.values
    if not values:
        return text.template
    memo = getattr(fmt, "memo", None)
    if memo is None:
        return _line(text, fmt)
    seen = memo.get(id(text))
    if seen is not None and seen[0] is text:  # the object itself is kept, so its id is not reused
        return seen[1]
    out = _line(text, fmt)
    if len(memo) < 100_000:
        memo[id(text)] = (text, out)
    return out


def _line(text: Text, fmt: Formatter) -> str:
    values, template = text.values, text.template
    strs = [fmt(v) for v in values]
    bases = _power_bases(template) if "}²" in template or "}^" in template or "}³" in template else ()
    precision = getattr(fmt, "precision", None)
    if precision is None or not _any_rounded(values, strs, template.endswith("= {}")):
        return template.format(*_bracketed(strs, bases))  # nothing rounded: the line recomputes exactly
    compiled = _compile(template)
    if compiled is None or compiled.slots != len(values):
        return template.format(*_bracketed(strs, bases))
    approx = []
    for seg, (kind, ref, sign), need in compiled.checks:
        if not all(_real(values[k]) for k in need):
            continue  # a word, a list or inf in a slot: not arithmetic of printed numbers
        rounded = [k for k in seg.slots if _num(strs[k]) != values[k]]
        if not rounded:
            continue  # operands printed exactly: the line recomputes exactly
        shown = sign * (ref if kind == "n" else _num(strs[ref]))
        if _recomputes(seg, strs, shown, precision):
            continue
        better = _widened(seg, strs, rounded, values, shown, precision)
        if better is None:
            approx.append(seg.rel)
        else:
            strs = better
    strs = _bracketed(strs, bases)
    if not approx:
        return template.format(*strs)
    out = [part if isinstance(part, str) else strs[part[1]] if part[0] == "s" else part[1] for part in compiled.parts]
    for n in approx:
        out[n] = "≈"
    return "".join(out)


def _num(printed: str) -> float:
    """A printed number's value: its digits grouped (120 847) or not."""
    return float(printed.replace(GROUP, "") if GROUP in printed else printed)


def _bracketed(strs: list[str], bases: tuple[int, ...]) -> list[str]:
    """-0.4² is −(0.4²) on paper: a negative slot right before a power is written (-0.4)²."""
    for k in bases:
        if k < len(strs) and strs[k][:1] == "-":
            strs = [*strs[:k], f"({strs[k]})", *strs[k + 1:]]
    return strs


def _any_rounded(values: tuple, strs: list[str], last_is_result: bool) -> bool:
    """Is some value that could be an operand printed rounded? Integers never are; the last slot of a
    line ending in `= {}` is a result, not an operand."""
    n = len(values) - 1 if last_is_result else len(values)
    for i in range(n):
        v = values[i]
        kind = type(v)
        if kind is int:
            continue
        if kind is float or kind is np.float64:
            if _num(strs[i]) != v:
                return True
        elif isinstance(v, np.floating):
            return True
    return False


def _widened(seg: _Segment, strs: list[str], rounded: list[int], values: tuple, shown: float,
             precision: int) -> list[str] | None:
    """The slots with rounded operands given more digits until the segment recomputes, or None (too long).

    One digit at a time, to the operand whose rounding moves the recomputation most (against the same
    line with that operand at full precision): (0.0028·0.5 + 0.0081·0.1)·0.2232 becomes
    (0.002753·0.5 + 0.00809·0.1)·0.2232. A value written twice in the segment gets the same digits twice."""
    groups: dict = {}
    for k in rounded:
        groups.setdefault(values[k], []).append(k)
    trial, extra, added = list(strs), dict.fromkeys(groups, 0), 0
    while True:
        now, best = _value(seg, trial), None
        for v, slots in groups.items():
            if extra[v] == EXTRA_DIGITS:
                continue
            exact = list(trial)
            for k in slots:
                exact[k] = repr(float(v))
            value = _value(seg, exact)
            moves = abs(value - now) if value is not None and now is not None else math.inf
            if best is None or moves > best[0]:
                best = (moves, v)
        if best is None:
            return None
        v = best[1]
        for more in range(extra[v] + 1, EXTRA_DIGITS + 1):  # the next digit that shows (0.002 → 0.0020 does not)
            text = more_digits(v, precision, more)
            if text != trial[groups[v][0]]:
                break
        added += (more - extra[v]) * len(groups[v])
        if added > MAX_ADDED or text == trial[groups[v][0]]:
            return None
        extra[v] = more
        for k in groups[v]:
            trial[k] = text
        if _recomputes(seg, trial, shown, precision):
            return trial


def _value(seg: _Segment, strs: list[str]) -> float | None:
    """The segment recomputed from the printed numbers `strs` (signed, as printed)."""
    slots = [0.0] * len(strs)
    for k in seg.slots:
        slots[k] = _num(strs[k])
    return run(seg.prog, slots)


def _recomputes(seg: _Segment, strs: list[str], shown: float, precision: int) -> bool:
    value = _value(seg, strs)
    return value is None or agrees(value, shown, precision)  # None: no real value to compare (0/0, overflow)


def chain(formula: str, texts: list[Text | None], fmt: Formatter) -> str:
    """`formula = substitution = result` as one line, checked across its `=`s (empty parts left out)."""
    present = [x for x in texts if x is not None and (x.values or x.template)]
    if not any(x.values for x in present):
        return " = ".join(([formula] if formula else []) + [x.template for x in present])
    memo = getattr(fmt, "memo", None)
    key = (formula, *map(id, present))
    seen = memo.get(key) if memo is not None else None
    if seen is not None and all(a is b for a, b in zip(seen[0], present)):
        return seen[1]
    esc = lambda s: s.replace("{", "{{").replace("}", "}}")  # noqa: E731
    templates = ([esc(formula)] if formula else []) + [x.template if x.values else esc(x.template) for x in present]
    out = _line(Text(" = ".join(templates), tuple(v for x in present for v in x.values)), fmt)
    if memo is not None and len(memo) < 100_000:
        memo[key] = (present, out)
    return out
