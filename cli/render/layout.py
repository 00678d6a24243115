"""Layout shared by the text renderers: equation chains and bracketed matrix grids."""
from __future__ import annotations

import numpy as np

from dlcalc.calc.solution import Formatter, Grid, Step, Table, Text
from dlcalc.cli.render import recompute
from dlcalc.cli.render.numbers import ungrouped


def equation(step: Step, fmt: Formatter) -> str:
    """`formula = substitution = result`, leaving out the parts a step does not have; checked as one line
    (recompute.py): the substitution must give the printed result."""
    return recompute.chain(step.formula, [step.substitution, step.result], fmt)


def worked(line: Text, fmt: Formatter) -> str:
    """A worked line with its numbers in: what every renderer prints for a Text (recompute.py checks it)."""
    return recompute.line(line, fmt)


def matrices(grid: Grid) -> list[tuple[str, np.ndarray, set]]:
    """Split a grid into 2-D slices with labels (channels of a 3-D grid, filters×channels of 4-D)."""
    a = grid.array()
    hl = {tuple(h) for h in grid.highlight}
    if a.ndim <= 2:
        return [(grid.label, np.atleast_2d(a) if a.ndim else a.reshape(1, 1), _hl2(hl, a.ndim))]
    out = []
    for index in np.ndindex(*a.shape[:-2]):
        sub = {h[-2:] for h in hl if tuple(h[:-2]) == index}
        out.append((f"{grid.label}[{','.join(map(str, index))}]", a[index], sub))
    return out


def _hl2(hl: set, ndim: int) -> set:
    if ndim == 1:
        return {(0, h[0]) for h in hl if len(h) == 1}
    return {h for h in hl if len(h) == 2}


def cells(a: np.ndarray, fmt: Formatter) -> tuple[list[list[str]], list[int]]:
    """Formatted cells and the width of each column (right-aligned); a grid's numbers are not grouped."""
    rows = [[ungrouped(fmt(v)) for v in row] for row in a.tolist()]  # Python floats: quicker than numpy's one by one
    widths = [max(len(r[j]) for r in rows) for j in range(a.shape[1])]
    return rows, widths


def brackets(n: int) -> list[tuple[str, str]]:
    """Left/right bracket pieces for an n-row matrix, drawn the way they are on paper."""
    if n == 1:
        return [("[", "]")]
    return [("⎡", "⎤")] + [("⎢", "⎥")] * (n - 2) + [("⎣", "⎦")]


def grid_text(label: str, a: np.ndarray, fmt: Formatter, highlight: set = frozenset()) -> list[str]:
    """A bracketed grid; highlighted cells are put in parentheses, as one circles them on paper."""
    rows, widths = _marked_cells(a, fmt, highlight) if highlight else cells(a, fmt)
    gap = " " if highlight else "  "  # marked cells carry their own spacing
    head = f"{label} = " if label else ""
    pad = " " * _width(head)
    out = []
    for i, ((lb, rb), row) in enumerate(zip(brackets(len(rows)), rows)):
        body = gap.join(c.rjust(w) for c, w in zip(row, widths))
        out.append(f"{head if i == (len(rows) - 1) // 2 else pad}{lb}{body}{rb}")
    return out


def _width(text: str) -> int:
    """Columns on a terminal: a combining accent (x̂) takes none."""
    import unicodedata

    return sum(not unicodedata.combining(c) for c in text)


def _marked_cells(a: np.ndarray, fmt: Formatter, highlight: set) -> tuple[list[list[str]], list[int]]:
    rows = [[f"({c})" if (i, j) in highlight else f" {c} " for j, c in enumerate(map(ungrouped, map(fmt, row)))]
            for i, row in enumerate(a.tolist())]
    widths = [max(len(r[j]) for r in rows) for j in range(a.shape[1])]
    return rows, widths


def numeric_columns(table: Table) -> list[bool]:
    """Which columns hold only numbers (right-aligned; words are left-aligned)."""
    return [all(_is_number(r[j]) for r in table.rows if j < len(r)) for j in range(len(table.headers))]


def table_cells(table: Table, fmt: Formatter) -> list[list[str]]:
    """The table's values formatted, once per formatter (JSON writes each table as text and as LaTeX)."""
    memo = getattr(fmt, "memo", None)
    seen = memo.get(id(table)) if memo is not None else None
    if seen is not None and seen[0] is table:  # the table itself is kept, so its id is not reused
        return seen[1]
    rows = [[fmt(v) for v in r] for r in table.rows]
    if memo is not None and len(memo) < 100_000:
        memo[id(table)] = (table, rows)
    return rows


def table_text(table: Table, fmt: Formatter) -> list[str]:
    """Columns of numbers right-aligned, columns of words left-aligned."""
    rows = table_cells(table, fmt)
    widths = [max([len(h)] + [len(r[j]) for r in rows if j < len(r)]) for j, h in enumerate(table.headers)]
    numeric = numeric_columns(table)
    line = lambda cols: "  ".join(c.rjust(w) if num else c.ljust(w)
                                  for c, w, num in zip(cols, widths, numeric)).rstrip()
    return [line(table.headers), "  ".join("─" * w for w in widths)] + [line(r) for r in rows]


def _is_number(v: object) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
