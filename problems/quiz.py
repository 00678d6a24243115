"""A key as quiz questions: N variants of each problem, and the asked answer of each in one of the four
forms an LMS can grade by itself, with the tolerance of every entry and the named slips.

- `number`: one number; `grid`: a vector, matrix or tensor (or a mapping of names to numbers), entry by
  entry; `bool`: true or false; `choice`: one of the words the kind declares for that answer
  (`Kind.choices`, e.g. hessian's classification).
- Variant n (1, 2, …) of a problem that draws its numbers is the variant of student `variant-n`
  (`variants.realise(problem, seed, "variant-n")`): the same seed exports the same questions, and
  `dlcalc variants`/`grade` with a roster student named `variant-3` would see the numbers of question 3.
  A problem that draws nothing is one question.
- The tolerance of an entry is grade's own rule: |given − expected| ≤ atol + rtol·|expected| (the
  problem's `rtol`/`atol`, else the set's, else the defaults), and 0 for an integer answer the kind
  compares exactly (counts, shapes).
- A slip is an answer of the same form that one of the kind's named slips gives (`KeyItem.slips()` of
  the variant); slips that give the same value are one answer naming them all.

Whatever none of the four forms holds (a list of records, a direction right up to scale, a word the
kind lists no choices for, inf or nan) is refused here, naming the problem and what to ask instead, as
an `Unsupported` error: a problem no LMS can hold, which `export --skip-unsupported` leaves out (a key
that is broken, or a problem that cannot be solved, stays an error).
This module knows nothing of HTML or of any LMS: cli/moodle.py and cli/canvas.py write the questions.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dlcalc.calc.errors import BadInput, dims
from dlcalc.calc.grading import RTOL, ATOL, Tolerance
from dlcalc.calc.solution import Solution
from dlcalc.problems.loader import Problem

VARIANT = "variant-{n}"   # the student id whose variant is question n of a problem
SKIP = "--skip-unsupported"   # the export option that leaves out what a target cannot hold
EXACT_INTEGER = 2.0 ** 53  # below this every integer is a float64 exactly (and is written without a point)


class Unsupported(BadInput):
    """A problem that a quiz (or one LMS) cannot ask, the key being fine: `export --skip-unsupported`
    leaves it out with a warning (`left_out`), and exports the rest."""

    def __init__(self, q: Question, target: str, why: str, where: str = "") -> None:
        subject = f"problem {q.id}" + (f" (variant {q.number})" if q.drawn else "")
        super().__init__(f"{subject} cannot be {target}: {why}, or leave it out with {SKIP}", where)
        self.problem = q.id
        self.reason = f"{subject} cannot be {target}: {why}"
        self.left_out = (f"left out problem {q.id}, all its variants: variant {q.number} cannot be {target}: {why}"
                         if q.drawn else f"left out problem {q.id}, which cannot be {target}: {why}")


@dataclass
class Slip:
    names: list[str]          # the slips that give this value (one answer for all of them)
    value: Any                # same form as the question's expected value
    tolerance: np.ndarray | None = None   # per entry (number and grid forms)


@dataclass
class Question:
    template: Problem         # the key's problem: its id, title, points, slip_credit
    number: int               # 1, 2, … (the variant)
    problem: Problem          # the problem with its numbers drawn (the template itself when it draws none)
    solution: Solution
    form: str                 # number | grid | bool | choice
    expected: Any             # float array (number, grid: its shape), bool, or a word
    tolerance: np.ndarray | None = None   # absolute, per entry (number and grid forms)
    labels: list[str] | None = None       # names of the entries of a mapping answer ({x: …, y: …})
    choices: dict[str, str] = field(default_factory=dict)   # word → label (choice form)
    slips: list[Slip] = field(default_factory=list)
    ascending: bool = False   # a multiset answer (eigenvalues): asked in ascending order

    @property
    def id(self) -> str:
        return self.template.id

    @property
    def credit(self) -> float:
        """The share of the points a slip earns (the key's `slip_credit`, else 0)."""
        return float(self.template.meta.get("slip_credit", 0.0))

    @property
    def drawn(self) -> bool:
        return bool(self.template.generators)

    @property
    def integers(self) -> bool:
        """A vector or matrix whose every entry is an integer as computed (float64 integers below 2⁵³ are
        exact: integer arithmetic on integer inputs, as conv or max-pool of integers, gives them exactly),
        so that the integer's text is the answer, whatever the tolerance: an LMS that compares text
        (Canvas's fill-in-multiple-blanks) can hold it."""
        if self.form != "grid":
            return False
        a = np.asarray(self.expected, dtype=float)
        return bool(np.all(np.isfinite(a)) and np.all(a == np.round(a)) and np.all(np.abs(a) < EXACT_INTEGER))

    def entry_slips(self, index: tuple[int, ...]) -> list[Slip]:
        """The slips of one entry of a grid: those whose matrix has the answer's shape and whose entry
        differs from the right one, merged where they give the same number."""
        assert self.form == "grid" and self.tolerance is not None
        right, tol = float(self.expected[index]), float(self.tolerance[index])
        out: list[Slip] = []
        for s in self.slips:
            if s.value.shape != self.expected.shape or s.tolerance is None:
                continue
            v = float(s.value[index])
            if abs(v - right) <= tol:
                continue
            same = next((o for o in out if float(o.value) == v), None)
            if same is not None:
                same.names += [n for n in s.names if n not in same.names]
            else:
                out.append(Slip(list(s.names), np.float64(v), np.float64(s.tolerance[index])))
        return out


def questions(problems: list[Problem], seed: str | None, count: int, rtol: float = RTOL,
              atol: float = ATOL, skipped: list[Unsupported] | None = None) -> list[list[Question]]:
    """Per problem, its questions: `count` variants of one that draws its numbers, else one.

    A problem that a quiz cannot ask raises `Unsupported` (the first, in key order); given a list
    `skipped`, it is left out instead (all its variants) and its refusal appended there."""
    out = []
    for p in problems:
        if p.error is not None:
            raise p.error
        n = count if p.generators else 1
        try:
            out.append([question(p, k, seed, rtol, atol) for k in range(1, n + 1)])
        except Unsupported as e:
            if skipped is None:
                raise
            skipped.append(e)
    return out


def question(p: Problem, number: int, seed: str | None, rtol: float = RTOL, atol: float = ATOL) -> Question:
    """Question `number` of problem `p` (a problem that draws needs the seed)."""
    if p.generators:
        from dlcalc.problems.variants import realise

        assert seed is not None, "seed_of() gives a seed for a key that draws"
        v = realise(p, seed, VARIANT.format(n=number))
        drawn, sol = v.problem, v.solution
    else:
        try:
            drawn, sol = p, p.solve()
        except ArithmeticError as e:  # as build_key: a key problem that cannot be solved is bad input
            raise BadInput(f"problem {p.id} cannot be solved: {e}", p.where("")) from None
    tol = Tolerance(float(p.meta.get("rtol", rtol)), float(p.meta.get("atol", atol)))
    q = Question(p, number, drawn, sol, form="", expected=None)
    _asked(q, tol)
    return q


def _where(q: Question) -> str:
    return q.template.where("ask") if "ask" in q.template.meta else q.template.where("")


def _refuse(q: Question, why: str) -> Unsupported:
    return Unsupported(q, "a quiz question", why, _where(q))


def _asked(q: Question, tol: Tolerance) -> None:
    """Set the question's form, expected value, tolerances, choices and slips from its solution."""
    p, ask = q.problem, q.problem.ask
    kind = p.kind
    assert kind is not None
    others = [k for k in q.solution.answer if k != ask]
    hint = f"give the problem `ask:` another of its answers ({', '.join(others)})" if others else \
        "this kind has no other answer to ask"
    if ask not in q.solution.answer or q.solution.answer[ask] is None:
        raise _refuse(q, f"it has no answer '{ask}' here; {hint}")
    value = q.solution.answer[ask]
    mode = kind.compare.get(ask, "tolerance")
    if mode == "direction":
        raise _refuse(q, f"its answer '{ask}' is a direction, right up to any non-zero scale, and an LMS "
                         f"compares numbers one by one; {hint}")
    if isinstance(value, (bool, np.bool_)):
        q.form, q.expected = "bool", bool(value)
        return  # a wrong true/false answer names no slip (grade does the same)
    if isinstance(value, str):
        choices = dict(kind.choices.get(ask, {}))
        if value not in choices:
            raise _refuse(q, f"its answer '{ask}' is a word ('{value}') with no list of choices to offer; {hint}")
        q.form, q.expected, q.choices = "choice", value, choices
        q.slips = _merged([(name, v) for name, v in _slips(q, tol) if isinstance(v, str) and v in choices
                           and v != value])
        return
    if isinstance(value, dict):
        q.labels = [str(k) for k in value]
        value = list(value.values())
    try:
        a = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise _refuse(q, f"its answer '{ask}' is not numbers but {_what(value)}; {hint}") from None
    if a.size == 0:
        raise _refuse(q, f"its answer '{ask}' is empty; {hint}")
    if not np.all(np.isfinite(a)):
        raise _refuse(q, f"its answer '{ask}' is {_nonfinite(a)}, which no LMS numerical question holds; "
                         "draw other numbers (another --seed) or change the problem")
    exact = mode == "exact" and bool(np.all(a == np.round(a)))
    q.form = "number" if a.size == 1 else "grid"
    q.expected = a.reshape(()) if a.size == 1 else a
    q.tolerance = _tolerance(q.expected, tol, exact)
    q.ascending = mode == "multiset"
    slips = []
    for name, v in _slips(q, tol):
        if isinstance(v, dict):
            v = list(v.values())
        try:
            s = np.asarray(v, dtype=float)
        except (TypeError, ValueError):
            continue
        if s.size == 1 and q.form == "number":
            s = s.reshape(())
        if q.ascending and s.shape == q.expected.shape:
            s = np.sort(s.ravel()).reshape(s.shape)
        if s.size and np.all(np.isfinite(s)):
            slips.append((name, s))
    q.slips = [Slip(names, v, _tolerance(v, tol, exact)) for names, v in
               ((s.names, s.value) for s in _merged(slips))]


def _slips(q: Question, tol: Tolerance) -> list[tuple[str, Any]]:
    from dlcalc.problems.grading import KeyItem

    return KeyItem(q.problem, q.solution.answer, tol).slips()


def _merged(slips: list[tuple[str, Any]]) -> list[Slip]:
    """One Slip per distinct value, naming every slip that gives it (in the kind's order)."""
    out: list[Slip] = []
    for name, v in slips:
        same = next((s for s in out if _equal(s.value, v)), None)
        if same is None:
            out.append(Slip([name], v))
        elif name not in same.names:
            same.names.append(name)
    return out


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    return np.shape(a) == np.shape(b) and bool(np.all(np.asarray(a) == np.asarray(b)))


def _tolerance(a: np.ndarray, tol: Tolerance, exact: bool) -> np.ndarray:
    if exact:
        return np.zeros_like(a, dtype=float)
    return tol.atol + tol.rtol * np.abs(a)


def _what(value: Any) -> str:
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, dict) for v in value):
        return "a list of records (one per layer or node)"
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, str) for v in value):
        return "a list of words"
    return "a mixed value"


def _nonfinite(a: np.ndarray) -> str:
    bad = a[~np.isfinite(a)].ravel()[0]
    where = "" if a.size == 1 else f" in one of its {dims(a.shape)} entries"
    return f"{'nan' if np.isnan(bad) else ('inf' if bad > 0 else '-inf')}{where}"
