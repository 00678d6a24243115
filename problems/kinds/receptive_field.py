"""Receptive field of stacked conv and pooling layers as a problem kind. Its layers are a cnn file's
layers as they are, read through cnn's layer reader; a conv `kernel` may also be just a size."""
from __future__ import annotations

from typing import Any

import numpy as np

from dlcalc.calc import cnn, receptive_field
from dlcalc.calc.errors import BadInput
from dlcalc.problems.kinds.cnn import LAYERS_SCHEMA, convert, layer_item
from dlcalc.problems.schema import Field, Kind
from dlcalc.problems.sizes import SHAPE_JSON, as_pair, as_shape
from dlcalc.problems.yamlfile import line_of


def layers(raw: Any) -> list[receptive_field.Window]:
    if not isinstance(raw, list) or not raw:
        raise BadInput("expected a non-empty list of layers, e.g. [{type: conv, kernel: 3}, {type: maxpool, size: 2}]",
                       "layers")
    return [_window(item, i, line_of(raw, i)) for i, item in enumerate(raw)]


def _window(item: Any, i: int, line: int) -> receptive_field.Window:
    kind, item, here = layer_item(item, i, line)
    given = {k: v for k, v in item.items() if k not in ("type", "kernel") and v is not None}
    values = {k: convert(k, v, kind, here) for k, v in given.items()}  # every key checked as cnn checks it
    if kind in ("flatten", "fc"):
        return receptive_field.Window(kind, ends=True)
    if kind in cnn.ACTIVATION_LAYERS:
        return receptive_field.Window(kind)
    read_as = ""
    if kind == "conv":
        size, read_as = _kernel_size(item.get("kernel"), values.get("kernels"), kind, here)
    else:
        size = values["size"]
    stride = values.get("stride", size if kind.endswith("pool") else (1, 1))
    return receptive_field.Window(kind, size, stride, values.get("dilation", (1, 1)), values.get("padding", 0),
                                  read_as=read_as)


def _kernel_size(raw: Any, bank: np.ndarray | None, kind: str, here: cnn.CnnLayer) -> tuple[tuple[int, int], str]:
    """A size (`3`, `[3, 5]`) or, as in cnn, a matrix whose last two axes are kh×kw. A number or a flat
    pair of whole numbers ≥ 1 could be either; it is read as a size, and the reading is said."""
    if bank is not None:
        return (int(bank.shape[-2]), int(bank.shape[-1])), ""
    flat = raw if isinstance(raw, list) else [raw]
    if 1 <= len(flat) <= 2 and all(isinstance(v, (int, float)) and not isinstance(v, bool) and float(v).is_integer()
                                   and v >= 1 for v in flat):
        try:
            size = as_pair("kernel")(raw)
        except BadInput as e:
            raise here.fail("kernel", e.message) from None
        return size, f"{raw} → {size[0]}×{size[1]}"
    k = convert("kernel", raw, kind, here)
    k = k.reshape(1, -1) if k.ndim < 2 else k
    return (int(k.shape[-2]), int(k.shape[-1])), ""


KINDS = [
    Kind(
        name="receptive_field",
        summary="Receptive field and jump of stacked conv and pooling layers, layer by layer",
        fields=[
            Field("layers", "any", "conv (kernel: a size like 3 or [3, 5], or a matrix), maxpool/avgpool (size, "
                  "stride, padding), activations; flatten/fc end the walk; a cnn file's layers as they are",
                  required=True, convert=layers, json=LAYERS_SCHEMA, cli=False),
            Field("input_shape", "any", "input H×W or C×H×W, e.g. 32x32: adds each layer's output size",
                  convert=as_shape, json=SHAPE_JSON, flags=("-i",), metavar="SHAPE"),
        ],
        solver=receptive_field.receptive_field, answer_keys=("receptive_field", "jump", "output_shape"),
        slips=receptive_field.SLIPS,
        compare={"receptive_field": "exact", "jump": "exact", "output_shape": "exact"},
        questions={"receptive_field": "Give the receptive field of the last layer (in input pixels)."},
        practice={"layers": [{"type": "conv", "kernel": {"random": "choice", "from": [3, 5]}},
                             {"type": "maxpool", "size": 2, "stride": {"random": "choice", "from": [1, 2]}},
                             {"type": "conv", "kernel": {"random": "choice", "from": [3, 5]},
                              "stride": {"random": "choice", "from": [1, 2]}}]},
        command="receptive-field", panel="Convolutional networks", rank=24, takes="file",
        file_help="layers, optional input_shape",
    ),
]
