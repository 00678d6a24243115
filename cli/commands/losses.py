"""`dlcalc ce`, `dlcalc dice`, `dlcalc mse`."""
from __future__ import annotations

import typer
from typing import Annotated

from dlcalc.cli.common import AnswerOnlyOpt, FormatOpt, PrecisionOpt, run

MATRIX_HELP = "MATLAB '1 0; 0 1', nested list '[[1,0],[0,1]]', @file (.csv/.txt/.json/.npy) or - for stdin."


def register(app: typer.Typer) -> None:
    @app.command("ce")
    def ce(
        target: Annotated[str, typer.Option("--target", "-t", help="Class indices '0 1 2', one-hot rows, or binary labels. "
                                            + MATRIX_HELP)],
        pred: Annotated[str, typer.Option("--pred", "-y", help="Probabilities: n×c rows, or a vector of positive-class p.")],
        logits: Annotated[bool, typer.Option("--logits",
                                             help="pred holds logits: apply softmax (sigmoid if binary) first.")] = False,
        base: Annotated[str, typer.Option("--base", help="Logarithm base: e, 2 or 10.")] = "e",
        fmt: FormatOpt = None, precision: PrecisionOpt = 4, answer_only: AnswerOnlyOpt = False,
    ) -> None:
        """Cross-entropy loss: binary or categorical, mean over samples."""
        run("cross_entropy", dict(target=target, pred=pred, logits=logits, base=base), fmt, precision, answer_only)

    @app.command("dice")
    def dice(
        target: Annotated[str, typer.Option("--target", "-t", help="Ground-truth mask X. " + MATRIX_HELP)],
        pred: Annotated[str, typer.Option("--pred", "-y", help="Predicted probabilities Y.")],
        mode: Annotated[str, typer.Option("--mode", help="Denominator: sum (Σx + Σy) or squared (Σx² + Σy²).")] = "sum",
        smooth: Annotated[str, typer.Option("--smooth", help="Smoothing S added to numerator and denominator.")] = "0",
        fmt: FormatOpt = None, precision: PrecisionOpt = 4, answer_only: AnswerOnlyOpt = False,
    ) -> None:
        """Dice coefficient and Dice loss."""
        run("dice", dict(target=target, pred=pred, mode=mode, smooth=smooth), fmt, precision, answer_only)

    @app.command("mse")
    def mse(
        target: Annotated[str, typer.Option("--target", "-t", help="True values. " + MATRIX_HELP)],
        pred: Annotated[str, typer.Option("--pred", "-y", help="Predicted values.")],
        fmt: FormatOpt = None, precision: PrecisionOpt = 4, answer_only: AnswerOnlyOpt = False,
    ) -> None:
        """Mean squared error."""
        run("mse", dict(target=target, pred=pred), fmt, precision, answer_only)
