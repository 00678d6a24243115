"""The Solution model: every solution opens with its conventions, found by role (never by title)."""
from __future__ import annotations

import pytest

from dlcalc.problems import library


@pytest.mark.parametrize("pid", sorted(library.problems()))
def test_every_solution_opens_with_one_conventions_step(pid):
    steps = library.problems()[pid].solve().steps
    assert steps[0].role == "conventions"
    assert [s.role for s in steps].count("conventions") == 1  # a cnn's inner steps fold theirs into its own
