"""`dlcalc activation NAME VALUES`: activation values and derivatives (softmax with its Jacobian)."""
from __future__ import annotations

from typing import Annotated

import typer

from dlcalc.calc.errors import BadInput, closest
from dlcalc.cli.common import run

NAMES = "sigmoid, tanh, relu, leaky_relu, softmax, linear, step or sign"
OPTIONS = ("--alpha", "--format", "--precision", "--answer-only", "--help")
SHORT = ("-f", "-q", "-h")  # no -p: it reads as -P (padding) elsewhere
COMMANDS = ("activation",)


NameArg = Annotated[str, typer.Argument(help=f"The activation: {NAMES}.", show_default=False, metavar="NAME")]
ValuesArg = Annotated[list[str], typer.Argument(
    help="The points z: numbers ('-1 0 2'), a nested list, rows 'a b; c d' (softmax: one row per sample), @file or -.",
    show_default=False)]


def register(app: typer.Typer) -> None:
    import inspect

    from dlcalc.cli.options import OUTPUT, parameters, take_output, with_signature
    from dlcalc.problems import registry

    def activation(name: str, values: list[str], **options) -> None:
        out = take_output(options)
        for token in values:
            if token.split("=")[0] in OPTIONS + SHORT:  # only reaches here when typed after `--`
                raise BadInput("options go before '--' (every token after it is a value)", token)
            if token.startswith("--"):
                raise BadInput(f"no such option{closest(token, OPTIONS)}", token)
        try:
            run("activation", {"name": name, "values": " ".join(values), **options}, out)
        except BadInput as e:
            for option, argument in (("--name", "NAME"), ("--values", "VALUES")):
                if e.where.startswith(option):
                    raise BadInput(e.message, argument + e.where[len(option):]) from None
            raise

    positional = [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=a)
                  for n, a in (("name", NameArg), ("values", ValuesArg))]
    params = positional + parameters(registry.kind("activation"), "either", only=("alpha",)) + OUTPUT
    doc = "Activation values and derivatives at the given points; softmax is numerically stable, with its Jacobian."
    # Unknown options are taken as values, so negative numbers need no `--`: `dlcalc activation relu -1 0 2`.
    app.command("activation", context_settings={"ignore_unknown_options": True})(with_signature(activation, params, doc))
