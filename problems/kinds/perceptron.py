"""Perceptron training as a problem kind."""
from __future__ import annotations

from dlcalc.calc import perceptron
from dlcalc.problems.schema import Field, Kind

KINDS = [
    Kind(
        name="perceptron",
        summary="Perceptron learning rule, epoch by epoch: w ← w + η(y − ŷ)x, b ← b + η(y − ŷ)",
        fields=[
            Field("data", "matrix", "training samples, one row per sample", required=True, flags=("-d",)),
            Field("labels", "matrix", "one label per sample: −1/+1 (sign) or 0/1 (step)", required=True,
                  flags=("-y",)),
            Field("lr", "number", "learning rate η", default=1.0, positive=True, flags=("--eta",)),
            Field("epochs", "int", "most epochs to run (stops earlier after an error-free epoch)", default=100,
                  positive=True, flags=("-e",)),
            Field("weights", "matrix", "initial weights w₀ (default zeros)", flags=("-w",)),
            Field("bias", "number", "initial bias b₀ (default 0)", flags=("-b",)),
            Field("activation", "choice", "sign (labels ±1), step (labels 0/1) or auto (from the labels)",
                  default="auto", choices=("auto", "sign", "step"), flags=("-a",)),
            Field("detail", "int", "epochs shown sample by sample (the last epoch always is)", default=3, minimum=0),
        ],
        solver=perceptron.perceptron, answer_keys=("weights", "bias", "errors_per_epoch", "converged", "epochs"),
        slips=perceptron.SLIPS, compare={"errors_per_epoch": "exact", "epochs": "exact"},
        questions={"weights": "Train the perceptron: give its final weights.",
                   "converged": "Does the perceptron converge (true or false)?"},
        practice={"data": [[0, 0], [0, 1], [1, 0], [1, 1]],
                  "labels": {"random": "choice", "from": [[-1, -1, -1, 1], [-1, 1, 1, 1], [1, 1, 1, -1]]},
                  "lr": {"random": "choice", "from": [0.5, 1]}, "epochs": 20},
        command="perceptron", panel="Neurons and training", rank=32,
    ),
]
