"""Worked lines recompute from their printed numbers (cli/render/recompute.py, numbers.number's integer rule).

The checker below is this file's own: it reads a printed line as a student does (its own tokenizer and
parser, exact `fractions.Fraction` arithmetic on the printed decimals), never the product's code. A line
passes when every `arithmetic = … = result` chain in it gives the printed result to the printed precision
(half a unit in the last place --precision prints: `p` decimals, `p` significant digits below 10^(1−p)),
or when the line says `≈` instead.
"""
from __future__ import annotations

import math
import re
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dlcalc.calc.solution import t
from dlcalc.cli.render import recompute
from dlcalc.cli.render.numbers import formatter, number

# ---------------------------------------------------------------- the test's own reading of a printed line

_PIECES = re.compile(r"(=|≈|,|;|:|→|\s{2,})")
_TOKENS = re.compile(r"\s*(\d+(?:\.\d+)?(?:e[+-]?\d+)?|[-+−·×*/^²³()\[\]½]|\S)")
_WRAPPED = re.compile(r"^([^\d\s()\[\]+\-−·×*/^²³½]+)\((.*)\)$")


class _Unreadable(Exception):
    pass


def _tokens(text: str) -> list[str]:
    out, pos = [], 0
    text = text.strip()
    while pos < len(text):
        m = _TOKENS.match(text, pos)
        out.append(m.group(1))
        pos = m.end()
    return out


def _is_number(tok: str) -> bool:
    return tok[0].isdigit() or tok == "½"


def evaluate(text: str) -> Fraction | None:
    """Exact value of a printed arithmetic expression; None if it is not one (words, lists, 0/0)."""
    toks = _tokens(text)
    if not toks or any(not (_is_number(x) or x in "-+−·×*/^²³()[]") for x in toks):
        return None
    pos = 0

    def peek() -> str:
        return toks[pos] if pos < len(toks) else ""

    def take() -> str:
        nonlocal pos
        if pos >= len(toks):
            raise _Unreadable
        pos += 1
        return toks[pos - 1]

    def expr() -> Fraction:
        v = term()
        while peek() in ("+", "-", "−"):
            v = v + term() if take() == "+" else v - term()
        return v

    def term() -> Fraction:
        v = signed()
        while True:
            if peek() in ("·", "×", "*"):
                take()
                v *= signed()
            elif peek() == "/":
                take()
                d = signed()
                if d == 0:
                    raise _Unreadable
                v /= d
            elif peek() in ("(", "["):  # ½[…], 2(…)
                v *= signed()
            else:
                return v

    def signed() -> Fraction:
        if peek() in ("-", "−"):
            take()
            return -signed()
        if peek() == "+":
            take()
            return signed()
        base = primary()
        while peek() in ("²", "³"):
            base = base ** (2 if take() == "²" else 3)
        if peek() == "^":
            take()
            e = signed()
            if e.denominator != 1 or abs(e) > 50:
                raise _Unreadable
            if base == 0 and e < 0:
                raise _Unreadable
            base = base ** int(e)
        return base

    def primary() -> Fraction:
        tok = take()
        if tok == "½":
            return Fraction(1, 2)
        if _is_number(tok):
            return Fraction(Decimal(tok))
        if tok in ("(", "["):
            v = expr()
            if take() != (")" if tok == "(" else "]"):
                raise _Unreadable
            return v
        raise _Unreadable

    try:
        v = expr()
    except _Unreadable:
        return None
    return v if pos == len(toks) else None


def _lone_number(text: str) -> bool:
    toks = _tokens(text)
    while toks and toks[0] in ("-", "−", "+"):
        toks = toks[1:]
    return len(toks) == 1 and _is_number(toks[0])


def _unwrap(piece: str) -> tuple[str, str]:
    m = _WRAPPED.match(piece.strip())
    if m:
        depth = 0
        for c in m.group(2):
            depth += c in "(["
            depth -= c in ")]"
            if depth < 0:
                return "", piece.strip()
        if depth == 0:
            return m.group(1), m.group(2)
    return "", piece.strip()


def half_unit(printed: str, precision: int) -> Fraction:
    """Half a unit in the last place of a printed result at --precision (the display rule of the contract)."""
    d = Decimal(printed)
    a = abs(d)
    if a >= Decimal("1e12"):
        unit = Fraction(10) ** (a.adjusted() - max(precision, 1))
    elif precision > 0 and 0 < a < Decimal(10) ** (1 - precision):
        unit = Fraction(10) ** (a.adjusted() - precision + 1)
    else:
        unit = Fraction(10) ** -precision
    return unit / 2


def disagreements(line: str, precision: int) -> list[str]:
    """The chains of `line` that do not recompute to their printed result (empty: the line is honest)."""
    parts = _PIECES.split(line)
    pieces, seps = parts[0::2], parts[1::2] + [""]
    bad = []
    for i, piece in enumerate(pieces):
        wrap, inner = _unwrap(piece)
        if _lone_number(inner) or evaluate(inner) is None:
            continue
        j = i
        while seps[j] == "=" and j + 1 < len(pieces):
            j += 1
            wrap_j, inner_j = _unwrap(pieces[j])
            if wrap_j != wrap or evaluate(inner_j) is None:
                break
            if _lone_number(inner_j):
                value, shown = evaluate(inner), Fraction(Decimal(inner_j.replace("−", "-").replace(" ", "")))
                if abs(value - shown) > half_unit(inner_j.replace("−", "-").replace(" ", ""), precision) * \
                        Fraction(1000001, 1000000):
                    bad.append(f"{piece.strip()} = {pieces[j].strip()} (recomputes to {float(value):.10g})")
                break
    return bad


def test_the_checker_itself() -> None:
    assert disagreements("∂L/∂w3 = δ_h2·x1 = 0.01·0.05 = 0.0004977", 4)
    assert not disagreements("∂L/∂w3 = δ_h2·x1 = 0.009954·0.05 = 0.0004977", 4)
    assert not disagreements("∂L/∂w3 = δ_h2·x1 = 0.01·0.05 ≈ 0.0004977", 4)
    assert disagreements("v̂₂ = v₂/(1 − β2^2) = 0.0072/0.002 = 3.6198", 4)
    assert disagreements("out = σ(20·1 + 20·1 + (-30)) = σ(9.9982) = 1", 4)
    assert not disagreements("out = σ(20·1 + 20·1 + (-30)) = σ(10) = 1.0000", 4)
    assert disagreements("1 − 0.1·(-0.408)² = 0.5", 4) and not disagreements("1 − (-0.4)² = 0.84", 4)
    assert not disagreements("-0.4² = -0.16", 4) and not disagreements("L = ½[(0.5 − 0.25)² + 0.5²] = 0.15625", 5)
    assert not disagreements("(0.1385·0.4 + (-0.0381)·0.5) · 0.2413 = 0.0364 · 0.2413 = 0.0088", 4)
    assert disagreements("(0.1 + 0.2) · 3 = 0.3 · 3 = 0.8", 4)  # both chains are wrong
    assert not disagreements("x = (0, 1):  net = [0.5, 0.25]", 4)


# ---------------------------------------------------------------- the three lines of the report


def _line_starting(out: str, start: str) -> str:
    found = [ln.strip() for ln in out.splitlines() if ln.strip().startswith(start)]
    assert found, f"no line starting {start!r} in\n{out}"
    return found[0]


def test_backprop_gradient_line_recomputes(dlcalc) -> None:
    # bd8-backprop-222 (the 2-2-2 network of the lecture): δ_h2 = 0.0099537 was shown as 0.01, so the printed
    # ∂L/∂w3 = δ_h2·x1 = 0.01·0.05 = 0.0004977 gave 0.0005 to whoever multiplied it out.
    r = dlcalc("solve", "--example", "bd8-backprop-222", "-f", "plain")
    assert r.code == 0, r.err
    line = _line_starting(r.out, "∂L/∂w3 = δ_h2·x1 =")
    assert "0.0004977" in line
    assert "≈" in line or not disagreements(line, 4), line
    assert "0.01·0.05" not in line
    for name in ("∂L/∂w1", "∂L/∂w2", "∂L/∂w4"):
        other = _line_starting(r.out, name + " =")
        assert "≈" in other or not disagreements(other, 4), other


def test_adam_bias_correction_line_recomputes(dlcalc) -> None:
    # L = w1² + 10·w2² from (1, −1), η = 0.1, two Adam steps: v₂ = 0.007236 and 1 − β2² = 0.001999 were shown as
    # 0.0072/0.002, which is 3.6, not the printed v̂₂ = 3.6198 (0.007236/0.001999 = 3.6198099).
    r = dlcalc("optimize", "w1^2 + 10*w2^2", "--at", "w1=1, w2=-1", "--method", "adam", "--lr", "0.1",
               "--steps", "2", "-f", "plain")
    assert r.code == 0, r.err
    lines = [ln.strip() for ln in r.out.splitlines() if ln.strip().startswith("v̂₂ = v₂/(1 − β2^2) =")]
    assert len(lines) == 2
    assert lines[0].endswith("= 3.6198")
    for line in lines:
        assert "≈" in line or not disagreements(line, 4), line
    assert "0.0072/0.002 " not in r.out


def test_xor_output_line_recomputes(dlcalc) -> None:
    # bd8-xor: the hidden units are σ(10) = 0.9999546, shown as 1, so σ(20·1 + 20·1 + (−30)) = σ(9.9982) read
    # 20 + 20 − 30 = 10 ≠ 9.9982; and a bare `1` claimed σ(10) is exactly 1.
    r = dlcalc("solve", "--example", "bd8-xor", "-f", "plain")
    assert r.code == 0, r.err
    for start in ("x = (0, 1):  out =", "x = (1, 0):  out ="):
        line = _line_starting(r.out, start)
        assert "σ(9.9982)" in line
        assert "≈" in line or not disagreements(line, 4), line
        assert not line.endswith("= 1")  # σ(9.9982) = 0.99995 is not the integer 1
    assert "σ(20·1 + 20·1 + (-30)) = σ(9.9982)" not in r.out
    # the same network as a file, a single input row: the net is still shown recomputable
    neuron = dlcalc("neuron", "--weights", "20 20", "--bias", "-30", "--inputs", "1 1", "-f", "plain")
    assert "σ(10) = 1.0000" in neuron.out  # σ(10) = 0.9999546: four decimals, not an exact 1


# ---------------------------------------------------------------- a non-integer never looks like one


@pytest.mark.parametrize(("x", "shown"), [(19.99999, "20.0000"), (0.9999546, "1.0000"), (-2.99999, "-3.0000"),
                                           (1 - 1e-9, "1.0000"), (20.0, "20"), (0.7 + 0.2 + 0.1, "1"),
                                           (sum([0.1] * 100), "10"), (1 - 9.4e-14, "1.0000"),
                                           (1 + 2.2e-16, "1"), (0.6000001, "0.6"), (2.5, "2.5")])
def test_integers_look_like_integers_only_when_they_are(x: float, shown: str) -> None:
    assert number(x, 4) == shown


def test_precision_zero_prints_integers_as_asked() -> None:
    assert number(19.6, 0) == "20" and number(0.4, 0) == "0"


# ---------------------------------------------------------------- properties of the check


def _printed_value(x: float, p: int) -> Fraction:
    return Fraction(Decimal(number(x, p, group=False)))


reals = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False).filter(
    lambda x: x == 0 or abs(x) > 1e-9)


@settings(max_examples=400, deadline=None)
@given(reals, st.integers(min_value=1, max_value=8))
def test_a_value_agrees_with_its_own_rounding(x: float, p: int) -> None:
    shown = float(number(x, p, group=False))
    assert recompute.agrees(x, shown, p)
    # and a value off by more than half a unit of the printed result (by this file's rule) does not
    h = float(half_unit(number(x, p, group=False), p))
    assert not recompute.agrees(shown + 3 * h, shown, p) and not recompute.agrees(shown - 3 * h, shown, p)


TEMPLATES = [
    ("{}·{} = {}", lambda a, b, c: a * b),
    ("{}/{} = {}", lambda a, b, c: a / b),
    ("{} + {}·{} = {}", lambda a, b, c: a + b * c),
    ("{} − {}·{}/{} = {}", lambda a, b, c: a - b * c / (b + 3)),
    ("({} − {})² = {}", lambda a, b, c: (a - b) ** 2),
    ("{}² + {} = {}", lambda a, b, c: a ** 2 + b),
    ("f = σ({}·{} + {}) = σ({})", lambda a, b, c: a * b + c),
    ("½[{} + {}] · {} = {} · {} = {}", lambda a, b, c: 0.5 * (a + b) * c),
]


def _template_values(i: int, a: float, b: float, c: float) -> tuple:
    template, f = TEMPLATES[i]
    r = f(a, b, c)
    if i == 3:
        return template, (a, b, c, b + 3, r)
    if i == 7:
        return template, (a, b, c, 0.5 * (a + b), c, r)
    return template, (a, b, c)[:template.count("{}") - 1] + (r,)


operands = st.one_of(st.floats(min_value=-50, max_value=50, allow_nan=False, allow_infinity=False),
                     st.floats(min_value=1e-6, max_value=0.05), st.integers(min_value=-20, max_value=20).map(float),
                     st.sampled_from([0.9999546, 19.99999, 0.009954, 0.007236, 0.001999, 1 / 3]))


@settings(max_examples=600, deadline=None)
@given(st.integers(min_value=0, max_value=len(TEMPLATES) - 1), operands, operands, operands,
       st.integers(min_value=1, max_value=6))
def test_every_rendered_line_recomputes_or_says_approx(i: int, a: float, b: float, c: float, p: int) -> None:
    assume(i not in (1, 3) or (b != 0 and b + 3 != 0))
    template, values = _template_values(i, a, b, c)
    assume(all(math.isfinite(v) and abs(v) < 1e9 for v in values))
    out = recompute.line(t(template, *values), formatter(p))
    assert "≈" in out or not disagreements(out, p), out


@settings(max_examples=300, deadline=None)
@given(operands, operands, st.integers(min_value=1, max_value=6))
def test_widening_only_adds_digits_to_rounded_operands(a: float, b: float, p: int) -> None:
    out = recompute.line(t("{}·{} = {}", a, b, a * b), formatter(p))
    lhs = out.split(" = ")[0].split(" ≈ ")[0]
    # each operand printed is the operand itself rounded (more digits at most): never a different number
    for printed, x in zip(re.split(r"·(?=[-\d])", lhs), (a, b)):
        value = Fraction(Decimal(printed))
        assert abs(value - Fraction(x)) <= abs(_printed_value(x, p) - Fraction(x)) + Fraction(1, 10 ** 12), (out, x)


def test_nothing_to_recompute_is_left_alone() -> None:
    fmt = formatter(4)
    assert recompute.line(t("net = {}·{} + {} = {}", 2, 3, 1, 7), fmt) == "net = 2·3 + 1 = 7"
    assert recompute.line(t("x = {}, y = {}", 1 / 3, 2 / 3), fmt) == "x = 0.3333, y = 0.6667"
    assert recompute.line(t("σ({}) = {}", 1 / 3, 0.58), fmt) == "σ(0.3333) = 0.58"   # σ is not arithmetic
    assert recompute.line(t("{} = {}", "w1", 1 / 3), fmt) == "w1 = 0.3333"
    # a custom formatter without a precision is filled as before
    assert recompute.line(t("{}·{} = {}", 0.01, 0.05, 0.0004977), str) == "0.01·0.05 = 0.0004977"


def test_approx_when_more_digits_would_not_do() -> None:
    # a difference of nearly equal numbers: four significant digits of the result are out of reach
    a, b = 1.23456789, 1.23456780
    out = recompute.line(t("{} − {} = {}", a, b, a - b), formatter(4))
    assert out == f"1.2346 − 1.2346 ≈ {number(a - b, 4)}"


# ---------------------------------------------------------------- every bundled example, every format's path


def _example_ids(dlcalc) -> list[str]:
    r = dlcalc("examples")
    assert r.code == 0, r.err
    ids = re.findall(r"^  (\S+)\s", r.out, flags=re.M)
    assert len(ids) >= 50, r.out
    return ids


@pytest.mark.parametrize("precision", [4, 2, 6])
def test_every_bundled_example_recomputes(dlcalc, precision: int) -> None:
    bad = []
    for pid in _example_ids(dlcalc):
        r = dlcalc("solve", "--example", pid, "-f", "plain", "--precision", str(precision))
        assert r.code == 0, (pid, r.err)
        for line in r.out.splitlines():
            if "≈" not in line:
                bad += [f"{pid}: {line.strip()}  [{why}]" for why in disagreements(line, precision)]
    assert not bad, "\n".join(bad)


def test_json_steps_are_checked_and_answers_keep_full_precision(dlcalc) -> None:
    r = dlcalc("solve", "--example", "bd8-backprop-222", "-f", "json")
    d = r.json()
    text = "\n".join(s["text"] for s in d["steps"])
    assert "0.009954·0.05 = 0.0004977" in text
    assert r"0.009954 \cdot 0.05" in "\n".join(s["latex"] for s in d["steps"])
    assert d["answer"]["gradient"][2] == pytest.approx(0.0099537 * 0.05, rel=1e-4) and \
        len(repr(d["answer"]["gradient"][2])) > 10  # full precision, not the printed digits


@pytest.mark.parametrize("fmt", ["plain", "markdown", "latex", "rich"])
def test_all_formats_print_the_same_checked_line(dlcalc, fmt: str) -> None:
    r = dlcalc("solve", "--example", "bd8-xor", "-f", fmt)
    assert r.code == 0, r.err
    assert "20·0.999955 + 20·0.999955" in r.out.replace(r" \cdot ", "·")


def test_a_line_of_grouped_numbers_is_checked_too(dlcalc):
    # 12345.678912² = 152415787.7982…: printed grouped (152 415 787.7982), and read back to check the line
    r = dlcalc("mse", "-t", "12345.678912 1", "-y", "0 0", "-f", "plain")
    assert r.code == 0, r.err
    line = next(x for x in r.out.splitlines() if "Σ e_i =" in x and "+" in x)
    total = Fraction(Decimal("152415787.7982")) + 1
    assert line.split("=")[-1].strip().replace("\u202f", "") == str(Decimal(total.numerator) / Decimal(total.denominator))
