"""`dlcalc backprop FILE`: answers, options, formats, bundled examples and every kind of bad input."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.conftest import assert_bad_input

LIBRARY = Path(__file__).resolve().parents[2] / "problems" / "library"

HEAD = """kind: backprop
input: [0.05, 0.10]
target: [0.01, 0.99]
"""
LAYERS = """layers:
  - {weights: [[0.15, 0.20], [0.25, 0.30]], bias: 0.35, activation: sigmoid}
  - {weights: [[0.40, 0.45], [0.50, 0.55]], bias: 0.60, activation: sigmoid}
"""
MAZUR = HEAD + LAYERS + "learning_rate: 0.5\nupdate_bias: false\n"

# The published 2-2-2 example (Big Data Analytics lecture 8; Mazur's step-by-step solution):
# total error 0.298371109; with the biases fixed, w1…w8 after one step with η = 0.5:
PUBLISHED = [0.149780716, 0.19956143, 0.24975114, 0.29950229, 0.35891648, 0.408666186, 0.511301270, 0.561370121]


def write(tmp_path: Path, text: str, name: str = "p.yaml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_json_answer_follows_the_contract(dlcalc, tmp_path):
    r = dlcalc("backprop", write(tmp_path, MAZUR), "--format", "json")
    assert r.code == 0, r.err
    out = r.json()
    assert out["kind"] == "backprop"
    a = out["answer"]
    assert a["loss"] == pytest.approx(0.298371109, abs=1e-9)
    assert [list(np.ravel(layer["weights"])) for layer in a["layers"]] == [
        pytest.approx(PUBLISHED[:4], abs=6e-9), pytest.approx(PUBLISHED[4:], abs=6e-9)]
    assert a["layers"][0]["bias"] == [0.35, 0.35]
    # loss with the published updated weights: ½(0.742088111 − 0.01)² + ½(0.775284968 − 0.99)² = 0.291027774
    assert a["loss_after"] == pytest.approx(0.291027774, abs=1e-9)
    titles = [s["title"] for s in out["steps"]]
    for word in ("Conventions", "Names", "Forward pass", "Loss", "Output δ", "Hidden δ", "Gradients",
                 "Updated weights", "Loss after the update"):
        assert any(word in title for title in titles), word
    order = [next(i for i, title in enumerate(titles) if w in title)
             for w in ("Forward pass", "Loss", "Output δ", "Hidden δ", "Gradients", "Updated weights", "Loss after")]
    assert order == sorted(order)


def test_plain_steps_show_the_numbers_a_student_writes(dlcalc, tmp_path):
    r = dlcalc("backprop", write(tmp_path, MAZUR), "--format", "plain")
    assert r.code == 0, r.err
    # net_h1 = 0.15·0.05 + 0.20·0.10 + 0.35 = 0.3775, out_h1 = σ(0.3775) = 0.5933
    assert "net_h1 = w1·x1 + w2·x2 + b_h1 = 0.15·0.05 + 0.2·0.1 + 0.35 = 0.3775" in r.out
    assert "out_h1 = σ(0.3775) = 0.5933" in r.out
    # δ_o1 = 0.7414·0.1868 = 0.1385, ∂L/∂w5 = 0.1385·0.5933 = 0.0822, w5′ = 0.4 − 0.5·0.0822 = 0.3589
    assert "δ_o1 = ∂L/∂out_o1 · ∂out_o1/∂net_o1 = 0.7414·0.1868 = 0.1385" in r.out
    assert "∂L/∂w5 = δ_o1·out_h1 = 0.1385·0.5933 = 0.0822" in r.out
    assert "w5′ = w5 − η·∂L/∂w5 = 0.4 − 0.5·0.0822 = 0.3589" in r.out
    assert "δ_h1 = (δ_o1·w5 + δ_o2·w7) · ∂out_h1/∂net_h1" in r.out
    assert "biases are kept fixed" in r.out


def test_options_override_the_file(dlcalc, tmp_path):
    path = write(tmp_path, HEAD + LAYERS)  # update_bias defaults to true, η to 0.5
    moved = dlcalc("backprop", path, "--format", "json").json()["answer"]
    fixed = dlcalc("backprop", path, "--fixed-bias", "--format", "json").json()["answer"]
    assert moved["biases"] != fixed["biases"] and fixed["biases"] == [0.35, 0.35, 0.6, 0.6]
    # η = 1: w5′ = 0.4 − 1·0.082167041 = 0.317832959
    fast = dlcalc("backprop", path, "--lr", "1", "--format", "json").json()["answer"]
    assert fast["weights"][4] == pytest.approx(0.317832959, abs=1e-8)
    many = dlcalc("backprop", path, "--steps", "4", "--format", "json").json()["answer"]
    assert len(many["losses"]) == 5 and all(b < a for a, b in zip(many["losses"], many["losses"][1:]))


def test_check_compares_with_numerical_gradients(dlcalc, tmp_path):
    r = dlcalc("backprop", write(tmp_path, MAZUR), "--check", "--format", "plain")
    assert r.code == 0, r.err
    assert "Gradient check (central differences" in r.out and "largest |backprop − numerical| = " in r.out
    j = dlcalc("backprop", write(tmp_path, MAZUR), "--check", "--format", "json").json()["answer"]
    assert j["check_max_difference"] < 1e-8


def test_several_samples_batch_and_sgd(dlcalc, tmp_path):
    text = """input: [[0.05, 0.10], [0.5, -0.2]]
target: [[0.01, 0.99], [0.7, 0.2]]
""" + LAYERS
    path = write(tmp_path, text)  # `kind` may be left out: the command names it
    sgd = dlcalc("backprop", path, "--format", "json", "--steps", "2").json()["answer"]
    batch = dlcalc("backprop", path, "--batch", "--format", "json", "--steps", "2").json()["answer"]
    assert len(sgd["losses"]) == 5 and len(batch["losses"]) == 3
    assert sgd["loss"] == batch["loss"]
    assert np.shape(batch["outputs"]) == (2, 2)
    plain = dlcalc("backprop", path, "--batch", "--format", "plain").out
    assert "Forward pass, sample 2" in plain and "(1/2) Σ_s" in plain


@pytest.mark.parametrize("fmt", ["rich", "markdown", "latex"])
def test_other_formats_render(dlcalc, tmp_path, monkeypatch, fmt):
    monkeypatch.setenv("COLUMNS", "80")
    r = dlcalc("backprop", write(tmp_path, MAZUR), "--format", fmt, "--check")
    assert r.code == 0 and "Traceback" not in r.err
    assert "0.3589" in r.out


def test_answer_only_prints_one_line_per_key(dlcalc, tmp_path):
    r = dlcalc("backprop", write(tmp_path, MAZUR), "-q", "--format", "plain")
    lines = r.out.strip().splitlines()
    assert lines[0] == "loss = 0.2984" and any(x.startswith("layers = ") for x in lines)
    assert len(lines) == len({x.split(" = ")[0] for x in lines})


def test_bundled_examples_solve(dlcalc):
    files = sorted(LIBRARY.glob("*backprop*.yaml"))
    assert len(files) >= 3
    for path in files:
        r = dlcalc("solve", str(path), "--format", "json")
        assert r.code == 0, (path, r.err)


def test_bundled_222_example_reports_in_the_slides_layout(dlcalc):
    r = dlcalc("solve", "--example", "bd8-backprop-222", "--format", "json")
    a = __import__("json").loads(r.out.splitlines()[0])["answer"]
    assert a["loss"] == pytest.approx(0.298371109, abs=1e-9)
    assert a["weights"] == pytest.approx(PUBLISHED, abs=6e-9)
    # in_out: rows are the sending units, so layer 1 reads [[w1, w3], [w2, w4]]
    assert np.array(a["layers"][0]["weights"]) == pytest.approx(np.array([[PUBLISHED[0], PUBLISHED[2]],
                                                                        [PUBLISHED[1], PUBLISHED[3]]]), abs=6e-9)


# ── bad input: exit 2, one line naming file:line, layer and field ────────────

L0 = "  - {weights: [[0.15, 0.20], [0.25, 0.30]], bias: 0.35}\n"  # line 5


@pytest.mark.parametrize("body, fragments", [
    (L0 + "  - {weights: [[0.40, 0.45, 0.1], [0.50, 0.55, 0.2]]}\n", ("p.yaml:6", "layers[1].weights", "takes 3 inputs",
                                                                     "layers[0] has 2 units")),
    ("  - {weights: [[0.15, 0.20, 0.1], [0.25, 0.30, 0.1]]}\n  - {weights: [[0.4, 0.45], [0.5, 0.55]]}\n",
     ("p.yaml:2", "input", "takes 3 inputs")),
    (L0 + "  - {weights: [[0.40, 0.45]]}\n", ("p.yaml:3", "target", "last layer (layers[1]) has 1 unit")),
    ("  - {weights: [[0.15, 0.20], [0.25, 0.30]], activation: softmax}\n  - {weights: [[0.4, 0.45], [0.5, 0.55]]}\n",
     ("p.yaml:5", "layers[0].activation", "softmax is only allowed in the last layer")),
    (L0 + "  - {weights: [[0.4, 0.45], [0.5, 0.55]], activation: sigmod}\n",
     ("p.yaml:6", "layers[1].activation", "unknown activation 'sigmod'", "did you mean 'sigmoid'")),
    (L0 + "  - {weights: [[0.4, 0.45], [0.5, 0.55]]}\nloss: half_see\n", ("p.yaml:7", "loss", "did you mean 'half_sse'")),
    (L0 + "  - {weights: [[0.4, 0.45], [0.5, 0.55]]}\nlearning_rate: 0\n", ("p.yaml:7", "learning_rate", "> 0")),
    (L0 + "  - {weights: [[0.4, 0.45], [0.5, 0.55]]}\nlearning_rate: -0.5\n", ("p.yaml:7", "learning_rate", "> 0")),
    (L0 + "  - {weights: [[0.4, 0.45], [0.5, 0.55]]}\nloss: cross_entropy\n",
     ("p.yaml:6", "layers[1].activation", "needs a softmax output layer")),
    (L0 + "  - {weights: [[0.4, 0.45], [0.5, 0.55]], activation: relu}\nloss: bce\n",
     ("p.yaml:6", "layers[1].activation", "bce needs a sigmoid output")),
    (L0 + "  - {wieghts: [[0.4, 0.45], [0.5, 0.55]]}\n", ("p.yaml:6", "layers[1].wieghts", "did you mean 'weights'")),
    (L0 + "  - {bias: 0.6}\n", ("p.yaml:6", "layers[1].weights", "missing")),
    (L0 + "  - weights: [[0.4, 0.45], [0.5]]\n", ("p.yaml:6", "layers[1].weights", "ragged")),
    (L0 + "  - weights: [[0.4, 0.45], [0.5, x]]\n", ("p.yaml:6", "layers[1].weights")),
    ("  - {weights: [[0.15, 0.20], [0.25, 0.30]], bias: [1, 2, 3]}\n  - {weights: [[0.4, 0.45], [0.5, 0.55]]}\n",
     ("p.yaml:5", "layers[0].bias", "3 values", "2 units")),
    ("  - {weights: [[0.15, 0.20], [0.25, 0.30]], activation: step}\n", ("p.yaml:5", "layers[0].activation", "derivative 0")),
    ("  - [[0.15, 0.20], [0.25, 0.30]]\n", ("p.yaml:5", "layers[0]", "mapping")),
    ("  []\n", ("layers", "non-empty list")),
    (L0 + "  - {weights: [[0.4, 0.45], [0.5, 0.55]]}\nlayout: rows\n", ("p.yaml:7", "layout", "out_in")),
    (L0 + "  - {weights: [[0.4, 0.45], [0.5, 0.55]]}\nsteps: 0\n", ("p.yaml:7", "steps", "≥ 1")),
    (L0 + "  - {weights: [[0.4, 0.45], [0.5, 0.55]]}\nbogus: 1\n", ("p.yaml:7", "bogus")),
])
def test_bad_problem_files(dlcalc, tmp_path, body, fragments):
    r = dlcalc("backprop", write(tmp_path, HEAD + "layers:\n" + body))
    assert_bad_input(r, *fragments)


def test_cross_entropy_needs_probability_targets(dlcalc, tmp_path):
    text = """kind: backprop
input: [0.05, 0.10]
target: [0.5, 0.99]
layers:
  - {weights: [[0.15, 0.20], [0.25, 0.30]]}
  - {weights: [[0.4, 0.45], [0.5, 0.55]], activation: softmax}
loss: cross_entropy
"""
    assert_bad_input(dlcalc("backprop", write(tmp_path, text)), "p.yaml:3", "target", "sums to 1.49")
    assert_bad_input(dlcalc("backprop", write(tmp_path, text.replace("[0.5, 0.99]", "[1.5, -0.5]"))),
                     "p.yaml:3", "target", "[0, 1]")


@pytest.mark.parametrize("args, fragments", [
    (["--lr", "0"], ("--lr", "> 0")),
    (["--lr", "-1"], ("--lr", "> 0")),
    (["--lr", "inf"], ("--lr", "finite")),
    (["--steps", "1000000000"], ("steps", "at most 100000")),
    (["--steps", "0"], ("--steps",)),
    (["--names", "short"], ("--names", "numbered")),
    (["--detail", "0"], ("--detail",)),
])
def test_bad_options(dlcalc, tmp_path, args, fragments):
    assert_bad_input(dlcalc("backprop", write(tmp_path, MAZUR), *args), *fragments)


def test_unreadable_or_wrong_files(dlcalc, tmp_path):
    assert_bad_input(dlcalc("backprop", str(tmp_path / "missing.yaml")), "missing.yaml", "no such file")
    assert_bad_input(dlcalc("backprop", write(tmp_path, "kind: mse\ntarget: [1]\npred: [1]\n")), "mse", "dlcalc solve")
    assert_bad_input(dlcalc("backprop", write(tmp_path, HEAD + "layers: [\n")), "p.yaml", "YAML")


def _reference_answers() -> dict:
    """The asked value of each bundled backprop problem, from the reference chain rule in tests/calc."""
    from tests.calc.test_backprop import ref_forward, ref_grads, ref_loss

    def train(Ws, bs, acts, X, T, loss, lr, update_bias, steps=1):
        Ws, bs = [np.array(w, float) for w in Ws], [np.array(b, float) for b in bs]
        for _ in range(steps):
            for x, t in zip(X, T):  # one sample: one update (SGD)
                gW, gb = ref_grads(Ws, bs, acts, np.array(x, float), np.array(t, float), loss)
                Ws = [w - lr * g for w, g in zip(Ws, gW)]
                bs = [b - lr * g for b, g in zip(bs, gb)] if update_bias else bs
        mean = np.mean([ref_loss(loss, ref_forward(Ws, bs, acts, x)[1][-1], np.array(t, float)) for x, t in zip(X, T)])
        return Ws, bs, mean

    sig = ["sigmoid"] * 3
    W222 = [[[0.15, 0.20], [0.25, 0.30]], [[0.40, 0.45], [0.50, 0.55]]]  # the slide's in_out blocks, transposed
    b222 = [[0.35, 0.35], [0.6, 0.6]]
    W2321 = [[[0.1, 0.8], [0.4, 0.6], [0.3, 0.2]], [[0.2, 0.5, 0.3], [0.6, 0.1, 0.4]], [[0.3, 0.9]]]
    b2321 = [np.zeros(3), np.zeros(2), np.zeros(1)]
    fixed, _, _ = train(W222, b222, sig[:2], [[0.05, 0.10]], [[0.01, 0.99]], "half_sse", 0.5, False)
    _, _, with_bias = train(W222, b222, sig[:2], [[0.05, 0.10]], [[0.01, 0.99]], "half_sse", 0.5, True)
    l12, _, _ = train(W2321, b2321, sig, [[0.35, 0.9]], [[0.5]], "half_sse", 0.5, False)
    ce = [[[0.2, -0.4], [0.7, 0.1]], [[0.5, -0.3], [-0.2, 0.8], [0.3, 0.4]]]
    ce_loss = ref_loss("cross_entropy", ref_forward([np.array(w) for w in ce], [np.array([0.1, -0.1]), np.zeros(3)],
                                                    ["sigmoid", "softmax"], np.array([1.0, 0.5]))[1][-1], np.array([0, 0, 1.0]))
    _, _, l13 = train(W2321, b2321, sig, [[0.35, 0.9], [0.8, 0.1]], [[0.5], [0.2]], "half_sse", 0.5, False, steps=2)
    return {
        "bd8-backprop-222": np.concatenate([w.ravel() for w in fixed]),
        "bd8-backprop-222-bias": with_bias,
        "l12-backprop-2321": np.concatenate([w.ravel() for w in l12]),
        "l12-backprop-softmax-ce": ce_loss,
        "l13-backprop-sgd": l13,
    }


def test_bundled_backprop_answers_match_the_reference():
    from dlcalc.problems import library

    expected = _reference_answers()
    ours = {pid: p for pid, p in library.problems().items() if p.kind is not None and p.kind.name == "backprop"}
    assert set(ours) == set(expected)
    for pid, problem in ours.items():
        value = problem.solve().answer[problem.ask]
        np.testing.assert_allclose(np.asarray(value, float), np.asarray(expected[pid], float), rtol=1e-9, atol=1e-12)


def test_odd_tokens_are_quoted_on_one_line():
    from dlcalc.problems.loader import load_text

    for layer in ('{weights: [1], "a\\nb": 1}', '{weights: [1], activation: "sig\\nmoid"}'):
        p = load_text(f"kind: backprop\ninput: [1]\ntarget: [1]\nlayers:\n- {layer}\n", "f.yaml")[0]
        assert p.error is not None and "\n" not in str(p.error) and "f.yaml:5: layers[0]." in str(p.error)
