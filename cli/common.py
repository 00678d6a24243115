"""What every solving subcommand shares: the output options and the path from options to a printed solution."""
from __future__ import annotations

import re
from enum import Enum
from typing import Annotated, Any, Optional

import typer

from dlcalc.calc.errors import BadInput


class Format(str, Enum):
    rich = "rich"
    plain = "plain"
    markdown = "markdown"
    latex = "latex"
    json = "json"


FormatOpt = Annotated[Optional[Format], typer.Option(
    "--format", "-f", metavar="FORMAT", show_default=False,
    help="rich (default on a terminal), plain (default otherwise), markdown, latex or json.")]
PrecisionOpt = Annotated[int, typer.Option("--precision", "-p", min=0, max=15, help="Decimals shown in steps and answers.")]
AnswerOnlyOpt = Annotated[bool, typer.Option("--answer-only", "-q", help="Print only the final answer.")]


def option_name(path: str) -> str:
    """The option behind a field path: `layers[1].kernel` → `--layers`, `input_shape` → `--input-shape`."""
    return "--" + re.split(r"[.\[]", path, maxsplit=1)[0].replace("_", "-")


def run(kind_name: str, raw: dict[str, Any], fmt: Format | None, precision: int, answer_only: bool) -> tuple[Any, dict]:
    """Convert the options with the kind's schema, solve, print; the Solution and its params are returned
    for a command that does more with them (a plot)."""
    from dlcalc.cli import inputs, render
    from dlcalc.problems import registry

    kind = registry.kind(kind_name)
    raw = {k: inputs.read_matrix(v, option_name(k)) if isinstance(v, str) and _is_matrix(kind, k) else v
           for k, v in raw.items()}
    params = kind.params(raw, lambda path, line: option_name(path))
    try:
        sol = kind.solve(params)
    except BadInput as e:
        from_a_field = kind.field_named(re.split(r"[.\[]", e.where)[0]) is not None
        raise BadInput(e.message, option_name(e.where) if from_a_field else e.where) from None
    render.show(sol, fmt.value if fmt else None, precision, answer_only)
    return sol, params


def option_value(kind_name: str, field: str, raw: Any) -> Any:
    """An option given next to a problem file, converted by the kind's own field (errors name the option)."""
    from dlcalc.cli import inputs
    from dlcalc.problems import registry

    if raw is None:
        return None
    kind = registry.kind(kind_name)
    f = kind.field_named(field)
    assert f is not None, field
    if isinstance(raw, str) and f.type == "matrix":
        raw = inputs.read_matrix(raw, option_name(field))
    try:
        return f.value(raw)
    except BadInput as e:
        raise BadInput(e.message, option_name(field)) from None


def _is_matrix(kind, name: str) -> bool:
    f = kind.field_named(name)
    return f is not None and f.type == "matrix"


def run_file(kind_name: str, path: str, fmt: Format | None, precision: int, answer_only: bool,
             options: dict[str, str] | None = None, **overrides: Any) -> tuple[Any, dict]:
    """Solve the one problem in a YAML file (its `kind` may be left out: the command names it).

    `overrides` are converted command-line values that replace file fields when not None; errors
    about them name the option (`options` maps a field to its option when the names differ).
    """
    from dlcalc.cli import render
    from dlcalc.problems import loader

    problems = loader.load_path(path, default_kind=kind_name)
    if len(problems) != 1:
        raise BadInput(f"holds {len(problems)} problems; use 'dlcalc solve' for problem sets", path)
    problem = problems[0]
    if problem.kind is not None and problem.kind.name != kind_name:
        raise BadInput(f"holds a {problem.kind.name} problem, not {kind_name}; use 'dlcalc solve'", path)
    given = {k: v for k, v in overrides.items() if v is not None}
    if problem.error is None and given:
        problem.params.update(given)
        problem.options = {k: (options or {}).get(k, option_name(k)) for k in given}
    sol = problem.solve()
    render.show(sol, fmt.value if fmt else None, precision, answer_only)
    return sol, problem.params
