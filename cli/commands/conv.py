"""`dlcalc conv`, `dlcalc pool`, `dlcalc convsize`."""
from __future__ import annotations

from typing import Annotated, Optional

import typer

from dlcalc.cli.common import AnswerOnlyOpt, FormatOpt, PrecisionOpt, run

# help lines wrap at 80 columns only at spaces: no long unbroken words (rich cuts them with …)
MATRIX_HELP = "MATLAB '1 0; 0 1', nested list '[[1,0],[0,1]]', @file (.csv, .txt, .json, .npy) or - for stdin."
PAIR = "an integer, or rows,columns"


def opt(*names: str, metavar: str, help: str) -> typer.models.OptionInfo:
    return typer.Option(*names, metavar=metavar, help=help)


Text = Optional[str]
InputOpt = Annotated[str, opt("--input", "-i", metavar="MATRIX", help="Input H×W or C×H×W. " + MATRIX_HELP)]
StrideOpt = Annotated[Text, opt("--stride", "-s", metavar="S", help=f"Step between windows: {PAIR}.")]
PaddingOpt = Annotated[Text, opt("--padding", "-P", metavar="P",
                                 help="Padding: an integer, same, valid, two values (rows,columns) or four "
                                      "(top, bottom, left, right), e.g. 1,1,0,0.")]
DilationOpt = Annotated[Text, opt("--dilation", "-d", metavar="D", help=f"Kernel dilation (1 = none): {PAIR}.")]
FullOpt = Annotated[bool, typer.Option("--full", help="Write out every output cell (default: the first 16).")]


def _given(**options: object) -> dict:
    """Options left out fall back to the kind's defaults."""
    return {k: v for k, v in options.items() if v is not None}


def register(app: typer.Typer) -> None:
    @app.command("conv")
    def conv(
        input: InputOpt,
        kernel: Annotated[str, opt("--kernel", "-k", metavar="MATRIX",
                                   help="Kernel kh×kw, C×kh×kw (one filter) or F×C×kh×kw (F filters).")],
        stride: StrideOpt = None, padding: PaddingOpt = None, dilation: DilationOpt = None,
        flip: Annotated[bool, typer.Option("--flip/--no-flip", help="Rotate the kernel 180° (true convolution, "
                                           "the course's convention); --no-flip is cross-correlation.")] = True,
        bias: Annotated[Text, opt("--bias", "-b", metavar="B", help="Bias: one number, or one per filter.")] = None,
        activation: Annotated[Text, opt("--activation", "-a", metavar="NAME",
                                        help="Applied after the bias: relu, sigmoid or tanh.")] = None,
        full: FullOpt = False,
        fmt: FormatOpt = None, precision: PrecisionOpt = 4, answer_only: AnswerOnlyOpt = False,
    ) -> None:
        """Convolve an image with one or more kernels, every window worked out."""
        run("conv", _given(input=input, kernel=kernel, stride=stride, padding=padding, dilation=dilation, flip=flip,
                           bias=bias, activation=activation, full=full), fmt, precision, answer_only)

    @app.command("pool")
    def pool(
        input: InputOpt,
        size: Annotated[str, opt("--size", "-k", metavar="K", help=f"Window size: {PAIR}.")],
        stride: Annotated[Text, opt("--stride", "-s", metavar="S",
                                    help=f"Step between windows: {PAIR} (default: the window size).")] = None,
        padding: PaddingOpt = None,
        mode: Annotated[Text, opt("--mode", "-m", metavar="MODE", help="max (default), avg or min.")] = None,
        full: FullOpt = False,
        fmt: FormatOpt = None, precision: PrecisionOpt = 4, answer_only: AnswerOnlyOpt = False,
    ) -> None:
        """Max, average or min pooling, every window worked out."""
        run("pool", _given(input=input, size=size, stride=stride, padding=padding, mode=mode, full=full),
            fmt, precision, answer_only)

    @app.command("convsize")
    def convsize(
        input_shape: Annotated[str, opt("--input-shape", "-i", metavar="SHAPE",
                                        help="Input shape H×W or C×H×W, e.g. 6x6 or 3x32x32.")],
        kernel: Annotated[Text, opt("--kernel", "-k", metavar="K", help=f"Kernel size: {PAIR} (default 3).")] = None,
        filters: Annotated[Text, opt("--filters", "-F", metavar="F", help="Number of filters (default 1).")] = None,
        stride: StrideOpt = None, padding: PaddingOpt = None, dilation: DilationOpt = None,
        channels: Annotated[Text, opt("--channels", "-C", metavar="C",
                                      help="Input channels when the shape is H×W (default 1).")] = None,
        bias: Annotated[bool, typer.Option("--bias/--no-bias", help="Count one bias per filter / neuron.")] = True,
        fmt: FormatOpt = None, precision: PrecisionOpt = 4, answer_only: AnswerOnlyOpt = False,
    ) -> None:
        """Output shape and parameter count of a conv layer, against a fully connected layer."""
        run("convsize", _given(input_shape=input_shape, kernel=kernel, filters=filters, stride=stride,
                               padding=padding, dilation=dilation, channels=channels, bias=bias),
            fmt, precision, answer_only)
