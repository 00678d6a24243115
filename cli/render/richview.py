"""Rich terminal output: steps as a two-column grid, matrices with highlighted cells, a boxed answer."""
from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table as RichTable
from rich.text import Text as RichText

from dlcalc.calc.solution import Solution, Step
from dlcalc.cli.render.layout import Formatter, brackets, cells, equation, matrices, numeric_columns, worked
from dlcalc.cli.render.plain import answer_lines

HIGHLIGHT = "bold black on yellow"


def _grid(label: str, a, hl: set, fmt: Formatter, room: int | None = None, full: bool = False) -> RichText:
    """A bracketed grid; wider than `room` columns, its middle columns give way to ⋯ (as numpy prints),
    so that the brackets never wrap, or with `full` (--full) it is drawn in blocks of whole columns, one
    under the other, each captioned with its columns. Files and the other formats keep every column."""
    rows, widths = cells(a, fmt)
    head = f"{label} = " if label else ""
    room = (room or 10**9) - len(head) - 2
    if full:
        blocks = _column_blocks(widths, room)
        out = RichText()
        for n, block in enumerate(blocks):
            if len(blocks) > 1:
                span = f"{block[0] + 1}–{block[-1] + 1}" if len(block) > 1 else f"{block[0] + 1}"
                out.append(" " * len(head) + f"columns {span} of {len(widths)}\n", style="dim")
            out.append_text(_drawn(rows, widths, hl, head if n == 0 else " " * len(head), block))
            if n < len(blocks) - 1:
                out.append("\n")
        return out
    return _drawn(rows, widths, hl, head, _kept_columns(widths, room))


def _drawn(rows: list[list[str]], widths: list[int], hl: set, head: str, keep: list[int | None]) -> RichText:
    out = RichText()
    for i, ((lb, rb), row) in enumerate(zip(brackets(len(rows)), rows)):
        out.append(head if i == (len(rows) - 1) // 2 else " " * len(head), style="bold")
        out.append(lb, style="dim")
        for n, j in enumerate(keep):
            if j is None:
                out.append("  ⋯", style="dim")
                continue
            c, w = row[j], widths[j]
            out.append(("  " if n else "") + " " * (w - len(c)))
            out.append(c, style=HIGHLIGHT if (i, j) in hl else "")
        out.append(rb + ("\n" if i < len(rows) - 1 else ""), style="dim")
    return out


def _column_blocks(widths: list[int], room: int) -> list[list[int]]:
    """Consecutive columns, as many to a block as fit in `room` (at least one: a cell is never cut)."""
    blocks: list[list[int]] = [[]]
    used = 0
    for j, w in enumerate(widths):
        if blocks[-1] and used + 2 + w > room:
            blocks.append([])
        used = (used + 2 + w) if blocks[-1] else w
        blocks[-1].append(j)
    return blocks


def _kept_columns(widths: list[int], room: int) -> list[int | None]:
    """Column indices to draw, None where ⋯ stands for the ones left out: from both ends inwards."""
    if sum(widths) + 2 * (len(widths) - 1) <= room:
        return list(range(len(widths)))
    left, right, used = [], [], 3  # "  ⋯"
    lo, hi = 0, len(widths) - 1
    while lo <= hi:
        j = lo if len(left) <= len(right) else hi
        if used + widths[j] + 2 > room:
            break
        used += widths[j] + 2
        if j == lo:
            left.append(lo)
            lo += 1
        else:
            right.insert(0, hi)
            hi -= 1
    return left + [None] + right if lo <= hi else left + right


def _table(table, fmt: Formatter) -> RichTable:
    rt = RichTable(show_edge=False, header_style="bold cyan", pad_edge=False)
    for h, numeric in zip(table.headers, numeric_columns(table)):
        rt.add_column(h, justify="right" if numeric else "left", overflow="fold")  # fold, never cut a number
    for row in table.rows:
        rt.add_row(*(fmt(v) for v in row))
    return rt


def _body(step: Step, fmt: Formatter, room: int | None = None, full: bool = False) -> Group:
    parts = []
    eq = equation(step, fmt)
    if eq:
        parts.append(RichText(eq))
    parts += [RichText(p, style="italic") for p in step.prose]
    parts += [RichText(worked(line, fmt)) for line in step.lines]
    for grid in step.grids:
        parts += [_grid(label, a, hl, fmt, room, full) for label, a, hl in matrices(grid)]
    if step.table is not None:
        parts.append(_table(step.table, fmt))
    if step.note:
        parts.append(RichText(step.note, style="dim"))
    return Group(*parts)


def render(sol: Solution, fmt: Formatter, answer_only: bool, console: Console, full: bool = False) -> None:
    answers = RichText("\n".join(answer_lines(sol, fmt, full)))  # text, not markup: [w1, w2] must survive
    if answer_only:
        console.print(answers, highlight=False)
        return
    if sol.title:
        console.rule(RichText(sol.title, style="bold"), align="left")
    layout = RichTable.grid(padding=(0, 2, 1, 0))
    layout.add_column(style="bold cyan", no_wrap=True)
    layout.add_column(overflow="fold")
    for n, step in enumerate(sol.steps, 1):
        layout.add_row(f"Step {n}", Group(RichText(step.title, style="bold"), _body(step, fmt, console.width - 10, full)))
    console.print(layout, highlight=False)
    console.print(Panel(answers, title="Answer", title_align="left", border_style="green", expand=False),
                  highlight=False)
    for w in sol.warnings:
        console.print(RichText("Warning: ", style="yellow") + RichText(w), highlight=False)
