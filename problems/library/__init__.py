"""The bundled library: course examples and homework as YAML problem files (package data)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from dlcalc.calc.errors import BadInput, closest

HERE = Path(__file__).parent


def files() -> list[Path]:
    return sorted(HERE.glob("*.yaml"))


@lru_cache(maxsize=1)
def problems() -> dict:
    """Every bundled problem by id."""
    from dlcalc.problems.loader import load_path

    out = {}
    for path in files():
        for p in load_path(path):
            out[p.id] = p
    return out


def example(pid: str):
    table = problems()
    if pid not in table:
        raise BadInput(f"no bundled example '{pid}'{closest(pid, table)}; 'dlcalc examples' lists them", "--example")
    return table[pid]
