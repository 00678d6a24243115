"""Grading against a key: answers are computed from the key's problems, never typed in.

Wrong answers are diagnosed by re-solving the problem under each slip its kind
declares (computed once per problem, only when some answer is wrong), then by a
few kind-independent checks (another answer key, rounding, sign).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from dlcalc.calc.errors import BadInput, closest
from dlcalc.calc.grading import Tolerance, as_expected, matches, rounding_slip, sign_slip
from dlcalc.problems.answers import BadRow, Row, parse_answer
from dlcalc.problems.loader import Problem


@dataclass
class KeyItem:
    problem: Problem
    answer: dict
    tol: Tolerance
    _slips: list[tuple[str, Any]] | None = None

    @property
    def expected(self) -> Any:
        return self.answer[self.problem.ask]

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
                if value is not None and not matches(value, self.expected, self.tol):
                    self._slips.append((slip.name, value))
        return self._slips

    def diagnose(self, given: Any) -> str | None:
        for name, value in self.slips():
            if matches(given, value, self.tol):
                return name
        for key, value in self.answer.items():
            if key != self.problem.ask and _comparable(value) and matches(given, value, self.tol):
                return f"gave {key} instead of {self.problem.ask}"
        return rounding_slip(given, self.expected) or sign_slip(given, self.expected, self.tol)


def _comparable(value: Any) -> bool:
    v = as_expected(value)
    return not isinstance(v, str) and getattr(v, "size", 0) > 0


@dataclass
class Mark:
    problem: str
    correct: bool
    points: float
    max_points: float
    expected: Any
    given: Any
    diagnosis: str | None


@dataclass
class StudentReport:
    id: str
    score: float
    max: float
    marks: list[Mark]


@dataclass
class Report:
    students: list[StudentReport]
    bad_rows: list[BadRow] = field(default_factory=list)

    @property
    def all_correct(self) -> bool:
        return all(m.correct for s in self.students for m in s.marks)

    def summary(self) -> dict:
        scores = [s.score for s in self.students]
        per_problem: dict[str, dict] = {}
        for s in self.students:
            for m in s.marks:
                d = per_problem.setdefault(m.problem, {"correct": 0, "answered": 0, "diagnoses": Counter()})
                d["correct"] += m.correct
                d["answered"] += m.given is not None
                if m.diagnosis:
                    d["diagnoses"][m.diagnosis] += 1
        return {
            "students": len(self.students),
            "max": self.students[0].max if self.students else 0,
            "mean": sum(scores) / len(scores) if scores else 0,
            "all_correct": sum(s.score == s.max for s in self.students),
            "problems": {k: {**v, "diagnoses": dict(v["diagnoses"].most_common())} for k, v in per_problem.items()},
            "bad_rows": len(self.bad_rows),
        }


def build_key(problems: list[Problem], tol: Tolerance) -> dict[str, KeyItem]:
    """Solve every problem of the key; a broken key is bad input (nothing can be graded against it)."""
    key = {}
    for p in problems:
        sol = p.solve()
        if p.ask not in sol.answer:
            raise BadInput(f"this problem has no answer '{p.ask}' (its answers: {', '.join(sol.answer)})", p.where("ask"))
        rtol = float(p.meta.get("rtol", tol.rtol))
        atol = float(p.meta.get("atol", tol.atol))
        key[p.id] = KeyItem(p, sol.answer, Tolerance(rtol, atol))
    return key


def mark(item: KeyItem, text: Any) -> Mark:
    p = item.problem
    if text is not None and not str(text).strip():
        text = None  # an empty cell is no answer, not an unparsable one
    given = parse_answer(text) if text is not None else None
    if isinstance(given, str) and not isinstance(as_expected(item.expected), (str, bool)):
        given = None  # a word where a number was asked: unparsable
    correct = given is not None and matches(given, item.expected, item.tol)
    if text is not None and given is None:
        diagnosis = f"unparsable answer '{str(text).strip()[:40]}'"
    else:
        diagnosis = None if correct or given is None else item.diagnose(given)
    return Mark(p.id, correct, p.points if correct else 0.0, p.points, item.expected,
                given if given is not None else (None if text is None else str(text)), diagnosis)


def grade(key: dict[str, KeyItem], rows: list[Row], bad_rows: list[BadRow]) -> Report:
    bad = list(bad_rows)
    sheets: dict[str, dict[str, str]] = {}
    for row in rows:
        if row.problem not in key:
            bad.append(BadRow(row.line, f"unknown problem '{row.problem}'{closest(row.problem, key)}; row skipped"))
            continue
        answers = sheets.setdefault(row.student, {})
        if row.problem in answers:
            bad.append(BadRow(row.line, f"second answer of {row.student} to {row.problem}; the first one counts"))
            continue
        answers[row.problem] = row.text
    students = []
    for sid, answers in sheets.items():
        marks = [mark(item, answers.get(pid)) for pid, item in key.items()]
        students.append(StudentReport(sid, sum(m.points for m in marks), sum(m.max_points for m in marks), marks))
    return Report(students, sorted(bad, key=lambda b: b.line))
