"""Mean squared error as a problem kind."""
from __future__ import annotations

from dlcalc.calc import losses
from dlcalc.problems.schema import Field, Kind

KINDS = [
    Kind(
        name="mse",
        summary="Mean squared error",
        fields=[
            Field("target", "matrix", "true values y", required=True, flags=("-t",)),
            Field("pred", "matrix", "predicted values ŷ", required=True, flags=("-y",)),
        ],
        solver=losses.mse, answer_keys=("loss",), slips=losses.MSE_SLIPS,
        questions={"loss": "Compute the mean squared error."},
        practice={"target": {"random": "uniform", "low": -2, "high": 2, "decimals": 1, "shape": [4]},
                  "pred": {"random": "uniform", "low": -2, "high": 2, "decimals": 1, "shape": [4]}},
        command="mse", panel="Losses", rank=12,
    ),
]
