"""A kind's subcommand, generated from its declaration: one option per `Field`, one path to the solver.

Every option is read as text (bool fields as switches) and converted by the kind's own fields, so
the command line, problem files and the Python API share one validation, and its messages name the
option. A kind that takes a FILE (`takes="file"`) gets its options as replacements for the file's fields.
"""
from __future__ import annotations

import inspect
import re
from typing import Annotated, Any, Callable, Optional

import typer

from dlcalc.cli.common import AnswerOnlyOpt, FormatOpt, FullOpt, Output, PrecisionOpt, StandaloneOpt, option_of, output

MATRIX_HELP = "MATLAB '1 0; 0 1', nested list '[[1,0],[0,1]]', @file (.csv, .txt, .json, .npy) or - for stdin."
_METAVARS = {"matrix": "MATRIX", "number": "X", "int": "N", "str": "TEXT"}
OUTPUT = [  # the options every solving command shares
    inspect.Parameter("fmt", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=FormatOpt),
    inspect.Parameter("precision", inspect.Parameter.KEYWORD_ONLY, default=4, annotation=PrecisionOpt),
    inspect.Parameter("answer_only", inspect.Parameter.KEYWORD_ONLY, default=False, annotation=AnswerOnlyOpt),
    inspect.Parameter("standalone", inspect.Parameter.KEYWORD_ONLY, default=False, annotation=StandaloneOpt),
    inspect.Parameter("full", inspect.Parameter.KEYWORD_ONLY, default=False, annotation=FullOpt),
]


def _sentence(text: str) -> str:
    """A field's help as an option's sentence; a leading symbol or name (η, half_sse) keeps its case."""
    text = text.strip()
    first = re.split(r"[\s:,(]", text, maxsplit=1)[0]
    if first.isascii() and first.isalpha():
        text = text[:1].upper() + text[1:]
    return text.rstrip(".") + "." if text else ""


def _shown(value: Any) -> str:
    """A default as typed on the command line: (3, 3) → 3, (1, 2) → 1,2."""
    if isinstance(value, tuple):
        return str(value[0]) if len(set(value)) == 1 else ",".join(map(str, value))
    return str(value)


def _help(field, first_matrix: bool, mode: str) -> str:
    parts = [_sentence(field.help)]
    if field.name == "full":  # the kind's own --full is also the output option (see take_output)
        parts.append("Also every column of a matrix wider than the terminal and every entry of a long answer.")
    if first_matrix:
        parts.append(MATRIX_HELP)
    default = field.default if field.default is not None else field.default_shown
    if mode != "file" and field.type != "bool" and default is not None:
        parts.append(f"\\[default: {_shown(default)}]")  # escaped: rich reads [default: …] as markup
    return " ".join(parts)


def _parameter(field, first_matrix: bool, mode: str) -> inspect.Parameter:
    """mode `options`: the kind's own defaults and required options; `file`: every option replaces a field
    of a FILE; `either`: every option may be left out (a command that also reads files)."""
    names = [option_of(field), *field.flags]
    given_only = mode != "options"  # None when left out, so a file's value stays
    if field.type == "bool":
        switch = field.default is True or bool(field.negative) or (mode == "file" and field.default is not False)
        off = field.negative or "--no-" + option_of(field)[2:]
        info = typer.Option(f"{names[0]}/{off}" if switch else names[0], *names[1:],
                            help=_help(field, False, mode), show_default=False)
        return inspect.Parameter(field.name, inspect.Parameter.KEYWORD_ONLY,
                                 default=None if given_only else bool(field.default),
                                 annotation=Annotated[Optional[bool], info])
    choices = "|".join(field.choices)
    metavar = field.metavar or (choices if field.type == "choice" and len(choices) <= 14 else
                                "WORD" if field.type == "choice" else _METAVARS.get(field.type, field.name.upper()))
    info = typer.Option(*names, metavar=metavar, help=_help(field, first_matrix, mode), show_default=False)
    required = field.required and not given_only
    return inspect.Parameter(field.name, inspect.Parameter.KEYWORD_ONLY,
                             default=inspect.Parameter.empty if required else None,
                             annotation=Annotated[str if required else Optional[str], info])


def parameters(kind, mode: str = "options", only: tuple[str, ...] = ()) -> list[inspect.Parameter]:
    """The options of a kind's fields (those shown on the command line; `only` picks some, in that order)."""
    fields = [kind.field_named(n) for n in only] if only else [f for f in kind.fields if f.cli]
    out, matrix_seen = [], mode == "file"
    for field in fields:
        out.append(_parameter(field, field.type == "matrix" and not matrix_seen, mode))
        matrix_seen = matrix_seen or field.type == "matrix"
    return out


def take_output(values: dict[str, Any], kind=None) -> Output:
    """Pop the shared output options (format, precision, answer-only, standalone, full) off a command's
    values, checked (before any work: a bad combination is bad input). A kind with a `full` field of its
    own (conv, pool, cnn: every window written out) keeps it: its --full is both."""
    own_full = kind is not None and kind.field_named("full") is not None
    full = bool(values.get("full")) if own_full else values.pop("full")
    return output(*(values.pop(name) for name in ("fmt", "precision", "answer_only", "standalone")), full=full)


def with_signature(func: Callable, params: list[inspect.Parameter], doc: str) -> Callable:
    """Give `func(**values)` the signature typer reads its options from."""
    func.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    func.__annotations__ = {p.name: p.annotation for p in params}
    func.__doc__ = doc
    return func


def command(kind) -> Callable:
    """The subcommand of a kind: options → solve → print, or FILE plus options that replace its fields."""
    from dlcalc.cli.common import run, run_file

    file_param = inspect.Parameter("file", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Annotated[
        str, typer.Argument(help=f"YAML problem file (kind: {kind.name}): {kind.file_help or 'its fields'}.",
                            show_default=False, metavar="FILE")])
    over_file = kind.takes == "file"
    mode = "file" if over_file else "options"

    def solve(**values: Any) -> None:
        out = take_output(values, kind)
        if over_file:
            run_file(kind.name, values.pop("file"), out, overrides=values)
        else:
            run(kind.name, values, out)  # None: not given, the field's default

    own = parameters(kind, mode)
    params = ([file_param] if over_file else []) + own + [p for p in OUTPUT if p.name not in {q.name for q in own}]
    doc = kind.summary + (".\n\nOptions replace the file's fields." if over_file else "")
    return with_signature(solve, params, doc)


def register(app: typer.Typer, kind) -> None:
    app.command(kind.command)(command(kind))  # its help panel is set where the app is put together
