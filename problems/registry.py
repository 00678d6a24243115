"""The one registry of kinds: `problems/kinds/<kind>.py` declares `KINDS`; nothing else lists them."""
from __future__ import annotations

import importlib
import os
import re
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


_COMMAND = re.compile(r"""\bcommand\s*=\s*["']([\w-]+)["']""")


@lru_cache(maxsize=1)
def command_index() -> dict[str, str]:
    """Subcommand → the module declaring it, read from the declarations' text: importing every kind to
    find one costs a quick command 30 ms of start-up. A test checks it against the imported kinds."""
    index: dict[str, str] = {}
    for name in sorted(f[:-3] for f in os.listdir(_FOLDER) if f.endswith(".py") and not f.startswith("_")):
        with open(os.path.join(_FOLDER, f"{name}.py"), encoding="utf-8") as source:
            for command in _COMMAND.findall(source.read()):
                index[command] = name
    return index


def by_command(command: str) -> Kind | None:
    """The kind whose subcommand is `command` (None: no kind declares it)."""
    module = command_index().get(command)
    if module is None:
        return None
    found = importlib.import_module(f"dlcalc.problems.kinds.{module}")
    return next((k for k in getattr(found, "KINDS", ()) if k.command == command), None)
