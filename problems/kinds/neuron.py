"""A neuron, a layer, or a small network (logic gates, XOR) as a problem kind."""
from __future__ import annotations

from typing import Any

from dlcalc.calc import neuron
from dlcalc.calc.activations import ALIASES
from dlcalc.calc.errors import BadInput
from dlcalc.problems.schema import MATRIX_JSON, Field, Kind, as_matrix, check_keys
from dlcalc.problems.yamlfile import line_of

LAYER_KEYS = ("weights", "bias", "activation")


def _activation(raw: Any) -> str:
    return neuron.neuron_activation(raw)


def _out_activation(raw: Any) -> str:
    return neuron.neuron_activation(raw, "out_activation")


def _layers(raw: Any) -> list[dict]:
    """`layers: [{weights, bias, activation}, …]`, errors naming `layers[i].key` and its line."""
    if not isinstance(raw, list) or not raw:
        raise BadInput("expected a non-empty list of layers ({weights, bias, activation})", "layers", line_of(raw, 0))
    out = []
    for i, item in enumerate(raw):
        path = f"layers[{i}]"
        if not isinstance(item, dict):
            raise BadInput("expected a mapping {weights, bias, activation}", path, line_of(raw, i))
        check_keys(item, LAYER_KEYS, "a layer", lambda key, _line, item=item, path=path: f"{path}.{key}")
        if "weights" not in item:
            raise BadInput("required field 'weights' is missing", f"{path}.weights", line_of(raw, i))
        layer: dict[str, Any] = {}
        for key in LAYER_KEYS:
            if item.get(key) is None:
                continue
            try:
                layer[key] = (neuron.neuron_activation(item[key], f"{path}.{key}") if key == "activation"
                              else as_matrix(None, item[key]))
            except BadInput as e:
                raise BadInput(e.message, f"{path}.{key}", line_of(item, key)) from None
        out.append(layer)
    return out


LAYERS_SCHEMA = {
    "type": "array", "minItems": 1,
    "items": {"type": "object", "additionalProperties": False, "required": ["weights"],
              "properties": {"weights": MATRIX_JSON, "bias": MATRIX_JSON,
                             "activation": {"enum": list(neuron.NEURON_ACTIVATIONS)}}},
}

KINDS = [
    Kind(
        name="neuron",
        questions={"net": "Compute the neuron's net input net = Σ wᵢxᵢ + b.",
                   "output": "Compute the neuron's output out = f(net)."},
        practice={"weights": {"random": "uniform", "low": -1, "high": 1, "decimals": 1, "shape": [3]},
                  "bias": {"random": "uniform", "low": -1, "high": 1, "decimals": 1},
                  "inputs": {"random": "uniform", "low": -1, "high": 1, "decimals": 1, "shape": [3]},
                  "activation": {"random": "choice", "from": ["sigmoid", "relu", "tanh"]}},
        command="neuron", panel="Neurons and training", rank=30,
        summary="Neuron / layer / small network forward pass: net = w·x + b, out = g(net); logic-gate truth tables",
        fields=[
            Field("weights", "matrix", "weights w: a vector (one neuron) or one row per unit (a layer)", flags=("-w",)),
            Field("bias", "matrix", "bias b (= w₀ = −θ): a number, or one per unit (default 0)", flags=("-b",)),
            Field("inputs", "matrix", "input x: one row, or one row per example", flags=("-x",)),
            Field("activation", "choice", "activation g of every layer", default="sigmoid",
                  choices=neuron.NEURON_ACTIVATIONS, aliases=ALIASES, convert=_activation, flags=("-a",), metavar="NAME"),
            Field("truth_table", "bool", "enumerate every 0/1 input combination (logic gates)", default=False,
                  flags=("-t",)),
            Field("out_weights", "matrix", "output layer weights (two-layer network): one per hidden unit"),
            Field("out_bias", "matrix", "output layer bias (default 0)"),
            Field("out_activation", "choice", "output layer activation (default: activation)",
                  choices=neuron.NEURON_ACTIVATIONS, aliases=ALIASES, convert=_out_activation, metavar="NAME"),
            Field("layers", "any", "a network: [{weights, bias, activation}, …] instead of weights/out_weights",
                  convert=_layers, json=LAYERS_SCHEMA, cli=False),
        ],
        solver=neuron.neuron, answer_keys=("net", "output", "table", "logical", "hidden"), slips=neuron.SLIPS,
    ),
]
