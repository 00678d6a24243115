"""`dlcalc optimize EXPR --at ... --method ... --lr η --steps N`: every iteration of an optimiser, worked."""
from __future__ import annotations

from typing import Annotated, Optional

import typer

from calc.errors import BadInput
from cli.commands.hessian import ExprArg, ExprOpt, expression, is_file, point_option, rename_expr
from cli.common import AnswerOnlyOpt, FormatOpt, PrecisionOpt, run, run_file


def _opt(name: str, help_: str, short: str | None = None):
    names = [name] + ([short] if short else [])
    return typer.Option(*names, help=help_, show_default=False)


def register(app: typer.Typer) -> None:
    @app.command("optimize")
    def optimize(
        expr: ExprArg = None,
        expr_option: ExprOpt = None,
        at: Annotated[Optional[str], _opt(
            "--at", "Start point θ₀, e.g. 'w1=1, w2=-1' (its order is the variables' order).")] = None,
        method: Annotated[Optional[str], _opt("--method", "gd, momentum, adagrad, rmsprop or adam. [default: gd]", "-m")] = None,
        lr: Annotated[Optional[str], _opt("--lr", "Learning rate η.")] = None,
        steps: Annotated[Optional[str], _opt("--steps", "Number of updates. [default: 1]", "-n")] = None,
        momentum: Annotated[Optional[str], _opt("--momentum", "Momentum λ: m ← λm − ηg, θ ← θ + m. [default: 0.9]")] = None,
        alpha: Annotated[Optional[str], _opt("--alpha", "RMSProp's α: σₜ = √(ασₜ₋₁² + (1−α)gₜ²). [default: 0.9]")] = None,
        beta1: Annotated[Optional[str], _opt("--beta1", "Adam's β1. [default: 0.9]")] = None,
        beta2: Annotated[Optional[str], _opt("--beta2", "Adam's β2. [default: 0.999]")] = None,
        eps: Annotated[Optional[str], _opt("--eps", "ε: Adam's (1e-8) or, with --adagrad-sum, Adagrad's (1e-10).")] = None,
        adagrad_sum: Annotated[bool, typer.Option(
            "--adagrad-sum", help="Adagrad with PyTorch's σ = √(Σg²) + ε instead of the course's root mean square.")] = False,
        fmt: FormatOpt = None, precision: PrecisionOpt = 4, answer_only: AnswerOnlyOpt = False,
    ) -> None:
        """Optimiser trace: gradient descent, momentum, Adagrad, RMSProp or Adam, every iteration in a table."""
        text, source = expression(expr, expr_option)
        raw = dict(method=method, lr=lr, steps=steps, momentum=momentum, alpha=alpha, beta1=beta1, beta2=beta2,
                   eps=eps, adagrad_sum=adagrad_sum or None)
        if source == "EXPR" and is_file(text):
            overrides = {k: _converted(k, v) for k, v in raw.items() if v is not None}
            run_file("optimize", text, fmt, precision, answer_only, at=point_option(at), **overrides)
            return
        if at is None:
            raise BadInput("missing the start point, e.g. --at 'w1=1, w2=-1'", "--at")
        try:
            run("optimize", dict(expr=text, at=at, **raw), fmt, precision, answer_only)
        except BadInput as e:
            raise rename_expr(e, source) from None


def _converted(name: str, raw):
    """A command-line value converted by the kind's own field (errors name the option)."""
    from problems import registry

    field = registry.kind("optimize").field_named(name)
    try:
        return field.value(raw)
    except BadInput as e:
        raise BadInput(e.message, "--" + name.replace("_", "-")) from None
