"""The worked-solution model: what every solver returns and every renderer reads.

A `Solution` is data, never text: steps hold formulas as `Text` templates whose
numbers stay numbers, so each renderer formats them at its own precision.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np

Formatter = Callable[[Any], str]


@dataclass(frozen=True)
class Text:
    """A line like `2 · {} / ({} + {})` with its numbers kept as numbers."""

    template: str
    values: tuple = ()

    def render(self, fmt: Formatter) -> str:
        if not self.values:
            return self.template
        return self.template.format(*(fmt(v) for v in self.values))


def t(template: str, *values: Any) -> Text:
    """Shorthand: t("net = {} · {}", w, x)."""
    return Text(template, tuple(values))


@dataclass
class Grid:
    """A matrix to draw (2-D, or 3-D drawn channel by channel), optionally with cells to highlight."""

    label: str
    values: Any
    highlight: Sequence[tuple[int, ...]] = ()

    def array(self) -> np.ndarray:
        return np.asarray(self.values, dtype=float)


@dataclass
class Table:
    """A table of numbers and words (iteration traces, layer summaries, truth tables)."""

    headers: list[str]
    rows: list[list[Any]]


@dataclass
class Step:
    """What a student writes for one step: the rule, the rule with numbers, the result.

    `lines` carry further worked lines (one per window, per neuron, …) and `prose`
    plain sentences (conventions, remarks); `grids` and `table` carry matrices and
    tables that renderers lay out natively.
    """

    title: str
    formula: str = ""
    substitution: Text | None = None
    result: Text | None = None
    lines: list[Text] = field(default_factory=list)
    prose: list[str] = field(default_factory=list)
    grids: list[Grid] = field(default_factory=list)
    table: Table | None = None
    note: str = ""
    role: str = "work"  # "conventions" for the opening step; code finds steps by role, never by title


@dataclass
class Solution:
    kind: str
    steps: list[Step]
    answer: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    title: str = ""
    note: str = ""   # the problem file's remark on its source (an erratum of the slide, numbers made up)

    def add(self, step: Step) -> Step:
        self.steps.append(step)
        return step


def paren(v: float, first: bool = False) -> str:
    """A template slot, parenthesised when negative: 1·(−1) and 2 − (−1), not 1·-1 (`first`: a term that
    opens a sum needs none)."""
    return "({})" if v < 0 and not first else "{}"


def conventions(*items: str) -> Step:
    """The step every solution opens with: the conventions students and keys disagree on."""
    return Step("Conventions", prose=list(items), role="conventions")


def with_wrong(params: dict, right: Any, **change: Any) -> dict:
    """Slip parameters: the solver's `wrong` conventions object (default `right`) with `change` applied."""
    return {**params, "wrong": dataclasses.replace(params.get("wrong", right), **change)}


@dataclass(frozen=True)
class Slip:
    """A known wrong convention: `params` turns the right inputs into the slipped ones (None: not applicable)."""

    name: str
    params: Callable[[dict], dict | None]
