"""Options given next to a problem file replace its fields, and errors about them name the option."""
from __future__ import annotations

from tests.conftest import assert_bad_input

BACKPROP = """kind: backprop
input: [0.05, 0.10]
target: [0.01, 0.99]
layers:
  - {weights: [[0.15, 0.20], [0.25, 0.30]], bias: [0.35, 0.35], activation: sigmoid}
  - {weights: [[0.40, 0.45], [0.50, 0.55]], bias: [0.60, 0.60], activation: sigmoid}
loss: half_sse
learning_rate: 0.5
steps: 1
"""


def test_a_bad_override_is_blamed_on_the_option_not_the_file(dlcalc, tmp_path):
    f = tmp_path / "bp.yaml"
    f.write_text(BACKPROP)
    r = dlcalc("backprop", str(f), "--steps", "1000000000")
    assert_bad_input(r, "--steps")
    assert "bp.yaml" not in r.err  # the file's own `steps: 1` is fine


def test_an_override_changes_the_answer(dlcalc, tmp_path):
    f = tmp_path / "bp.yaml"
    f.write_text(BACKPROP)
    one = dlcalc("backprop", str(f), "--format", "json").json()["answer"]
    two = dlcalc("backprop", str(f), "--steps", "2", "--format", "json").json()["answer"]
    assert one["loss"] == two["loss"]            # the loss before any update is the same
    assert two["loss_after"] < one["loss_after"]  # a second step of gradient descent lowers it further
