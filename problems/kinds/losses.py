"""Cross-entropy, Dice and MSE as problem kinds."""
from __future__ import annotations

from calc import losses
from problems.schema import Field, Kind

KINDS = [
    Kind(
        name="cross_entropy", command="ce",
        summary="Cross-entropy: binary (labels + positive-class probabilities) or categorical",
        fields=[
            Field("target", "matrix", "class indices, one-hot rows, or binary labels", required=True),
            Field("pred", "matrix", "probabilities (n×c rows, or a vector of positive-class p), or logits", required=True),
            Field("logits", "bool", "pred holds logits: apply softmax (sigmoid for binary) first", default=False),
            Field("base", "choice", "logarithm base", default="e", choices=("e", "2", "10")),
        ],
        solver=losses.cross_entropy, answer_keys=("loss", "per_sample"), slips=losses.CROSS_ENTROPY_SLIPS,
    ),
    Kind(
        name="dice", command="dice",
        summary="Dice coefficient and loss, sum or squared-sum denominator",
        fields=[
            Field("target", "matrix", "ground-truth mask X", required=True),
            Field("pred", "matrix", "predicted probabilities Y", required=True),
            Field("mode", "choice", "denominator: sum (Σx + Σy) or squared (Σx² + Σy²)", default="sum",
                  choices=("sum", "squared")),
            Field("smooth", "number", "smoothing S added to numerator and denominator", default=0.0, minimum=0),
        ],
        solver=losses.dice, answer_keys=("coefficient", "loss"), slips=losses.DICE_SLIPS,
    ),
    Kind(
        name="mse", command="mse",
        summary="Mean squared error",
        fields=[
            Field("target", "matrix", "true values y", required=True),
            Field("pred", "matrix", "predicted values ŷ", required=True),
        ],
        solver=losses.mse, answer_keys=("loss",), slips=losses.MSE_SLIPS,
    ),
]
