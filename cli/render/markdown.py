"""Markdown: a heading per step, worked lines as a list, matrices and tables as Markdown tables."""
from __future__ import annotations

from dlcalc.calc.solution import Solution, Step
from dlcalc.cli.render.layout import Formatter, equation, matrices, table_cells, worked
from dlcalc.cli.render.numbers import ungrouped


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    esc = lambda s: s.replace("|", "\\|")  # noqa: E731
    return ["| " + " | ".join(esc(h) for h in headers) + " |", "|" + "---|" * len(headers)] + \
        ["| " + " | ".join(esc(c) for c in r) + " |" for r in rows]


def render(sol: Solution, fmt: Formatter, answer_only: bool = False, full: bool = False) -> str:
    answer = _table(["answer", "value"], [[k, fmt(v)] for k, v in sol.answer.items()])
    if answer_only:
        return "\n".join(answer)
    out = [f"## {sol.title or sol.kind}", ""]
    for n, step in enumerate(sol.steps, 1):
        out += [f"### Step {n}. {step.title}", ""] + step_markdown(step, fmt)
    out += ["### Answer", ""] + answer
    if sol.warnings:
        out += [""] + [f"> **Warning:** {w}" for w in sol.warnings]
    return "\n".join(out)


def step_markdown(step: Step, fmt: Formatter) -> list[str]:
    """A step's body: its equation, prose, worked lines, matrices, table and note."""
    out = []
    eq = equation(step, fmt)
    if eq:
        out += [f"`{eq}`", ""]
    if step.prose:
        out += [f"- {p}" for p in step.prose] + [""]
    if step.lines:
        out += [f"- `{worked(line, fmt)}`" for line in step.lines] + [""]
    for grid in step.grids:
        for label, a, hl in matrices(grid):
            rows = [[f"**{c}**" if (i, j) in hl else c for j, c in enumerate(map(ungrouped, map(fmt, row)))]
                    for i, row in enumerate(a)]
            out += [f"*{label}*", ""] + _table([str(j + 1) for j in range(a.shape[1])], rows) + [""]
    if step.table is not None:
        out += _table(step.table.headers, table_cells(step.table, fmt)) + [""]
    if step.note:
        out += [f"> {step.note}", ""]
    return out
