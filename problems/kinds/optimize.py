"""The `optimize` kind: optimiser traces (gd, momentum, Adagrad, RMSProp, Adam) on a loss expression."""
from __future__ import annotations

from dlcalc.calc import optimize
from dlcalc.problems.kinds.hessian import POINT_JSON, as_point, check_at, expr_field
from dlcalc.problems.schema import Field, Kind

KINDS = [
    Kind(
        name="optimize",
        symbolic=True,
        questions={"final": "Give the point after the steps."},
        practice={"expr": {"random": "choice", "from": ["w1^2 + 2*w2^2", "(w1 - 1)^2 + w2^2", "w1^2 + w1*w2 + w2^2"]},
                  "at": {"w1": {"random": "int", "low": -2, "high": 2}, "w2": {"random": "int", "low": -2, "high": 2}},
                  "method": {"random": "choice", "from": ["gd", "momentum"]},
                  "lr": {"random": "choice", "from": [0.1, 0.2, 0.5]}, "steps": 2},
        command="optimize", panel="Optimisation", rank=41,
        summary="Optimiser trace on a loss expression: gd, momentum, adagrad, rmsprop or adam, every iteration",
        fields=[
            expr_field(),
            Field("at", "any", "the start point θ₀, e.g. 'w1=1, w2=-1' or {w1: 1, w2: -1}", required=True,
                  convert=as_point, json=POINT_JSON),
            Field("method", "choice", "the optimiser: gd, momentum, adagrad, rmsprop or adam", default="gd",
                  choices=optimize.METHODS, flags=("-m",), metavar="METHOD"),
            Field("lr", "number", "learning rate η", required=True, positive=True),
            Field("steps", "int", f"number of updates (1 to {optimize.MAX_STEPS})", default=1, minimum=1,
                  flags=("-n",)),
            Field("momentum", "number", "momentum λ: m ← λm − ηg, θ ← θ + m", minimum=0,
                  default_shown=optimize.DEFAULTS["momentum"]),
            Field("alpha", "number", "RMSProp's α: σₜ = √(ασₜ₋₁² + (1−α)gₜ²)", minimum=0,
                  default_shown=optimize.DEFAULTS["alpha"]),
            Field("beta1", "number", "Adam's β1", minimum=0,
                  default_shown=optimize.DEFAULTS["beta1"]),
            Field("beta2", "number", "Adam's β2", minimum=0,
                  default_shown=optimize.DEFAULTS["beta2"]),
            Field("eps", "number", "ε, only in PyTorch's forms (Adam 1e-8; adagrad_sum 1e-10; rmsprop_torch 1e-8)",
                  minimum=0),
            Field("adagrad_sum", "bool", "Adagrad with PyTorch's √(Σg²) + ε instead of the course's root mean square",
                  default=False),
            Field("rmsprop_torch", "bool", "RMSProp as PyTorch's (v from 0, σ = √v + ε) instead of the course's "
                  "σ₀ = |g₀|", default=False),
        ],
        solver=optimize.optimize,
        answer_keys=("final", "final_loss", "trajectory", "losses"),
        slips=optimize.SLIPS,
        validate=check_at,
    ),
]
