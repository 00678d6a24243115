"""The `cnn` kind: a sequential CNN's forward pass, its layers read from YAML with line numbers."""
from __future__ import annotations

from typing import Any

import numpy as np

from dlcalc.calc import cnn
from dlcalc.calc.activations import ALIASES, canonical
from dlcalc.calc.errors import BadInput, closest, quote
from dlcalc.problems.sizes import PAD_JSON, PAIR_JSON, as_padding, as_pair
from dlcalc.problems.schema import MATRIX_JSON, Field, Kind, as_bool, as_matrix, as_str
from dlcalc.problems.yamlfile import line_of

OPTIONS = {  # the keys each layer type takes besides `type` and `name`
    "conv": ("kernel", "kernels", "bias", "stride", "padding", "dilation", "flip", "activation"),
    "maxpool": ("size", "stride", "padding"),
    "avgpool": ("size", "stride", "padding"),
    "fc": ("weights", "bias", "activation"),
}
REQUIRED = {"conv": ("kernel",), "maxpool": ("size",), "avgpool": ("size",), "fc": ("weights",)}  # conv: or kernels
NONE_NAMES = ("none", "linear", "identity")


def layers(raw: Any) -> list[cnn.CnnLayer]:
    """YAML layers → `cnn.CnnLayer`s; errors name `layers[i].field` and its line."""
    if not isinstance(raw, list) or not raw:
        raise BadInput("expected a non-empty list of layers, e.g. [{type: conv, kernel: ...}, {type: flatten}]", "layers")
    return [_layer(item, i, line_of(raw, i)) for i, item in enumerate(raw)]


def layer_item(item: Any, i: int, line: int) -> tuple[str, dict, cnn.CnnLayer]:
    """One YAML layer checked for its type, its keys and the keys it needs: (type, mapping, a layer
    that only locates errors). `receptive_field` reads a cnn file's layers through this too."""
    if isinstance(item, str):  # `- flatten`, `- relu`
        item = {"type": item}
    if not isinstance(item, dict):
        raise BadInput("expected a mapping like {type: conv, kernel: ...}", f"layers[{i}]", line)
    lines = {k: line_of(item, k) or line for k in item}
    here = cnn.CnnLayer("?", index=i, line=line, lines=lines)
    if "type" not in item:
        raise here.fail("type", f"required field 'type' is missing (one of {', '.join(cnn.LAYER_TYPES)})")
    kind = str(item["type"]).strip().lower()
    if kind not in cnn.LAYER_TYPES:
        raise here.fail("type", f"unknown layer type {quote(item['type'])}{closest(kind, cnn.LAYER_TYPES)}; "
                                f"expected one of {', '.join(cnn.LAYER_TYPES)}")
    valid = ("type", "name") + OPTIONS.get(kind, ())
    for key in item:
        if key not in valid:
            raise here.fail(str(key), f"unknown key {quote(key)} for a {kind} layer{closest(str(key), valid)}"
                                      + (f"; it takes {', '.join(valid[2:])}" if len(valid) > 2 else "; it takes no options"))
    for key in REQUIRED.get(kind, ()):
        if item.get(key) is None and not (key == "kernel" and item.get("kernels") is not None):
            raise here.fail(key, f"required field '{key}' is missing for a {kind} layer")
    if kind == "conv" and "kernel" in item and "kernels" in item:
        raise here.fail("kernels", "give either 'kernel' or 'kernels', not both")
    return kind, item, here


def convert(key: str, raw: Any, kind: str, here: cnn.CnnLayer) -> Any:
    """One layer key's value, errors naming `layers[i].key` and its line."""
    try:
        return _CONVERT[key](raw, kind)
    except BadInput as e:
        raise here.fail(key, e.message) from None


def _layer(item: Any, i: int, line: int) -> cnn.CnnLayer:
    kind, item, here = layer_item(item, i, line)
    values = {key: convert(key, raw, kind, here) for key, raw in item.items() if key != "type" and raw is not None}
    if "kernels" in values:
        values["kernel"] = values.pop("kernels")
    return cnn.CnnLayer(kind, index=i, line=line, lines=here.lines, **values)


def _kernels(raw: Any, kind: str) -> np.ndarray:
    """A list of filters (each kh×kw, or C×kh×kw) → F×C×kh×kw."""
    if not isinstance(raw, list) or not raw:
        raise BadInput("expected a list of filters, each kh×kw or C×kh×kw")
    bank = [as_matrix(None, k) for k in raw]
    for j, k in enumerate(bank):
        if k.ndim not in (2, 3) or k.shape != bank[0].shape:
            raise BadInput(f"kernels[{j}] has shape {cnn.dims(k.shape)}; every filter must be kh×kw or C×kh×kw, "
                           f"all the same shape (kernels[0] is {cnn.dims(bank[0].shape)})")
    k = np.stack(bank)
    return k[:, None] if k.ndim == 3 else k


def _activation(raw: Any, kind: str) -> str:
    allowed = cnn.FC_ACTIVATIONS if kind == "fc" else cnn.CONV_ACTIVATIONS
    return canonical(as_str(None, raw), allowed, "", linear="none",
                     why={"softmax": f"is not allowed in a {kind} layer: softmax belongs after a flatten or fc layer"})


_CONVERT = {
    "kernel": lambda raw, kind: as_matrix(None, raw),
    "kernels": _kernels,
    "weights": lambda raw, kind: as_matrix(None, raw),
    "bias": lambda raw, kind: as_matrix(None, raw),
    "stride": lambda raw, kind: as_pair("stride")(raw),  # the `conv` kind's readers: 2, [2, 1], "2,1", "same"
    "dilation": lambda raw, kind: as_pair("dilation")(raw),
    "size": lambda raw, kind: as_pair("size")(raw),
    "padding": lambda raw, kind: as_padding(raw),
    "flip": lambda raw, kind: as_bool(None, raw),
    "activation": _activation,
    "name": lambda raw, kind: as_str(None, raw),
}

def _names_json(allowed: tuple[str, ...]) -> dict:
    """The names `_activation` reads (any case, aliases), derived as a choice field's are."""
    return Field("activation", "choice", choices=tuple(dict.fromkeys(allowed + NONE_NAMES)),
                 aliases={a: "none" if c == "linear" else c for a, c in ALIASES.items()}).json_schema()


LAYERS_SCHEMA = {
    "type": "array",
    "minItems": 1,
    "items": {"oneOf": [
        {"enum": list(cnn.LAYER_TYPES)},
        {"type": "object", "required": ["type"], "additionalProperties": False, "properties": {
            "type": {"enum": list(cnn.LAYER_TYPES)},
            "name": {"type": "string"},
            "kernel": MATRIX_JSON, "kernels": {"type": "array", "items": MATRIX_JSON},
            "weights": MATRIX_JSON, "bias": MATRIX_JSON,
            "stride": PAIR_JSON, "dilation": PAIR_JSON, "size": PAIR_JSON, "padding": PAD_JSON,
            "flip": Field("flip", "bool").json_schema(),
            "activation": _names_json(cnn.FC_ACTIVATIONS)},
            # softmax belongs after flatten/fc, as the loader says
            "if": {"properties": {"type": {"const": "conv"}}},
            "then": {"properties": {"activation": _names_json(cnn.CONV_ACTIVATIONS)}}},
    ]},
}

KINDS = [
    Kind(
        name="cnn",
        summary="CNN forward pass: conv, pooling, activation, flatten and fc layers, each worked; optional loss",
        fields=[
            Field("input", "matrix", "input image H×W or C×H×W", required=True),
            Field("layers", "any", "the layers in order: conv, maxpool, avgpool, relu, sigmoid, tanh, softmax, "
                  "flatten, fc", required=True, convert=layers, json=LAYERS_SCHEMA, cli=False),
            Field("flip", "bool", "conv layers flip their kernels 180° (true convolution) unless a layer says "
                  "otherwise; false = cross-correlation", default=True),
            Field("target", "matrix", "target for the loss: class index or one-hot (cross_entropy), or values (mse)"),
            Field("loss", "choice", "loss of the output against target", choices=cnn.LOSSES),
            Field("gradients", "bool", "with a target and a loss: ∂L/∂weights and ∂L/∂bias of every layer", default=False),
            Field("full", "bool", "write out every window of every convolution and pooling", default=False),
        ],
        solver=cnn.solve, answer_keys=("output", "layers", "params", "loss", "gradients"), slips=cnn.SLIPS,
        compare={"params": "exact"}, validate=cnn.validate,
        questions={"output": "Compute the network's output.", "params": "Count the network's parameters."},
        practice={"input": {"random": "int", "low": 0, "high": 2, "shape": [5, 5]},
                  "layers": [{"type": "conv", "kernel": {"random": "int", "low": -1, "high": 1, "shape": [2, 2]}},
                             "relu", {"type": "maxpool", "size": 2}]},
        command="cnn", panel="Convolutional networks", rank=23, takes="file",
        file_help="input, layers, optional target and loss",
    ),
]
