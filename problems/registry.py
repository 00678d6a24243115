"""The one registry of kinds. Each module in `problems/kinds/` declares `KINDS`; nothing else lists them."""
from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache

from calc.errors import BadInput, closest
from problems.schema import Kind


@lru_cache(maxsize=1)
def kinds() -> dict[str, Kind]:
    import problems.kinds as package

    found: dict[str, Kind] = {}
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"problems.kinds.{info.name}")
        for kind in getattr(module, "KINDS", ()):
            found[kind.name] = kind
    return found


def kind(name: str, where: str = "kind") -> Kind:
    table = kinds()
    if name not in table:
        raise BadInput(f"unknown kind '{name}'{closest(name, table)}; known kinds: {', '.join(sorted(table))}", where)
    return table[name]
