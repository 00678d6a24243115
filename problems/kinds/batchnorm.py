"""Batch normalisation (training mode, forward and backward) as a problem kind."""
from __future__ import annotations

from dlcalc.calc import batchnorm
from dlcalc.problems.schema import Field, Kind

KINDS = [
    Kind(
        name="batchnorm",
        summary="Batch normalisation in training mode: μ, σ², x̂, y = γx̂ + β, and with ∂L/∂y the backward pass",
        fields=[
            Field("input", "matrix", "the batch X: N×D (a row per sample) or N×C×H×W", required=True, flags=("-i",)),
            Field("gamma", "matrix", "scale γ: one number, or one per feature (default 1)", metavar="G"),
            Field("beta", "matrix", "shift β: one number, or one per feature (default 0)", metavar="B"),
            Field("eps", "number", "ε, added to σ² inside the square root", default=batchnorm.EPS, positive=True),
            Field("grad_output", "matrix", "∂L/∂y, the shape of X: adds ∂L/∂x, ∂L/∂γ and ∂L/∂β", metavar="D"),
        ],
        solver=batchnorm.batchnorm, answer_keys=("output", "normalized", "mean", "var", "grad_input", "grad_gamma",
                                                 "grad_beta"),
        slips=batchnorm.SLIPS,
        questions={"output": "Normalise the batch (per column: mean, variance, x̂ = (x − μ)/√(σ² + ε), then γx̂ + β)."},
        practice={"input": {"random": "int", "low": 0, "high": 6, "shape": [3, 2]}},
        command="batchnorm", panel="Neurons and training", rank=34,
    ),
]
