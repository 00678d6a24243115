"""HTML, for quiz questions and their feedback in an LMS: a heading per step, worked lines as a list,
matrices and tables as HTML tables. Every piece of text is escaped; nothing needs a stylesheet."""
from __future__ import annotations

from html import escape as _escape

from dlcalc.calc.solution import Solution, Step
from dlcalc.cli.render.layout import Formatter, equation, matrices, table_cells, worked
from dlcalc.cli.render.numbers import ungrouped

CELL = ' style="border: 1px solid #999; padding: 2px 6px; text-align: right"'


def escape(text: str) -> str:
    """Text as HTML element content (quotes need no escaping there)."""
    return _escape(str(text), quote=False)


TABLE = ' style="border-collapse: collapse; margin: 4px 0"'


def table(headers: list[str] | None, rows: list[list[str]], raw: bool = False) -> str:
    """An HTML table of cell texts (escaped unless `raw`: cells that already are HTML)."""
    esc = (lambda s: s) if raw else escape  # noqa: E731
    head = "<tr>" + "".join(f"<th{CELL}>{escape(h)}</th>" for h in headers) + "</tr>" if headers else ""
    body = "".join("<tr>" + "".join(f"<td{CELL}>{esc(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table{TABLE}>{head}{body}</table>"


def step_html(step: Step, fmt: Formatter) -> list[str]:
    """A step's body: its equation, prose, worked lines, matrices, table and note."""
    out = []
    eq = equation(step, fmt)
    if eq:
        out.append(f"<p><code>{escape(eq)}</code></p>")
    if step.prose:
        out.append("<ul>" + "".join(f"<li>{escape(p)}</li>" for p in step.prose) + "</ul>")
    if step.lines:
        out.append("<ul>" + "".join(f"<li><code>{escape(worked(line, fmt))}</code></li>" for line in step.lines)
                   + "</ul>")
    for grid in step.grids:
        for label, a, hl in matrices(grid):
            rows = [[f"<b>{escape(c)}</b>" if (i, j) in hl else escape(c) for j, c in enumerate(map(ungrouped, map(fmt, row)))]
                    for i, row in enumerate(a)]
            out.append(f"<p><i>{escape(label)}</i> =</p>" + table(None, rows, raw=True))
    if step.table is not None:
        out.append(table(step.table.headers, table_cells(step.table, fmt)))
    if step.note:
        out.append(f"<blockquote>{escape(step.note)}</blockquote>")
    return out


def render(sol: Solution, fmt: Formatter, answer_only: bool = False, full: bool = False) -> str:
    """`full` is for the other renderers' signature: HTML elides nothing."""
    answer = table(["answer", "value"], [[k, fmt(v)] for k, v in sol.answer.items()])
    if answer_only:
        return answer
    out = [f"<h3>{escape(sol.title or sol.kind)}</h3>"]
    for n, step in enumerate(sol.steps, 1):
        out += [f"<h4>Step {n}. {escape(step.title)}</h4>"] + step_html(step, fmt)
    out += ["<h4>Answer</h4>", answer]
    out += [f"<p><b>Warning:</b> {escape(w)}</p>" for w in sol.warnings]
    return "\n".join(out)
