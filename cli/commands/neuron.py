"""`dlcalc neuron`: one neuron, a layer, or a two-layer network (logic gates, XOR), with truth tables."""
from __future__ import annotations

from typing import Annotated, Optional

import typer

from dlcalc.calc.errors import BadInput
from dlcalc.cli.common import AnswerOnlyOpt, FormatOpt, PrecisionOpt, option_value, run, run_file

MATRIX_HELP = "MATLAB '1 0; 0 1', nested list '[[1,0],[0,1]]', @file (.csv/.txt/.json/.npy) or - for stdin."
ACTIVATIONS = "step, sign, sigmoid, tanh, relu or linear"


def register(app: typer.Typer) -> None:
    @app.command("neuron")
    def neuron(
        file: Annotated[Optional[str], typer.Argument(
            help="Optional YAML problem file (kind: neuron), e.g. a network given as 'layers'.", show_default=False)] = None,
        weights: Annotated[Optional[str], typer.Option(
            "--weights", "-w", help="Weights: a vector (one neuron) or one row per unit (a hidden layer). " + MATRIX_HELP,
            show_default=False)] = None,
        bias: Annotated[Optional[str], typer.Option(
            "--bias", "-b", help="Bias b = w₀ = −θ: a number, or one per unit. Default: 0.", show_default=False)] = None,
        inputs: Annotated[Optional[str], typer.Option(
            "--inputs", "-x", help="Inputs: one row, or one row per example.", show_default=False)] = None,
        activation: Annotated[Optional[str], typer.Option(
            "--activation", "-a", help=f"Activation: {ACTIVATIONS}. Default: sigmoid.", show_default=False)] = None,
        truth_table: Annotated[bool, typer.Option(
            "--truth-table", "-t", help="Enumerate every 0/1 input combination (logic gates).")] = False,
        out_weights: Annotated[Optional[str], typer.Option(
            "--out-weights", help="Output neuron's weights, one per hidden unit: makes a two-layer network.",
            show_default=False)] = None,
        out_bias: Annotated[Optional[str], typer.Option(
            "--out-bias", help="Output neuron's bias. Default: 0.", show_default=False)] = None,
        out_activation: Annotated[Optional[str], typer.Option(
            "--out-activation", help="Output neuron's activation. Default: the --activation.", show_default=False)] = None,
        fmt: FormatOpt = None, precision: PrecisionOpt = 4, answer_only: AnswerOnlyOpt = False,
    ) -> None:
        """Neuron output net = w·x + b, out = g(net); truth tables for logic gates; two-layer XOR networks."""
        if file is None:
            run("neuron", dict(weights=weights, bias=bias, inputs=inputs, activation=activation,
                               truth_table=truth_table, out_weights=out_weights, out_bias=out_bias,
                               out_activation=out_activation), fmt, precision, answer_only)
            return
        for option, value in (("--weights", weights), ("--bias", bias), ("--out-weights", out_weights),
                              ("--out-bias", out_bias), ("--out-activation", out_activation)):
            if value is not None:
                raise BadInput(f"the file {file} gives the network; only --inputs, --activation and "
                               "--truth-table can be added to it", option)
        run_file("neuron", file, fmt, precision, answer_only, truth_table=truth_table or None,
                 inputs=option_value("neuron", "inputs", inputs),
                 activation=option_value("neuron", "activation", activation))

