"""What every run of the command guarantees: one stderr line instead of a traceback."""
from __future__ import annotations

import re

import numpy as np

import pytest

from dlcalc.problems import registry
from tests.conftest import run_cli


def broken(*args, **kwargs):
    raise ZeroDivisionError("simulated bug")


def test_a_bug_is_one_line_and_exit_3(dlcalc, monkeypatch):
    monkeypatch.setattr(registry.kind("mse"), "solver", broken)
    r = dlcalc("mse", "--target", "1 2", "--pred", "1 2")
    assert r.code == 3
    lines = r.err.strip().splitlines()
    assert len(lines) == 1 and "internal error (ZeroDivisionError: simulated bug)" in lines[0]
    assert "Traceback" not in r.err


def test_debug_shows_the_traceback(dlcalc, monkeypatch):
    monkeypatch.setattr(registry.kind("mse"), "solver", broken)
    monkeypatch.setenv("DLCALC_DEBUG", "1")
    with pytest.raises(ZeroDivisionError):
        dlcalc("mse", "--target", "1 2", "--pred", "1 2")


def test_version(dlcalc):
    r = dlcalc("--version")
    assert r.code == 0 and r.out.startswith("dlcalc ")


def test_dash_p_is_not_an_option_and_says_what_is_meant():
    # -p 1 used to set the precision where -P 1 (padding) was meant: now refused, naming both
    r = run_cli("conv", "-i", "1 2; 3 4", "-k", "1", "-p", "1")
    assert r.code == 2 and r.out == ""
    assert "No such option: -p; the padding is -P (--padding), the decimals shown --precision" in r.err


def test_the_progress_bar_never_takes_stdout(monkeypatch, capsys):
    # rich's Progress redirects stdout by default: `solve -f json > file` on a terminal got an empty file
    import sys

    import rich.console

    from dlcalc.cli.commands import batch

    monkeypatch.setattr(rich.console.Console, "is_terminal", property(lambda self: True))  # as on a terminal
    for _ in batch._progress(iter(range(3)), 3, show=True):
        sys.stdout.write("line\n")
    assert capsys.readouterr().out == "line\nline\nline\n"


def test_an_unquoted_matrix_says_to_quote_it():
    r = run_cli("ce", "-t", "0", "1", "2", "-y", "0.6 0.2 0.2; 0.1 0.7 0.2; 0.3 0.3 0.4")
    assert r.code == 2 and "Got unexpected extra argument(s) (1 2); a matrix with spaces is one argument: quote it" in r.err


def test_options_after_double_dash_say_to_put_them_before():
    # after `--` every word is an argument, so `--at` there is an extra argument, not an unquoted matrix
    r = run_cli("hessian", "--", "-w1^2 - w2^2", "--at", "w1=0, w2=0")
    assert r.code == 2 and "everything after -- is an argument: put the options before --" in r.err
    assert "quote it" not in r.err and len(r.err.strip().splitlines()) == 1
    r = run_cli("hessian", "--at", "w1=0, w2=0", "-q", "--", "-w1^2 - w2^2")  # the form the README gives
    assert r.code == 0 and "classification = local_max" in r.out


def test_a_file_name_without_at_suggests_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "image.csv").write_text("1 2\n3 4\n")
    r = run_cli("conv", "-i", "image.csv", "-k", "1")
    assert r.code == 2 and r.err.strip() == "dlcalc: error: --input: 'image.csv' is a file: to read it write @image.csv"


def test_a_wide_matrix_is_elided_to_fit_the_terminal_never_wrapped():
    # a 16×16 output at 80 columns: its brackets wrapped; now the middle columns give way to ⋯
    import numpy as np
    from rich.console import Console

    from dlcalc.calc.conv import conv
    from dlcalc.cli.render import richview
    from dlcalc.cli.render.numbers import formatter

    console = Console(width=80, record=True, force_terminal=False)
    sol = conv(np.arange(256.0).reshape(16, 16), np.array([[1.0]]))
    richview.render(sol, formatter(4), False, console)
    text = console.export_text()
    lines = text.splitlines()
    assert all(len(line) <= 80 for line in lines)
    grid = [line for line in lines if "⋯" in line]
    assert grid and all(line.count("⎤") + line.count("⎥") + line.count("⎦") == 1 for line in grid if "⎡" not in line)
    assert "255⎦" in text.replace(" ", "")                           # the last column is still drawn
    assert richview._kept_columns([3] * 16, 1000) == list(range(16))  # room enough: every column


def _grid_blocks(text: str) -> list[list[list[float]]]:
    """The bracketed blocks of a drawn grid, as numbers: each block is its rows (⎡…⎤ to ⎣…⎦, or one [ … ])."""
    blocks, rows = [], []
    for line in text.splitlines():
        body = line.split("=", 1)[-1].strip()
        if body.startswith("[") and body.endswith("]") and "," not in body:
            blocks.append([[float(v) for v in body.strip("[]").split()]])
        elif body[:1] and body[:1] in "⎡⎢⎣":
            rows.append([float(v) for v in body.strip("⎡⎢⎣⎤⎥⎦").split()])
            if body[0] == "⎣":
                blocks.append(rows)
                rows = []
    return blocks


def test_full_draws_a_wide_matrix_in_blocks_of_whole_columns():
    # the same 16×16 identity-kernel output as above (a 1×1 kernel of 1: the output is the input,
    # 0 … 255 row by row); with --full every column is drawn, in blocks that fit 80 columns, in order
    import numpy as np
    from rich.console import Console

    from dlcalc.calc.conv import conv
    from dlcalc.cli.render import richview
    from dlcalc.cli.render.numbers import formatter

    console = Console(width=80, record=True, force_terminal=False)
    richview.render(conv(np.arange(256.0).reshape(16, 16), np.array([[1.0]])), formatter(4), False, console, full=True)
    text = console.export_text()
    assert "⋯" not in text and all(len(line) <= 80 for line in text.splitlines())
    blocks = _grid_blocks(text[text.rindex("columns 1–"):text.index("Answer")])   # the last grid: the output
    assert len(blocks) >= 2                                   # 16 columns of up to 3 digits do not fit in one
    assert np.hstack([np.array(b) for b in blocks]).tolist() == np.arange(256.0).reshape(16, 16).tolist()
    assert "columns 1–" in text and "of 16" in text
    assert richview._column_blocks([3] * 4, 100) == [[0, 1, 2, 3]]
    assert richview._column_blocks([3] * 4, 8) == [[0, 1], [2, 3]]   # 3 + 2 + 3 = 8 fits, a third does not
    assert richview._column_blocks([20, 1], 5) == [[0], [1]]        # a column wider than the room is drawn alone


@pytest.mark.parametrize("argv", [["solve", "-e", "dl-cnn-params-fc"], ["cnn", "@example"]], ids=["solve", "cnn"])
def test_full_on_the_command_line_shows_every_column_at_80_columns(argv, monkeypatch, tmp_path):
    # dl-cnn-params-fc flattens a 6×6 image into a 1×36 vector: too wide for 80 columns
    from dlcalc.problems import library

    monkeypatch.setenv("COLUMNS", "80")
    if argv[1] == "@example":
        source = tmp_path / "fc.yaml"
        source.write_text(run_cli("examples", "--show", "dl-cnn-params-fc").out)
        argv = ["cnn", str(source)]
    elided, full = run_cli(*argv, "-f", "rich"), run_cli(*argv, "-f", "rich", "--full")
    assert elided.code == full.code == 0, full.err
    assert "⋯" in elided.out and "⋯" not in full.out
    assert all(len(line) <= 80 for line in full.out.splitlines())
    flat = np.asarray(library.example("dl-cnn-params-fc").params["input"]).reshape(-1).tolist()
    blocks = _grid_blocks(full.out[full.out.index("fc1 input"):])
    assert [v for b in blocks[:2] for v in b[0]] == flat  # the vector, every entry, in order


def test_full_writes_every_entry_of_a_long_answer():
    # gradient descent on w² with η = 0.25 halves w each step (w ← w − 0.25·2w): 1, 1/2, …, 1/2³⁰
    argv = ["optimize", "w^2", "--at", "w=1", "--method", "gd", "--lr", "0.25", "--steps", "30", "-q", "-f", "plain",
            "--precision", "12"]
    short, full = run_cli(*argv).out, run_cli(*argv, "--full").out
    assert "(31 entries; all of them with --full or --format json)" in short
    line = next(line for line in full.splitlines() if line.startswith("trajectory = "))
    assert "…" not in line
    values = [float(v) for v in re.findall(r"\[([^\[\]]+)\]", line)]
    assert values == pytest.approx([0.5 ** n for n in range(31)], rel=1e-9)


def test_an_expression_with_a_leading_minus_gets_a_hint(dlcalc):
    from tests.conftest import assert_bad_input

    assert_bad_input(dlcalc("hessian", "-w1^2 - w2^2", "--at", "w1=0, w2=0"), "No such option: -w", "--expr")
    r = dlcalc("conv", "-x", "1")   # a mistyped option is not an expression: no hint
    assert r.code == 2 and "--expr" not in r.err
