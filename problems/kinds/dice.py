"""The Dice coefficient and loss as a problem kind."""
from __future__ import annotations

from dlcalc.calc import losses
from dlcalc.problems.schema import Field, Kind

KINDS = [
    Kind(
        name="dice",
        summary="Dice coefficient and loss, sum or squared-sum denominator",
        fields=[
            Field("target", "matrix", "ground-truth mask X", required=True, flags=("-t",)),
            Field("pred", "matrix", "predicted probabilities Y", required=True, flags=("-y",)),
            Field("mode", "choice", "denominator: sum (Σx + Σy) or squared (Σx² + Σy²)", default="sum",
                  choices=("sum", "squared")),
            Field("smooth", "number", "smoothing S added to numerator and denominator", default=0.0, minimum=0),
        ],
        solver=losses.dice, answer_keys=("coefficient", "loss"), slips=losses.DICE_SLIPS,
        questions={"coefficient": "Compute the Dice coefficient.", "loss": "Compute the Dice loss 1 − Dice."},
        practice={"target": {"random": "binary", "shape": [3, 3]},
                  "pred": {"random": "uniform", "low": 0, "high": 1, "decimals": 1, "shape": [3, 3]}},
        command="dice", panel="Losses", rank=11,
    ),
]
