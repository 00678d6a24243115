"""`dlcalc backprop FILE`: backpropagation worked neuron by neuron, from a YAML problem file."""
from __future__ import annotations

from typing import Annotated, Optional

import typer

from dlcalc.calc.errors import BadInput
from dlcalc.cli.common import AnswerOnlyOpt, FormatOpt, PrecisionOpt, run_file


def register(app: typer.Typer) -> None:
    @app.command("backprop")
    def backprop(
        file: Annotated[str, typer.Argument(help="YAML problem file: input, target, layers, loss, learning_rate, …")],
        check: Annotated[bool, typer.Option("--check", help="Compare every gradient with a central-difference "
                                            "numerical gradient and print the largest difference.")] = False,
        lr: Annotated[Optional[float], typer.Option("--lr", "--learning-rate", help="Learning rate η (replaces the "
                                                    "file's).", show_default=False)] = None,
        steps: Annotated[Optional[int], typer.Option("--steps", min=1, help="Gradient-descent steps (replaces the "
                                                     "file's).", show_default=False)] = None,
        update_bias: Annotated[Optional[bool], typer.Option("--update-bias/--fixed-bias", help="Update the biases, or "
                                                            "keep them fixed (replaces the file's).",
                                                            show_default=False)] = None,
        batch: Annotated[Optional[bool], typer.Option("--batch/--sgd", help="Several samples: one update with the mean "
                                                      "gradient, or one update per sample.", show_default=False)] = None,
        names: Annotated[Optional[str], typer.Option("--names", help="Weight names: auto, numbered (w1, w2, …) or "
                                                     "indexed (w(l)_ji).", show_default=False)] = None,
        detail: Annotated[Optional[int], typer.Option("--detail", min=1, help="Updates worked out in full "
                                                      "(default 3).", show_default=False)] = None,
        fmt: FormatOpt = None, precision: PrecisionOpt = 4, answer_only: AnswerOnlyOpt = False,
    ) -> None:
        """Backpropagation: forward pass, loss, δ terms, gradients and updated weights of a small network."""
        from dlcalc.calc.backprop import NAMINGS
        from dlcalc.calc.errors import closest, quote

        if lr is not None and not 0 < lr < float("inf"):
            raise BadInput(f"the learning rate must be a finite number > 0, got {lr:g}", "--lr")
        if names is not None and names not in NAMINGS:
            raise BadInput(f"expected one of {', '.join(NAMINGS)}, got {quote(names)}{closest(names, NAMINGS)}", "--names")
        run_file("backprop", file, fmt, precision, answer_only, {"learning_rate": "--lr", "weight_names": "--names"},
                 learning_rate=lr, steps=steps, update_bias=update_bias,
                 batch=batch, weight_names=names, detail=detail, check=True if check else None)
