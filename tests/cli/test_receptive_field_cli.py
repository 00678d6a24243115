"""`dlcalc receptive-field FILE`: files as students write them, a cnn file as it is, the kernel-size
reading stated, errors naming the layer and line, and check/grade naming the slip."""
from __future__ import annotations

import textwrap

import pytest
import yaml

from dlcalc.problems import library
from tests.conftest import assert_bad_input, run_cli

THREE = """kind: receptive_field
layers:
  - {type: conv, kernel: 3}
  - {type: conv, kernel: 3, stride: 2}
  - {type: conv, kernel: 3}
"""  # 1 + 2 = 3, + 2 = 5 (j 2), + 2·2 = 9


def write(tmp_path, text: str, name: str = "rf.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return str(path)


def test_a_file_solves_with_json_answers(tmp_path):
    r = run_cli("receptive-field", write(tmp_path, THREE), "-f", "json")
    assert r.code == 0, r.err
    answer = r.json()["answer"]
    assert answer["receptive_field"] == [9, 9] and answer["jump"] == [2, 2]
    assert [row["jump"] for row in answer["layers"]] == [[1, 1], [2, 2], [2, 2]]
    assert "output_shape" not in answer


def test_input_shape_as_an_option_adds_the_output_sizes(tmp_path):
    r = run_cli("receptive-field", write(tmp_path, THREE), "--input-shape", "9x9", "-f", "json")
    assert r.code == 0, r.err
    # 9 → 7 → ⌊(7 − 3)/2⌋ + 1 = 3 → 1
    assert [row["output_shape"] for row in r.json()["answer"]["layers"]] == [[7, 7], [3, 3], [1, 1]]


def test_a_cnn_files_layers_are_read_as_they_are(tmp_path):
    # the bundled whole-CNN example's layers, unchanged: a bank of two 3×3 kernels, 2×2 max-pool, flatten,
    # a softmax fc layer. r = 1 + 2 = 3, then + (2 − 1)·1 = 4 with j = 2; 6 → 4 → 2; flatten ends the walk
    doc = yaml.safe_load((library.HERE / "dl-cnn-whole.yaml").read_text(encoding="utf-8"))
    (problem,) = [p for p in doc["problems"] if p["id"] == "dl-cnn-whole"]
    text = yaml.safe_dump({"kind": "receptive_field", "input_shape": "6x6", "layers": problem["layers"]})
    r = run_cli("receptive-field", write(tmp_path, text), "-f", "json")
    assert r.code == 0, r.err
    answer = r.json()["answer"]
    assert (answer["receptive_field"], answer["jump"], answer["output_shape"]) == ([4, 4], [2, 2], [2, 2])
    assert len(answer["layers"]) == 2


def test_a_size_kernel_is_said_to_be_a_size(tmp_path):
    r = run_cli("receptive-field", write(tmp_path, """\
        kind: receptive_field
        layers:
          - {type: conv, kernel: [3, 5]}
          - {type: conv, kernel: [[1, 0], [0, -1]]}
        """), "-f", "plain")
    assert r.code == 0, r.err
    assert "[3, 5] → 3×5 (layer 1)" in r.out            # a flat pair is a size …
    assert "receptive_field = [4, 6]" in r.out          # … the matrix is 2×2: 3 + 1, 5 + 1


@pytest.mark.parametrize("text, where, message", [
    ("layers:\n  - {type: conv, kernal: 3}\n", "layers[0].kernal", "did you mean 'kernel'"),
    ("layers:\n  - {type: maxpool}\n", "layers[0].size", "required field 'size' is missing"),
    ("layers:\n  - {type: conv, kernel: 3, stride: 0}\n", "layers[0].stride", "must be ≥ 1"),
    ("layers:\n  - {type: conv, kernel: 3, activation: softmax}\n", "layers[0].activation", "softmax"),
    ("layers:\n  - flatten\n", "layers", "no convolution or pooling"),
    ("layers: []\n", "layers", "non-empty list"),
])
def test_bad_layers_are_refused_naming_the_place(tmp_path, text, where, message):
    assert_bad_input(run_cli("receptive-field", write(tmp_path, "kind: receptive_field\n" + text)), where, message)


def test_check_names_the_slip(tmp_path):
    path = write(tmp_path, "problems:\n  - id: q\n" + textwrap.indent(THREE, "    "))
    for form in ("9x9", "9 9", "[9, 9]"):
        right = run_cli("check", path, "--answer", f"q={form}")
        assert right.code == 0, right.out + right.err
    wrong = run_cli("check", path, "--answer", "q=5x5")     # no convention gives 5
    assert wrong.code == 1 and "expected [9, 9]" in wrong.out
    added_k = run_cli("check", path, "--answer", "q=10x10")  # 1 + 3 + 3 + 3
    assert added_k.code == 1 and "added k instead of (k − 1)·d·j" in added_k.out
    no_jump = run_cli("check", path, "--answer", "q=7x7")   # 1 + 2 + 2 + 2
    assert no_jump.code == 1 and "left out the jump" in no_jump.out


def test_the_bundled_examples_solve_from_the_command_line():
    r = run_cli("solve", "--example", "rf-alexnet", "-f", "json")
    assert r.code == 0, r.err
    assert r.json()["answer"]["receptive_field"] == [195, 195]      # worked in tests/problems/test_library.py
