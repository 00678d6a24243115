"""Activation values and derivatives at given points as a problem kind."""
from __future__ import annotations

from dlcalc.calc import activations
from dlcalc.problems.schema import Field, Kind

KINDS = [
    Kind(
        name="activation",
        questions={"values": "Apply the activation to each value.",
                   "derivatives": "Give the activation's derivative at each value."},
        practice={"name": {"random": "choice", "from": ["relu", "sigmoid", "tanh"]},
                  "values": {"random": "uniform", "low": -2, "high": 2, "decimals": 1, "shape": [4]}},
        command="activation", panel="Neurons and training", rank=31,
        summary="Activation function values and derivatives (softmax: stable, with its Jacobian)",
        fields=[
            Field("name", "choice", "the activation function", required=True, choices=activations.NAMES,
                  aliases=activations.ALIASES, convert=activations.activation_name),
            Field("values", "matrix", "the points z (a number, a vector, or rows for softmax)", required=True),
            Field("alpha", "number", "leaky ReLU slope for z ≤ 0 (default 0.01)"),
        ],
        solver=activations.solve_activation, answer_keys=("values", "derivatives", "jacobian"),
        slips=activations.SLIPS,
    ),
]
