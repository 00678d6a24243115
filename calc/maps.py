"""Feature maps written as steps, shared by conv, pool, cnn and receptive_field: the output-size line,
the cells written out and the rest counted, window and cell names, padding, and grids drawn slice by
slice (too large ones described)."""
from __future__ import annotations

from itertools import islice

import numpy as np

from dlcalc.calc.errors import dims
from dlcalc.calc.sizes import Pad4, Pair
from dlcalc.calc.solution import Grid, Step, t

SHOWN_CELLS = 16   # output cells written out in full unless full=True

FULL_CELLS = 10_000  # …and with full=True (a bigger answer is not read cell by cell)

GRID_SIDE = 10     # largest padded input drawn (highlighted) in every cell step; else the window alone

MAX_SLICES = 8     # channel/filter slices drawn per grid; the rest are named, not drawn

MAX_SIDE = 24      # larger matrices are described, not drawn

def size_step(title: str, hw: Pair, khw: Pair, s: Pair, p: Pad4, d: Pair, out: Pair,
              dilated: bool = True) -> Step:
    """H' = ⌊(H + 2P − D(K − 1) − 1)/S⌋ + 1 with the numbers in (one line when rows and columns agree).

    dilated=False (pooling) writes the shorter ⌊(H + 2P − K)/S⌋ + 1.
    """
    lines = []
    same = hw[0] == hw[1] and khw[0] == khw[1] and s[0] == s[1] and d[0] == d[1] and p[0] + p[1] == p[2] + p[3]
    for axis, (name, n, k, st, pa, pb, dd, o) in enumerate([
            ("H", hw[0], khw[0], s[0], p[0], p[1], d[0], out[0]),
            ("W", hw[1], khw[1], s[1], p[2], p[3], d[1], out[1])]):
        if same and axis == 1:
            break
        pads = t("2·{}", pa) if pa == pb else t("{} + {}", pa, pb)
        lhs = "H' = W'" if same else f"{name}'"
        if dilated:
            lines.append(t(f"{lhs} = ⌊({{}} + {pads.template} − {{}}·({{}} − 1) − 1) / {{}}⌋ + 1 = {{}}",
                           n, *pads.values, dd, k, st, o))
        else:
            lines.append(t(f"{lhs} = ⌊({{}} + {pads.template} − {{}}) / {{}}⌋ + 1 = {{}}", n, *pads.values, k, st, o))
    formula = "H' = ⌊(H + 2P − D(K − 1) − 1) / S⌋ + 1" if dilated else "H' = ⌊(H + 2P − K) / S⌋ + 1"
    note = ""
    if d == (1, 1) and p == (0, 0, 0, 0):
        note = f"with no padding{' and no dilation' if dilated else ''} this is the slide's ⌈(H − K + 1) / S⌉"
    return Step(title, formula, lines=lines, note=note)

def cells_shown(shape: tuple[int, ...], full: bool) -> tuple[list[tuple[int, ...]], int]:
    """Indices of the cells written out, and how many are summarised."""
    total = int(np.prod(shape))
    shown = min(total, FULL_CELLS if full else SHOWN_CELLS)
    return [tuple(int(v) for v in ix) for ix in islice(np.ndindex(*shape), shown)], total - shown

def others_step(what: str, rest: int, total: int, full: bool) -> Step:
    """The cells (or windows) not written out, counted."""
    hint = "" if full else " (--full writes them all out)"
    return Step(f"The other {what}", prose=[f"the other {rest:,} of the {total:,} {what} are worked out the same way{hint}"])

def window_prose(r0: int, c0: int, kh: int, kw: int, d: Pair, padded: bool) -> str:
    rows = f"{r0 + 1}–{r0 + d[0] * (kh - 1) + 1}" if kh > 1 else f"{r0 + 1}"
    cols = f"{c0 + 1}–{c0 + d[1] * (kw - 1) + 1}" if kw > 1 else f"{c0 + 1}"
    every = f" (taps {d[0]} rows and {d[1]} columns apart)" if d != (1, 1) else ""
    return f"window: rows {rows}, columns {cols} of the {'padded ' if padded else ''}input{every}"

def cell_name(f: int, r: int, c: int, filters: int) -> str:
    return f"O{f + 1}({r + 1},{c + 1})" if filters > 1 else f"O({r + 1},{c + 1})"

def plural(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' * (n != 1)}"

def pair_text(v: Pair) -> str:
    return str(v[0]) if v[0] == v[1] else f"{v[0]}×{v[1]}"

def pad_text(p: Pad4) -> str:
    """`1`, or every side when they differ."""
    return f"{p[0]}" if len(set(p)) == 1 else f"top {p[0]}, bottom {p[1]}, left {p[2]}, right {p[3]}"

def slice_grids(name: str, a: np.ndarray, highlight: list[tuple[int, ...]] | tuple = (),
                lead: tuple[str, ...] = ("channel",)) -> list[Grid]:
    """One 2-D grid per leading index, labelled from 1 like the steps: `X channel 2`, `O3`, `K2 channel 1`.

    `lead` names each leading axis: "index" appends the number (filters), any other word is
    written out ("channel"). Axes of length 1 are left out of the label. Highlights are full indices.
    """
    a = np.asarray(a)
    if a.ndim <= 2:
        return [Grid(name, a, list(highlight))]
    out = []
    for idx in np.ndindex(*a.shape[:-2]):
        label = name
        for style, i, n in zip(lead, idx, a.shape[:-2]):
            if n > 1:
                label += f"{i + 1}" if style == "index" else f" {style} {i + 1}"
        hl = [tuple(h[-2:]) for h in highlight if tuple(h[:-2]) == idx]
        out.append(Grid(label, a[idx], hl))
    return out

def add_grids(step: Step, name: str, a: np.ndarray, highlight: list[tuple[int, ...]] | tuple = (),
              lead: tuple[str, ...] = ("channel",), answered: bool = False) -> Step:
    """Draw `a` in the step, slice by slice, unless it is too large to read (then say so).

    `answered`: `a` is in the answer, where a reader finds the values not drawn.
    """
    a = np.asarray(a)
    if max(a.shape[-2:]) > MAX_SIDE:
        shape = tuple(n for n in a.shape[:-2] if n > 1) + a.shape[-2:]  # 29×29, not 1×29×29
        step.prose.append(f"{name} is {dims(shape)}: too large to draw here"
                          + (" (the answer holds every value)" if answered else ""))
        return step
    grids = slice_grids(name, a, highlight, lead)
    step.grids += grids[:MAX_SLICES]
    if len(grids) > MAX_SLICES:
        step.prose.append(f"{name}: the first {MAX_SLICES} of its {len(grids)} slices are drawn")
    return step

def padding_step(title: str, fill: str, xp: np.ndarray, p: Pad4, x_name: str) -> Step:
    """The padded input, its added border highlighted."""
    if len(set(p)) == 1:
        where = f"{plural(p[0], 'row')} and {plural(p[0], 'column')} on every side"
    else:
        where = (f"{plural(p[0], 'row')} on top, {plural(p[1], 'row')} at the bottom, "
                 f"{plural(p[2], 'column')} on the left, {plural(p[3], 'column')} on the right")
    step = Step(title, prose=[f"{fill}: {where}"])
    drawn = max(xp.shape[1:]) <= MAX_SIDE  # no need to list the border cells of a grid too large to draw
    return add_grids(step, f"{x_name}_pad", xp, border_cells(xp.shape, p) if drawn else ())

def border_cells(shape: tuple[int, ...], p: Pad4) -> list[tuple[int, ...]]:
    """The padded cells, highlighted so the added zeros stand out."""
    C, H, W = shape
    inner = np.zeros((H, W), dtype=bool)
    inner[p[0]: H - p[1], p[2]: W - p[3]] = True
    cells = [(ch, int(i), int(j)) for ch in range(C) for i, j in np.argwhere(~inner)]
    return cells
