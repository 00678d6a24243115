"""`dlcalc hessian EXPR [--at "w1=0, w2=0"]`: is the point a minimum, a maximum or a saddle?"""
from __future__ import annotations

from typing import Optional

import typer

from dlcalc.calc.errors import BadInput
from dlcalc.cli.common import run, run_file
from dlcalc.cli.expression import expr_parameters, expression, is_file, rename_expr

COMMANDS = ("hessian",)


def register(app: typer.Typer) -> None:
    from dlcalc.cli.options import OUTPUT, parameters, take_output, with_signature
    from dlcalc.problems import registry

    kind = registry.kind("hessian")

    def hessian(expr: Optional[str] = None, expr_option: Optional[str] = None, **values) -> None:
        out = take_output(values)
        text, source = expression(expr, expr_option)
        if source == "EXPR" and is_file(text):
            run_file("hessian", text, out, overrides=values)
            return
        try:
            run("hessian", {"expr": text, **values}, out)
        except BadInput as e:
            raise rename_expr(e, source) from None

    params = expr_parameters() + parameters(kind, "either", only=("at",)) + OUTPUT
    app.command("hessian")(with_signature(hessian, params, kind.summary))
