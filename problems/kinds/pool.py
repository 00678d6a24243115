"""Max, average and min pooling as a problem kind (`pool`); field converters shared with `conv`."""
from __future__ import annotations

from dlcalc.calc import pool
from dlcalc.problems.sizes import FULL, PAIR_JSON, padding_field, stride_field, as_mode, as_pair
from dlcalc.problems.schema import Field, Kind

KINDS = [
    Kind(
        name="pool",
        summary="Max, average or min pooling with every window shown",
        fields=[
            Field("input", "matrix", "input: H×W or C×H×W (channels pooled separately)", required=True, flags=("-i",)),
            Field("size", "any", "window size (int or rows,columns)", required=True, convert=as_pair("size"),
                  json=PAIR_JSON, flags=("-k",), metavar="K"),
            stride_field(None, "step between windows (default: the window size)"),
            padding_field("padding: int, same, valid, rows,columns or top,bottom,left,right "
                     "(−∞ for max, zeros counted in avg)"),
            Field("mode", "choice", "the pooling: max, avg or min", default="max", choices=pool.MODES, aliases=pool.MODE_ALIASES,
                  convert=as_mode, flags=("-m",)),
            Field("count_include_pad", "bool", "avg: the padded zeros count in each window's divisor (PyTorch's "
                  "default); off: divide by the window's input cells only", default=True),
            FULL,
        ],
        solver=pool.pool, answer_keys=("output", "output_shape"), slips=pool.SLIPS,
        compare={"output_shape": "exact"},
        questions={"output": "Compute the pooled output."},
        practice={"input": {"random": "int", "low": 0, "high": 9, "shape": [4, 4]}, "size": 2,
                  "mode": {"random": "choice", "from": ["max", "avg"]}},
        command="pool", panel="Convolutional networks", rank=21,
    ),
]
