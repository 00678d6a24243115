"""`dlcalc neuron`: one neuron, a layer, or a two-layer network (logic gates, XOR), with truth tables."""
from __future__ import annotations

from typing import Annotated, Optional

import typer

from dlcalc.calc.errors import BadInput
from dlcalc.cli.common import run, run_file

COMMANDS = ("neuron",)
WITH_A_FILE = ("inputs", "activation", "truth_table")  # what may be added to a network a file gives
FileArg = Annotated[Optional[str], typer.Argument(
    help="Optional YAML problem file (kind: neuron), e.g. a network given as 'layers'.", show_default=False,
    metavar="FILE")]


def register(app: typer.Typer) -> None:
    import inspect

    from dlcalc.cli.common import option_of
    from dlcalc.cli.options import OUTPUT, parameters, take_output, with_signature
    from dlcalc.problems import registry

    kind = registry.kind("neuron")

    def neuron(file: Optional[str] = None, **values) -> None:
        out = take_output(values)
        if file is None:
            run("neuron", values, out)
            return
        for name, value in values.items():
            if value is not None and name not in WITH_A_FILE:
                raise BadInput(f"the file {file} gives the network; only --inputs, --activation and "
                               "--truth-table can be added to it", option_of(kind.field_named(name)))
        run_file("neuron", file, out, overrides=values)

    file_param = inspect.Parameter("file", inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None, annotation=FileArg)
    params = [file_param] + parameters(kind, "either") + OUTPUT
    app.command("neuron")(with_signature(neuron, params, kind.summary))
