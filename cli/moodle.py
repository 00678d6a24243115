"""Moodle XML (docs.moodle.org/en/Moodle_XML_format, read by question/format/xml/format.php): a
`<quiz>` holding, per problem, a category and that problem's variants, so that a quiz's "random
question from this category" gives each student one of them.

What each answer becomes:
- one number: a `numerical` question. The right answer has fraction 100 and an absolute tolerance
  of atol + rtol·|answer| (grade's rule, per variant; 0 for an integer the kind compares exactly);
  every named slip is one more answer, its own value and tolerance, fraction slip_credit×100 (0 when
  the key gives none) and feedback naming it. Moodle takes the first answer that matches, so the
  right one comes first.
- a vector, matrix or tensor: a `cloze` question with one `{w:NUMERICAL:=value:tolerance#feedback
  ~%P%slip:tolerance#feedback}` blank per entry (question/type/multianswer), laid out as the answer's
  table; a slip is an alternative of the entries where it differs. Moodle reads the question's mark
  from its blanks alone: w is the points over the blanks when that is a whole number, else 1 and a
  warning asks for the mark to be set in the quiz. Feedback in a blank is HTML with
  `{ } ~ # \\` as character references (the blank's own syntax never sees them; Moodle decodes the
  feedback once), so no escaping rule of any Moodle version is needed.
- true/false: a `truefalse` question; a word the kind lists choices for (hessian's classification):
  a `multichoice` question with one answer per choice (a slip's word earns slip_credit).
The worked solution is every question's general feedback, as HTML.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from html import escape

from dlcalc.cli import quizhtml as qh
from dlcalc.cli.quizhtml import sub
from dlcalc.cli.render.numbers import formatter
from dlcalc.problems.quiz import Question

# the answer grades Moodle's import accepts (question_bank::fraction_options_full; 1e-5 apart at most)
GRADES = (1, 0.9, 0.8333333, 0.8, 0.75, 0.7, 0.6666667, 0.6, 0.5, 0.4, 0.3333333, 0.3, 0.25, 0.2, 0.1666667,
          0.1428571, 0.125, 0.1111111, 0.1, 0.05, 0)
RIGHT = qh.RIGHT


def write(title: str, groups: list[list[Question]], precision: int = 4, info: str = "") -> tuple[str, list[str]]:
    """The XML text, and warnings for the user (a slip credit Moodle's import would refuse, a cloze
    question whose blanks are not its points)."""
    fmt = formatter(precision)
    quiz = ET.Element("quiz")
    warnings, marked = [], []
    for group in groups:
        first = group[0]
        category = sub(quiz, "question", type="category")
        sub(sub(category, "category"), "text", f"$course$/{_path(title)}/{_path(first.id)}")
        about = f"{len(group)} variant{'s' * (len(group) != 1)} of problem {first.id}" + (f" ({info})" if info else "") + \
            (": add a random question from this category to the quiz, so that each student gets one of them"
             if len(group) > 1 else "")
        sub(sub(category, "info", format="html"), "text", f"<p>{escape(about)}</p>")
        credit = first.credit
        if first.slips or any(q.slips for q in group):
            nearest = min(GRADES, key=lambda g: abs(g - credit))
            if abs(nearest - credit) >= 1e-5:
                warnings.append(f"problem {first.id}: slip_credit {credit:g} is {_percent(credit)} %, not one of the "
                                f"grades Moodle offers (the nearest is {_percent(nearest)} %); import with "
                                "\"Nearest grade if not listed\" or choose a listed one")
        blanks = first.expected.size if first.form == "grid" else 0
        if blanks and not _weight(first):
            marked.append(f"{first.id} ({blanks} blanks, {_points(first.template.points)})")
        for q in group:
            _question(quiz, q, len(group), fmt, precision)
    if marked:
        warnings.append(f"Moodle gives a cloze question whole marks per blank, which cannot add up to the problem's "
                        f"points here: set the marks in the quiz of {', '.join(marked)}")
    return qh.xml_document(quiz), warnings


def _points(points: float) -> str:
    return f"{points:g} point{'s' * (points != 1)}"


def _path(name: str) -> str:
    """A category name in a Moodle category path: a `/` in the name is written `//`."""
    return " ".join(str(name).split()).replace("/", "//").strip() or "problem"


def _percent(fraction: float) -> str:
    """fraction×100 as Moodle prints it: 50, 33.33333."""
    return f"{100 * fraction:.5f}".rstrip("0").rstrip(".")


def _head(quiz: ET.Element, q: Question, qtype: str, total: int, text: str, precision: int,
          grade: bool = True) -> ET.Element:
    question = sub(quiz, "question", type=qtype)
    sub(sub(question, "name"), "text", qh.name(q, total))
    sub(sub(question, "questiontext", format="html"), "text", text)
    sub(sub(question, "generalfeedback", format="html"), "text", qh.solution(q, precision))
    if grade:  # a cloze question's mark is the sum of its blanks' (Moodle's export writes none either)
        sub(question, "defaultgrade", qh.number(q.template.points))
    return question


def _answer(question: ET.Element, fraction: float, text: str, feedback: str, fmt: str = "html",
            tolerance: str | None = None) -> None:
    answer = sub(question, "answer", fraction=_percent(fraction), format=fmt)
    sub(answer, "text", text)
    sub(sub(answer, "feedback", format="html"), "text", f"<p>{escape(feedback)}</p>")
    if tolerance is not None:
        sub(answer, "tolerance", tolerance)


def _question(quiz: ET.Element, q: Question, total: int, fmt, precision: int) -> None:
    text = "\n".join(qh.statement(q, fmt))
    if q.form == "number":
        question = _head(quiz, q, "numerical", total, text, precision)
        _answer(question, 1, qh.number(q.expected), RIGHT, "moodle_auto_format", qh.number(q.tolerance))
        for s in q.slips:
            _answer(question, q.credit, qh.number(s.value), qh.slip_feedback(s.names), "moodle_auto_format",
                    qh.number(s.tolerance))
    elif q.form == "grid":
        _head(quiz, q, "cloze", total, _braces(text) + "\n" + _blanks(q, fmt), precision, grade=False)
    elif q.form == "bool":
        question = _head(quiz, q, "truefalse", total, text, precision)
        for word in ("true", "false"):
            right = (word == "true") == q.expected
            _answer(question, 1 if right else 0, word, RIGHT if right else "Not right.", "moodle_auto_format")
    else:
        question = _head(quiz, q, "multichoice", total, text, precision)
        sub(question, "single", "true")
        sub(question, "shuffleanswers", "false")
        sub(question, "answernumbering", "abc")
        slipped = {s.value: s.names for s in q.slips}
        for word, label in q.choices.items():
            if word == q.expected:
                _answer(question, 1, escape(label), RIGHT)
            elif word in slipped:
                _answer(question, q.credit, escape(label), qh.slip_feedback(slipped[word]))
            else:
                _answer(question, 0, escape(label), "Not right.")


# ── cloze ────────────────────────────────────────────────────────────────────

_CLOZE = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;", "{": "&#123;", "}": "&#125;",
          "~": "&#126;", "#": "&#35;", "\\": "&#92;"}


def _braces(html: str) -> str:
    """Question text around the blanks: no `{`/`}` of its own that could read as a blank's start or end."""
    return html.replace("{", "&#123;").replace("}", "&#125;")


def cloze_feedback(text: str) -> str:
    """Plain text as a blank's feedback: HTML-escaped (what is shown), then written with character
    references for everything the blank's syntax or Moodle's one decoding step would read."""
    return "".join(_CLOZE.get(c, c) for c in escape(text, quote=False))


def blank(q: Question, index: tuple[int, ...]) -> str:
    """`{1:NUMERICAL:=value:tolerance#feedback~%P%slip:tolerance#feedback…}` for one entry."""
    parts = [f"={qh.number(q.expected[index])}:{qh.number(q.tolerance[index])}#{cloze_feedback(RIGHT)}"]
    for s in q.entry_slips(index):
        parts.append(f"%{_percent(q.credit)}%{qh.number(s.value)}:{qh.number(s.tolerance)}"
                     f"#{cloze_feedback(qh.slip_feedback(s.names))}")
    return "{" + str(_weight(q) or 1) + ":NUMERICAL:" + "~".join(parts) + "}"


def _weight(q: Question) -> int | None:
    """Each blank's mark, so that they add up to the problem's points (Moodle reads a cloze question's
    mark from its blanks alone, and a blank's mark is a whole number); None when no whole number does."""
    share = q.template.points / q.expected.size
    return int(share) if share >= 1 and share.is_integer() else None


def _blanks(q: Question, fmt) -> str:
    return qh.layout(q, lambda index: blank(q, index))
