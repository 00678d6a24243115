"""The one registry of kinds. Each module in `problems/kinds/` declares `KINDS`; nothing else lists them."""
from __future__ import annotations

import importlib
import os
from functools import lru_cache

from calc.errors import BadInput, closest
from problems.schema import Kind


@lru_cache(maxsize=1)
def kinds() -> dict[str, Kind]:
    folder = os.path.join(os.path.dirname(__file__), "kinds")
    found: dict[str, Kind] = {}
    for name in sorted(f[:-3] for f in os.listdir(folder) if f.endswith(".py") and not f.startswith("_")):
        module = importlib.import_module(f"problems.kinds.{name}")
        for kind in getattr(module, "KINDS", ()):
            found[kind.name] = kind
    return found


def kind(name: str, where: str = "kind") -> Kind:
    table = kinds()
    if name not in table:
        raise BadInput(f"unknown kind '{name}'{closest(name, table)}; known kinds: {', '.join(sorted(table))}", where)
    return table[name]
