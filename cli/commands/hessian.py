"""`dlcalc hessian EXPR [--at "w1=0, w2=0"]`: is the point a minimum, a maximum or a saddle?"""
from __future__ import annotations

from typing import Annotated, Optional

import typer

from dlcalc.calc.errors import BadInput
from dlcalc.cli.common import AnswerOnlyOpt, FormatOpt, PrecisionOpt, run, run_file

EXPR_HELP = ("Loss expression, e.g. '(1 - w1*w2)^2': numbers, variables, + - * / ^ **, parentheses, "
             "exp log ln sqrt sin cos tan tanh sigmoid abs max min. Start with '-'? Put it after -- or use --expr. "
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


def register(app: typer.Typer) -> None:
    @app.command("hessian")
    def hessian(
        expr: ExprArg = None,
        expr_option: ExprOpt = None,
        at: Annotated[Optional[str], typer.Option(
            "--at", help="The point w', e.g. 'w1=0, w2=0' (its order is the variables' order). "
                         "Without it the critical points are solved for.", show_default=False)] = None,
        fmt: FormatOpt = None, precision: PrecisionOpt = 4, answer_only: AnswerOnlyOpt = False,
    ) -> None:
        """Gradient, Hessian, eigenvalues at a point, and whether it is a local min, max or saddle."""
        text, source = expression(expr, expr_option)
        if source == "EXPR" and is_file(text):
            run_file("hessian", text, fmt, precision, answer_only, at=point_option(at))
            return
        try:
            run("hessian", dict(expr=text, at=at), fmt, precision, answer_only)
        except BadInput as e:
            raise rename_expr(e, source) from None


def point_option(raw: Optional[str]):
    """--at given next to a problem file replaces the file's point."""
    if raw is None:
        return None
    from dlcalc.problems.kinds.hessian import as_point

    try:
        return as_point(raw)
    except BadInput as e:
        raise BadInput(e.message, "--at") from None
