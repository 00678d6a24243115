"""Grading against a key: answers are computed from the key's problems, never typed in.

Wrong answers are diagnosed by re-solving the problem under each slip its kind declares (once per
problem, only when some answer is wrong), then by a few kind-independent checks (another answer
key, rounding, sign). A class is graded cell by cell, and a cell is marked once per distinct text:
a `Mark` depends only on the problem and what was typed, so a class of 100,000 that typed a few
hundred different answers costs a few hundred comparisons, and its students share the marks.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from statistics import median
from typing import Any

import numpy as np

from dlcalc.calc.errors import BadInput, closest
from dlcalc.calc.grading import Tolerance, as_expected, matches, rounding_slip, sign_slip
from dlcalc.problems.answers import DECIMAL_COMMA, BadRow, Row, parse_answer
from dlcalc.problems.loader import Problem

MAX_BAD_ROWS = 200       # bad rows listed one by one; past it, counted
MAX_CACHED = 100_000     # distinct answer texts remembered per problem
HISTOGRAM_BINS = 10


@dataclass(frozen=True, slots=True)
class Mark:
    problem: str
    correct: bool
    points: float
    max_points: float
    expected: Any
    given: Any                 # as read (a number, an array, a word); the text when unreadable; None: no answer
    given_text: str | None     # as typed
    diagnosis: str | None
    missing: bool = False
    slip: str | None = None    # the kind's named slip it matches (slip_credit applies)


@dataclass
class KeyItem:
    problem: Problem
    answer: dict
    tol: Tolerance
    error: str | None = None                     # the key problem could not be solved: every cell says so
    decimal_comma: bool = False
    _slips: list[tuple[str, Any]] | None = None
    _marks: dict[str, Mark] = field(default_factory=dict)

    @property
    def expected(self) -> Any:
        return self.answer.get(self.problem.ask)

    @property
    def mode(self) -> str:
        return self.mode_of(self.problem.ask)

    def mode_of(self, key: str, default: str = "tolerance") -> str:
        """How the kind compares its answer `key` (the declared mode, else `default`)."""
        return self.problem.kind.compare.get(key, default) if self.problem.kind else default

    @property
    def credit(self) -> float:
        return float(self.problem.meta.get("slip_credit", 0.0))

    def printed(self) -> Any:
        """The source's printed (wrong) answer, when the problem file records it."""
        raw = self.problem.meta.get("printed")
        return None if raw is None else parse_answer(raw)

    def matches(self, given: Any, expected: Any) -> bool:
        return matches(given, expected, self.tol, self.mode)

    def slips(self) -> list[tuple[str, Any]]:
        """(name, slipped value of the asked key) for every applicable slip, solved once."""
        if self._slips is None:
            self._slips = []
            p = self.problem
            for slip in p.kind.slips:
                try:
                    params = slip.params(dict(p.params))
                    if params is None:
                        continue
                    value = p.kind.solve(params).answer.get(p.ask)
                except (BadInput, ArithmeticError, ValueError):
                    continue
                if value is not None and not self.matches(value, self.expected):
                    self._slips.append((slip.name, value))
        return self._slips

    def diagnose(self, given: Any) -> tuple[str | None, str | None]:
        """(diagnosis, the named slip when it is one). A wrong true/false answer has no diagnosis: with two
        possible answers a slip explains nothing, and slip_credit would pay for a coin toss."""
        if isinstance(as_expected(self.expected), (bool, np.bool_)):
            return None, None
        printed = self.printed()
        if printed is not None and matches(given, printed, self.tol):
            return f"the value printed in the source ({self.problem.meta['printed']}), which is wrong: {_why(self.problem)}", None
        for name, value in self.slips():
            if self.matches(given, value):
                return name, name
        for key, value in self.answer.items():
            # compared as the kind compares that answer, else as the asked one (a count to a count: exactly)
            if key != self.problem.ask and _comparable(value) and \
                    matches(given, value, self.tol, self.mode_of(key, self.mode)):
                return f"gave {key} instead of {self.problem.ask}", None
        if self.mode == "exact" and matches(given, self.expected, self.tol):  # near, yet not the whole number
            return f"close, but {self.problem.ask} is a whole number and compared exactly", None
        return rounding_slip(given, self.expected) or sign_slip(given, self.expected, self.tol), None


@dataclass
class VariantItem:
    """A key problem that draws its numbers: each student is graded against a KeyItem of their own variant."""

    problem: Problem
    tol: Tolerance
    seed: str
    decimal_comma: bool = False
    error: str | None = None
    _items: dict[str, KeyItem] = field(default_factory=dict)

    def for_student(self, student: str) -> KeyItem:
        item = self._items.get(student)
        if item is None:
            from dlcalc.problems.variants import realise

            try:
                v = realise(self.problem, self.seed, student)
                item = KeyItem(v.problem, v.solution.answer, self.tol, decimal_comma=self.decimal_comma)
            except BadInput as e:
                item = KeyItem(self.problem, {}, self.tol, error=str(e), decimal_comma=self.decimal_comma)
            self._items[student] = item
        return item


def _why(problem: Problem) -> str:
    note = " ".join(str(problem.meta.get("note") or "").split())
    return note or "see the problem's note"


def _comparable(value: Any) -> bool:
    v = as_expected(value)
    return not isinstance(v, str) and getattr(v, "size", 0) > 0


def build_key(problems: list[Problem], tol: Tolerance, decimal_comma: bool = False, strict: bool = True,
              seed: str | None = None) -> dict[str, KeyItem | VariantItem]:
    """Solve every problem of the key. `strict` (check): a broken problem is bad input. Otherwise
    (grade) it is kept with its error, so that only its own cells fail. A problem with generators is
    solved per student, with `seed`."""
    key: dict[str, KeyItem | VariantItem] = {}
    for p in problems:
        rtol = float(p.meta.get("rtol", tol.rtol))
        atol = float(p.meta.get("atol", tol.atol))
        if p.generators and p.error is None and seed is not None:
            key[p.id] = VariantItem(p, Tolerance(rtol, atol), seed, decimal_comma)
            continue
        item = KeyItem(p, {}, Tolerance(rtol, atol), decimal_comma=decimal_comma)
        try:
            if p.error is not None:
                raise p.error
            sol = p.solve()
            if p.ask not in sol.answer:
                raise BadInput(f"this problem has no answer '{p.ask}' (its answers: {', '.join(sol.answer)})",
                               p.where("ask"))
            item.answer = sol.answer
        except (BadInput, ArithmeticError, ValueError) as e:
            if strict:
                raise
            item.error = str(e)
        key[p.id] = item
    return key


def mark(item: KeyItem, text: Any) -> Mark:
    """The mark of one answer as typed (None or blank: no answer), cached per text: a class types a few
    hundred different answers to a problem, not one per student."""
    cached = item._marks.get(text)
    if cached is not None:
        return cached
    typed = None if text is None or not str(text).strip() else str(text)
    result = item._marks.get(typed) or _mark(item, typed)
    if len(item._marks) < MAX_CACHED:
        item._marks[text] = item._marks[typed] = result
    return result


def _mark(item: KeyItem, typed: str | None) -> Mark:
    p = item.problem
    base = dict(problem=p.id, max_points=p.points, expected=item.expected, given_text=typed)
    if item.error is not None:
        return Mark(correct=False, points=0.0, given=typed, diagnosis=f"the key could not be solved: {item.error}", **base)
    if typed is None:
        return Mark(correct=False, points=0.0, given=None, diagnosis=None, missing=True, **base)
    expected = as_expected(item.expected)
    scalar = getattr(expected, "size", 0) == 1
    if scalar and not item.decimal_comma and DECIMAL_COMMA.search(typed):
        return Mark(correct=False, points=0.0, given=typed, diagnosis=_comma_in_a_number(typed), **base)
    try:
        given = parse_answer(typed, item.decimal_comma)
        if isinstance(given, str) and not isinstance(expected, (str, bool)):
            given = None  # a word where a number was asked: unreadable
        if given is None:
            return Mark(correct=False, points=0.0, given=typed, diagnosis=f"unparsable answer '{typed.strip()[:40]}'", **base)
        if isinstance(given, dict):  # {x: -3, y: 5}: by name when the answer names its values, else as typed
            if isinstance(item.expected, dict) and sorted(given) != sorted(item.expected):
                return Mark(correct=False, points=0.0, given=typed, **base,
                            diagnosis=f"named {', '.join(given)} where the answer names {', '.join(item.expected)}")
            given = np.array([given[n] for n in item.expected] if isinstance(item.expected, dict) else list(given.values()))
        if item.matches(given, item.expected):
            return Mark(correct=True, points=p.points, given=given, diagnosis=None, **base)
        diagnosis, slip = item.diagnose(given)
        if diagnosis is None and not item.decimal_comma and DECIMAL_COMMA.search(typed) and \
                _right_with_decimal_commas(item, typed):
            diagnosis = "decimal commas? read with --decimal-comma, this answer is right"
    except (BadInput, ArithmeticError, ValueError, TypeError) as e:
        return Mark(correct=False, points=0.0, given=typed, diagnosis=f"could not be compared: {e}", **base)
    credit = item.credit * p.points if slip else 0.0
    return Mark(correct=False, points=credit, given=given, diagnosis=diagnosis, slip=slip, **base)


def _comma_in_a_number(typed: str) -> str:
    """Why `0,5` or `102,764,544` is not read as one number (1,234 could be either: a decimal comma first)."""
    shown = typed.strip()[:40]
    if typed.count(",") > 1 and re.fullmatch(r"[+\-−]?\d{1,3}(?:,\d{3})+", typed.strip()):
        return f"digits grouped by commas? {shown!r} is one number or several; without the commas it is one"
    return f"a decimal comma? {shown!r} is one number or two (grade with --decimal-comma to read 0,5 as 0.5)"


def _right_with_decimal_commas(item: KeyItem, typed: str) -> bool:
    """`1,0944; 0,6777` read as [[1, 944], [0, 6777]] is wrong; is it the right vector with 0,5 as 0.5?"""
    given = parse_answer(typed, decimal_comma=True)
    return given is not None and not isinstance(given, (str, dict)) and item.matches(given, item.expected)


@dataclass(slots=True)
class StudentReport:
    id: str
    score: float
    max: float
    marks: list[Mark]
    extra: tuple[str, ...] = ()


@dataclass
class Report:
    students: list[StudentReport]
    problems: list[str]
    bad_rows: list[BadRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)       # how the file was read
    warnings: list[str] = field(default_factory=list)    # what a TA should look at: resubmissions, commas
    key_errors: dict[str, str] = field(default_factory=dict)
    kept: list[str] = field(default_factory=list)     # the answers file's other columns (gradebook)
    student_header: str = "student"
    bad_count: int = 0
    _summary: dict | None = None

    @property
    def all_correct(self) -> bool:
        return all(m.correct for s in self.students for m in s.marks)

    def summary(self) -> dict:
        if self._summary is None:
            self._summary = self._summarised()
        return self._summary

    def _summarised(self) -> dict:
        scores = [s.score for s in self.students]
        top = self.students[0].max if self.students else 0.0
        problems = {}
        for i, pid in enumerate(self.problems):
            column = [s.marks[i] for s in self.students]       # marks are shared: count each distinct one
            distinct = {id(m): m for m in column}
            got = [(distinct[k], n) for k, n in Counter(map(id, column)).items()]
            problems[pid] = _problem_summary(got, len(self.students))
        return {
            "students": len(self.students),
            "max": top,
            "mean": sum(scores) / len(scores) if scores else 0.0,
            "median": median(scores) if scores else 0.0,
            "histogram": histogram(scores, top),
            "all_correct": sum(s.score == s.max for s in self.students),
            "problems": problems,
            "bad_rows": self.bad_count,
        }


def _problem_summary(got: list[tuple[Mark, int]], students: int) -> dict:
    slips, wrong = Counter(), Counter()
    for m, n in got:
        if m.diagnosis and not m.diagnosis.startswith(("unparsable", "a decimal comma", "the key", "could not")):
            slips[m.diagnosis] += n
        elif not m.correct and not m.missing and m.given_text is not None:
            wrong[" ".join(m.given_text.split())] += n
    return {
        "correct": sum(n for m, n in got if m.correct),
        "answered": sum(n for m, n in got if not m.missing),
        "mean_points": sum(m.points * n for m, n in got) / students if students else 0.0,
        "slips": dict(slips.most_common()),
        "wrong_answers": [{"answer": a, "count": n} for a, n in wrong.most_common(5)],
    }


def histogram(scores: list[float], top: float, bins: int = HISTOGRAM_BINS) -> list[dict]:
    """Students per tenth of the top score: [from, to) and the last bin closed, [0.9·top, top]."""
    if top <= 0:
        return [{"from": 0.0, "to": 0.0, "count": len(scores)}]
    width = top / bins
    counts = [0] * bins
    for s in scores:
        counts[min(int(s / width + 1e-9), bins - 1)] += 1
    return [{"from": round(i * width, 10), "to": round((i + 1) * width, 10), "count": c} for i, c in enumerate(counts)]


_TIME_FORMATS = ("%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%d %B %Y %I:%M %p", "%Y-%m-%d %H:%M:%S %z")


def time_key(text: str) -> datetime | None:
    """A submission time as LMSs print it (ISO, `… UTC`, `… -0800`, Google Forms' US `3/1/2025 10:00:00`,
    Moodle's `1 March 2025 10:00 AM`), as naive UTC when it has an offset; None when unknown."""
    s = " ".join(text.split()).removesuffix(" UTC") if text else ""
    if not s:
        return None
    t = None
    try:
        t = datetime.fromisoformat(s)
    except ValueError:
        for fmt in _TIME_FORMATS:
            t = _parsed(s, fmt)
            if t is not None:
                break
    if t is not None and t.tzinfo is not None:
        t = (t - t.utcoffset()).replace(tzinfo=None)
    return t


def _nothing_graded(pids: list[str], bad: list[BadRow]) -> str:
    unknown = [b for b in bad if b.message.startswith("unknown problem")]
    if bad and not unknown:  # said here: the warnings naming each bad row come after a report there is none of
        return f"no row could be graded: every row was refused, e.g. line {bad[0].line}: {bad[0].message}"
    if not bad:
        return "no row could be graded: the file holds no answers"
    return f"no row could be graded: no answer names a problem of the key ({', '.join(pids)}); is it the right file?"


def _parsed(s: str, fmt: str) -> datetime | None:
    try:
        return datetime.strptime(s, fmt)
    except ValueError:
        return None


def grade(key: dict[str, KeyItem], rows: Iterable[Row], bad_rows: list[BadRow] | None = None,
          roster: list[str] | None = None, extra: dict[str, tuple] | None = None, source: str = "answers") -> Report:
    """Every student against every key problem; the latest submission of a student and problem counts
    (by its time when the file has one, else the later row). `source` names the answers in errors."""
    pids = list(key)
    index = {pid: i for i, pid in enumerate(pids)}
    n = len(pids)
    report = Report([], pids)
    sheets: dict[str, list] = {sid: [None] * n for sid in roster or ()}
    stamps: dict[str, list] = {}            # submission times, only for files that have them
    times: dict[str, datetime | None] = {}
    replaced: list[str] = []
    graded = 0
    for row in rows:
        i = index.get(row.problem)
        if i is None:
            _bad(report, row.line, f"unknown problem '{row.problem}'{closest(row.problem, pids)}; row skipped")
            continue
        sheet = sheets.get(row.student)
        if sheet is None:
            sheet = sheets[row.student] = [None] * n
        graded += 1
        if row.time:
            t = times[row.time] if row.time in times else times.setdefault(row.time, time_key(row.time))
            stamp = stamps.get(row.student) or stamps.setdefault(row.student, [None] * n)
            if sheet[i] is not None and t is not None and stamp[i] is not None and t < stamp[i]:
                replaced.append(f"{row.student} {row.problem} (line {row.line} is older)")
                continue
            stamp[i] = t
        if sheet[i] is not None:
            replaced.append(f"{row.student} {row.problem} (line {row.line} replaces an earlier answer)")
        sheet[i] = row.text
    if not graded:
        raise BadInput(_nothing_graded(pids, report.bad_rows or list(bad_rows or ())), source)
    if replaced:
        report.warnings.append(f"{len(replaced)} resubmission{'s' * (len(replaced) != 1)}: the latest counts, e.g. "
                            + "; ".join(replaced[:3]))
    if roster is not None:
        listed = set(roster)
        off = [sid for sid in sheets if sid not in listed]
        if off:
            report.warnings.append(f"{len(off)} student{'s' * (len(off) != 1)} not on the roster, graded too: "
                                + ", ".join(off[:5]) + ("…" if len(off) > 5 else ""))
    items = [key[pid] for pid in pids]
    top = sum(item.problem.points for item in items)
    extra = extra or {}
    drawn = any(isinstance(item, VariantItem) for item in items)
    for sid, texts in sheets.items():
        own = [item.for_student(sid) if isinstance(item, VariantItem) else item for item in items] if drawn else items
        marks = [mark(item, text) for item, text in zip(own, texts)]
        report.students.append(StudentReport(sid, sum(m.points for m in marks), top, marks, extra.get(sid, ())))
    commas = sum(m.diagnosis is not None and m.diagnosis.startswith("a decimal comma") for s in report.students
                 for m in s.marks)
    if commas:
        report.warnings.append(f"{commas} answer{'s' * (commas != 1)} to one-number problems ha{'ve' if commas != 1 else 's'} "
                            "a comma between digits and {} not read: if the class writes decimal commas, grade with "
                            "--decimal-comma".format("were" if commas != 1 else "was"))
    report.key_errors = {pid: item.error for pid, item in key.items() if item.error is not None}
    read_bad = list(bad_rows or ())  # the reader's own, filled while the rows streamed
    report.bad_count += len(read_bad)
    report.bad_rows = sorted(read_bad[:MAX_BAD_ROWS] + report.bad_rows, key=lambda b: b.line)[:MAX_BAD_ROWS]
    return report


def _bad(report: Report, line: int, message: str) -> None:
    report.bad_count += 1
    if len(report.bad_rows) < MAX_BAD_ROWS:
        report.bad_rows.append(BadRow(line, message))
