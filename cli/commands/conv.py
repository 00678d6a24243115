"""`dlcalc conv`, `dlcalc pool`, `dlcalc convsize`."""
from __future__ import annotations

from typing import Annotated, Optional

import typer

from cli.common import AnswerOnlyOpt, FormatOpt, PrecisionOpt, run

MATRIX_HELP = "MATLAB '1 0; 0 1', nested list '[[1,0],[0,1]]', @file (.csv/.txt/.json/.npy) or - for stdin."
PAIR_HELP = "an integer, or rows,columns"
PAD_HELP = "Padding: an integer, same, valid, rows,columns or top,bottom,left,right."

StrideOpt = Annotated[Optional[str], typer.Option("--stride", "-s", help=f"Step between windows: {PAIR_HELP}.")]
PaddingOpt = Annotated[Optional[str], typer.Option("--padding", "-P", help=PAD_HELP)]
DilationOpt = Annotated[Optional[str], typer.Option("--dilation", "-d", help=f"Kernel dilation (1 = none): {PAIR_HELP}.")]
FullOpt = Annotated[bool, typer.Option("--full", help="Write out every output cell (default: the first 16).")]


def _given(**options: object) -> dict:
    """Options left out fall back to the kind's defaults."""
    return {k: v for k, v in options.items() if v is not None}


def register(app: typer.Typer) -> None:
    @app.command("conv")
    def conv(
        input: Annotated[str, typer.Option("--input", "-i", help="Input H×W or C×H×W. " + MATRIX_HELP)],
        kernel: Annotated[str, typer.Option("--kernel", "-k", help="Kernel kh×kw, C×kh×kw or F×C×kh×kw (F filters).")],
        stride: StrideOpt = None, padding: PaddingOpt = None, dilation: DilationOpt = None,
        flip: Annotated[bool, typer.Option("--flip/--no-flip", help="Rotate the kernel 180° (true convolution, "
                                           "the course's convention); --no-flip is cross-correlation.")] = True,
        bias: Annotated[Optional[str], typer.Option("--bias", "-b", help="Bias: one number, or one per filter.")] = None,
        activation: Annotated[Optional[str], typer.Option("--activation", "-a",
                                                          help="Applied after the bias: relu, sigmoid or tanh.")] = None,
        full: FullOpt = False,
        fmt: FormatOpt = None, precision: PrecisionOpt = 4, answer_only: AnswerOnlyOpt = False,
    ) -> None:
        """Convolve an image with one or more kernels, every window worked out."""
        run("conv", _given(input=input, kernel=kernel, stride=stride, padding=padding, dilation=dilation, flip=flip,
                           bias=bias, activation=activation, full=full), fmt, precision, answer_only)

    @app.command("pool")
    def pool(
        input: Annotated[str, typer.Option("--input", "-i", help="Input H×W or C×H×W. " + MATRIX_HELP)],
        size: Annotated[str, typer.Option("--size", "-k", help=f"Window size: {PAIR_HELP}.")],
        stride: Annotated[Optional[str], typer.Option("--stride", "-s", help="Step between windows "
                                                      "(default: the window size).")] = None,
        padding: PaddingOpt = None,
        mode: Annotated[Optional[str], typer.Option("--mode", "-m", help="max, avg or min.")] = None,
        full: FullOpt = False,
        fmt: FormatOpt = None, precision: PrecisionOpt = 4, answer_only: AnswerOnlyOpt = False,
    ) -> None:
        """Max, average or min pooling, every window worked out."""
        run("pool", _given(input=input, size=size, stride=stride, padding=padding, mode=mode, full=full),
            fmt, precision, answer_only)

    @app.command("convsize")
    def convsize(
        input_shape: Annotated[str, typer.Option("--input-shape", "-i", help="Input shape H×W or C×H×W, e.g. 6x6 "
                                                 "or 3x32x32.")],
        kernel: Annotated[Optional[str], typer.Option("--kernel", "-k", help=f"Kernel size: {PAIR_HELP} (default 3).")] = None,
        filters: Annotated[Optional[str], typer.Option("--filters", "-F", help="Number of filters (default 1).")] = None,
        stride: StrideOpt = None, padding: PaddingOpt = None, dilation: DilationOpt = None,
        channels: Annotated[Optional[str], typer.Option("--channels", "-C", help="Input channels when the shape is "
                                                        "H×W (default 1).")] = None,
        bias: Annotated[bool, typer.Option("--bias/--no-bias", help="Count one bias per filter / neuron.")] = True,
        fmt: FormatOpt = None, precision: PrecisionOpt = 4, answer_only: AnswerOnlyOpt = False,
    ) -> None:
        """Output shape and parameter count of a conv layer, against a fully connected layer."""
        run("convsize", _given(input_shape=input_shape, kernel=kernel, filters=filters, stride=stride,
                               padding=padding, dilation=dilation, channels=channels, bias=bias),
            fmt, precision, answer_only)
