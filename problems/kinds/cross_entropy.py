"""Cross-entropy (binary or categorical) as a problem kind."""
from __future__ import annotations

from dlcalc.calc import losses
from dlcalc.problems.schema import Field, Kind

KINDS = [
    Kind(
        name="cross_entropy",
        summary="Cross-entropy: binary (labels + positive-class probabilities) or categorical",
        fields=[
            Field("target", "matrix", "class indices '0 1 2', one-hot rows, or binary labels", required=True, flags=("-t",)),
            Field("pred", "matrix", "probabilities (n×c rows, or a vector of positive-class p), or logits", required=True,
                  flags=("-y",)),
            Field("logits", "bool", "the pred values are logits: apply softmax (sigmoid for binary) first", default=False),
            Field("base", "choice", "logarithm base: e, 2 or 10", default="e", choices=("e", "2", "10")),
            Field("gradient", "bool", "also ∂L/∂pred (∂L/∂logits with --logits) of the mean loss", default=False),
        ],
        solver=losses.cross_entropy, answer_keys=("loss", "per_sample", "gradient"), slips=losses.CROSS_ENTROPY_SLIPS,
        questions={"loss": "Compute the cross-entropy loss L (natural log, mean over the samples, unless stated)."},
        practice={"target": {"random": "labels", "classes": 3, "shape": [2]},
                  "pred": {"random": "probabilities", "shape": [2, 3], "decimals": 1}},
        command="ce", panel="Losses", rank=10,
    ),
]
