"""Receptive field of stacked convolution and pooling layers, rows and columns separately:

    r₀ = 1, j₀ = 1;   per layer r ← r + (k − 1)·d·j, then j ← j·s

r is how many input pixels one output cell sees, j how far apart (in input pixels) two neighbouring
cells of the layer's output are. Padding shifts the windows but does not widen them: it changes only
the output size H' = ⌊(H + P_total − d(k − 1) − 1)/s⌋ + 1.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dlcalc.calc.maps import size_step
from dlcalc.calc.sizes import output_size, resolve_padding
from dlcalc.calc.calculus import subscript as sub
from dlcalc.calc.errors import BadInput
from dlcalc.calc.solution import Slip, Solution, Step, Table, Text, conventions, t, with_wrong

Pair = tuple[int, int]


@dataclass(frozen=True)
class Window:
    """A layer as the walk sees it. `size` is the kernel or pooling window; an element-wise layer
    (relu, …) has size 1 and stride 1; `ends` (flatten, fc) stops the walk. `read_as` says how the
    file's kernel was read, for the Conventions step."""

    type: str
    size: Pair = (1, 1)
    stride: Pair = (1, 1)
    dilation: Pair = (1, 1)
    padding: Any = 0            # an int, (top, bottom, left, right) or 'same'
    ends: bool = False
    read_as: str = ""


@dataclass(frozen=True)
class Wrong:
    """Slipped conventions, for diagnosis only."""

    add_k: bool = False         # r ← r + k, not r + (k − 1)·d·j
    no_dilation: bool = False   # d taken as 1
    no_jump: bool = False       # j left out: r ← r + (k − 1)·d


RIGHT = Wrong()


def receptive_field(layers: list[Window], input_shape: tuple[int, ...] | None = None, wrong: Wrong = RIGHT) -> Solution:
    """Walk the layers from the input, one step per layer, then a table of k, s, d, r, j per layer."""
    if not layers:
        raise BadInput("expected at least one layer", "layers")
    walked = layers[:next((i for i, w in enumerate(layers) if w.ends), len(layers))]
    if not walked:
        raise BadInput(f"the first layer is {layers[0].type}: there is no convolution or pooling to walk", "layers")
    hw = tuple(input_shape[-2:]) if input_shape is not None else None
    sol = Solution("receptive_field", [], {}, title="Receptive field")
    sol.add(conventions(*_conventions(layers, walked, hw is not None)))
    r, j, rows = (1, 1), (1, 1), []
    for i, w in enumerate(walked, start=1):
        step, r, j, hw = _layer_step(i, w, r, j, hw, wrong)
        sol.add(step)
        rows.append({"receptive_field": list(r), "jump": list(j), **({"output_shape": list(hw)} if hw else {})})
    sol.add(_summary(walked, rows))
    if input_shape is not None and (r[0] > input_shape[-2] or r[1] > input_shape[-1]):
        sol.warnings.append(f"the receptive field {_dims(r)} is larger than the input {_dims(input_shape[-2:])}: "
                            "its outer part falls on padding")
    sol.answer.update(receptive_field=list(r), jump=list(j), layers=rows)
    if hw is not None:
        sol.answer["output_shape"] = list(hw)
    return sol


def _conventions(layers: list[Window], walked: list[Window], sized: bool) -> list[str]:
    items = ["r₀ = 1 and j₀ = 1: one input pixel, neighbours one pixel apart",
             "per layer, with the r and j of the layer before: r ← r + (k − 1)·d·j, then j ← j·s "
             "(rows and columns separately)",
             "padding shifts the windows but does not widen them: it changes only the output size"]
    read: dict[str, list[str]] = {}
    for i, w in enumerate(walked, start=1):
        if w.read_as:
            read.setdefault(w.read_as, []).append(str(i))
    if read:
        items.append("a kernel given as a number or a pair is its size, not a matrix (rows are written [[1, 0], [0, 1]]): "
                     + "; ".join(f"{how} (layer{'s' * (len(at) > 1)} {', '.join(at)})" for how, at in read.items()))
    if any(w.type.endswith("pool") for w in walked):
        items.append("a pooling window is a kernel of its size (dilation 1); its stride defaults to its size")
    if len(walked) < len(layers):
        items.append(f"layer {len(walked) + 1} ({layers[len(walked)].type}) ends the walk: "
                     "each of its units sees the whole input")
    if sized:
        items.append("output shapes are H×W (channels do not change the receptive field)")
    return items


def _layer_step(i: int, w: Window, r: Pair, j: Pair, hw: tuple | None, wrong: Wrong) -> tuple[Step, Pair, Pair, Any]:
    d = (1, 1) if wrong.no_dilation else w.dilation
    grow = [w.size[a] if wrong.add_k else (w.size[a] - 1) * d[a] * (1 if wrong.no_jump else j[a]) for a in (0, 1)]
    new_r = (r[0] + grow[0], r[1] + grow[1])
    new_j = (j[0] * w.stride[0], j[1] * w.stride[1])
    if w.size == (1, 1) and w.stride == (1, 1) and w.type != "conv" and not w.type.endswith("pool"):
        lines = [t(f"r{sub(i)} = r{sub(i - 1)} = {{}},  j{sub(i)} = j{sub(i - 1)} = {{}}", _pair(r), _pair(j))]
        return Step(f"Layer {i}: {_describe(w)}", lines=lines), r, j, hw
    lines = _axis_lines(i, w, r, j, new_r, new_j, d, wrong)
    if hw is not None:
        pad = resolve_padding(w.padding, hw, w.size, w.stride, w.dilation)
        out = tuple(output_size(hw[a], w.size[a], w.stride[a], pad[2 * a] + pad[2 * a + 1], w.dilation[a],
                                     "size" if w.type.endswith("pool") else "kernel", ("rows", "columns")[a])
                    for a in (0, 1))
        lines += size_step("", hw, w.size, w.stride, pad, w.dilation, out, dilated=w.type == "conv").lines
        hw = out
    return Step(f"Layer {i}: {_describe(w)}", lines=lines), new_r, new_j, hw


def _axis_lines(i: int, w: Window, r: Pair, j: Pair, new_r: Pair, new_j: Pair, d: Pair, wrong: Wrong) -> list[Text]:
    """`r₁ = r₀ + (k − 1)·d·j₀ = 1 + (3 − 1)·1·1 = 3` and `j₁ = j₀·s = 1·1 = 1`, once when rows and columns agree."""
    square = r[0] == r[1] and j[0] == j[1] and w.size[0] == w.size[1] and w.stride[0] == w.stride[1] and d[0] == d[1]
    lines = []
    for a, axis in enumerate(("", "") if square else ("rows: ", "columns: ")):
        if square and a == 1:
            break
        rl, rp, jl, jp = f"r{sub(i)}", f"r{sub(i - 1)}", f"j{sub(i)}", f"j{sub(i - 1)}"
        if wrong.add_k:
            lines.append(t(f"{axis}{rl} = {rp} + k = {{}} + {{}} = {{}}", r[a], w.size[a], new_r[a]))
        elif wrong.no_jump:
            lines.append(t(f"{axis}{rl} = {rp} + (k − 1)·d = {{}} + ({{}} − 1)·{{}} = {{}}", r[a], w.size[a], d[a], new_r[a]))
        else:
            lines.append(t(f"{axis}{rl} = {rp} + (k − 1)·d·{jp} = {{}} + ({{}} − 1)·{{}}·{{}} = {{}}",
                           r[a], w.size[a], d[a], j[a], new_r[a]))
        lines.append(t(f"{axis}{jl} = {jp}·s = {{}}·{{}} = {{}}", j[a], w.stride[a], new_j[a]))
    return lines


def _describe(w: Window) -> str:
    if w.size == (1, 1) and w.stride == (1, 1) and w.type not in ("conv",) and not w.type.endswith("pool"):
        return f"{w.type} (element-wise: k = 1, s = 1)"
    parts = [f"{w.type} {_dims(w.size)}", f"stride {_pair(w.stride)}"]
    if w.dilation != (1, 1):
        parts.append(f"dilation {_pair(w.dilation)}")
    return ", ".join(parts)


def _summary(walked: list[Window], rows: list[dict]) -> Step:
    headers = ["layer", "k", "s", "d", "r", "j"] + (["output"] if "output_shape" in rows[0] else [])
    table = [[f"{i} {w.type}", _pair(w.size), _pair(w.stride), _pair(w.dilation), _pair(row["receptive_field"]),
              _pair(row["jump"])] + ([_dims(row["output_shape"])] if "output_shape" in row else [])
             for i, (w, row) in enumerate(zip(walked, rows), start=1)]
    return Step("Summary", table=Table(headers, table))


def _pair(p) -> str:
    return str(p[0]) if p[0] == p[1] else f"{p[0]},{p[1]}"


def _dims(p) -> str:
    return "×".join(str(v) for v in p)


SLIPS = [
    Slip("added k instead of (k − 1)·d·j", lambda p: with_wrong(p, RIGHT, add_k=True)),
    Slip("left out the jump j (the product of the earlier strides)",
         lambda p: with_wrong(p, RIGHT, no_jump=True) if any(w.stride != (1, 1) for w in p["layers"]) else None),
    Slip("forgot the dilation",
         lambda p: with_wrong(p, RIGHT, no_dilation=True) if any(w.dilation != (1, 1) for w in p["layers"]) else None),
]
