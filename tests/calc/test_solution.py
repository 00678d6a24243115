"""The Solution model: every solution opens with its conventions, found by role (never by title)."""
from __future__ import annotations

import pytest

from dlcalc.problems import library


@pytest.mark.parametrize("pid", sorted(library.problems()))
def test_every_solution_opens_with_one_conventions_step(pid):
    steps = library.problems()[pid].solve().steps
    assert [s.role for s in steps].count("given") <= 1 and all(s.role != "given" for s in steps[1:])
    steps = [s for s in steps if s.role != "given"]  # the problem's inputs, first; then the conventions
    assert steps[0].role == "conventions"
    assert [s.role for s in steps].count("conventions") == 1  # a cnn's inner steps fold theirs into its own
