"""A computational graph, forward and backward, as a problem kind (`dlcalc graph EXPR --at …`)."""
from __future__ import annotations

from dlcalc.calc import graph
from dlcalc.problems.kinds.hessian import POINT_JSON, as_point, expr_field
from dlcalc.problems.schema import Field, Kind

KINDS = [
    Kind(
        name="graph",
        questions={"gradient": "Backpropagate through the graph: give the gradient with respect to every input.",
                   "value": "Compute the value of the expression."},
        practice={"ask": "gradient", "expr": {"random": "choice", "from": ["(x + y) * z", "x*y + y*z", "(x - y)^2 * z"]},
                  "at": {"x": {"random": "int", "low": -3, "high": 3}, "y": {"random": "int", "low": -3, "high": 3},
                         "z": {"random": "int", "low": -3, "high": 3}}},
        command="graph", panel="Neurons and training", rank=36,
        summary="Computational graph: nodes in order, forward values, backward upstream × local gradients",
        fields=[
            expr_field(),
            Field("at", "any", "the value of every variable, e.g. 'x=-2, y=5, z=-4'", required=True, convert=as_point,
                  json=POINT_JSON),
        ],
        solver=graph.graph, answer_keys=("gradient", "value"), slips=graph.SLIPS,  # nodes: a record per node, not typed
    ),
]
