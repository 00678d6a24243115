"""The one registry of kinds: `problems/kinds/<kind>.py` declares `KINDS`; nothing else lists them."""
from __future__ import annotations

import importlib
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from dlcalc.calc.errors import BadInput, closest

if TYPE_CHECKING:
    from dlcalc.problems.schema import Kind

_FOLDER = os.path.join(os.path.dirname(__file__), "kinds")


def _module_names() -> list[str]:
    return sorted(f[:-3] for f in os.listdir(_FOLDER) if f.endswith(".py") and not f.startswith("_"))


@lru_cache(maxsize=1)
def kinds() -> dict[str, Kind]:
    found: dict[str, Kind] = {}
    for name in _module_names():
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
        named = by_command(name) if isinstance(name, str) else None
        hint = f" ('{name}' is the command; its kind is '{named.name}')" if named else closest(name, table)
        raise BadInput(f"unknown kind '{name}'{hint}; known kinds: {', '.join(sorted(table))}", where)
    return table[name]


@dataclass(frozen=True)
class Entry:
    """What `dlcalc --help` shows of a kind's command, read without importing the kind."""

    command: str
    module: str
    panel: str = "Commands"
    rank: int = 0
    summary: str = ""


_KEYWORD = {  # patterns, compiled (and cached by re) when the index is first built: a quick command never builds it
    "command": r"""\bcommand\s*=\s*(["'][\w-]+["'])""",
    "panel": r"""\bpanel\s*=\s*("[^"\n]*"|'[^'\n]*')""",
    "rank": r"\brank\s*=\s*(-?\d+)",
    "summary": r"""\bsummary\s*=\s*((?:\s*(?:"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'))+)""",
}


def _source(name: str) -> str:
    with open(os.path.join(_FOLDER, f"{name}.py"), encoding="utf-8") as source:
        return source.read()


@lru_cache(maxsize=1)
def command_index() -> dict[str, Entry]:
    """Subcommand → its entry, from the literal keywords of each `Kind(...)` declaration's text:
    importing every kind (and the calc modules behind them) costs `dlcalc --help` 70 ms, parsing them
    with `ast` 20 ms, this 1 ms. A test checks the index against the imported declarations."""
    from ast import literal_eval

    index: dict[str, Entry] = {}
    for name in _module_names():
        for chunk in re.split(r"\bKind\(", _source(name))[1:]:  # one declaration each
            given = {key: literal_eval(f"({m.group(1)})") for key, rx in _KEYWORD.items() if (m := re.search(rx, chunk))}
            if given.get("command"):
                index[given["command"]] = Entry(module=name, **given)
    return index


def by_command(command: str) -> Kind | None:
    """The kind whose subcommand is `command` (None: no kind declares it), found by the `command=`
    keyword in the declarations' text, without building the whole index."""
    for name in _module_names():
        if command in (quoted[1:-1] for quoted in re.findall(_KEYWORD["command"], _source(name))):
            found = importlib.import_module(f"dlcalc.problems.kinds.{name}")
            return next((k for k in getattr(found, "KINDS", ()) if k.command == command), None)
    return None
