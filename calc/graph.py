"""A computational graph by hand (CS231n's f = (x + y)·z, micrograd): the expression's tree as nodes in
evaluation order, each node's value with the numbers in, then backward from ∂f/∂f = 1: every edge's
upstream gradient times its local gradient, summed where a node feeds several others.

The gates as CS231n names them: add distributes the upstream gradient, multiply swaps the inputs,
max routes it to the larger input, sigmoid multiplies by σ(1 − σ).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from dlcalc.calc.errors import BadInput
from dlcalc.calc.expr import Bin, Call, Expr, Neg, Num, Var, parse
from dlcalc.calc.solution import Slip, Solution, Step, Table, Text, conventions, paren, t, with_wrong

GATE = {"+": "add distributes", "-": "subtract: +1 and −1", "*": "multiply swaps the inputs", "/": "divide",
        "^": "power", "neg": "negate", "max": "max routes to the larger", "min": "min routes to the smaller",
        "sigmoid": "sigmoid: σ(1 − σ)", "exp": "exp: e^a", "log": "log: 1/a", "ln": "ln: 1/a", "sqrt": "√: 1/(2√a)",
        "tanh": "tanh: 1 − tanh²", "sin": "sin: cos a", "cos": "cos: −sin a", "tan": "tan: 1 + tan²", "abs": "|a|: sign a"}
SYMBOL = {"+": "+", "-": "−", "*": "·", "/": "/", "^": "^"}


@dataclass
class Node:
    name: str
    op: str                      # input | const | + - * / ^ | neg | a function's name
    inputs: list[int] = field(default_factory=list)
    value: float = 0.0
    grad: float = 0.0


@dataclass(frozen=True)
class Wrong:
    """Slipped conventions, for diagnosis only."""

    no_sum: bool = False         # a node feeding several others keeps only the last path's gradient
    no_upstream: bool = False    # each edge's local gradient alone, not times the upstream one


RIGHT = Wrong()


def graph(expr: str | Expr, at: dict[str, Any], wrong: Wrong = RIGHT) -> Solution:
    e = parse(expr)
    point = {k: float(v) for k, v in at.items()}
    missing = [n for n in e.names if n != "pi" and n not in point]
    if missing:
        raise BadInput(f"no value for {', '.join(missing)}: give every variable, e.g. {missing[0]}=1", "at")
    nodes = _build(e.tree)
    nodes[-1].name = "f"
    for n in nodes:
        n.value = _forward(n, nodes, point)
    paths = _backward(nodes, wrong)
    sol = Solution("graph", [], {}, title=f"Computational graph of f = {e.text}")
    sol.add(conventions(
        "one node per input, constant and operation, in evaluation order; a sub-expression used twice is one node",
        "backward from ∂f/∂f = 1: each edge carries upstream gradient × local gradient",
        "a node that feeds several others sums the gradients of every path (the multivariate chain rule)"))
    sol.add(Step("The graph", table=Table(["node", "operation", "inputs"],
                                          [[n.name, _op_text(n), ", ".join(nodes[i].name for i in n.inputs) or "—"]
                                           for n in nodes])))
    sol.add(Step("Forward: each node's value", lines=[_forward_line(n, nodes) for n in nodes if n.op not in ("const",)]))
    sol.add(Step("Backward: upstream × local", "∂f/∂input = ∂f/∂node · ∂node/∂input", lines=paths))
    variables = [n for n in nodes if n.op == "input" and n.name != "pi"]
    sol.add(Step("Gradient", lines=[t(f"∂f/∂{n.name} = {{}}", n.grad) for n in variables]))
    sol.answer.update(value=nodes[-1].value, gradient={n.name: n.grad for n in variables},
                      nodes=[{"name": n.name, "op": n.op, "value": n.value, "grad": n.grad} for n in nodes],
                      edges=[[i, j] for j, n in enumerate(nodes) for i in n.inputs])
    return sol


def _build(tree: Any) -> list[Node]:
    """Post-order: inputs before the operations that use them; equal sub-trees become one node."""
    nodes: list[Node] = []
    seen: dict[str, int] = {}

    def visit(node: Any) -> int:
        key = _key(node)
        if key in seen:
            return seen[key]
        if isinstance(node, Num):
            new = Node(node.text, "const")
        elif isinstance(node, Var):
            new = Node(node.name, "input")
        elif isinstance(node, Neg):
            new = Node("", "neg", [visit(node.arg)])
        elif isinstance(node, Bin):
            new = Node("", node.op, [visit(node.left), visit(node.right)])
        elif isinstance(node, Call):
            new = Node("", node.name if node.name != "ln" else "log", [visit(a) for a in node.args])
        else:  # pragma: no cover - the parser makes no other nodes
            raise BadInput("unsupported expression node", "expr")
        if not new.name:
            new.name = f"n{sum(n.op not in ('input', 'const') for n in nodes) + 1}"
        nodes.append(new)
        seen[key] = len(nodes) - 1
        return seen[key]

    visit(tree)
    return nodes


def _key(node: Any) -> str:
    if isinstance(node, Num):
        return f"#{float(node.text)!r}"
    if isinstance(node, Var):
        return node.name
    if isinstance(node, Neg):
        return f"neg({_key(node.arg)})"
    if isinstance(node, Bin):
        return f"({_key(node.left)}{node.op}{_key(node.right)})"
    return f"{node.name}({','.join(_key(a) for a in node.args)})"


def _forward(n: Node, nodes: list[Node], point: dict[str, float]) -> float:
    if n.op == "const":
        return float(n.name)
    if n.op == "input":
        return math.pi if n.name == "pi" else point[n.name]
    a = [nodes[i].value for i in n.inputs]
    try:
        return _apply(n.op, a)
    except (ValueError, ZeroDivisionError, OverflowError) as err:
        raise BadInput(f"{n.name} = {_op_text(n)} of {', '.join(f'{v:g}' for v in a)} is undefined ({err})", "at") from None


def _apply(op: str, a: list[float]) -> float:
    x = a[0]
    table = {"+": lambda: x + a[1], "-": lambda: x - a[1], "*": lambda: x * a[1], "/": lambda: x / a[1],
             "^": lambda: x ** a[1], "neg": lambda: -x, "exp": lambda: math.exp(x), "log": lambda: math.log(x),
             "sqrt": lambda: math.sqrt(x), "sin": lambda: math.sin(x), "cos": lambda: math.cos(x),
             "tan": lambda: math.tan(x), "tanh": lambda: math.tanh(x), "abs": lambda: abs(x),
             "sigmoid": lambda: 1 / (1 + math.exp(-x)), "max": lambda: max(a), "min": lambda: min(a)}
    return float(table[op]())


def _local(n: Node, nodes: list[Node]) -> list[float]:
    """∂node/∂input for each input, at the forward values."""
    a = [nodes[i].value for i in n.inputs]
    x, v = a[0], n.value
    if n.op == "+":
        return [1.0, 1.0]
    if n.op == "-":
        return [1.0, -1.0]
    if n.op == "*":
        return [a[1], a[0]]
    if n.op == "/":
        return [1 / a[1], -a[0] / a[1] ** 2]
    if n.op == "^":
        return [a[1] * x ** (a[1] - 1), v * math.log(x) if x > 0 else 0.0]
    if n.op in ("max", "min"):
        pick = a.index(v)
        return [1.0 if i == pick else 0.0 for i in range(len(a))]
    return [{"neg": -1.0, "exp": v, "log": 1 / x if x else math.inf, "sqrt": 0.5 / v if v else math.inf,
             "sin": math.cos(x), "cos": -math.sin(x), "tan": 1 + v * v, "tanh": 1 - v * v,
             "abs": math.copysign(1.0, x) if x else 0.0, "sigmoid": v * (1 - v)}[n.op]]


def _backward(nodes: list[Node], wrong: Wrong) -> list[Text]:
    nodes[-1].grad = 1.0
    lines = [t("∂f/∂f = 1")]
    feeds: dict[int, list[float]] = {}
    for idx in range(len(nodes) - 1, -1, -1):
        n = nodes[idx]
        if idx != len(nodes) - 1:
            parts = feeds.get(idx, [])
            n.grad = (parts[-1] if parts else 0.0) if wrong.no_sum else sum(parts)
            if len(parts) > 1:
                lines.append(t(f"∂f/∂{n.name} = {' + '.join('{}' for _ in parts)} = {{}}  (summed over {len(parts)} paths)",
                               *parts, n.grad))
        if n.op in ("input", "const"):
            continue
        for i, local in zip(n.inputs, _local(n, nodes)):
            down = local if wrong.no_upstream else n.grad * local
            feeds.setdefault(i, []).append(down)
            if nodes[i].op != "const":
                lines.append(t(f"∂f/∂{nodes[i].name} ← ∂f/∂{n.name}·∂{n.name}/∂{nodes[i].name} = {{}}·{paren(local)} = {{}}"
                               f"  ({GATE.get(n.op, n.op)})", n.grad, local, down))
    return lines


def _op_text(n: Node) -> str:
    if n.op in ("input", "const"):
        return n.op
    return {"neg": "negate"}.get(n.op, SYMBOL.get(n.op, n.op))


def _forward_line(n: Node, nodes: list[Node]) -> Text:
    if n.op == "input":
        return t(f"{n.name} = {{}}", n.value)
    ins = [nodes[i] for i in n.inputs]
    if n.op in SYMBOL:
        a, b = ins
        return t(f"{n.name} = {a.name} {SYMBOL[n.op]} {b.name} = {{}} {SYMBOL[n.op]} {paren(b.value)} = {{}}",
                 a.value, b.value, n.value)
    if n.op == "neg":
        return t(f"{n.name} = −{ins[0].name} = −{paren(ins[0].value)} = {{}}", ins[0].value, n.value)
    args = ", ".join(i.name for i in ins)
    return t(f"{n.name} = {n.op}({args}) = {n.op}({', '.join('{}' for _ in ins)}) = {{}}", *[i.value for i in ins], n.value)


SLIPS = [
    Slip("forgot to sum the gradients over the paths", lambda p: with_wrong(p, RIGHT, no_sum=True)),
    Slip("local gradients without the upstream factor", lambda p: with_wrong(p, RIGHT, no_upstream=True)),
]
