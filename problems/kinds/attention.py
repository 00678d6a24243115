"""Scaled dot-product attention as a problem kind."""
from __future__ import annotations

from dlcalc.calc import attention
from dlcalc.problems.schema import Field, Kind

KINDS = [
    Kind(
        name="attention",
        summary="Scaled dot-product attention: Q Kᵀ/√d_k, an optional causal mask, row softmax, weights · V",
        fields=[
            Field("query", "matrix", "Q: a query per row (n×d_k)", required=True, flags=("-Q",)),
            Field("key", "matrix", "K: a key per row (m×d_k)", required=True, flags=("-K",)),
            Field("value", "matrix", "V: a value per row (m×d_v)", required=True, flags=("-V",)),
            Field("mask", "choice", "none, or causal (a query sees itself and the keys before it)", default="none",
                  choices=attention.MASKS),
            Field("scale", "number", "the factor of Q Kᵀ (default 1/√d_k)", positive=True, metavar="S"),
        ],
        solver=attention.attention, answer_keys=("output", "weights", "scores"), slips=attention.SLIPS,
        questions={"output": "Compute the attention output softmax(QKᵀ/√d_k)·V."},
        practice={"query": {"random": "int", "low": -1, "high": 2, "shape": [2, 2]},
                  "key": {"random": "int", "low": -1, "high": 2, "shape": [2, 2]},
                  "value": {"random": "int", "low": 0, "high": 3, "shape": [2, 2]}},
        command="attention", panel="Neurons and training", rank=35,
    ),
]
