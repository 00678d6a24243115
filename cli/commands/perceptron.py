"""`dlcalc perceptron`: the perceptron learning rule, epoch by epoch."""
from __future__ import annotations

from typing import Annotated, Optional

import typer

from dlcalc.cli.common import AnswerOnlyOpt, FormatOpt, PrecisionOpt, run

MATRIX_HELP = "MATLAB '0 0; 0 1', nested list '[[0,0],[0,1]]', @file (.csv/.txt/.json/.npy) or - for stdin."


def register(app: typer.Typer) -> None:
    @app.command("perceptron")
    def perceptron(
        data: Annotated[str, typer.Option("--data", "-d", help="Training samples, one row per sample. " + MATRIX_HELP)],
        labels: Annotated[str, typer.Option("--labels", "-y", help="One label per sample: −1/+1, or 0/1 (step).")],
        lr: Annotated[str, typer.Option("--lr", "--eta", help="Learning rate η > 0.")] = "1",
        epochs: Annotated[str, typer.Option("--epochs", "-e", help="Most epochs to run (stops earlier after an "
                                            "error-free epoch).")] = "100",
        weights: Annotated[Optional[str], typer.Option("--weights", "-w", help="Initial weights. Default: zeros.",
                                                       show_default=False)] = None,
        bias: Annotated[Optional[str], typer.Option("--bias", "-b", help="Initial bias. Default: 0.",
                                                    show_default=False)] = None,
        activation: Annotated[str, typer.Option("--activation", "-a", help="sign (labels ±1), step (labels 0/1) or "
                                                "auto (from the labels).")] = "auto",
        detail: Annotated[int, typer.Option("--detail", min=0, help="Epochs shown sample by sample (the last one "
                                            "always is).")] = 3,
        fmt: FormatOpt = None, precision: PrecisionOpt = 4, answer_only: AnswerOnlyOpt = False,
    ) -> None:
        """Perceptron training: each sample's net, prediction and update; errors per epoch; converged or not."""
        run("perceptron", dict(data=data, labels=labels, lr=lr, epochs=epochs, weights=weights, bias=bias,
                               activation=activation, detail=detail), fmt, precision, answer_only)
