"""Transposed convolution (PyTorch's conv_transpose2d) as a problem kind."""
from __future__ import annotations

from dlcalc.calc import conv_transpose
from dlcalc.problems.schema import Field, Kind
from dlcalc.problems.sizes import PAIR0_JSON, as_pair, dilation_field, stride_field

KINDS = [
    Kind(
        name="conv_transpose",
        summary="Transposed convolution: each input cell's scaled kernel placed at stride S, summed, cropped",
        fields=[
            Field("input", "matrix", "input I: H×W or C_in×H×W", required=True, flags=("-i",)),
            Field("kernel", "matrix", "kernel K: kh×kw, C_in×kh×kw or C_in×C_out×kh×kw (PyTorch's layout)",
                  required=True, flags=("-k",)),
            stride_field(1, "gap between the kernel copies (int or rows,columns)"),
            Field("padding", "any", "rows/columns cropped from each side of the sum (int or rows,columns)", default=0,
                  convert=as_pair("padding", 0), json=PAIR0_JSON, flags=("-P",), metavar="P"),
            Field("output_padding", "any", "rows/columns added at the bottom/right (smaller than the stride)",
                  default=0, convert=as_pair("output_padding", 0), json=PAIR0_JSON, metavar="A"),
            dilation_field(),
            Field("bias", "matrix", "bias: one number, or one per output channel", flags=("-b",), metavar="B"),
        ],
        solver=conv_transpose.conv_transpose, answer_keys=("output", "output_shape"), slips=conv_transpose.SLIPS,
        compare={"output_shape": "exact"},
        questions={"output": "Compute the transposed convolution's output."},
        practice={"input": {"random": "int", "low": 0, "high": 3, "shape": [2, 2]},
                  "kernel": {"random": "int", "low": -1, "high": 2, "shape": [2, 2]},
                  "stride": {"random": "choice", "from": [1, 2]}},
        command="convtranspose", panel="Convolutional networks", rank=25,
    ),
]
