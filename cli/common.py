"""What every solving subcommand shares: the output options and the path from options to a printed solution."""
from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from typing import Annotated, Any, Callable, Optional

import typer

from dlcalc.calc.errors import BadInput
from dlcalc.cli import MAX_PRECISION


class Format(str, Enum):
    rich = "rich"
    plain = "plain"
    markdown = "markdown"
    latex = "latex"
    json = "json"


FormatOpt = Annotated[Optional[Format], typer.Option(
    "--format", "-f", metavar="FORMAT", show_default=False,
    help="rich (default on a terminal), plain (default otherwise), markdown, latex or json.")]
PrecisionOpt = Annotated[int, typer.Option("--precision", metavar="N", min=0, max=MAX_PRECISION,
                                           help="Decimals shown in steps and answers (at most N; a value "
                                                "below 10^(1−N) keeps N significant digits).")]
AnswerOnlyOpt = Annotated[bool, typer.Option("--answer-only", "-q", help="Print only the final answer.")]
StandaloneOpt = Annotated[bool, typer.Option(
    "--standalone", help="LaTeX: a whole document to compile with pdflatex (preamble and \\begin{document}), "
                         "not a body to paste; implies --format latex.")]
FullOpt = Annotated[bool, typer.Option(
    "--full", help="Show every column of a matrix wider than the terminal (in blocks of columns) and every "
                   "entry of a long answer, instead of eliding them with ⋯ and ….")]


@dataclass(frozen=True)
class Output:
    """How a solution is printed: the output options every solving command shares."""

    fmt: str | None = None      # None: rich on a terminal, plain otherwise
    precision: int = 4
    answer_only: bool = False
    standalone: bool = False    # LaTeX: a whole document, not a body
    full: bool = False          # nothing elided: every column, every entry

    def show(self, sol: Any) -> None:
        from dlcalc.cli import render

        render.show(sol, self.fmt, self.precision, self.answer_only, standalone=self.standalone, full=self.full)


def output(fmt: Format | str | None, precision: int = 4, answer_only: bool = False, standalone: bool = False,
           full: bool = False) -> Output:
    """The output options as given, checked: a whole document is LaTeX only (and LaTeX when no format is named)."""
    name = fmt.value if isinstance(fmt, Format) else fmt
    if standalone:
        if name not in (None, "latex"):
            raise BadInput(f"a whole document is LaTeX only; it cannot be combined with --format {name}", "--standalone")
        name = "latex"
    return Output(name, precision, answer_only, standalone, full)


def option_name(path: str) -> str:
    """The option behind a field path: `layers[1].kernel` → `--layers`, `input_shape` → `--input-shape`."""
    return "--" + _top(path).replace("_", "-")


def _top(path: str) -> str:
    return re.split(r"[.\[]", path, maxsplit=1)[0]


def option_of(field) -> str:
    """A field's long option: --<name>, unless it declares another (backprop's learning_rate is --lr)."""
    return field.option or option_name(field.name)


def _options(kind) -> Callable[[str, int], str]:
    """`where` for a kind's fields given as options: a field path → the option that gave it."""
    def where(path: str, line: int = 0) -> str:
        f = kind.field_named(_top(path))
        return option_of(f) if f is not None else path
    return where


def _read_matrices(kind, raw: dict[str, Any]) -> dict[str, Any]:
    """`@file` and `-` (stdin) for the matrix fields; everything else stays as typed."""
    from dlcalc.cli import inputs

    def read(name: str, value: Any) -> Any:
        f = kind.field_named(name)
        return inputs.read_matrix(value, option_of(f)) if isinstance(value, str) and f and f.type == "matrix" else value
    return {k: read(k, v) for k, v in raw.items()}


def run(kind_name: str, raw: dict[str, Any], out: Output, quiet: bool = False) -> tuple[Any, dict]:
    """Convert the options with the kind's fields, solve, print (unless `quiet`); the Solution and its params
    are returned for a command that does more with them (a plot, a DOT graph)."""
    from dlcalc.problems import registry

    kind = registry.kind(kind_name)
    where = _options(kind)
    params = kind.params(_read_matrices(kind, raw), where)
    try:
        sol = kind.solve(params, given=[k for k, v in raw.items() if v is not None])
    except BadInput as e:
        raise BadInput(e.message, where(e.where)) from None
    if not quiet:
        out.show(sol)
    return sol, params


def run_file(kind_name: str, path: str, out: Output, overrides: dict[str, Any] | None = None,
             quiet: bool = False) -> tuple[Any, dict]:
    """Solve the one problem in a YAML file (its `kind` may be left out: the command names it).

    `overrides` are options as typed (None: not given) that replace the file's fields; they are checked
    exactly as the file's own values, with the file's other fields, and errors about them name the option.
    """
    from dlcalc.problems import loader

    problems = loader.load_path(path, default_kind=kind_name)
    if len(problems) != 1:
        raise BadInput(f"holds {len(problems)} problems; use 'dlcalc solve' for problem sets", path)
    problem = problems[0]
    if problem.kind is not None and problem.kind.name != kind_name:
        raise BadInput(f"holds a {problem.kind.name} problem, not {kind_name}; use 'dlcalc solve'", path)
    given = {k: v for k, v in (overrides or {}).items() if v is not None}
    if given and problem.kind is not None:
        kind = problem.kind
        problem.replace(_read_matrices(kind, given), {k: option_of(kind.field_named(k)) for k in given})
    sol = problem.solve()
    if not quiet:
        out.show(sol)
    return sol, problem.params
