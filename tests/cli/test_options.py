"""Subcommands generated from the kinds' declarations: every field an option, one validation for
options, files and the Python API, and the command index in step with the declarations.

Expected answers are the hand-derived values of tests/problems/test_library.py: the command line must
give each bundled problem's value when its fields are typed as options.
"""
from __future__ import annotations

import importlib
import json

import numpy as np
import pytest

from dlcalc.cli.common import option_of
from dlcalc.cli.main import full_app
from dlcalc.problems import library, registry
from tests.conftest import assert_bad_input, run_cli
from tests.problems.test_library import EXPECTED

COMMAND_KINDS = sorted((k for k in registry.kinds().values() if k.command), key=lambda k: k.command)


def test_the_command_index_is_what_the_declarations_say():
    index = registry.command_index()
    assert sorted(index) == [k.command for k in COMMAND_KINDS]
    for command, entry in index.items():
        declared = importlib.import_module(f"dlcalc.problems.kinds.{entry.module}").KINDS
        (kind,) = [k for k in declared if k.command == command]
        assert (entry.panel, entry.rank, entry.summary) == (kind.panel, kind.rank, kind.summary)
        assert registry.by_command(command) is kind


def test_each_command_modules_commands_read_off_its_text_are_the_ones_it_declares():
    from dlcalc.cli import main

    for name in main._module_names():
        module = importlib.import_module(f"dlcalc.cli.commands.{name}")
        assert main.declared_commands(name) == module.COMMANDS != ()
        built = main.new_app()
        module.register(built)
        assert sorted(c.name for c in built.registered_commands) == sorted(module.COMMANDS)


def test_the_help_listing_matches_the_built_app():
    from dlcalc.cli.main import listing_app

    listed, built = listing_app(), full_app()
    assert [(c.name, c.rich_help_panel) for c in listed.registered_commands] == \
        [(c.name, c.rich_help_panel) for c in built.registered_commands]


@pytest.mark.parametrize("argv", [[], ["--help"], ["-h"]], ids=repr)
def test_the_printed_command_list_has_every_command_under_its_panel(argv, monkeypatch):
    # drawn by cli/listing.py, not typer: check what a user reads, panel by panel, in the built app's order
    monkeypatch.setenv("COLUMNS", "200")  # one line per command, so each row can be read back
    result = run_cli(*argv)
    assert result.code == 0 and result.err == ""
    lines = [line.strip("│ ") for line in result.out.splitlines()]
    assert "Usage: dlcalc [OPTIONS] COMMAND [ARGS]..." in lines
    for option in ("--version", "--install-completion", "--help"):
        assert any(line.startswith(option) for line in lines), option
    seen, panel = [], None
    for line in lines:
        if line.startswith("╭─ "):
            panel = line.removeprefix("╭─ ").split(" ─")[0]
        elif line and panel not in (None, "Options") and not line.startswith("╰"):
            seen.append((line.split()[0], panel, " ".join(line.split()[1:])))
    built = full_app().registered_commands
    assert [(name, panel) for name, panel, _ in seen] == [(c.name, c.rich_help_panel) for c in built]
    summaries = {k.command: k.summary for k in COMMAND_KINDS}
    for name, _, text in seen:
        if name in summaries:
            assert text == summaries[name]


def test_every_kind_with_a_command_is_in_the_help_once_in_its_panel():
    app = full_app()
    names = [c.name for c in app.registered_commands]
    for kind in COMMAND_KINDS:
        assert names.count(kind.command) == 1, kind.command
        (cmd,) = [c for c in app.registered_commands if c.name == kind.command]
        assert cmd.rich_help_panel == kind.panel
    ranks = [next(k.rank for k in COMMAND_KINDS if k.command == n) for n in names if n in registry.command_index()]
    assert ranks == sorted(ranks)  # the order the declarations give (syllabus order)


@pytest.mark.parametrize("kind", COMMAND_KINDS, ids=lambda k: k.command)
def test_every_command_line_field_is_an_option_of_its_command(kind, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")  # typer cuts long option names at 80 columns (`--count-include…`)
    text = " ".join(run_cli(kind.command, "--help").out.replace("│", " ").split())
    for field in kind.fields:
        if field.cli and field.name != "expr" and not (kind.command == "activation" and field.name in ("name", "values")):
            for name in (option_of(field), *field.flags):
                assert name in text, (kind.command, name)


def _as_option_text(value):
    """A YAML value as a user would type it: lists as JSON, points as 'w1=0, w2=1'."""
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    if isinstance(value, list):
        return json.dumps(value)
    return str(value)


def _args(problem) -> list[str]:
    kind, args = problem.kind, [problem.kind.command]
    for name, value in problem.raw.items():
        field = kind.field_named(name)
        if field is None:
            continue  # id, title, ask, points, …
        if field.type == "bool":
            args.append(option_of(field) if value else (field.negative or "--no-" + option_of(field)[2:]))
        else:
            args += [option_of(field), _as_option_text(value)]
    return args


GENERATED = {"ce", "dice", "mse", "conv", "pool", "convsize", "perceptron"}  # commands with no module of their own
OPTION_PROBLEMS = sorted(pid for pid, p in library.problems().items() if p.kind.command in GENERATED)


def test_the_bundled_problems_cover_every_generated_command():
    assert {library.problems()[pid].kind.command for pid in OPTION_PROBLEMS} == GENERATED
    assert all(registry.by_command(c).takes == "options" for c in GENERATED)


@pytest.mark.parametrize("pid", OPTION_PROBLEMS)
def test_a_bundled_problem_typed_as_options_gives_its_hand_derived_value(pid):
    problem = library.problems()[pid]
    r = run_cli(*_args(problem), "--format", "json")
    assert r.code == 0, r.err
    value = r.json()["answer"][problem.ask]
    expected = EXPECTED[pid]
    if isinstance(expected, (str, bool)):
        assert value == expected
    else:
        np.testing.assert_allclose(np.asarray(value, dtype=float), np.asarray(expected, dtype=float), rtol=1e-9)


def _constrained(kind):
    return [f for f in kind.fields if f.cli and f.type in ("number", "int") and (f.positive or f.minimum is not None)]


@pytest.mark.parametrize("pid", [pid for pid in OPTION_PROBLEMS if _constrained(library.problems()[pid].kind)][:6])
def test_a_value_out_of_range_is_refused_naming_its_option(pid):
    problem = library.problems()[pid]
    for field in _constrained(problem.kind):
        bad = "-1" if field.minimum is None or field.minimum >= 0 else str(field.minimum - 1)
        r = run_cli(*_args(problem), option_of(field), bad)
        assert_bad_input(r, option_of(field), "must be")


def test_options_next_to_a_file_are_checked_with_the_files_other_fields(tmp_path):
    # backprop: a 2-sample file and --target with 3 rows is refused naming --target, as in a file
    path = tmp_path / "bp.yaml"
    path.write_text("kind: backprop\ninput: [[0, 1], [1, 0]]\ntarget: [[1], [0]]\n"
                    "layers:\n  - {weights: [[0.5, -0.5]], bias: [0], activation: sigmoid}\n")
    assert run_cli("backprop", str(path), "-q").code == 0
    assert_bad_input(run_cli("backprop", str(path), "--target", "1; 0; 1"), "--target")


def test_a_solution_opens_with_the_problems_own_inputs():
    # dice never showed X or Y: the Given step lists what was typed, not the defaults left alone
    r = run_cli("dice", "-t", "0 1; 1 1", "-y", "0.1 0.8; 0.7 0.9", "--format", "json")
    given = r.json()["steps"][0]
    assert given["title"] == "Given"
    assert [g["label"] for g in given["grids"]] == ["target", "pred"]
    assert given["grids"][1]["values"] == [[0.1, 0.8], [0.7, 0.9]]
    assert "mode" not in given["text"]                                        # the default, not typed
    squared = run_cli("dice", "-t", "0 1; 1 1", "-y", "0.1 0.8; 0.7 0.9", "--mode", "squared", "--format", "json")
    assert "mode = squared" in squared.json()["steps"][0]["text"]


def test_graph_dot_prints_graphviz():
    r = run_cli("graph", "(x + y) * z", "--at", "x=-2, y=5, z=-4", "--dot")
    assert r.code == 0 and r.out.startswith("digraph f {")
    assert 'label="{f | * | value -12 | grad 1}"' in r.out and r.out.count("->") == 4   # x, y → n1; n1, z → f


def test_a_graph_gradient_is_checked_in_variable_order_and_its_slip_named():
    # (x + y)·z: without the upstream factor x and y get the add gate's 1 and z its q = 3
    r = run_cli("check", "graph-cs231n", "--answer", "1 1 3", "--format", "plain")
    assert r.code == 1 and "looks like: local gradients without the upstream factor" in r.out
    assert run_cli("check", "graph-cs231n", "--answer", "-4 -4 3", "--format", "plain").code == 0


def test_every_solving_command_takes_standalone_and_full():
    import typer

    from dlcalc.cli.main import PANELS

    app = typer.main.get_command(full_app())
    solving = [name for name in app.commands if name not in ("check", "examples", "schema", "grade", *PANELS)]
    assert "solve" in solving and "hessian" in solving and "ce" in solving
    for name in solving:
        opts = {o for p in app.commands[name].params for o in p.opts}
        assert {"--standalone", "--full"} <= opts, name
