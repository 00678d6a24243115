"""`dlcalc --help` (and `dlcalc` alone), drawn here in typer's look from the click group that typer
builds. typer.rich_utils would draw it too, but importing it loads rich's Markdown and traceback
modules, ~130 ms that made the most-read screen the slowest start of all."""
from __future__ import annotations

import inspect
from typing import Any

from rich.console import Console
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text


def _first_paragraph(text: str) -> str:
    return inspect.cleandoc(text).split("\n\n")[0].strip()


def _table(first_width: int, columns: int = 2) -> Table:
    table = Table(show_header=False, expand=True, box=None, pad_edge=False, padding=(0, 1), highlight=False)
    table.add_column(no_wrap=True, width=first_width)
    for _ in range(columns - 2):
        table.add_column(no_wrap=True)
    table.add_column(ratio=10)
    return table


def _options_panel(group: Any, ctx: Any) -> Panel:
    params = [p for p in group.get_params(ctx) if not getattr(p, "hidden", False)]
    names = [[o for o in p.opts + p.secondary_opts if o.startswith("--")] for p in params]
    table = _table(max(len(", ".join(n)) for n in names), columns=3)
    for param, long in zip(params, names):
        short = [o for o in param.opts + param.secondary_opts if not o.startswith("--")]
        table.add_row(Text(", ".join(long), style="bold cyan"), Text(", ".join(short), style="bold green"),
                      Text(getattr(param, "help", None) or ""))
    return Panel(table, title="Options", title_align="left", border_style="dim")


def _command_panels(group: Any, ctx: Any) -> list[Panel]:
    commands = [group.get_command(ctx, name) for name in group.list_commands(ctx)]
    commands = [c for c in commands if c is not None and not c.hidden]
    width = max(len(c.name or "") for c in commands)
    panels: dict[str, Table] = {}
    for command in commands:  # panels in the order of their first command, as typer orders them
        title = getattr(command, "rich_help_panel", None) or "Commands"
        table = panels.setdefault(title, _table(width))
        table.add_row(Text(command.name or "", style="bold cyan"),
                      Text(_first_paragraph(command.short_help or command.help or "")))
    return [Panel(t, title=title, title_align="left", border_style="dim") for title, t in panels.items()]


def print_help(group: Any) -> None:
    """`group` is typer's click group (typer vendors click, so it is not imported here by name)."""
    ctx = group.make_context("dlcalc", [], resilient_parsing=True)
    console = Console(highlight=False)
    usage = group.get_usage(ctx).removeprefix("Usage: ")
    console.print(Padding(Text.assemble(("Usage: ", "yellow"), usage, style="bold"), 1))
    if group.help:
        console.print(Padding(Text(_first_paragraph(group.help)), (0, 1, 1, 1)))
    console.print(_options_panel(group, ctx))
    for panel in _command_panels(group, ctx):
        console.print(panel)
