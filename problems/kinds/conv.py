"""2-D convolution as a problem kind (`conv`)."""
from __future__ import annotations

from dlcalc.calc import conv
from dlcalc.problems.schema import Field, Kind
from dlcalc.problems.sizes import FULL, dilation_field, padding_field, stride_field

KINDS = [
    Kind(
        name="conv",
        summary="2-D convolution (kernel flipped, the course convention) or cross-correlation, "
                "with stride, padding, dilation, channels, filters, bias and activation",
        fields=[
            Field("input", "matrix", "input image: H×W or C×H×W", required=True, flags=("-i",)),
            Field("kernel", "matrix", "kernel: kh×kw, C×kh×kw (one filter) or F×C×kh×kw (F filters)", required=True,
                  flags=("-k",)),
            stride_field(1, "step between windows (int or rows,columns)"),
            padding_field("zero padding: int, same, valid, rows,columns or top,bottom,left,right"),
            dilation_field(),
            Field("flip", "bool", "rotate the kernel 180° (true convolution); false = cross-correlation",
                  default=True),
            Field("bias", "matrix", "bias: one number, or one per filter", flags=("-b",), metavar="B"),
            Field("activation", "choice", "applied after the bias", default="none",
                  choices=("none", "linear", "relu", "sigmoid", "tanh"), aliases={"identity": "linear", "logistic": "sigmoid"},
                  flags=("-a",), metavar="NAME"),
            FULL,
        ],
        solver=conv.conv, answer_keys=("output", "output_shape"), slips=conv.CONV_SLIPS,
        compare={"output_shape": "exact"},
        questions={"output": "Compute the output feature map (true convolution: the kernel is flipped, unless stated)."},
        practice={"input": {"random": "int", "low": 0, "high": 3, "shape": [4, 4]},
                  "kernel": {"random": "int", "low": -1, "high": 1, "shape": [3, 3]},
                  "stride": {"random": "choice", "from": [1, 1, 2]}},
        command="conv", panel="Convolutional networks", rank=20,
    ),
]
