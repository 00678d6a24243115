"""The loss expression of `hessian` and `optimize`: a positional EXPR, or --expr for one starting with '-';
a .yaml path in its place solves that problem file."""
from __future__ import annotations

import inspect
from typing import Annotated, Optional

import typer

from dlcalc.calc.errors import BadInput

EXPR_HELP = ("Loss expression, e.g. '(1 - w1*w2)^2': numbers, variables, + - * / ^ **, parentheses, "
             "exp log ln sqrt sin cos tan tanh sigmoid abs max min. "
             "Start with '-'? Use --expr, or put it last, after the options and --. "
             "A .yaml path solves that problem file instead.")
ExprArg = Annotated[Optional[str], typer.Argument(help=EXPR_HELP, show_default=False, metavar="EXPR")]
ExprOpt = Annotated[Optional[str], typer.Option("--expr", "-e", help="The expression, as an option (for ones starting with '-').",
                                                show_default=False)]


def expression(positional: Optional[str], option: Optional[str]) -> tuple[str, str]:
    """The expression and how the user gave it (EXPR or --expr), for error messages."""
    if positional is not None and option is not None:
        raise BadInput("give the expression once: as EXPR or with --expr", "--expr")
    if positional is None and option is None:
        raise BadInput("missing the expression: dlcalc COMMAND EXPR, or --expr EXPR", "EXPR")
    return (positional, "EXPR") if positional is not None else (option, "--expr")  # type: ignore[return-value]


def is_file(text: str) -> bool:
    return text.strip().lower().endswith((".yaml", ".yml"))


def rename_expr(err: BadInput, source: str) -> BadInput:
    """Errors about the expression name the way it was given (EXPR or --expr)."""
    return BadInput(err.message, source, err.line) if err.where == "--expr" else err


def expr_parameters() -> list:
    """EXPR (a positional) and --expr, for expressions that start with '-'."""
    return [inspect.Parameter("expr", inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None, annotation=ExprArg),
            inspect.Parameter("expr_option", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=ExprOpt)]
