"""calc.perceptron: the learning rule w ← w + η(y − ŷ)x, b ← b + η(y − ŷ), sample by sample.

Expectations come from hand computations (in comments), from the separating property checked
directly, and from a reference implementation written below (not the code under test).
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlcalc.calc.errors import BadInput
from dlcalc.calc.perceptron import SLIPS, perceptron

X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)


def reference(x, y, lr=1.0, epochs=100, w=None, b=0.0, low=-1.0):
    """The course's Perceptron.fit with sign(0) = +1 (or step), zeros to start, stopping at an error-free epoch."""
    w = np.zeros(x.shape[1]) if w is None else np.array(w, dtype=float)
    errors = []
    for _ in range(epochs):
        count = 0
        for xi, target in zip(x, y):
            prediction = 1.0 if np.dot(xi, w) + b >= 0 else low
            update = lr * (target - prediction)
            w = w + update * xi
            b = b + update
            count += int(update != 0.0)
        errors.append(count)
        if count == 0:
            break
    return w, b, errors


def separates(w, b, x, y, low=-1.0) -> bool:
    return all((1.0 if np.dot(w, xi) + b >= 0 else low) == yi for xi, yi in zip(x, y))


def test_and_converges_with_hand_computed_first_epoch() -> None:
    # Epoch 1, η = 1, w = (0, 0), b = 0, labels −1/+1:
    #   x₁ = (0,0), y = −1: net = 0 → ŷ = sign(0) = +1 ≠ y → Δ = 1·(−1 − 1) = −2 → w = (0,0), b = −2
    #   x₂ = (0,1), y = −1: net = −2 → ŷ = −1 = y → no change
    #   x₃ = (1,0), y = −1: net = −2 → ŷ = −1 = y → no change
    #   x₄ = (1,1), y = +1: net = −2 → ŷ = −1 ≠ y → Δ = 1·(1 + 1) = 2 → w = (2,2), b = 0
    # 2 errors; w = (2, 2), b = 0 after the epoch.
    y = np.array([-1, -1, -1, 1], dtype=float)
    sol = perceptron(X, y)
    assert sol.answer["errors_per_epoch"][0] == 2
    epoch1 = next(s for s in sol.steps if s.title == "Epoch 1").table
    assert [list(r[6]) + [r[7]] for r in epoch1.rows] == [[0, 0, -2], [0, 0, -2], [0, 0, -2], [2, 2, 0]]
    assert [r[3] for r in epoch1.rows] == [0, -2, -2, -2]          # net of each sample
    assert [r[4] for r in epoch1.rows] == [1, -1, -1, -1]          # ŷ
    assert sol.answer["converged"] is True
    assert sol.answer["errors_per_epoch"][-1] == 0
    assert separates(sol.answer["weights"], sol.answer["bias"], X, y)
    # epochs 1–3 and the last, error-free one are written out; 4–5 are summarised
    assert [s.title for s in sol.steps][1:] == ["Epoch 1", "Epoch 2", "Epoch 3", "Epochs 4–5", "Epoch 6",
                                                 "Errors per epoch"]
    assert "no errors in epoch 6" in sol.steps[5].note and all(r[5] == 0 for r in sol.steps[5].table.rows)
    w, b, errors = reference(X, y)
    np.testing.assert_array_equal(sol.answer["weights"], w)
    assert sol.answer["bias"] == b and sol.answer["errors_per_epoch"] == errors


def test_or_with_step_and_zero_one_labels() -> None:
    # Epoch 1, η = 0.5, step(0) = 1:
    #   (0,0), y = 0: net 0 → ŷ = 1 → Δ = 0.5·(0 − 1) = −0.5 → w = (0, 0), b = −0.5
    #   (0,1), y = 1: net −0.5 → ŷ = 0 → Δ = 0.5 → w = (0, 0.5), b = 0
    #   (1,0), y = 1: net 0 → ŷ = 1 ✓;  (1,1), y = 1: net 0.5 → ŷ = 1 ✓      → 2 errors
    y = np.array([0, 1, 1, 1], dtype=float)
    sol = perceptron(X, y, lr=0.5)
    assert sol.answer["errors_per_epoch"][0] == 2
    assert sol.answer["converged"] is True
    assert separates(sol.answer["weights"], sol.answer["bias"], X, y, low=0.0)
    w, b, errors = reference(X, y, lr=0.5, low=0.0)
    np.testing.assert_allclose(sol.answer["weights"], w)
    assert sol.answer["bias"] == pytest.approx(b) and sol.answer["errors_per_epoch"] == errors


def test_xor_does_not_converge() -> None:
    y = np.array([-1, 1, 1, -1], dtype=float)
    sol = perceptron(X, y, epochs=25)
    assert sol.answer["converged"] is False
    assert len(sol.answer["errors_per_epoch"]) == 25 == sol.answer["epochs"]
    assert all(e > 0 for e in sol.answer["errors_per_epoch"])
    assert any("linearly separable" in w for w in sol.warnings)
    assert not separates(sol.answer["weights"], sol.answer["bias"], X, y)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(-5, 5), st.integers(-5, 5)), min_size=2, max_size=8, unique=True),
       st.tuples(st.integers(-3, 3), st.integers(-3, 3), st.integers(-3, 3)).filter(lambda t: t[:2] != (0, 0)),
       st.sampled_from([0.1, 0.5, 1.0]))
def test_separable_data_converge_and_agree_with_the_reference(points, plane, lr) -> None:
    x = np.array(points, dtype=float)
    margin = x @ np.array(plane[:2], dtype=float) + plane[2] + 0.5  # +0.5: no point on the plane
    y = np.where(margin >= 0, 1.0, -1.0)
    # Novikoff: at most (R/γ)² ≤ 51 / (0.5/√27)² ≈ 5500 updates, so 10 000 epochs always suffice
    sol = perceptron(x, y, lr=lr, epochs=10_000)
    w, b, errors = reference(x, y, lr=lr, epochs=10_000)
    np.testing.assert_allclose(sol.answer["weights"], w, atol=1e-9)
    assert sol.answer["bias"] == pytest.approx(b, abs=1e-9)
    assert sol.answer["errors_per_epoch"] == errors
    assert sol.answer["converged"] is True
    assert separates(sol.answer["weights"], sol.answer["bias"], x, y)


def test_initial_weights_and_bias() -> None:
    # w = (1, 1), b = −1.5 already separates AND: one epoch, no errors
    y = np.array([-1, -1, -1, 1], dtype=float)
    sol = perceptron(X, y, weights=[1, 1], bias=-1.5)
    assert sol.answer["errors_per_epoch"] == [0]
    assert list(sol.answer["weights"]) == [1, 1] and sol.answer["bias"] == -1.5


def test_flat_data_is_one_feature_per_sample() -> None:
    # x = 2, −1, 3 with y = +1, −1, +1: epoch 1: x=2 net 0 → +1 ✓; x=−1 net 0 → +1 ≠ −1 → Δ = −2:
    # w = 0 + (−2)(−1) = 2, b = −2; x=3 net 4 ✓.  Epoch 2: 2·2 − 2 = 2 ✓, 2·(−1) − 2 = −4 ✓, 4 ✓ → converged
    sol = perceptron([2, -1, 3], [1, -1, 1])
    assert sol.answer["errors_per_epoch"] == [1, 0]
    assert list(sol.answer["weights"]) == [2] and sol.answer["bias"] == -2


def test_long_runs_are_summarised() -> None:
    y = np.array([-1, 1, 1, -1], dtype=float)
    sol = perceptron(X, y, epochs=50, detail=2)
    titles = [s.title for s in sol.steps]
    assert titles == ["Conventions", "Epoch 1", "Epoch 2", "Epochs 3–49", "Epoch 50", "Errors per epoch"]
    assert len(sol.steps[-1].table.rows) == 20  # first 10 and last 10 epochs
    assert len(sol.answer["errors_per_epoch"]) == 50


@pytest.mark.parametrize("kwargs, where, fragment", [
    (dict(data=X, labels=[1, -1, 1]), "labels", "3 labels for 4 samples"),
    (dict(data=X, labels=[0, 2, 0, 2]), "labels", "found 2"),
    (dict(data=X, labels=[-1, 0, 1, 1]), "labels", "mix −1 and 0"),
    (dict(data=X, labels=[-1, 1, 1, 1], activation="step"), "labels", "with the step activation"),
    (dict(data=X, labels=[0, 1, 1, 1], activation="sign"), "labels", "with the sign activation"),
    (dict(data=X, labels=[0, 1, 1, 1], lr=0), "lr", "must be > 0"),
    (dict(data=X, labels=[0, 1, 1, 1], lr=-0.5), "lr", "must be > 0"),
    (dict(data=X, labels=[0, 1, 1, 1], epochs=0), "epochs", "from 1"),
    (dict(data=X, labels=[0, 1, 1, 1], weights=[1, 2, 3]), "weights", "expected 2 initial weights"),
    (dict(data=np.zeros((2, 2, 2)), labels=[1, 1]), "data", "one row per sample"),
    (dict(data=np.zeros((1000, 1)), labels=np.ones(1000), epochs=10_000), "epochs", "allow fewer epochs"),
    # x₁ = (0, 0), y = +1 → ŷ = +1 ✓; x₂ = (1, 0), y = −1 → ŷ = +1 ✗, w ← 0 + 1e308·(−2)·1 = −inf
    (dict(data=[[0, 0], [1, 0]], labels=[1, -1], lr=1e308), "lr", "overflow in epoch 1"),
])
def test_bad_input(kwargs: dict, where: str, fragment: str, recwarn) -> None:
    with pytest.raises(BadInput) as info:
        perceptron(**kwargs)
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]  # numpy stays quiet
    assert info.value.where == where
    assert fragment in info.value.message


def _slipped(name: str, **kw) -> dict:
    slip = next(s for s in SLIPS if s.name.startswith(name))
    params = dict(data=X, labels=np.array([-1, -1, -1, 1.0]), lr=1.0, epochs=100, weights=None, bias=None,
                  activation="auto", detail=3)
    return perceptron(**slip.params({**params, **kw})).answer


def test_slip_bias_never_updated() -> None:
    assert _slipped("forgot to update the bias")["bias"] == 0


def test_slip_sign_at_zero_negative() -> None:
    # sign(0) = −1: x₁ = (0,0) gives net 0 → ŷ = −1 = y, so epoch 1 has only the x₄ error:
    # x₂, x₃: net 0 → −1 ✓; x₄: net 0 → −1 ≠ +1 → w = (2, 2), b = 2.  Epoch 2: x₁ net 2 → +1 ✗ ...
    answer = _slipped("sign(0) = −1")
    assert answer["errors_per_epoch"][0] == 1


def test_slip_update_sign_error_never_learns_and_differs() -> None:
    answer = _slipped("update sign error", epochs=5)
    assert answer["converged"] is False
