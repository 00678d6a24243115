"""Generators in key fields (`{random: int, low: 0, high: 9, shape: [3, 3]}`) and the draws behind variants.

A variant is a pure function of (seed, student id, problem id): each field's numbers come from SHA-256 in
counter mode, keyed by those three, the field's path and the attempt, and are turned into values by exact
integer arithmetic defined here (rejection sampling, no floating point). numpy's Generator is not used: its
distributions may change between versions, and a TA's exam must give the same numbers next year.
"""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from typing import Any, Callable

from dlcalc.calc.errors import BadInput, closest

MAX_DECIMALS = 6
MAX_VALUES = 10_000          # entries one generator may draw
MAX_MAGNITUDE = 10 ** 9      # |low|, |high|
# what each generator takes: required keys, optional keys
SPECS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "int": (("low", "high"), ("shape",)),
    "uniform": (("low", "high"), ("shape", "decimals")),
    "choice": (("from",), ()),
    "probabilities": (("shape",), ("decimals",)),
    "labels": (("classes", "shape"), ()),
    "binary": ((), ("shape",)),
}


class Stream:
    """Uniform integers from SHA-256(key ‖ counter): the same key gives the same numbers everywhere."""

    def __init__(self, key: bytes):
        import hashlib  # here, like json and fractions below: loading a file without generators does not draw

        self.key, self.counter, self.buffer, self.sha256 = key, 0, b"", hashlib.sha256

    def _word(self) -> int:
        if len(self.buffer) < 8:
            self.buffer += self.sha256(self.key + self.counter.to_bytes(8, "big")).digest()
            self.counter += 1
        word, self.buffer = self.buffer[:8], self.buffer[8:]
        return int.from_bytes(word, "big")

    def below(self, n: int) -> int:
        """Uniform in [0, n): 64-bit words, those past the last whole multiple of n rejected (no modulo bias)."""
        limit = (1 << 64) - (1 << 64) % n
        while True:
            w = self._word()
            if w < limit:
                return w % n

    def between(self, low: int, high: int) -> int:
        return low + self.below(high - low + 1)


def stream(seed: str, student: str, problem: str, path: str, attempt: int) -> Stream:
    """The stream of one field of one variant; JSON of the tuple, so no two tuples share a key."""
    import hashlib
    import json

    return Stream(hashlib.sha256(json.dumps([seed, student, problem, path, attempt]).encode()).digest())


@dataclass(frozen=True)
class Generator:
    path: str        # the field it fills: `kernel`, `layers[0].weights`
    name: str        # int | uniform | choice | probabilities | labels | binary
    spec: dict

    def draw(self, s: Stream) -> Any:
        return _DRAW[self.name](self.spec, s)

    def describe(self) -> str:
        """How the field is drawn, for a statement or an error: `uniform in [0, 1], 2 decimals, 3×3`."""
        g = self.spec
        shape = "×".join(map(str, g["shape"])) if g.get("shape") else ""
        text = {
            "int": lambda: f"integers in [{g['low']}, {g['high']}]",
            "uniform": lambda: f"uniform in [{g['low']}, {g['high']}] at {g['decimals']} decimals",
            "choice": lambda: f"one of {len(g['from'])} values",
            "probabilities": lambda: f"probability rows at {g['decimals']} decimals",
            "labels": lambda: f"labels 0…{g['classes'] - 1}",
            "binary": lambda: "0 or 1",
        }[self.name]()
        return f"{text}, {shape}" if shape else text


def is_generator(raw: Any) -> bool:
    """`{random: NAME, …}`; a point's variable named `random` (`at: {random: 1}`) is not one."""
    return isinstance(raw, dict) and isinstance(raw.get("random"), str)


def find(raw: Any, where: Callable[[str], str], path: str = "") -> dict[str, Generator]:
    """Every generator in a problem's fields, nested ones included (`layers[0].weights`), checked."""
    found: dict[str, Generator] = {}
    if is_generator(raw) and path:
        found[path] = parse(raw, path, where)
    elif isinstance(raw, dict):
        for k, v in raw.items():
            found |= find(v, where, f"{path}.{k}" if path else str(k))
    elif isinstance(raw, list) and path:
        for i, v in enumerate(raw):
            found |= find(v, where, f"{path}[{i}]")
    return found


def parse(raw: dict, path: str, where: Callable[[str], str]) -> Generator:
    """A generator mapping, checked: every key known, ranges in order, shapes and decimals in bounds."""
    name = raw.get("random")
    if name not in SPECS:
        raise BadInput(f"unknown generator 'random: {name}' (generators: {', '.join(SPECS)})"
                       f"{closest(str(name), list(SPECS))}", where(path))
    required, optional = SPECS[name]
    for k in raw:
        if k != "random" and k not in required + optional:
            raise BadInput(f"unknown key '{k}' for random: {name} (it takes {', '.join(required + optional)})"
                           f"{closest(str(k), list(required + optional))}", where(path))
    for k in required:
        if k not in raw:
            raise BadInput(f"random: {name} needs '{k}'", where(path))
    try:
        spec = _checked(name, {k: v for k, v in raw.items() if k != "random"})
    except BadInput as e:
        raise BadInput(f"random: {name}: {e.message}", where(path)) from None
    return Generator(path, name, spec)


def _checked(name: str, g: dict) -> dict:
    if "shape" in g:
        g["shape"] = _shape(g["shape"], exact=2 if name == "probabilities" else None)
    if name in ("int", "uniform"):
        for k in ("low", "high"):
            if isinstance(g[k], bool) or not isinstance(g[k], (int, float)) or not math.isfinite(g[k]) \
                    or abs(g[k]) > MAX_MAGNITUDE:
                raise BadInput(f"'{k}' must be a number of magnitude ≤ {MAX_MAGNITUDE:,}, got {g[k]!r}")
            if name == "int" and not float(g[k]).is_integer():
                raise BadInput(f"'{k}' must be an integer, got {g[k]!r}")
        if g["low"] > g["high"]:
            raise BadInput(f"needs low ≤ high, got low {g['low']}, high {g['high']}")
        if name == "int":
            g["low"], g["high"] = int(g["low"]), int(g["high"])
    if name in ("uniform", "probabilities"):
        g["decimals"] = _count(g.get("decimals", 2), "decimals", 0, MAX_DECIMALS)
    if name == "uniform":
        low, high = _uniform_range(g)
        if low > high:
            raise BadInput(f"no number with {g['decimals']} decimals lies in [{g['low']}, {g['high']}]")
    if name == "probabilities" and g["shape"][1] > 10 ** g["decimals"]:
        raise BadInput(f"{g['shape'][1]} non-zero probabilities cannot sum to 1 at {g['decimals']} decimals")
    if name == "probabilities" and g["shape"][1] < 2:
        raise BadInput("a distribution needs at least 2 classes (shape [rows, classes])")
    if name == "labels":
        g["classes"] = _count(g["classes"], "classes", 2, 1000)
        g["shape"] = _shape(g["shape"], exact=1)
    if name == "choice" and (not isinstance(g["from"], list) or not g["from"]):
        raise BadInput("'from' must be a non-empty list of values")
    if name == "choice" and any(is_generator(v) for v in g["from"]):
        raise BadInput("'from' lists values, not generators: draw one of them with a generator of its own")
    return g


def _count(v: Any, what: str, low: int, high: int) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or not low <= v <= high:
        raise BadInput(f"'{what}' must be an integer from {low} to {high}, got {v!r}")
    return v


def _shape(v: Any, exact: int | None) -> list[int]:
    if isinstance(v, int) and not isinstance(v, bool):
        v = [v]
    if not isinstance(v, list) or not 1 <= len(v) <= 4 or \
            not all(isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in v):
        raise BadInput(f"'shape' must be a list of 1 to 4 positive integers, got {v!r}")
    if exact is not None and len(v) != exact:
        raise BadInput(f"'shape' must have {exact} entr{'y' if exact == 1 else 'ies'}, got {v!r}")
    if math.prod(v) > MAX_VALUES:
        raise BadInput(f"'shape' {v} draws {math.prod(v):,} values, more than the limit of {MAX_VALUES:,}")
    return v


def _filled(shape: list[int] | None, one: Callable[[], Any]) -> Any:
    """A nested list of `shape` drawn row by row (a scalar without a shape)."""
    if not shape:
        return one()
    return [_filled(shape[1:], one) for _ in range(shape[0])]


def _decimal(k: int, decimals: int) -> float | int:
    """k / 10^decimals as the nearest float (0.1 prints as 0.1: int / int is correctly rounded); an
    integer when decimals is 0."""
    return k if decimals == 0 else k / 10 ** decimals


def _uniform_range(g: dict) -> tuple[int, int]:
    """The draw's range in units of the last decimal: [low, high] scaled exactly, from the numbers as written."""
    from fractions import Fraction

    scale = 10 ** g["decimals"]
    return math.ceil(Fraction(repr(float(g["low"]))) * scale), math.floor(Fraction(repr(float(g["high"]))) * scale)


def _uniform(g: dict, s: Stream) -> Any:
    low, high = _uniform_range(g)
    return _filled(g.get("shape"), lambda: _decimal(s.between(low, high), g["decimals"]))


def _probabilities(g: dict, s: Stream) -> list:
    """Rows of C positive multiples of 10^-d summing to exactly 1 at d decimals: C − 1 distinct cuts of
    1…10^d − 1, drawn uniformly, split the unit into C parts of at least one unit each."""
    rows, classes = g["shape"]
    total = 10 ** g["decimals"]

    def row() -> list:
        cuts: set[int] = set()
        while len(cuts) < classes - 1:
            cuts.add(s.between(1, total - 1))
        edges = [0, *sorted(cuts), total]
        return [_decimal(b - a, g["decimals"]) for a, b in zip(edges, edges[1:])]
    return [row() for _ in range(rows)]


_DRAW: dict[str, Callable[[dict, Stream], Any]] = {
    "int": lambda g, s: _filled(g.get("shape"), lambda: s.between(g["low"], g["high"])),
    "uniform": _uniform,
    "choice": lambda g, s: copy.deepcopy(g["from"][s.below(len(g["from"]))]),
    "probabilities": _probabilities,
    "labels": lambda g, s: _filled(g["shape"], lambda: s.below(g["classes"])),
    "binary": lambda g, s: _filled(g.get("shape"), lambda: s.below(2)),
}


def substituted(raw: Any, values: dict[str, Any], path: str = "") -> Any:
    """`raw` with each generator replaced by its drawn value; containers keep their YAML line numbers."""
    if path in values:
        return values[path]
    if isinstance(raw, dict):
        out = type(raw)((k, substituted(v, values, f"{path}.{k}" if path else str(k))) for k, v in raw.items())
    elif isinstance(raw, list):
        out = type(raw)(substituted(v, values, f"{path}[{i}]") for i, v in enumerate(raw))
    else:
        return raw
    for attr in ("line", "lines"):
        if hasattr(raw, attr):
            setattr(out, attr, getattr(raw, attr))
    return out
