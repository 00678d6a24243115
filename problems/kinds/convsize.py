"""Conv-layer output shapes and parameter counts as a problem kind (`convsize`)."""
from __future__ import annotations

from dlcalc.calc import conv
from dlcalc.problems.sizes import PAIR_JSON, SHAPE_JSON, dilation_field, padding_field, stride_field, as_pair, as_shape
from dlcalc.problems.schema import Field, Kind

KINDS = [
    Kind(
        name="convsize",
        summary="Conv layer output shape and parameter count (and a fully connected layer's), without data",
        fields=[
            Field("input_shape", "any", "input shape H×W or C×H×W, e.g. 6x6 or 3x32x32", required=True,
                  convert=as_shape, json=SHAPE_JSON, flags=("-i",), metavar="SHAPE"),
            Field("kernel", "any", "kernel size (int or kh,kw / kh×kw)", default=(3, 3), convert=as_pair("kernel"),
                  json=PAIR_JSON, flags=("-k",), metavar="K"),
            Field("filters", "int", "number of filters F (output channels)", default=1, positive=True,
                  flags=("-F",), metavar="F"),
            stride_field(1, "step between windows (int or rows,columns)"),
            padding_field("zero padding: int, same, valid, rows,columns or top,bottom,left,right"),
            dilation_field(),
            Field("channels", "int", "input channels C (when input_shape is H×W)", positive=True,
                  flags=("-C",), metavar="C"),
            Field("bias", "bool", "count one bias per filter / neuron", default=True),
        ],
        solver=conv.convsize, answer_keys=("output_shape", "params", "fc_params"), slips=conv.CONVSIZE_SLIPS,
        compare={"output_shape": "exact", "params": "exact", "fc_params": "exact"},
        questions={"output_shape": "Give the output shape (height, width) of the convolution.",
                   "params": "Count the layer's parameters (weights and biases)."},
        practice={"input_shape": {"random": "choice", "from": ["28x28", "32x32", "3x32x32", "64x64"]},
                  "kernel": {"random": "choice", "from": [3, 5]}, "filters": {"random": "int", "low": 4, "high": 64},
                  "stride": {"random": "choice", "from": [1, 2]}, "padding": {"random": "choice", "from": [0, 1, 2]}},
        command="convsize", panel="Convolutional networks", rank=22,
    ),
]
