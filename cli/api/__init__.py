"""dlcalc from Python: the same problems, validation and worked solutions as the command line.

    >>> import dlcalc
    >>> sol = dlcalc.solve("mse", target=[1, 2], pred=[1.5, 2])
    >>> sol.answer["loss"]
    0.125
    >>> print(sol.to("plain"))          # also "markdown", "latex", "json"

Field names and values are those of the problem files (`dlcalc schema`): a matrix may be
text (`"1 0; 0 1"`), a nested list or a numpy array. In Jupyter a Solution shows itself as
Markdown (and as LaTeX when a notebook is converted to PDF).

This module is imported by every `dlcalc` command, so it imports nothing heavy until asked.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dlcalc.calc.errors import BadInput

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["BadInput", "Solution", "solve", "solve_file", "kinds"]

class Solution:
    """A worked solution: `answer` (plain Python numbers and lists, as in the JSON answer), `steps`,
    `warnings`, and `to(format)` for the text of any renderer."""

    def __init__(self, worked: Any) -> None:
        from dlcalc.cli.render.jsonout import python_value

        self._worked = worked  # the calc-layer Solution the renderers read
        self.kind: str = worked.kind
        self.title: str = worked.title
        self.answer: dict[str, Any] = python_value(worked.answer)
        self.warnings: list[str] = list(worked.warnings)

    @property
    def steps(self) -> list:
        """The steps as data (title, formula, substitution, result, lines, grids, table)."""
        return self._worked.steps

    def to(self, format: str = "plain", precision: int = 4) -> str:  # noqa: A002 - the CLI's word
        """The solution as text: plain, markdown, latex (a document body, needs amsmath and graphicx) or json."""
        from dlcalc.cli import render
        from dlcalc.cli import MAX_PRECISION

        if format not in render.TEXT_FORMATS:
            raise BadInput(f"expected one of {', '.join(render.TEXT_FORMATS)}, got {format!r}", "format")
        if isinstance(precision, bool) or not isinstance(precision, int) or not 0 <= precision <= MAX_PRECISION:
            raise BadInput(f"expected an integer from 0 to {MAX_PRECISION}, got {precision!r}", "precision")
        return render.text(self._worked, format, precision)

    def __repr__(self) -> str:
        return f"<Solution {self.kind}: {_short(self.answer)}>"

    def __str__(self) -> str:
        return self.to("plain")

    def _repr_markdown_(self) -> str:
        return self.to("markdown")

    def _repr_latex_(self) -> str:
        return self.to("latex")


def _short(answer: dict, limit: int = 60) -> str:
    parts = []
    for key, value in answer.items():
        text = repr(value)
        parts.append(f"{key}={text if len(text) <= limit else text[: limit - 1] + '…'}")
    return ", ".join(parts)


def solve(kind: str, **fields: Any) -> Solution:
    """Solve one problem of `kind` from its fields, validated exactly as a problem file's are
    (`title`, `id` and the other keys a problem may carry are accepted too)."""
    from dlcalc.cli.render.jsonout import python_value  # numpy arrays → the lists a YAML file would give
    from dlcalc.problems import loader

    if not isinstance(kind, str):
        raise BadInput(f"expected a kind name, got {kind!r}", "kind")
    problem = loader.load_mapping({"kind": kind, **python_value(fields)})
    return Solution(problem.solve())


def solve_file(path: str | Path) -> list[Solution]:
    """Every problem of a YAML file (one problem or a set), in order; the first bad one raises BadInput."""
    from dlcalc.problems import loader

    return [Solution(p.solve()) for p in loader.load_path(path)]


def kinds() -> dict[str, str]:
    """Every kind with its one-line summary."""
    from dlcalc.problems import registry

    return {name: k.summary for name, k in sorted(registry.kinds().items())}
