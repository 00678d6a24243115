"""The one registry of kinds: `problems/kinds/<kind>.py` declares `KINDS`; nothing else lists them."""
from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from functools import lru_cache

from dlcalc.calc.errors import BadInput, closest
from dlcalc.problems.schema import Kind

_FOLDER = os.path.join(os.path.dirname(__file__), "kinds")


@lru_cache(maxsize=1)
def kinds() -> dict[str, Kind]:
    found: dict[str, Kind] = {}
    for name in sorted(f[:-3] for f in os.listdir(_FOLDER) if f.endswith(".py") and not f.startswith("_")):
        module = importlib.import_module(f"dlcalc.problems.kinds.{name}")
        for kind in getattr(module, "KINDS", ()):
            found[kind.name] = kind
    return found


def kind(name: str, where: str = "kind") -> Kind:
    """A kind by name. Its module is named after it, so one command imports one kind, not all of them."""
    if isinstance(name, str) and name.isidentifier() and os.path.exists(os.path.join(_FOLDER, f"{name}.py")):
        module = importlib.import_module(f"dlcalc.problems.kinds.{name}")
        found = next((k for k in getattr(module, "KINDS", ()) if k.name == name), None)
        if found is not None:
            return found
    table = kinds()
    if name not in table:
        raise BadInput(f"unknown kind '{name}'{closest(name, table)}; known kinds: {', '.join(sorted(table))}", where)
    return table[name]


@dataclass(frozen=True)
class Entry:
    """What `dlcalc --help` shows of a kind's command, read without importing the kind."""

    command: str
    module: str
    panel: str = "Commands"
    rank: int = 0
    summary: str = ""


@lru_cache(maxsize=1)
def command_index() -> dict[str, Entry]:
    """Subcommand → its entry, from the literal keywords of each `Kind(...)` declaration: importing every
    kind (and the calc modules behind them) costs 70 ms of start-up, parsing their text 10 ms. A test
    checks the index against the imported declarations."""
    import ast

    index: dict[str, Entry] = {}
    for name in sorted(f[:-3] for f in os.listdir(_FOLDER) if f.endswith(".py") and not f.startswith("_")):
        with open(os.path.join(_FOLDER, f"{name}.py"), encoding="utf-8") as source:
            tree = ast.parse(source.read())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Kind":
                given = {kw.arg: _literal(kw.value) for kw in node.keywords if kw.arg in _ENTRY_KEYS}
                if given.get("command"):
                    index[given["command"]] = Entry(module=name, **{k: v for k, v in given.items() if v is not None})
    return index


_ENTRY_KEYS = ("command", "panel", "rank", "summary")


def _literal(node):
    import ast

    try:
        return ast.literal_eval(node)
    except ValueError:
        return None  # not a literal: the entry keeps its default


def by_command(command: str) -> Kind | None:
    """The kind whose subcommand is `command` (None: no kind declares it)."""
    entry = command_index().get(command)
    if entry is None:
        return None
    found = importlib.import_module(f"dlcalc.problems.kinds.{entry.module}")
    return next((k for k in getattr(found, "KINDS", ()) if k.command == command), None)
