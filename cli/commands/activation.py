"""`dlcalc activation NAME VALUES`: activation values and derivatives (softmax with its Jacobian)."""
from __future__ import annotations

from typing import Annotated, Optional

import typer

from dlcalc.calc.errors import BadInput, closest
from dlcalc.cli.common import AnswerOnlyOpt, FormatOpt, PrecisionOpt, run

NAMES = "sigmoid, tanh, relu, leaky_relu, softmax, linear, step or sign"
OPTIONS = ("--alpha", "--format", "--precision", "--answer-only", "--help")
SHORT = ("-f", "-p", "-q", "-h")


COMMANDS = ("activation",)


def register(app: typer.Typer) -> None:
    # Unknown options are taken as values, so negative numbers need no `--`: `dlcalc activation relu -1 0 2`.
    @app.command("activation", context_settings={"ignore_unknown_options": True})
    def activation(
        name: Annotated[str, typer.Argument(help=f"The activation: {NAMES}.", show_default=False)],
        values: Annotated[list[str], typer.Argument(
            help="The points z: numbers ('-1 0 2'), a nested list, rows 'a b; c d' (softmax: one row per sample), "
                 "@file or -.", show_default=False)],
        alpha: Annotated[Optional[str], typer.Option("--alpha", help="Leaky ReLU slope for z ≤ 0. Default: 0.01.",
                                                     show_default=False)] = None,
        fmt: FormatOpt = None, precision: PrecisionOpt = 4, answer_only: AnswerOnlyOpt = False,
    ) -> None:
        """Activation values and derivatives at the given points; softmax is numerically stable, with its Jacobian."""
        for token in values:
            if token.split("=")[0] in OPTIONS + SHORT:  # only reaches here when typed after `--`
                raise BadInput("options go before '--' (every token after it is a value)", token)
            if token.startswith("--"):
                raise BadInput(f"no such option{closest(token, OPTIONS)}", token)
        try:
            run("activation", dict(name=name, values=" ".join(values), alpha=alpha), fmt, precision, answer_only)
        except BadInput as e:
            for option, argument in (("--name", "NAME"), ("--values", "VALUES")):
                if e.where.startswith(option):
                    raise BadInput(e.message, argument + e.where[len(option):]) from None
            raise
