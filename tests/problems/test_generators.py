"""Generators and variants: checked ranges, exact rows, and draws that depend on (seed, student, problem) only.

The reference stream below is written from the definition (SHA-256 of the JSON of the tuple as the key,
SHA-256(key ‖ 8-byte big-endian counter) blocks read as 64-bit big-endian words, rejection of words past
the last whole multiple of n), not from the product's code.
"""
from __future__ import annotations

import hashlib
import json
from collections import Counter

import numpy as np
import pytest

from dlcalc.calc.errors import BadInput
from dlcalc.problems import generators
from dlcalc.problems.loader import load_text
from dlcalc.problems.variants import realise, seed_of
from tests.drawn import DRAWN_CE, drawn_conv


def reference_words(seed, student, problem, path, attempt):
    key = hashlib.sha256(json.dumps([seed, student, problem, path, attempt]).encode()).digest()
    counter = 0
    while True:
        block = hashlib.sha256(key + counter.to_bytes(8, "big")).digest()
        counter += 1
        for i in range(0, 32, 8):
            yield int.from_bytes(block[i:i + 8], "big")


def reference_between(words, low, high):
    n = high - low + 1
    limit = 2 ** 64 - 2 ** 64 % n
    for w in words:
        if w < limit:
            return low + w % n


def where(path):
    return f"k.yaml: {path}"


def draw(raw, seed="s", student="ana", problem="p", path="f", attempt=0):
    g = generators.parse(raw, path, where)
    return g.draw(generators.stream(seed, student, problem, path, attempt))


def test_int_draws_follow_the_reference_stream():
    words = reference_words("s", "ana", "p", "f", 0)
    expected = [[reference_between(words, -3, 7) for _ in range(3)] for _ in range(2)]
    assert draw({"random": "int", "low": -3, "high": 7, "shape": [2, 3]}) == expected


def test_uniform_draws_are_exact_decimals_from_the_reference_stream():
    words = reference_words("s", "ana", "p", "f", 0)
    expected = [reference_between(words, -150, 250) / 100 for _ in range(4)]  # [-1.5, 2.5] at 2 decimals
    got = draw({"random": "uniform", "low": -1.5, "high": 2.5, "decimals": 2, "shape": [4]})
    assert got == expected and all(round(v, 2) == v for v in got)


def test_pinned_variants_do_not_change():
    """Literal numbers (worked out once with the reference stream above), so that any change of the stream
    or of a draw is noticed."""
    assert draw({"random": "int", "low": 0, "high": 9, "shape": [2, 3]}, seed="exam-2026", student="ana",
                problem="conv", path="input") == [[9, 0, 8], [0, 8, 8]]
    assert draw({"random": "probabilities", "shape": [1, 3], "decimals": 2}, seed="exam-2026", student="bo",
                problem="ce", path="pred") == [[0.43, 0.28, 0.29]]


def test_probability_rows_sum_to_exactly_one_with_no_zero():
    for student in map(str, range(200)):
        rows = draw({"random": "probabilities", "shape": [3, 4], "decimals": 2}, student=student)
        for row in rows:
            units = [round(v * 100) for v in row]
            assert sum(units) == 100 and min(units) >= 1 and all(abs(u / 100 - v) < 1e-12 for u, v in zip(units, row))


def test_both_ends_of_an_int_range_are_drawn_and_nothing_outside():
    seen = Counter(draw({"random": "int", "low": 1, "high": 3}, student=str(i)) for i in range(300))
    assert set(seen) == {1, 2, 3} and min(seen.values()) > 60   # about 100 each


def test_labels_binary_and_choice():
    labels = draw({"random": "labels", "classes": 3, "shape": [50]})
    assert set(labels) <= {0, 1, 2} and len(labels) == 50 and len(set(labels)) == 3
    assert set(np.ravel(draw({"random": "binary", "shape": [5, 5]}))) == {0, 1}
    options = ["w1^2 - w2^2", [[1, 2], [3, 4]]]
    picked = {json.dumps(draw({"random": "choice", "from": options}, student=str(i))) for i in range(40)}
    assert picked == {json.dumps(o) for o in options}


@pytest.mark.parametrize("raw, message", [
    ({"random": "int", "low": 5, "high": 1}, "needs low ≤ high"),
    ({"random": "int", "low": 0.5, "high": 1}, "'low' must be an integer"),
    ({"random": "uniform", "low": 0, "high": 1, "decimals": 7}, "'decimals' must be an integer from 0 to 6"),
    ({"random": "uniform", "low": 0.11, "high": 0.19, "decimals": 1}, "no number with 1 decimals"),
    ({"random": "gaussian", "low": 0, "high": 1}, "unknown generator 'random: gaussian'"),
    ({"random": "unifrom", "low": 0, "high": 1}, "did you mean 'uniform'"),
    ({"random": "int", "low": 0, "high": 1, "size": 3}, "unknown key 'size'"),
    ({"random": "int", "low": 0}, "needs 'high'"),
    ({"random": "int", "low": 0, "high": 1, "shape": [0]}, "'shape' must be a list of 1 to 4 positive integers"),
    ({"random": "int", "low": 0, "high": 1, "shape": [1000, 1000]}, "more than the limit"),
    ({"random": "probabilities", "shape": [2, 11], "decimals": 1}, "cannot sum to 1 at 1 decimals"),
    ({"random": "probabilities", "shape": [3]}, "'shape' must have 2 entries"),
    ({"random": "labels", "classes": 1, "shape": [3]}, "'classes' must be an integer from 2"),
    ({"random": "choice", "from": []}, "'from' must be a non-empty list"),
    ({"random": "choice", "from": [{"random": "int", "low": 0, "high": 3}, 1]}, "'from' lists values, not generators"),
])
def test_bad_generators_are_refused_naming_the_field(raw, message):
    with pytest.raises(BadInput) as e:
        generators.parse(raw, "pred", where)
    assert message in e.value.message and e.value.where == "k.yaml: pred"


KEY = "seed: exam-2026\nproblems:\n" + DRAWN_CE + drawn_conv() + """\
  - id: fixed
    kind: mse
    target: [1, 2]
    pred: [1, 3]
"""


def test_a_variant_depends_only_on_seed_student_and_problem():
    a = {p.id: p for p in load_text(KEY, "k.yaml")}
    reordered = KEY.split("  - id: ")
    b = {p.id: p for p in load_text(reordered[0] + "  - id: " + reordered[2] + "  - id: " + reordered[1]
                                    + "  - id: " + reordered[3], "k.yaml")}
    for student in ("ana", "bo"):
        for pid in ("ce", "conv"):
            assert realise(a[pid], "exam-2026", student).values == realise(b[pid], "exam-2026", student).values
    assert realise(a["conv"], "exam-2026", "ana").values != realise(a["conv"], "exam-2026", "bo").values
    assert realise(a["conv"], "exam-2026", "ana").values != realise(a["conv"], "other", "ana").values


def test_each_variant_is_solved_with_its_own_numbers():
    from scipy.signal import convolve2d

    [_, conv, _] = load_text(KEY, "k.yaml")
    v = realise(conv, "exam-2026", "ana")
    expected = convolve2d(np.array(v.values["input"]), np.array(v.values["kernel"]), mode="valid")
    assert np.array_equal(v.solution.answer["output"], expected)


def test_a_generator_the_kind_always_refuses_is_refused_naming_the_field():
    text = ("problems:\n  - id: c\n    kind: conv\n    input: {random: int, low: 0, high: 3, shape: [2, 2]}\n"
            "    kernel: {random: int, low: 0, high: 1, shape: [3, 3]}\n")
    [p] = load_text(text, "k.yaml")
    assert p.error is not None and "in 20 attempts" in p.error.message and "kernel" in str(p.error)


def test_a_draw_the_kind_refuses_is_drawn_again():
    # the kernel is 1×1 or 5×5 (larger than the 3×3 input): a 5×5 draw is refused and drawn again
    text = ("problems:\n  - id: c\n    kind: conv\n    input: [[1, 2, 3], [4, 5, 6], [7, 8, 9]]\n"
            "    kernel: {random: choice, from: [[[2]], [[1, 1, 1, 1, 1], [1, 1, 1, 1, 1], [1, 1, 1, 1, 1], "
            "[1, 1, 1, 1, 1], [1, 1, 1, 1, 1]]]}\n")
    [p] = load_text(text, "k.yaml")
    attempts = [realise(p, "s", str(i)) for i in range(30)]
    assert all(v.values["kernel"] == [[2]] for v in attempts)
    assert any(v.attempt > 0 for v in attempts)   # some first draws were the 5×5 kernel


def test_a_key_that_draws_needs_a_seed():
    problems = load_text(KEY.replace("seed: exam-2026\n", ""), "k.yaml")
    with pytest.raises(BadInput) as e:
        seed_of(problems, None)
    assert e.value.where == "--seed" and "ce: target, pred" in e.value.message
    assert seed_of(problems, "x") == "x"
    assert seed_of(load_text(KEY, "k.yaml"), None) == "exam-2026"


def test_a_variable_named_random_is_not_a_generator():
    [p] = load_text("kind: hessian\nexpr: random^2 + w^2\nat: {random: 1, w: 0}\n", "k.yaml")
    assert p.error is None and not p.generators and p.solve().answer["gradient"] == [2, 0]   # ∂/∂random = 2·random
