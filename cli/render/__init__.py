"""One renderer per format, all reading the same `Solution` (like SymPy's printers)."""
from __future__ import annotations

import sys

from dlcalc.calc.solution import Solution
from dlcalc.cli.render.numbers import formatter

TEXT_FORMATS = ("plain", "markdown", "latex", "json")  # what text() renders; rich draws on a console


def default_format() -> str:
    return "rich" if sys.stdout.isatty() else "plain"


def text(sol: Solution, fmt: str, precision: int = 4, answer_only: bool = False) -> str:
    """Render to a string in any non-rich format."""
    import importlib

    module = importlib.import_module(f"dlcalc.cli.render.{ {'json': 'jsonout'}.get(fmt, fmt) }")  # only the one needed
    return module.render(sol, formatter(precision), answer_only)


def show(sol: Solution, fmt: str | None, precision: int = 4, answer_only: bool = False) -> None:
    """Print a solution to stdout in the chosen format."""
    fmt = fmt or default_format()
    if answer_only and fmt != "json":
        for w in sol.warnings:  # the answer alone must not hide why it is inf or nan
            sys.stderr.write(f"dlcalc: warning: {w}\n")
    if fmt == "rich":
        from rich.console import Console

        from dlcalc.cli.render import richview

        richview.render(sol, formatter(precision), answer_only, Console())
    else:
        sys.stdout.write(text(sol, fmt, precision, answer_only) + "\n")
