"""What the Moodle and Canvas writers share: a question's text and feedback as HTML, numbers as the
LMSs read them, and XML that stays well-formed whatever a title holds."""
from __future__ import annotations

import hashlib
import math
import re
import xml.etree.ElementTree as ET
from html import escape
from typing import Any


from dlcalc.problems.quiz import Question

RIGHT = "Right."
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clean(text: str) -> str:
    """Text XML 1.0 can hold: control characters become U+FFFD."""
    return _NOT_XML.sub("\ufffd", text)


def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    e = ET.SubElement(parent, tag, {k.rstrip("_"): v for k, v in attrs.items()})
    if text is not None:
        e.text = clean(text)
    return e


def xml_document(root: ET.Element) -> str:
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def number(x: Any) -> str:
    """A number as both LMSs read it: integers without a point, others in full (repr: the shortest text
    that reads back as the same float), never `+` or `inf`."""
    x = float(x)
    assert math.isfinite(x), x
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return repr(x)


def ident(*parts: object) -> str:
    """A stable identifier (an XML NCName) for the same inputs, different for different ones."""
    return "dlcalc_" + hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()[:24]


def name(q: Question, total: int) -> str:
    label = q.template.meta.get("title") or q.id
    return f"{label} (variant {q.number} of {total})" if q.drawn else str(label)


def points_text(points: float) -> str:
    return f"{points:g} point{'s' * (points != 1)}"


def statement(q: Question, fmt) -> list[str]:
    """The title and the problem as a sheet asks it (its given numbers drawn as tables), as HTML."""
    from dlcalc.cli.render.html import step_html
    from dlcalc.problems.variants import statement as asked

    title = q.template.meta.get("title") or q.id
    out = [f"<p><b>{escape(str(title))}</b> ({points_text(q.template.points)})</p>"]
    for step in asked(q.problem):
        out += step_html(step, fmt)
    if q.ascending:
        out.append("<p>Give the values in ascending order.</p>")
    return out


def solution(q: Question, precision: int) -> str:
    from dlcalc.cli import render

    return render.text(q.solution, "html", precision)


def slip_feedback(names: list[str]) -> str:
    return ("Not quite: this is the answer of a known slip: " + "; ".join(names) + ".") if len(names) == 1 else \
        ("Not quite: this is the answer of known slips: " + "; ".join(names) + ".")

