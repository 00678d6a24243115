"""`dlcalc cnn FILE` end to end: the contract example, the bundled CNN problems, the options,
every format, and bad input (exit 2, one stderr line naming file:line and layers[i].field)."""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from tests.calc.test_cnn import ref_forward
from tests.conftest import assert_bad_input

CONTRACT = """kind: cnn
input: "1 2 0 1; 0 1 3 1; 2 1 0 0; 1 0 1 2"
layers:
  - {type: conv, kernel: "1 0; 0 -1", activation: relu}
  - {type: maxpool, size: 2}
  - {type: flatten}
  - {type: fc, weights: [[0.5]], bias: [0.1], activation: sigmoid}
"""
# by hand (tests/calc/test_cnn.py): conv → [[0,1,1],[1,0,0],[0,0,2]] after ReLU, max pool → 1, σ(0.5·1 + 0.1)
SIGMOID_06 = 1 / (1 + math.exp(-0.6))
LIBRARY = Path(__file__).resolve().parents[2] / "problems" / "library"


@pytest.fixture
def write(tmp_path):
    def write(text: str, name: str = "net.yaml") -> str:
        path = tmp_path / name
        path.write_text(text)
        return str(path)
    return write


def test_the_contract_example_in_json(dlcalc, write):
    r = dlcalc("cnn", write(CONTRACT), "--format", "json")
    assert r.code == 0, r.err
    out = r.json()
    assert out["kind"] == "cnn"
    assert out["answer"]["output"] == pytest.approx([SIGMOID_06])
    layers = out["answer"]["layers"]
    assert [entry["type"] for entry in layers] == ["conv", "maxpool", "flatten", "fc"]
    assert [entry["output_shape"] for entry in layers] == [[3, 3], [1, 1], [1], [1]]
    assert layers[0]["output"] == [[0, 1, 1], [1, 0, 0], [0, 0, 2]]
    assert out["steps"][2]["title"] == "Model summary"
    assert out["steps"][2]["table"]["rows"][-1] == ["total", "", "", 6]


def test_no_flip_on_the_command_line_overrides_the_file(dlcalc, write):
    # not flipped, the kernel [[1,0],[0,−1]] gives x(i,j) − x(i+1,j+1): row 1 = 1−1, 2−3, 0−1 = 0, −1, −1;
    # row 2 = 0−1, 1−0, 3−0 = −1, 1, 3; ReLU then the one 2×2 window: max(0, 0, 0, 1) = 1 (as flipped, by chance)
    r = dlcalc("cnn", write(CONTRACT), "--no-flip", "--format", "json")
    conv = r.json()["answer"]["layers"][0]["output"]
    assert conv[:2] == [[0, 0, 0], [0, 1, 3]]
    assert "not flipped" in r.json()["steps"][1]["text"]   # after the Given step


def test_a_layer_flip_wins_over_the_command_line(dlcalc, write):
    text = CONTRACT.replace('kernel: "1 0; 0 -1",', 'kernel: "1 0; 0 -1", flip: true,')
    r = dlcalc("cnn", write(text), "--no-flip", "--format", "json")
    assert r.json()["answer"]["layers"][0]["output"][0] == [0, 1, 1]


def test_answer_only_and_every_format(dlcalc, write):
    path = write(CONTRACT)
    q = dlcalc("cnn", path, "-q", "--format", "plain")
    assert q.code == 0 and q.out.startswith("output = [0.6457]")
    for fmt in ("rich", "plain", "markdown", "latex"):
        r = dlcalc("cnn", path, "--format", fmt)
        assert r.code == 0 and r.err == "", (fmt, r.err)
        assert "conv1" in r.out and "0.6457" in r.out


def test_full_writes_out_every_window(dlcalc, write):
    six = 'kind: cnn\ninput: "' + "; ".join(["1 2 0 1 2 3"] * 6) + '"\nlayers: [{type: conv, kernel: "1 0; 0 1"}]\n'
    brief = dlcalc("cnn", write(six), "--format", "json").json()["steps"]
    full = dlcalc("cnn", write(six), "--full", "--format", "json").json()["steps"]
    cells = lambda steps: sum(s["title"].startswith("conv1: O(") for s in steps)  # noqa: E731
    assert cells(brief) < 25 and any("other" in s["title"] for s in brief)
    assert cells(full) == 25 and not any("other" in s["title"] for s in full)


def test_loss_from_the_file(dlcalc, write):
    # binary cross-entropy of σ(0.6) against label 1: −ln σ(0.6)
    r = dlcalc("cnn", write(CONTRACT + "target: 1\nloss: cross_entropy\n"), "--format", "json")
    assert r.json()["answer"]["loss"] == pytest.approx(-math.log(SIGMOID_06))
    assert any(s["title"].startswith("Loss: ") for s in r.json()["steps"])


def solved(dlcalc, example: str) -> dict:
    r = dlcalc("solve", "--example", example, "--format", "json")
    assert r.code == 0, r.err
    return json.loads(r.out.splitlines()[0])


def test_bundled_homework_13(dlcalc):
    # Conv1 = [[1,−1],[0,2]] flipped → [[2,0],[−1,1]]; O(1,1) = 1·2 + 0·0 + 2·(−1) + 1·1 = 1.
    # Conv2 = [[0,1],[1,−1]] flipped → [[−1,1],[1,0]]; O(1,1) = 1·(−1) + (−1)·1 + 5·1 + 3·0 = 3.
    # Max pool of Conv2's 4×4 map: [[7,9],[6,5]]; FC: 0.1·7 + 0.2·9 + 0.3·6 + 0.4·5 = 6.3.
    out = solved(dlcalc, "hw13")
    layers = out["answer"]["layers"]
    assert layers[0]["output"][0][0] == 1 and layers[1]["output"][0][0] == 3
    assert layers[2]["output"] == [[7, 9], [6, 5]]
    assert out["answer"]["output"] == pytest.approx([6.3])
    x = np.array([[1, 0, 1, 2, 0, 1], [2, 1, 0, 1, 1, 0], [0, 1, 2, 0, 1, 2],
                  [1, 0, 1, 1, 0, 1], [2, 1, 0, 2, 1, 0], [0, 2, 1, 0, 1, 1]])
    ref = ref_forward(x, [dict(type="conv", k=np.array([[[[1, -1], [0, 2]]]]), stride=1, pad=0, dil=1, flip=True,
                               bias=None, act="none"),
                          dict(type="conv", k=np.array([[[[0, 1], [1, -1]]]]), stride=1, pad=0, dil=1, flip=True,
                               bias=None, act="none")])
    np.testing.assert_allclose(layers[0]["output"], ref[0][0])
    np.testing.assert_allclose(layers[1]["output"], ref[1][0])


def test_bundled_whole_of_cnn(dlcalc):
    # Pooled maps flattened: (3, 0, 3, 1, −1, 1, 0, 3) (see tests/calc/test_cnn.py).
    # net_dog = 0.5·3 + 0.5·3 + 0.25·1 + 0.25·3 = 4; net_cat = −0.25·3 + 0.5·1 − 0.5·1 + 0.5·3 = 0.75;
    # softmax dog = 1/(1 + e^−3.25) = 0.96267; label dog: CE = ln(1 + e^−3.25) = 0.03805
    out = solved(dlcalc, "dl-cnn-whole")
    dog = 1 / (1 + math.exp(-3.25))
    assert out["answer"]["output"] == pytest.approx([dog, 1 - dog])
    assert out["answer"]["loss"] == pytest.approx(math.log(1 + math.exp(-3.25)))


def test_bundled_three_channel_network(dlcalc):
    # Filter 1: channel 1 [[1,0,−1]]×3 rotated → [[−1,0,1]]×3, channel 2 the centre; bias 0.5, ReLU.
    #   (1,1): c1 rows (1,0,2),(0,1,1),(2,1,0) → (2−1) + (1−0) + (0−2) = 0; c2 centre 0 → 0.5
    #   (1,2): c1 rows (0,2,1),(1,1,0),(1,0,1) → 1 − 1 + 0 = 0; c2 centre 1 → 1.5; likewise 0.5, 1.5 below
    # Filter 2: channel 2 [[1,1,1],[0,0,0],[−1,−1,−1]] rotated → bottom row minus top row, channel 3 centre, bias −1:
    #   (1,1): (0+1+0) − (0+1+0) = 0, c3 centre 2 → 1;  (1,2): 2 − 2 = 0, centre 0 → ReLU(−1) = 0;
    #   (2,1): 0, centre 0 → 0;  (2,2): 0, centre 2 → 1
    # 2×2 average pool: (0.5 + 1.5 + 0.5 + 1.5)/4 = 1 and (1 + 0 + 0 + 1)/4 = 0.5;
    # fc [[1,1],[−1,2]]: net = (1.5, 0); softmax (1/(1 + e^−1.5), e^−1.5/(1 + e^−1.5)); label 1: CE = ln(1 + e^1.5)
    out = solved(dlcalc, "l13-cnn-rgb")
    layers = out["answer"]["layers"]
    assert layers[0]["output"] == [[[0.5, 1.5], [0.5, 1.5]], [[1, 0], [0, 1]]]
    assert layers[1]["output"] == [[[1]], [[0.5]]] and layers[0]["params"] == 3 * 3 * 3 * 2 + 2
    q = math.exp(-1.5)
    assert out["answer"]["output"] == pytest.approx([1 / (1 + q), q / (1 + q)])
    assert out["answer"]["loss"] == pytest.approx(math.log(1 + math.exp(1.5)))


def test_bundled_dilated_network(dlcalc):
    # Padded input P (7×7), kernel [[1,0,−1],[0,2,0],[−1,0,1]] (the same after a 180° rotation), dilation 2:
    # O(i,j) = P(i,j) − P(i,j+4) + 2·P(i+2,j+2) − P(i+4,j) + P(i+4,j+4) (0-based)
    #   O(1,1) = 0 − 0 + 2·1 − 0 + 1 = 3;  O(1,2) = 0 − 0 + 2·2 − 2 + 0 = 2;  O(1,3) = 2·3 = 6
    #   O(2,1) = 0 − 1 + 2·1 − 0 + 0 = 1;  O(2,2) = 1 − 3 + 0 − 1 + 1 = −2;  O(2,3) = 2 − 0 + 2·2 − 3 + 0 = 3
    #   O(3,1) = −3;  O(3,2) = 0 − 1 + 2·1 = 1;  O(3,3) = 1 + 2·1 = 3
    # 2×2 max pool, stride 1: [[3, 6], [1, 3]]
    out = solved(dlcalc, "l13-cnn-dilated")
    assert out["answer"]["layers"][0]["output"] == [[3, 2, 6], [1, -2, 3], [-3, 1, 3]]
    assert out["answer"]["output"] == [[3, 6], [1, 3]]


@pytest.mark.parametrize("example, params", [("dl-cnn-params-conv", 30), ("dl-cnn-params-fc", 111)])
def test_bundled_parameter_counts(dlcalc, example, params):
    # the slide: (3×3 + 1)×3 = 30 for the convolution, (36 + 1)×3 = 111 fully connected
    assert solved(dlcalc, example)["answer"]["params"] == params


def test_every_bundled_cnn_problem_solves(dlcalc):
    for path in sorted(LIBRARY.glob("lecture13-cnn*.yaml")) + sorted(LIBRARY.glob("dl-cnn*.yaml")):
        r = dlcalc("solve", str(path), "--format", "json")
        assert r.code == 0, (path, r.err)
        assert all(json.loads(line)["kind"] == "cnn" for line in r.out.splitlines())


# ── bad input: exit 2, one line, file:line and the layer's field ─────────────

HEAD = 'kind: cnn\ninput: "1 2 0 1; 0 1 3 1; 2 1 0 0; 1 0 1 2"\nlayers:\n'


@pytest.mark.parametrize("layers, fragments", [
    # fc weights that do not match the flattened size: the expected size is named
    ('  - {type: conv, kernel: "1 0; 0 -1"}\n  - {type: flatten}\n  - type: fc\n    weights: [[0.5, 1, 2]]\n',
     [":7: layers[2].weights", "1×3", "9 values", "expected 1×9"]),
    ('  - {type: conv, kernel: "1 0; 0 -1"}\n  - type: fc\n    weights: [[1, 2]]\n',
     [":6: layers[1].weights", "flattened input has 9 values", "expected 1×9"]),
    # unknown layer type, with the closest suggested
    ('  - {type: conv, kernel: "1 0; 0 -1"}\n  - {type: maxpol, size: 2}\n', [":5: layers[1].type", "did you mean 'maxpool'"]),
    ('  - {type: dense, weights: [[1]]}\n', [":4: layers[0].type", "unknown layer type 'dense'"]),
    # missing required fields
    ('  - {type: conv, kernel: "1 0; 0 -1"}\n  - type: maxpool\n    stride: 1\n',
     [":5: layers[1].size", "required field 'size'"]),
    ('  - type: conv\n    stride: 2\n', [":4: layers[0].kernel", "required field 'kernel'"]),
    ('  - type: fc\n', [":4: layers[0].weights", "required field 'weights'"]),
    ('  - kernel: "1 0; 0 1"\n', [":4: layers[0].type", "required field 'type'"]),
    # kernel channels against the incoming feature maps
    ('  - type: conv\n    kernels: ["1 0; 0 1", "0 1; 1 0"]\n  - type: conv\n'
     '    kernel: [[[1, 0], [0, 1]], [[1, 0], [0, 1]], [[1, 0], [0, 1]]]\n',
     [":7: layers[1].kernel", "2 channels", "kernel has 3", "2×3×3, from conv1"]),
    # other shape mismatches between layers
    ('  - {type: flatten}\n  - {type: conv, kernel: "1 0; 0 1"}\n', [":5: layers[1].type", "needs feature maps"]),
    ('  - {type: conv, kernel: "1 0; 0 1"}\n  - {type: softmax}\n', [":5: layers[1].type", "softmax needs a vector"]),
    ('  - type: conv\n    kernel: "1 0 1; 0 1 0; 1 0 1"\n    stride: 2\n  - {type: maxpool, size: 3}\n',
     [":7: layers[1].size", "1×1, from conv1"]),
    ('  - type: conv\n    kernel: "1 0; 0 1"\n    bias: [1, 2]\n', [":6: layers[0].bias", "one bias per filter"]),
    ('  - type: conv\n    kernel: "1 0; 0 1"\n    stride: 0\n', [":6: layers[0].stride", "≥ 1"]),
    # keys and values that do not belong
    ('  - type: conv\n    kernal: "1 0; 0 1"\n', [":5: layers[0].kernal", "did you mean 'kernel'"]),
    ('  - {type: conv, kernel: "1 0; 0 1", activation: softmax}\n', [":4: layers[0].activation", "softmax"]),
    ('  - {type: conv, kernel: "1 0; 0 1", activation: rellu}\n', [":4: layers[0].activation", "did you mean 'relu'"]),
    ('  - {type: conv, kernel: "1 0; 0 1", padding: 1e300}\n', [":4: layers[0].padding", "at most 1,000,000"]),
    ('  - {type: conv, kernel: "1 0; 0 1", stride: "abc"}\n', [":4: layers[0].stride", "'abc'"]),
    ('  - 42\n', [":4: layers[0]", "expected a mapping"]),
])
def test_bad_layers(dlcalc, write, layers, fragments):
    path = write(HEAD + layers)
    assert_bad_input(dlcalc("cnn", path), path, *fragments)


def test_bad_top_level_fields(dlcalc, write):
    ok = '  - {type: conv, kernel: "1 0; 0 1"}\n'
    assert_bad_input(dlcalc("cnn", write(HEAD + ok + "target: 1\n")), ":5: target", "needs a loss")
    assert_bad_input(dlcalc("cnn", write(HEAD + ok + "loss: mse\n")), ":5: loss", "needs a target")
    assert_bad_input(dlcalc("cnn", write(HEAD + ok + "loss: mse\ntarget: [1, 2]\n")), "target", "3×3")
    assert_bad_input(dlcalc("cnn", write(HEAD + ok + "flipp: false\n")), ":5: flipp", "did you mean 'flip'")
    assert_bad_input(dlcalc("cnn", write("kind: cnn\ninput: [[[[1]]]]\nlayers: [flatten]\n")), ":2: input", "H×W")
    assert_bad_input(dlcalc("cnn", write(HEAD.replace("layers:\n", "layers: []\n"))), "layers", "non-empty")
    assert_bad_input(dlcalc("cnn", write("kind: mse\ntarget: [1]\npred: [1]\n")), "not cnn")


def test_grading_names_the_unflipped_kernel(dlcalc, write, tmp_path):
    # Flipped (the key): rows (0, 1, 1), (1, −1, −3), (−2, 0, 2) — see the contract example.
    # Not flipped: x(i,j) − x(i+1,j+1): rows (0, −1, −1), (−1, 1, 3), (2, 0, −2).
    key = write('problems:\n  - id: q1\n    kind: cnn\n    input: "1 2 0 1; 0 1 3 1; 2 1 0 0; 1 0 1 2"\n'
                '    layers: [{type: conv, kernel: "1 0; 0 -1"}]\n', "key.yaml")
    answers = tmp_path / "answers.csv"
    answers.write_text('student,problem,answer\nann,q1,"0 1 1; 1 -1 -3; -2 0 2"\nbob,q1,"0 -1 -1; -1 1 3; 2 0 -2"\n')
    r = dlcalc("grade", key, str(answers), "--format", "json")
    marks = {s["id"]: s["problems"][0] for s in r.json()["students"]}
    assert marks["ann"]["correct"] and not marks["bob"]["correct"]
    assert "flipped" in marks["bob"]["diagnosis"]


def test_shorthand_layers_and_linear_activation(dlcalc, write):
    # input 1 −2 (one row, a 1×2 image): `- tanh` → (tanh 1, tanh −2); `- relu` → (tanh 1, 0);
    # fc [[2, 3]] with activation linear (= none): net = 2·tanh 1 = 1.523188...
    text = 'kind: cnn\ninput: "1 -2"\nlayers:\n  - tanh\n  - relu\n  - {type: fc, weights: [[2, 3]], activation: linear}\n'
    r = dlcalc("cnn", write(text), "--format", "json")
    assert r.code == 0, r.err
    assert r.json()["answer"]["output"] == pytest.approx([2 * math.tanh(1)])
    assert [entry["name"] for entry in r.json()["answer"]["layers"]] == ["tanh", "relu", "fc1"]


def test_grading_the_loss(dlcalc, write, tmp_path):
    # −ln σ(0.6) = ln(1 + e^−0.6) = 0.437488…
    key = write("problems:\n  - id: q1\n    ask: loss\n" + "".join("    " + line + "\n" for line in CONTRACT.splitlines())
                + "    target: 1\n    loss: cross_entropy\n", "key.yaml")
    answers = tmp_path / "answers.csv"
    answers.write_text("student,problem,answer\nann,q1,0.4375\nbob,q1,0.6457\n")
    marks = {s["id"]: s["problems"][0] for s in dlcalc("grade", key, str(answers), "--format", "json").json()["students"]}
    assert marks["ann"]["correct"] and not marks["bob"]["correct"]
    assert marks["ann"]["expected"] == pytest.approx(math.log(1 + math.exp(-0.6)))


def test_strides_sizes_and_paddings_read_like_the_conv_command(dlcalc, write):
    # "1,1" / "2x2" / "0,1" as `dlcalc conv` reads them. Input 4×4 = 1…16, kernel [[1,0],[0,1]] (unchanged
    # by the flip), padding 0 rows and 1 column each side: padded rows (0 1 2 3 4 0), (0 5 6 7 8 0), …
    # O(i,j) = P(i,j) + P(i+1,j+1): O(1,1) = 0 + 5 = 5, O(2,2) = 5 + 10 = 15, O(2,4) = 7 + 12 = 19, O(2,5) = 8 + 0
    # 3×5 map [[5,7,9,11,4],[9,15,17,19,8],[13,23,25,27,12]]; 2×2 max pool, stride 2 → [[15, 19]]
    text = HEAD + ('  - {type: conv, kernel: "1 0; 0 1", stride: "1,1", padding: "0,1"}\n'
                   '  - {type: maxpool, size: 2x2, stride: "2"}\n')
    r = dlcalc("cnn", write(text.replace("1 2 0 1; 0 1 3 1; 2 1 0 0; 1 0 1 2",
                                         "1 2 3 4; 5 6 7 8; 9 10 11 12; 13 14 15 16")), "--format", "json")
    assert r.code == 0, r.err
    assert r.json()["answer"]["layers"][0]["output"][1] == [9, 15, 17, 19, 8]
    assert r.json()["answer"]["output"] == [[15, 19]]


def test_cross_entropy_after_a_one_unit_softmax_is_refused(dlcalc, write):
    # softmax over one unit is always 1: read as binary cross-entropy, label 0 would cost −ln(1 − 1) = ∞
    text = HEAD + '  - {type: flatten}\n  - {type: fc, weights: [[1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]], ' \
                  'activation: softmax}\ntarget: 0\nloss: cross_entropy\n'
    assert_bad_input(dlcalc("cnn", write(text)), "loss", "softmax over one unit")
