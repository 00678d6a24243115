"""`dlcalc optimize` end to end: each method, the formats, problem files, bad input.

Hand values (tests/calc/test_optimize.py): L = w1² + 10·w2² from (1, −1) with η = 0.1:
gd θ₁ = (0.8, 1), θ₂ = (0.64, −1); momentum θ₂ = (0.46, 0.8); adagrad θ₂(w1) = 0.8053941;
rmsprop θ₂(w1) = 0.8091326; adam θ₂(w1) = 0.8004122.
"""
from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from tests.conftest import assert_bad_input


def width(line: str) -> int:
    """Columns on screen: combining marks (the hat of m̂) take none."""
    return sum(not unicodedata.combining(c) for c in line)

BOWL = ["optimize", "w1^2 + 10*w2^2", "--at", "w1=1, w2=-1", "--lr", "0.1", "--steps", "2"]


@pytest.mark.parametrize("method, w1", [("gd", 0.64), ("momentum", 0.46), ("adagrad", 0.8053941),
                                        ("rmsprop", 0.8091326), ("adam", 0.8004122)])
def test_each_method_json(dlcalc, method, w1):
    r = dlcalc(*BOWL, "--method", method, "--format", "json")
    assert r.code == 0, r.err
    out = json.loads(r.out, parse_constant=lambda c: pytest.fail(f"non-strict JSON {c}"))
    a = out["answer"]
    assert out["kind"] == "optimize"
    assert len(a["trajectory"]) == 3 and a["trajectory"][0] == [1, -1]
    assert a["final"] == a["trajectory"][-1]
    assert a["final"][0] == pytest.approx(w1, rel=1e-7)
    assert a["final_loss"] == pytest.approx(a["final"][0] ** 2 + 10 * a["final"][1] ** 2)
    assert any(s.get("table") for s in out["steps"])


@pytest.mark.parametrize("fmt", ["plain", "rich", "markdown", "latex"])
@pytest.mark.parametrize("method", ["gd", "adam"])
def test_every_format_renders(dlcalc, fmt, method):
    r = dlcalc(*BOWL, "--method", method, "--format", fmt)
    assert r.code == 0 and not r.err, r.err
    assert "final" in r.out


@pytest.mark.parametrize("method", ["gd", "momentum", "adagrad", "rmsprop", "adam"])
def test_rich_fits_80_columns(dlcalc, monkeypatch, method):
    monkeypatch.setenv("COLUMNS", "80")
    out = dlcalc(*BOWL, "--method", method, "--steps", "4", "--format", "rich").out
    assert max(width(line) for line in out.splitlines()) <= 80
    assert not any("…" in line for line in out.splitlines() if "│" in line)   # no table cell cut short


def test_plain_shows_the_worked_iteration(dlcalc):
    out = dlcalc(*BOWL, "--format", "plain").out
    assert "θ₁ = θ₀ − η·g₀ = -1 − 0.1·(-20) = 1" in out
    assert "θ_(t+1) = θ_t − η g_t" in out


def test_adagrad_states_which_form(dlcalc):
    course = dlcalc(*BOWL, "--method", "adagrad", "--format", "plain").out
    torch = dlcalc(*BOWL, "--method", "adagrad", "--adagrad-sum", "--format", "json").json()
    assert "root mean square" in course and "the course's Adagrad" in course
    assert torch["answer"]["final"][0] == pytest.approx(0.8331035, rel=1e-7)   # √(Σg²) + ε
    assert "PyTorch" in torch["steps"][1]["text"]   # after the Given step


def test_method_parameters(dlcalc):
    # momentum λ = 0.5: θ₂ = (0.54, 0) (tests/calc/test_optimize.py)
    a = dlcalc(*BOWL, "--method", "momentum", "--momentum", "0.5", "--format", "json").json()["answer"]
    assert a["final"] == pytest.approx([0.54, 0], abs=1e-12)
    # Adam ε = 1, one step: θ₁ = 1 − 0.1·2/(2 + 1) = 0.9333333
    a = dlcalc(*BOWL, "--method", "adam", "--eps", "1", "--steps", "1", "--format", "json").json()["answer"]
    assert a["final"][0] == pytest.approx(1 - 0.2 / 3)
    # PyTorch's RMSprop, one step: v₀ = 0.1·2² = 0.4, σ₀ = √0.4 + 1e-8, θ₁ = 1 − 0.2/0.6324555 = 0.6837723
    a = dlcalc(*BOWL, "--method", "rmsprop", "--rmsprop-torch", "--steps", "1", "--format", "json").json()["answer"]
    assert a["final"][0] == pytest.approx(0.6837723, rel=1e-7)


def test_unused_parameter_warns(dlcalc):
    r = dlcalc(*BOWL, "--momentum", "0.5", "--format", "json")
    assert r.code == 0
    assert any("--momentum is not used by gd" in w for w in r.json()["warnings"])


def test_problem_file_and_overrides(dlcalc, tmp_path: Path):
    f = tmp_path / "bowl.yaml"
    f.write_text("kind: optimize\nexpr: 'w1^2 + 10*w2^2'\nat: {w1: 1, w2: -1}\nmethod: momentum\nlr: 0.1\nsteps: 2\n")
    r = dlcalc("optimize", str(f), "--format", "json")
    assert r.code == 0, r.err
    assert r.json()["answer"]["final"] == pytest.approx([0.46, 0.8])
    r = dlcalc("optimize", str(f), "--method", "gd", "--format", "json")      # an option replaces the file's
    assert r.json()["answer"]["final"] == pytest.approx([0.64, -1])
    assert_bad_input(dlcalc("optimize", str(f), "--lr", "-1"), "--lr", "must be > 0")


def test_diverging_run_exits_0_with_a_warning(dlcalc):
    r = dlcalc("optimize", "w^2", "--at", "w=1", "--lr", "1.5", "--steps", "1100", "--format", "json")
    assert r.code == 0
    out = json.loads(r.out, parse_constant=lambda c: pytest.fail(f"non-strict JSON {c}"))
    assert out["answer"]["final"] == ["nan"]
    assert any("diverge" in w for w in out["warnings"])


@pytest.mark.parametrize("argv, fragments", [
    (["w^2", "--at", "w=1", "--lr", "0.1", "--method", "adagard"], ["--method", "did you mean 'adagrad'"]),
    (["w^2", "--at", "w=1", "--lr", "0"], ["--lr", "must be > 0"]),
    (["w^2", "--at", "w=1", "--lr", "-0.5"], ["--lr", "must be > 0"]),
    (["w^2", "--at", "w=1", "--lr", "0.1", "--steps", "0"], ["--steps", "must be ≥ 1"]),
    (["w^2", "--at", "w=1", "--lr", "0.1", "--steps", "1.5"], ["--steps", "integer"]),
    (["w^2", "--at", "w=1"], ["--lr", "missing"]),
    (["w^2", "--lr", "0.1"], ["--at", "missing the start point"]),
    (["w^2", "--at", "w=1", "--lr", "0.1", "--method", "adam", "--beta2", "1"], ["--beta2", "[0, 1)"]),
    (["w^2", "--at", "w=1", "--lr", "0.1", "--method", "momentum", "--momentum", "-1"], ["--momentum"]),
    (["w^2", "--at", "w=1, v=2", "--lr", "0.1"], ["--at", "does not use 'v'"]),
    (["w^2 + v", "--at", "w=1", "--lr", "0.1"], ["--at", "no value for v"]),
    (["w^2", "--at", "w=one", "--lr", "0.1"], ["--at", "'one' is not a number"]),
    (["abs(w)", "--at", "w=0", "--lr", "0.1"], ["--at", "no gradient", "kink"]),
    (["log(w)", "--at", "w=-1", "--lr", "0.1"], ["--at", "no gradient", "log(w) has no real value"]),
    (["abs(w)", "--at", "w=1", "--lr", "0.5", "--steps", "3"], ["step 3", "no gradient"]),
    (["w.real", "--at", "w=1", "--lr", "0.1"], ["EXPR:", "attribute access"]),
    (["1e99999999*w", "--at", "w=1", "--lr", "0.1"], ["EXPR:", "number out of range"]),
    (["sin(10^400*w)", "--at", "w=1", "--lr", "0.1"], ["--at", "too large for float64"]),
])
def test_bad_input(dlcalc, argv, fragments):
    assert_bad_input(dlcalc("optimize", *argv), *fragments)


def test_plot_without_matplotlib_is_a_clean_error(dlcalc, monkeypatch, tmp_path: Path):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "matplotlib" else real(name, *a))
    out = tmp_path / "trace.png"
    r = dlcalc(*BOWL, "--plot", str(out))
    assert_bad_input(r, "--plot", "pip install 'dlcalc[plot]'")
    assert r.out == "" and not out.exists()   # refused before any work


def test_plot_needs_a_png_name(dlcalc, tmp_path: Path):
    assert_bad_input(dlcalc(*BOWL, "--plot", str(tmp_path / "trace.jpg")), "--plot", ".png")


def test_help_shows_the_defaults(dlcalc):
    # rich reads '[default: gd]' as markup and drops it unless escaped
    r = dlcalc("optimize", "--help")
    text = " ".join(r.out.replace("│", " ").split())
    for shown in ("[default: gd]", "[default: 1]", "[default: 0.9]", "[default: 0.999]"):
        assert shown in text, shown
