"""A safe parser for loss expressions such as `(1 - w1*w2)^2`.

User text is never evaluated as Python: a hand-written tokenizer and a
recursive-descent parser build a small tree, and the tree is turned into a
sympy expression node by node (`Expr.sympy`). Only numbers, variables,
`+ - * / ^ **`, parentheses and the functions in `FUNCTIONS` exist; anything
else is `BadInput` naming the token and its column. Parsing needs no sympy,
so problem files are validated quickly; sympy is imported lazily.
"""
from __future__ import annotations

import keyword
import math
import re
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from typing import Any, Union


from dlcalc.calc.errors import BadInput, closest

MAX_CHARS = 2000       # longest expression accepted
MAX_DEPTH = 60         # deepest nesting of parentheses/operators
MAX_EXPONENT = 10_000  # largest constant exponent: exact powers beyond this explode in size
MAX_NUMBER_CHARS = 60  # longest number literal
MAX_DIGITS = 400       # longest exact constant: bigger ones crawl in exact arithmetic and cannot be printed
MAX_NODES = 5_000      # largest gradient (sympy nodes): differentiating and evaluating it again must stay quick
SHOWN_DIGITS = 60      # exact numbers longer than this are shown as floats
LONG_FORMULA = 240     # formulas longer than this (three lines at 80 columns) are cut short in the steps

# name → (arity: int, or -2 for "two or more")
FUNCTIONS: dict[str, int] = {
    "exp": 1, "log": 1, "ln": 1, "sqrt": 1, "sin": 1, "cos": 1, "tan": 1, "tanh": 1,
    "sigmoid": 1, "abs": 1, "max": -2, "min": -2,
}
CONSTANTS = ("pi",)

_NUMBER = re.compile(r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_NAME = re.compile(r"[A-Za-z_\u0370-\u03ff][A-Za-z0-9_\u0370-\u03ff]*")
_OPERATORS = {"**": "^", "^": "^", "+": "+", "-": "-", "−": "-", "*": "*", "·": "*", "×": "*", "/": "/"}
_HINTS = {  # why a character a Python user might try is refused
    "'": "strings are not allowed", '"': "strings are not allowed", ".": "attribute access is not allowed",
    "[": "square brackets are not allowed: use ( ), and no indexing", "{": "braces are not allowed",
    "=": "'=' is not an operator here",
    ":": "lambdas and slices are not allowed", ";": "one expression only", "²": "write ^2", "³": "write ^3",
}


# ── tokens ──────────────────────────────────────────────────────────────────

@dataclass(frozen=True)
class Token:
    kind: str  # num | name | op | ( | ) | , | end | bad (a character outside the grammar)
    text: str
    col: int   # 1-based column in the expression


def _where(text: str, col: int) -> str:
    """The expression with ▸ before the offending column, cut to a readable window."""
    i = col - 1
    before, after = text[:i], text[i:]
    if len(before) > 30:
        before = "…" + before[-29:]
    if len(after) > 30:
        after = after[:29] + "…"
    return f"{before}▸{after}"


def _error(text: str, col: int, what: str, hint: str = "") -> BadInput:
    """`unexpected '.' at column 9: (1 - w1)▸.__class__ (attribute access is not allowed)`: one line."""
    return BadInput(f"{what} at column {col}: {_where(text, col)}" + (f" ({hint})" if hint else ""), "expr")


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    i = 0
    while i < len(text):
        c = text[i]
        if c.isspace():
            i += 1
            continue
        op = text[i:i + 2] if text[i:i + 2] == "**" else c
        if op in _OPERATORS:
            tokens.append(Token("op", _OPERATORS[op], i + 1))
            i += len(op)
            continue
        if c in "(),":
            tokens.append(Token(c, c, i + 1))
            i += 1
            continue
        m = _NUMBER.match(text, i)
        if m:
            if len(m.group()) > MAX_NUMBER_CHARS:
                raise _error(text, i + 1, f"number longer than {MAX_NUMBER_CHARS} characters")
            if abs(int(m.group().lower().partition("e")[2] or 0)) > MAX_DIGITS:  # 1e99999999 would take minutes
                raise _error(text, i + 1, f"number out of range (exponent beyond ±{MAX_DIGITS})")
            tokens.append(Token("num", m.group(), i + 1))
            i = m.end()
            continue
        m = _NAME.match(text, i)
        if m:
            tokens.append(Token("name", m.group(), i + 1))
            i = m.end()
            continue
        tokens.append(Token("bad", c, i + 1))  # reported when the parser reaches it: earlier errors first
        return tokens
    tokens.append(Token("end", "", len(text) + 1))
    return tokens


# ── tree ────────────────────────────────────────────────────────────────────

@dataclass(frozen=True)
class Num:
    text: str
    col: int


@dataclass(frozen=True)
class Var:
    name: str
    col: int


@dataclass(frozen=True)
class Neg:
    arg: Node
    col: int


@dataclass(frozen=True)
class Bin:
    op: str  # + - * / ^
    left: Node
    right: Node
    col: int


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Node, ...]
    col: int


Node = Union[Num, Var, Neg, Bin, Call]


class _Parser:
    """Precedence, loosest first: + −, then * /, then unary −, then ^ (right-associative).

    So -w^2 = -(w^2) and 2^-1 = 2^(-1), as in maths.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0
        self.depth = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def fail(self, tok: Token, what: str = "", hint: str = "") -> BadInput:
        if tok.kind == "bad":
            return _error(self.text, tok.col, f"unexpected '{tok.text}'", _HINTS.get(tok.text, ""))
        if not what:
            what = "unexpected end of expression" if tok.kind == "end" else f"unexpected '{tok.text}'"
        return _error(self.text, tok.col, what, hint)

    def parse(self) -> Node:
        if self.tok.kind == "end":
            raise BadInput("the expression is empty", "expr")
        node = self.sum()
        if self.tok.kind != "end":
            raise self.fail(self.tok, hint=self._hint())
        return node

    def _hint(self) -> str:
        """After a complete operand only an operator may follow: say so when an operand follows instead."""
        return "missing operator? write 2*w, not 2w" if self.tok.kind in ("name", "num", "(") else ""

    def sum(self) -> Node:
        node = self.product()
        while self.tok.kind == "op" and self.tok.text in "+-":
            op = self.take()
            node = Bin(op.text, node, self.product(), op.col)
        return node

    def product(self) -> Node:
        node = self.unary()
        while self.tok.kind == "op" and self.tok.text in "*/":
            op = self.take()
            node = Bin(op.text, node, self.unary(), op.col)
        return node

    def unary(self) -> Node:
        if self.tok.kind == "op" and self.tok.text in "+-":
            op = self.take()
            self.enter(op)
            arg = self.unary()
            self.depth -= 1
            return Neg(arg, op.col) if op.text == "-" else arg
        return self.power()

    def power(self) -> Node:
        base = self.atom()
        if self.tok.kind == "op" and self.tok.text == "^":
            op = self.take()
            self.enter(op)
            exponent = self.unary()  # right-associative, and 2^-1 is allowed
            self.depth -= 1
            return Bin("^", base, exponent, op.col)
        return base

    def enter(self, tok: Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail(tok, f"expression nested more than {MAX_DEPTH} levels deep")

    def atom(self) -> Node:
        tok = self.take()
        if tok.kind == "num":
            return Num(tok.text, tok.col)
        if tok.kind == "(":
            self.enter(tok)
            node = self.sum()
            self.depth -= 1
            self.expect(")", tok)
            return node
        if tok.kind == "name":
            return self.name(tok)
        raise self.fail(tok, hint="an operand is missing" if tok.kind == ")" else "")

    def expect(self, kind: str, opened: Token) -> None:
        if self.tok.kind != kind:
            if self.tok.kind == "end":
                raise self.fail(opened, "unclosed '('")
            raise self.fail(self.tok, f"expected '{kind}' but found '{self.tok.text}'", self._hint())
        self.take()

    def name(self, tok: Token) -> Node:
        name = tok.text
        if name.startswith("__"):
            raise self.fail(tok, f"names may not start with '__': '{name}'")
        if keyword.iskeyword(name):
            raise self.fail(tok, f"'{name}' is a reserved word, not a variable")
        if self.tok.kind == "(":
            return self.call(tok)
        if name in FUNCTIONS:
            raise self.fail(tok, f"function '{name}' needs its argument in parentheses: {name}(…)")
        return Var(name, tok.col)

    def call(self, tok: Token) -> Node:
        name = tok.text
        if name not in FUNCTIONS:
            raise self.fail(tok, f"unknown function '{name}'{closest(name, FUNCTIONS)}",
                            f"known: {', '.join(FUNCTIONS)}")
        opened = self.take()
        self.enter(opened)
        args = [] if self.tok.kind == ")" else [self.sum()]
        while self.tok.kind == ",":
            self.take()
            args.append(self.sum())
        self.depth -= 1
        self.expect(")", opened)
        arity = FUNCTIONS[name]
        if arity > 0 and len(args) != arity:
            raise self.fail(tok, f"{name} takes {arity} argument{'s' * (arity > 1)}, got {len(args)}")
        if arity == -2 and len(args) < 2:
            raise self.fail(tok, f"{name} takes two or more arguments, got {len(args)}")
        return Call(name, tuple(args), tok.col)


def _names(node: Node, out: dict[str, None]) -> None:
    if isinstance(node, Var):
        if node.name not in CONSTANTS:
            out.setdefault(node.name)
    elif isinstance(node, Neg):
        _names(node.arg, out)
    elif isinstance(node, Bin):
        _names(node.left, out)
        _names(node.right, out)
    elif isinstance(node, Call):
        for a in node.args:
            _names(a, out)


# ── the parsed expression ───────────────────────────────────────────────────

def natural_key(name: str) -> tuple:
    """w2 before w10: digits compare as numbers."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.findall(r"\d+|\D+", name))


class Expr:
    """A parsed expression: its text, its tree, its variables, and (lazily) its sympy form."""

    def __init__(self, text: str) -> None:
        if not isinstance(text, str):
            raise BadInput(f"expected an expression as text, got {type(text).__name__}", "expr")
        if len(text) > MAX_CHARS:
            raise BadInput(f"expression is {len(text)} characters long; the limit is {MAX_CHARS}", "expr")
        self.text = text
        self.tree = _Parser(text).parse()
        found: dict[str, None] = {}
        _names(self.tree, found)
        self.names = tuple(found)  # order of first appearance
        if not self.names:
            raise BadInput("the expression has no variables", "expr")

    def __repr__(self) -> str:
        return f"Expr({self.text!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Expr) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)

    def sorted_names(self) -> list[str]:
        return sorted(self.names, key=natural_key)

    @cached_property
    def symbols(self) -> dict[str, Any]:
        import sympy

        return {n: sympy.Symbol(n, real=True) for n in self.names}

    @cached_property
    def sympy(self) -> Any:
        """The sympy expression, built node by node from the tree (never from text); built once per text
        (sympy symbols are equal by name, so one build serves every Expr of that text)."""
        if self.text not in _BUILT:
            if len(_BUILT) > 256:
                _BUILT.clear()
            _BUILT[self.text] = self._build()
        return _BUILT[self.text]

    def _build(self) -> Any:
        result = _Builder(self.text, self.symbols).build(self.tree)
        import sympy

        if result.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
            raise BadInput("the expression is undefined everywhere (a division by zero?)", "expr")
        if digits(result) > MAX_DIGITS:  # 1e300*1e300*…: each number is fine, their product is not
            raise BadInput(f"a constant in the expression has more than {MAX_DIGITS} digits", "expr")
        return result


_BUILT: dict[str, Any] = {}


def parse(text: str | Expr) -> Expr:
    return text if isinstance(text, Expr) else Expr(text)


class _Builder:
    def __init__(self, text: str, symbols: dict[str, Any]) -> None:
        import sympy

        self.sp = sympy
        self.text = text
        self.symbols = symbols

    def build(self, node: Node) -> Any:
        sp = self.sp
        if isinstance(node, Num):
            q = Fraction(node.text)  # exact: 0.1 is 1/10 (the text matched _NUMBER)
            return sp.Rational(q.numerator, q.denominator)
        if isinstance(node, Var):
            return sp.pi if node.name == "pi" else self.symbols[node.name]
        if isinstance(node, Neg):
            return -self.build(node.arg)
        if isinstance(node, Call):
            return self.call(node, [self.build(a) for a in node.args])
        left, right = self.build(node.left), self.build(node.right)
        if node.op == "+":
            return left + right
        if node.op == "-":
            return left - right
        if node.op == "*":
            return left * right
        if node.op == "/":
            if right.is_zero:
                raise _error(self.text, node.col, "division by zero")
            return left / right
        return self.power(left, right, node.col)

    def power(self, base: Any, exponent: Any, col: int) -> Any:
        """base^exponent, refusing constant exponents so large that exact arithmetic would never finish."""
        sp = self.sp
        if exponent.is_number and not (base.is_number and abs(base) in (0, 1)):
            big = abs(exponent) > MAX_EXPONENT if exponent.is_real else True
            if big:
                raise _error(self.text, col, f"exponent too large (|exponent| ≤ {MAX_EXPONENT})")
            coefficient = base if base.is_number else base.as_coeff_Mul()[0]  # (3w)^k is expanded to 3^k·w^k
            if abs(exponent) * digits(coefficient) > MAX_DIGITS:
                raise _error(self.text, col, f"the power has more than {MAX_DIGITS} digits")
        if base.is_zero and exponent.is_number and exponent.is_real and exponent < 0:
            raise _error(self.text, col, "division by zero (0 to a negative power)")
        result = sp.Pow(base, exponent)
        for p in result.atoms(sp.Pow):  # (w^100)^100 folds into w^10000: check what sympy built
            if p.exp.is_number and p.exp.is_real and abs(p.exp) > MAX_EXPONENT and not p.base.is_number:
                raise _error(self.text, col, f"exponent too large (|exponent| ≤ {MAX_EXPONENT})")
        return result

    def call(self, node: Call, args: list[Any]) -> Any:
        sp = self.sp
        name, x = node.name, args[0]
        if name == "sigmoid":
            return 1 / (1 + sp.exp(-x))
        if name in ("max", "min"):
            try:
                return (sp.Max if name == "max" else sp.Min)(*args)
            except ValueError:  # sympy refuses to compare a constant that is not real: max(sqrt(-1), w)
                raise _error(self.text, node.col, f"{name} of a constant that is not a real number") from None
        f = {"exp": sp.exp, "log": sp.log, "ln": sp.log, "sqrt": sp.sqrt, "sin": sp.sin, "cos": sp.cos,
             "tan": sp.tan, "tanh": sp.tanh, "abs": sp.Abs}[name]
        return f(x)


def digits(e: Any) -> float:
    """Decimal digits of the longest exact number in `e` (numerator or denominator); 0 for 0 and ±1."""
    import sympy

    return max((math.log10(max(abs(r.p), r.q)) for r in e.atoms(sympy.Rational)), default=0.0)
