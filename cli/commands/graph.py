"""`dlcalc graph EXPR --at "x=-2, y=5, z=-4" [--dot]`: forward and backward through the expression's graph."""
from __future__ import annotations

import sys
from typing import Annotated, Optional

import typer

from dlcalc.calc.errors import BadInput
from dlcalc.cli.common import run, run_file
from dlcalc.cli.expression import expr_parameters, expression, is_file, rename_expr

COMMANDS = ("graph",)


def register(app: typer.Typer) -> None:
    import inspect

    from dlcalc.cli.options import OUTPUT, parameters, take_output, with_signature
    from dlcalc.problems import registry

    kind = registry.kind("graph")

    def graph(expr: Optional[str] = None, expr_option: Optional[str] = None, dot: bool = False, **values) -> None:
        out = take_output(values)
        text, source = expression(expr, expr_option)
        try:
            if source == "EXPR" and is_file(text):
                sol, _ = run_file("graph", text, out, overrides=values, quiet=dot)
            else:
                sol, _ = run("graph", {"expr": text, **values}, out, quiet=dot)
        except BadInput as e:
            raise rename_expr(e, source) from None
        if dot:
            sys.stdout.write(to_dot(sol.answer["nodes"], sol.answer.get("edges", [])))

    dot = inspect.Parameter("dot", inspect.Parameter.KEYWORD_ONLY, default=False, annotation=Annotated[
        bool, typer.Option("--dot", help="Print the graph in Graphviz DOT (values and gradients on the nodes) instead.")])
    params = expr_parameters() + parameters(kind, "either", only=("at",)) + [dot] + OUTPUT
    app.command("graph")(with_signature(graph, params, kind.summary))


def to_dot(nodes: list[dict], edges: list) -> str:
    """digraph: a box per node (name, operation, value, gradient), an arrow from each input to its user."""
    from dlcalc.cli.render.numbers import number

    lines = ["digraph f {", "  rankdir=LR;", "  node [shape=record];"]
    for i, n in enumerate(nodes):
        label = f"{n['name']} | {n['op']} | value {number(n['value'])} | grad {number(n['grad'])}"
        lines.append(f'  n{i} [label="{{{label.replace(chr(34), "")}}}"];')
    for a, b in edges:
        lines.append(f"  n{a} -> n{b};")
    return "\n".join(lines + ["}"]) + "\n"
