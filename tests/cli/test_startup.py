"""Quick commands import only what they use: no sympy, matplotlib or yaml for a loss or a convolution,
and every run builds only its own subcommand. (Speed itself is measured in bench/, not here.)"""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

# numpy.ma is here because np.unique imports it (numpy 2.4), ~15 ms that perceptron paid for one call
HEAVY = ("sympy", "matplotlib", "yaml", "scipy", "pydantic", "numpy.ma", "typer.rich_utils", "numpy")
PROBE = """
import json, sys
from dlcalc.cli.main import main
try:
    main({argv!r})
except SystemExit:
    pass
sys.stdout = sys.__stdout__
print(json.dumps(sorted(m for m in sys.modules if m in {heavy!r} or m.startswith("dlcalc.cli.commands."))))
"""


def imported(*argv: str) -> list[str]:
    """The heavy libraries and the hand-written command modules that running `dlcalc ARGV` imports."""
    out = subprocess.run([sys.executable, "-c", PROBE.format(argv=list(argv), heavy=HEAVY)], capture_output=True, text=True,
                         check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def heavy_modules(*argv: str) -> list[str]:
    return [m for m in imported(*argv) if not m.startswith("dlcalc.")]


@pytest.mark.parametrize("argv", [[], ["--help"], ["-h"]], ids=repr)
def test_the_command_list_needs_neither_numpy_nor_typers_help_renderer(argv):
    # typer.rich_utils loads rich's Markdown and traceback modules: ~130 ms on the most-read screen
    assert heavy_modules(*argv) == []


@pytest.mark.parametrize("argv", [
    ["ce", "--target", "0 1 2", "--pred", "0.6 0.2 0.2; 0.1 0.7 0.2; 0.3 0.3 0.4"],
    ["dice", "--target", "0 1; 1 1", "--pred", "0.1 0.8; 0.7 0.9"],
    ["mse", "--target", "9 6 8", "--pred", "8.5 6.7 7.8"],
    ["conv", "--input", "1 0; 0 1", "--kernel", "1"],
    ["pool", "--input", "1 2; 3 4", "--size", "2"],
    ["neuron", "--weights", "20 20", "--bias", "-30", "--inputs", "1 0"],
    ["activation", "sigmoid", "0"],
    ["perceptron", "--data", "0 0; 0 1; 1 0; 1 1", "--labels", "-1 -1 -1 1"],
], ids=lambda a: a[0])
def test_quick_commands_do_not_import_heavy_libraries(argv):
    assert heavy_modules(*argv, "--format", "plain") == ["numpy"]


def test_the_symbolic_commands_do_import_sympy():
    # the probe itself can see sympy: the check above is not vacuous
    assert "sympy" in heavy_modules("hessian", "w1^2 + w2^2", "--at", "w1=0, w2=0", "--format", "plain")


@pytest.mark.parametrize(("argv", "module"), [
    (["ce", "--target", "0 1", "--pred", "0.4 0.6; 0.5 0.5"], []),  # a generated command: none of them
    (["activation", "relu", "1"], ["dlcalc.cli.commands.activation"]),
    (["grade", "--help"], ["dlcalc.cli.commands.grade"]),
    (["schema", "--help"], ["dlcalc.cli.commands.batch"]),  # a module of four commands
], ids=["ce", "activation", "grade", "schema"])
def test_a_command_imports_only_the_module_that_declares_it(argv, module):
    assert [m for m in imported(*argv) if m.startswith("dlcalc.cli.commands.")] == module
