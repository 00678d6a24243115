"""Backpropagation on a small fully connected network as a problem kind."""
from __future__ import annotations

from typing import Any

from dlcalc.calc import backprop
from dlcalc.calc.errors import BadInput, closest, quote
from dlcalc.problems.schema import MATRIX_JSON, Field, Kind, as_matrix
from dlcalc.problems.yamlfile import line_of

LAYER_KEYS = ("weights", "bias", "activation")


def layers(raw: Any) -> list[dict]:
    """`layers:` → [{weights, bias, activation}] with arrays; errors name `layers[i].field` and its YAML line."""
    if not isinstance(raw, list) or not raw:
        raise BadInput("expected a non-empty list of layers, each {weights, bias, activation}", "layers", line_of(raw, 0))
    out = []
    for i, item in enumerate(raw):
        path, line = f"layers[{i}]", line_of(raw, i)
        if not isinstance(item, dict):
            raise BadInput("expected a mapping {weights, bias, activation}", path, line)
        for key in item:
            if key not in LAYER_KEYS:
                raise BadInput(f"unknown key {quote(key)} for a layer{closest(str(key), LAYER_KEYS)}; "
                               f"a layer has {', '.join(LAYER_KEYS)}", f"{path}.{quote(key)[1:-1]}", line_of(item, key) or line)
        if item.get("weights") is None:
            raise BadInput("required field 'weights' is missing", f"{path}.weights", line)
        layer = {"weights": _matrix(item, "weights", path, line)}
        layer["bias"] = None if item.get("bias") is None else _matrix(item, "bias", path, line)
        try:
            layer["activation"] = backprop.activation_name(item.get("activation") or "sigmoid", f"{path}.activation")
        except BadInput as e:
            raise BadInput(e.message, e.where, line_of(item, "activation") or line) from None
        out.append(layer)
    return out


def _matrix(item: dict, key: str, path: str, line: int):
    try:
        return as_matrix(None, item[key])
    except BadInput as e:
        raise BadInput(e.message, f"{path}.{key}", line_of(item, key) or line) from None


def _validate(p: dict) -> None:
    """Cross-field checks at load time (shapes chain, input/target sizes, loss vs output layer)."""
    backprop.build(p["input"], p["target"], p["layers"], p["layout"], p["loss"])


LAYERS_SCHEMA = {
    "type": "array", "minItems": 1,
    "items": {
        "type": "object", "additionalProperties": False, "required": ["weights"],
        "properties": {
            "weights": {**MATRIX_JSON,
                        "description": "out×in (layout out_in) or in×out (in_out); a vector is one unit's weights"},
            "bias": {**MATRIX_JSON, "description": "one bias per unit, or one number for every unit (default 0)"},
            "activation": {"enum": list(backprop.ACTIVATION_NAMES) + ["none", "identity"],
                           "description": "default sigmoid; softmax only in the last layer, with loss cross_entropy"},
        },
    },
}

KINDS = [
    Kind(
        name="backprop",
        summary="Backpropagation: forward pass, δ terms, gradients and gradient-descent updates of a small network",
        fields=[
            Field("input", "matrix", "one sample (a vector), or one row per sample", required=True),
            Field("target", "matrix", "targets: a vector for one sample, or one row per sample", required=True),
            Field("layout", "choice", "out_in: weights[j][i] from input i to unit j (default); in_out: transposed",
                  default="out_in", choices=backprop.LAYOUTS),
            Field("layers", "any", "the layers, input to output: {weights, bias, activation}", required=True,
                  convert=layers, json=LAYERS_SCHEMA, cli=False),
            Field("loss", "choice", "half_sse = ½Σ(out − t)², sse, mse, cross_entropy (softmax outputs), bce (sigmoid outputs)",
                  default="half_sse", choices=backprop.LOSSES),
            Field("learning_rate", "number", "η in w ← w − η·∂L/∂w", default=0.5, positive=True,
                  option="--lr", flags=("--learning-rate",)),
            Field("update_bias", "bool", "update the biases too (false keeps them fixed, as some worked examples do)",
                  default=True, negative="--fixed-bias"),
            Field("steps", "int", "gradient-descent steps (epochs over the samples with SGD)", default=1, minimum=1),
            Field("batch", "bool", "several samples: one update per step with the mean gradient (false: SGD, one update "
                  "per sample in order)", default=False, negative="--sgd"),
            Field("weight_names", "choice", "auto (w1, w2, … for up to 20 weights, else w(l)_ji), numbered or indexed",
                  default="auto", choices=backprop.NAMINGS, option="--names"),
            Field("detail", "int", "updates worked out in full; later ones are summed up in a loss table", default=3,
                  minimum=1),
            Field("check", "bool", "compare every gradient with a central-difference numerical gradient", default=False),
        ],
        solver=backprop.backprop,
        answer_keys=("loss", "layers", "loss_after", "weights", "biases", "gradient", "bias_gradient", "outputs",
                     "deltas", "losses"),
        slips=backprop.SLIPS,
        validate=_validate,
        questions={"loss": "Compute the loss of the forward pass.", "weights": "Give the weights after the update."},
        practice={"input": {"random": "uniform", "low": 0, "high": 1, "decimals": 1, "shape": [2]},
                  "target": {"random": "uniform", "low": 0, "high": 1, "decimals": 1, "shape": [2]},
                  "layers": [{"weights": {"random": "uniform", "low": -1, "high": 1, "decimals": 1, "shape": [2, 2]},
                              "bias": {"random": "uniform", "low": -1, "high": 1, "decimals": 1, "shape": [2]}},
                             {"weights": {"random": "uniform", "low": -1, "high": 1, "decimals": 1, "shape": [2, 2]},
                              "bias": {"random": "uniform", "low": -1, "high": 1, "decimals": 1, "shape": [2]}}]},
        command="backprop", panel="Neurons and training", rank=33, takes="file",
        file_help="input, target, layers, loss, learning_rate, …",
    ),
]
