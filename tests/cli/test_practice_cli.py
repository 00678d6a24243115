"""`dlcalc practice`: the loop with piped answers, checked against answers computed here from the numbers
the problem printed."""
from __future__ import annotations

import re

import numpy as np
import pytest

from dlcalc.problems import registry
from dlcalc.problems.loader import load_mapping
from dlcalc.problems.variants import realise
from tests.conftest import assert_bad_input


def printed_vector(out: str, name: str) -> np.ndarray:
    m = re.search(rf"^\s*{name} = \[([^\]]*)\]", out, re.M)
    return np.array([float(v) for v in m.group(1).split(",")])


def first_mse_of(out: str) -> float:
    t, y = printed_vector(out, "target"), printed_vector(out, "pred")
    return float(np.mean((t - y) ** 2))


def first_mse(dlcalc, seed: str) -> float:
    r = dlcalc("practice", "mse", "--seed", seed, stdin="q\n")
    assert r.code == 0, r.err
    return first_mse_of(r.out)


def test_the_issue_example_runs_the_loop_to_its_score(dlcalc):
    r = dlcalc("practice", "mse", "--seed", "1", stdin="0.5\nq\n")
    assert r.code == 0 and r.err == ""
    right = abs(first_mse(dlcalc, "1") - 0.5) < 1e-4
    assert ("✓ right" in r.out) is right and ("✗ wrong" in r.out) is not right
    assert r.out.rstrip().endswith(f"Score: {int(right)} of 1 ({100 * int(right)}%)")
    assert "Problem 2" in r.out   # the next problem was asked before q stopped


def test_a_right_answer_is_right_and_a_slip_is_named(dlcalc):
    loss = first_mse(dlcalc, "7")
    ok = dlcalc("practice", "mse", "--seed", "7", "--count", "1", stdin=f"{loss:.6f}\n")
    assert "✓ right" in ok.out and ok.out.rstrip().endswith("Score: 1 of 1 (100%)")
    t, y = printed_vector(ok.out, "target"), printed_vector(ok.out, "pred")
    summed = float(np.sum((t - y) ** 2))   # the sum instead of the mean: a named slip of mse
    slip = dlcalc("practice", "mse", "--seed", "7", "--count", "1", stdin=f"{summed:.6f}\n")
    assert "✗ wrong" in slip.out and "sum of squared errors instead of the mean" in slip.out
    assert "Step" in slip.out   # the worked solution follows a wrong answer


def test_the_end_of_input_stops_with_the_score(dlcalc):
    r = dlcalc("practice", "conv", "--seed", "x", stdin="1\n2\n")
    assert r.code == 0 and "Problem 3" in r.out and r.out.rstrip().endswith("Score: 0 of 2 (0%)")


def test_the_same_seed_asks_the_same_problems(dlcalc):
    a = dlcalc("practice", "--seed", "s", "--count", "3", stdin="1\n1\n1\n").out
    b = dlcalc("practice", "--seed", "s", "--count", "3", stdin="1\n1\n1\n").out
    assert a == b and a.count("━━ Problem") == 3


@pytest.mark.parametrize("name", sorted(registry.kinds()))
def test_every_kind_practises_exam_sized_problems(name):
    kind = registry.kinds()[name]
    assert kind.practice, f"{name} declares no practice problems"
    template = load_mapping({"kind": name, "id": name, **kind.practice})
    assert template.error is None and template.generators
    for student in map(str, range(10)):
        v = realise(template, "t", student)
        assert v.attempt <= 3   # defaults that the kind nearly always accepts
        for value in v.values.values():
            a = np.asarray(value, dtype=object)
            assert a.size <= 25 and all(s <= 5 for s in a.shape), (name, value)   # at most 5×5


def test_an_example_is_practised_with_its_numbers_varied(dlcalc):
    r = dlcalc("practice", "l12-bce-glaucoma", "--seed", "v", "--count", "3", stdin="1\n1\n1\n")
    assert r.code == 0 and "(numbers varied)" in r.out
    assert "0.6841" not in r.out   # the slide's erratum is about its own numbers, not these
    preds = {tuple(printed_vector(part, "pred")) for part in r.out.split("━━ Problem")[1:]}
    assert len(preds) == 3 and all(((np.array(p) >= 0) & (np.array(p) <= 1)).all() for p in preds)


def test_something_that_is_no_kind_example_or_file_is_refused(dlcalc):
    assert_bad_input(dlcalc("practice", "mes", stdin=""), "mes", "did you mean 'mse'")


def test_an_example_whose_varied_numbers_are_refused_is_asked_and_marked_as_given(dlcalc):
    # the cataract example's one-hot target varied cell by cell is mostly not one-hot: those problems are the
    # example's own numbers, asked and marked alike (the loss of its own numbers is 0.5946, lecture 12)
    r = dlcalc("practice", "l12-ce-cataract", "--seed", "3", "--count", "20", stdin="0.5946\n" * 20)
    given = [part for part in r.out.split("━━ Problem")[1:] if "0.6  0.2  0.2" in part and "⎡1  0  0⎤" in part]
    assert given and all("✓ right" in part for part in given)


def test_ctrl_c_at_the_prompt_stops_with_the_score():
    import signal
    import subprocess
    import sys

    p = subprocess.Popen([sys.executable, "-m", "dlcalc", "practice", "mse", "--seed", "1"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    p.stdin.write("0.5\n")  # one answer (wrong for seed 1: see the first test), then Ctrl-C at the second prompt
    p.stdin.flush()
    seen = ""
    while "answer> 0.5" not in seen or "Problem 2" not in seen:
        line = p.stdout.readline()
        assert line, seen
        seen += line
    while not seen.rstrip().endswith("Compute the mean squared error."):  # problem 2 is printed: its prompt waits
        seen += p.stdout.readline()
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=30)
    right = abs(first_mse_of(seen) - 0.5) < 1e-4
    assert p.returncode == 130 and "Traceback" not in err
    assert out.rstrip().endswith(f"Score: {int(right)} of 1 ({100 * int(right)}%)")
