"""Plain text, as written on an exam sheet: `Step n  title`, then the worked lines."""
from __future__ import annotations

import numpy as np

from dlcalc.calc.solution import Solution, Step
from dlcalc.cli.render.layout import Formatter, equation, grid_text, matrices, table_text, worked
from dlcalc.cli.render.numbers import ungrouped

INDENT = " " * 8


def step_lines(step: Step, fmt: Formatter) -> list[str]:
    """The body of one step, without its heading (also the `text` of a JSON step)."""
    out = []
    eq = equation(step, fmt)
    if eq:
        out.append(eq)
    out += step.prose
    out += [worked(line, fmt) for line in step.lines]
    for grid in step.grids:
        for label, a, hl in matrices(grid):
            out += grid_text(label, a, fmt, hl)
    if step.table is not None:
        out += table_text(step.table, fmt)
    if step.note:
        out.append(step.note)
    return out


LONG = 24  # entries (rows) of an answer shown in full on a terminal; JSON always carries them all


def answer_lines(sol: Solution, fmt: Formatter, full: bool = False) -> list[str]:
    """One line per answer key; a long list shortened unless `full` (--full)."""
    return [f"{key} = {fmt(value) if full else _shortened(value, fmt)}" for key, value in sol.answer.items()]


def _shortened(value, fmt: Formatter) -> str:
    """A long list as its first and last entries (a 1000-step trace is for JSON or --full); a list of records
    (one mapping per layer) as what each holds: the steps show them, JSON carries them."""
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        keys = list(dict.fromkeys(k for v in value for k in v))
        return f"{len(value)} entries, each {', '.join(keys)} (in the steps above; in full with --format json)"
    try:
        a = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return fmt(value)
    if a.ndim == 0 or len(a) <= LONG:
        return fmt(value)
    head, tail = (", ".join(ungrouped(fmt(v)) for v in part) for part in (a[:8], a[-2:]))  # a list's entries
    return f"[{head}, …, {tail}] ({len(a)} entries; all of them with --full or --format json)"


def render(sol: Solution, fmt: Formatter, answer_only: bool = False, full: bool = False) -> str:
    if answer_only:
        return "\n".join(answer_lines(sol, fmt, full))
    out = []
    if sol.title:
        out += [sol.title, "═" * len(sol.title)]
    for n, step in enumerate(sol.steps, 1):
        body = step_lines(step, fmt) or [""]
        head = f"Step {n}"
        out.append(f"{head:<8}{step.title}")
        out += [INDENT + line for line in body]
    answers = answer_lines(sol, fmt, full)
    out += [f"{'Answer' if i == 0 else '':<8}{line}" for i, line in enumerate(answers)]
    out += [f"Warning: {w}" for w in sol.warnings]
    return "\n".join(out)
