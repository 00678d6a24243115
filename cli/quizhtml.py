"""What the Moodle and Canvas writers share: a question's text and feedback as HTML, numbers as the
LMSs read them, and XML that stays well-formed whatever a title holds."""
from __future__ import annotations

import hashlib
import math
import re
import xml.etree.ElementTree as ET
from html import escape
from typing import Any, Callable


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



def layout(q: Question, cell: Callable[[tuple[int, ...]], str]) -> str:
    """A vector, matrix or tensor answer laid out as its table, `cell(index)` (HTML) in each entry's
    place: a mapping as rows `name | cell`, a vector as one row, a matrix as its rows, a tensor as one
    matrix per leading index (`ask[0,1] =`)."""
    return grid(q.problem.ask, q.expected.shape, q.labels, cell)


def grid(name: str, shape: tuple[int, ...], labels: list[str] | None, cell: Callable[[tuple[int, ...]], str]) -> str:
    """`name =` and the table of an array of `shape`, `cell(index)` in each entry (see layout)."""
    import numpy as np

    from dlcalc.cli.render.html import table

    ask = escape(name)
    if labels is not None and len(shape) == 1 and len(labels) == shape[0]:
        rows = [[escape(label), cell((i,))] for i, label in enumerate(labels)]
        return f"<p>{ask}:</p>" + table(None, rows, raw=True)
    if len(shape) == 0:
        return f"<p>{ask} = {cell(())}</p>"
    if len(shape) == 1:
        return f"<p>{ask} =</p>" + table(None, [[cell((j,)) for j in range(shape[0])]], raw=True)
    out = []
    for prefix in np.ndindex(*shape[:-2]):
        label = f"{ask}[{','.join(map(str, prefix))}]" if prefix else ask
        rows = [[cell(prefix + (i, j)) for j in range(shape[-1])] for i in range(shape[-2])]
        out.append(f"<p>{label} =</p>" + table(None, rows, raw=True))
    return "\n".join(out)
