"""What every run of the command guarantees: one stderr line instead of a traceback."""
from __future__ import annotations

import pytest

from dlcalc.problems import registry


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
