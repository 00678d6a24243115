"""One renderer per format, all reading the same `Solution` (like SymPy's printers)."""
from __future__ import annotations

import sys

from dlcalc.calc.solution import Solution
from dlcalc.cli.render.numbers import formatter

TEXT_FORMATS = ("plain", "markdown", "latex", "json")  # what text() renders; rich draws on a console


def default_format() -> str:
    return "rich" if sys.stdout.isatty() else "plain"


def text(sol: Solution, fmt: str, precision: int = 4, answer_only: bool = False, *, standalone: bool = False,
         full: bool = False) -> str:
    """Render to a string in any non-rich format; `standalone` (LaTeX only) makes it a whole document,
    `full` elides nothing (every entry of a long answer)."""
    import importlib

    module = importlib.import_module(f"dlcalc.cli.render.{ {'json': 'jsonout'}.get(fmt, fmt) }")  # only the one needed
    body = module.render(sol, formatter(precision), answer_only, full=full)
    if standalone:
        if fmt != "latex":
            raise ValueError(f"a whole document is LaTeX only, not {fmt}")
        return module.document(body)
    return body


def show(sol: Solution, fmt: str | None, precision: int = 4, answer_only: bool = False, *, standalone: bool = False,
         full: bool = False) -> None:
    """Print a solution to stdout in the chosen format (`standalone`, `full`: as in text())."""
    fmt = fmt or default_format()
    if answer_only and fmt != "json":
        for w in sol.warnings:  # the answer alone must not hide why it is inf or nan
            sys.stderr.write(f"dlcalc: warning: {w}\n")
    if fmt == "rich":
        from rich.console import Console

        from dlcalc.cli.render import richview

        richview.render(sol, formatter(precision), answer_only, Console(), full=full)
    else:
        sys.stdout.write(text(sol, fmt, precision, answer_only, standalone=standalone, full=full) + "\n")
