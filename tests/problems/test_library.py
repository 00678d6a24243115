"""Every bundled problem solves, and its graded answer equals a value derived here by hand.

Adding a problem to problems/library/ without adding its expected value below
fails `test_every_bundled_problem_is_asserted`, so the library stays checked.
"""
from __future__ import annotations

from math import exp, log, tanh
import subprocess
import sys

import numpy as np
import pytest

from dlcalc.problems import library
from tests.cli.test_backprop_cli import _reference_answers as _backprop_reference

Y_HW12_2 = np.array([[0.05, 0.83, 0.13, 0.85], [0.15, 0.03, 0.05, 0.19], [0.77, 0.21, 0.91, 0.10],
                     [0.94, 0.82, 0.07, 0.97]])



def _s(z: float) -> float:
    return 1 / (1 + exp(-z))


EXPECTED: dict[str, object] = {
    # labels 1,0,1,0 with p = .6,.6,.3,.4: terms −ln.6, −ln(1−.6), −ln.3, −ln(1−.4); the slide's 0.6841 is wrong
    "l12-bce-glaucoma": (-log(0.6) - log(0.4) - log(0.3) - log(0.6)) / 4,   # 0.7855
    "l12-ce-cataract": (-log(0.6) - log(0.7) - log(0.4)) / 3,               # 0.5946
    # ask: loss. |X∩Y| = .73+.85+.98+.89+.93+.82+.97 = 6.17, |X| = 7, |Y| = 6.92
    "l12-dice-octa": 1 - 2 * 6.17 / (7 + 6.92),                              # 0.1135
    "l12-mse-severity": (0.5 ** 2 + 0.7 ** 2 + 0.2 ** 2) / 3,                # 0.26
    "hw12-1": (-log(0.6) - log(0.5) - log(0.75)) / 3,                        # 0.4972
    # Σxy = .83+.85+.77+.91+.94+.82+.97 = 6.09; Σx² = 7 (binary mask)
    "hw12-2": 2 * 6.09 / (7 + float((Y_HW12_2 ** 2).sum())),
    "hw12-3": (0.5 ** 2 + 0.2 ** 2 + 1.1 ** 2 + 0.1 ** 2) / 4,               # 1.51 / 4 = 0.3775
    # ── Big Data Analytics lecture 8: neurons and gates (ask: net, then logical outputs for x = 00, 01, 10, 11)
    "bd8-neuron-exercise": 0.7 - 0.1 * 0.3 + 0.4 * (-0.4) + 0.6 * 0.5,      # 0.81
    "bd8-and": [0, 0, 0, 1],
    "bd8-or": [0, 1, 1, 1],
    "bd8-nand": [1, 1, 1, 0],
    "bd8-xor": [0, 1, 1, 0],
    "bd8-xnor": [1, 0, 0, 1],
    # perceptron on AND (±1 labels, η = 1): w after each epoch (2,2) (4,2) (4,2) (4,4) (4,2); epoch 6 error-free
    "bd8-perceptron-and": [4, 2],
    "bd8-perceptron-or-step": [0.5, 0.5],
    "bd8-perceptron-xor": False,                                             # XOR is not linearly separable
    # ── activations: σ'(z) = σ(1 − σ), tanh' = 1 − tanh², leaky ReLU with α = 0.1, softmax = e^z / Σ e^z
    "dl-sigmoid": [_s(z) * (1 - _s(z)) for z in (-2, 0, 0.5, 2)],
    "dl-tanh": [1 - tanh(z) ** 2 for z in (-1, 0, 0.5)],
    "dl-relu": [-0.3, 0, 2],
    "dl-softmax": [exp(v) / (exp(2) + exp(1) + exp(0.1)) for v in (2, 1, 0.1)],
    "dl-softmax-large": [v / (exp(-2) + exp(-1) + 1) for v in (exp(-2), exp(-1), 1)],
    # ── convolution: the slides' 5×5 image and X-shaped kernel (symmetric under 180°), worked by hand in
    # tests/calc/test_conv.py, test_pool.py and test_convsize.py
    "dl-conv-stride1": [[4, 3, 4], [2, 4, 3], [2, 3, 4]],
    "dl-conv-stride2": [[4, 4], [2, 4]],
    # padded: row 1, column 3 is 0·1+0·0+0·1+1·0+1·1+0·0+1·1+1·0+1·1 = 3 (the slide prints 2)
    "dl-conv-padding": [[2, 2, 3, 1, 1], [1, 4, 3, 4, 1], [1, 2, 4, 3, 3], [0, 2, 3, 4, 2], [0, 1, 2, 2, 1]],
    "dl-maxpool": [[20, 30], [112, 37]],                                      # max of each 2×2 block
    "dl-convsize-params": 30,                                                 # (3×3 + 1)×3
    "dl-convsize-fc": 111,                                                    # (36 + 1)×3
    "l13-conv-flip": [[0, 3], [5, 1]],
    "l13-conv-dilated": [[2, 1, 1], [0, 2, 3], [1, 1, 2]],
    "l13-conv-two-filters": [[[4, 0], [4, 2]], [[0, 0], [1, 1]]],
    "l13-avgpool": [[13, 8], [79, 19.5]],
    # ── CNN forward passes (worked by hand in tests/cli/test_cnn_cli.py)
    "hw13": [6.3],                                                            # 0.1·7 + 0.2·9 + 0.3·6 + 0.4·5
    "l13-cnn-rgb": [_s(1.5), 1 - _s(1.5)],                                    # softmax of two scores 1.5 apart
    "l13-cnn-dilated": [[3, 6], [1, 3]],
    "dl-cnn-whole": [_s(3.25), 1 - _s(3.25)],
    "dl-cnn-params-conv": 30,                                                 # (3×3 + 1)×3
    "dl-cnn-params-fc": 111,                                                  # (36 + 1)×3
}
# ── receptive fields, r ← r + (k − 1)·j, j ← j·s: 1 + 2 + 2 + 2 = 7; AlexNet 11 (j 4), 19 (j 8), 51, 67 (j 16),
# 99, 131, 163, 195 (j 32); tests/calc/test_receptive_field.py checks both against a walk over pixel indices
EXPECTED.update({"rf-three-3x3": [7, 7], "rf-alexnet": [195, 195]})
# ── batch norm of X = [[1, 2], [3, 6], [5, 10]]: μ = (3, 6), σ² = (8/3, 32/3), x̂ = (x − μ)/√(σ² + 1e-5);
# ∂L/∂γ = Σ_i ∂L/∂y·x̂ with ∂L/∂y = [[1, 0], [0, 1], [−1, 2]]: x̂ column 1 is (−a, 0, a), column 2 (−b, 0, b)
_A, _B = 2 / np.sqrt(8 / 3 + 1e-5), 4 / np.sqrt(32 / 3 + 1e-5)
EXPECTED.update({"bn-forward": [[-_A, -_B], [0, 0], [_A, _B]],
                 "bn-backward": [1 * -_A + 0 + (-1) * _A, 0 * -_B + 1 * 0 + 2 * _B]})
# ── attention, Q = K = V = [[1, 0], [0, 1], [1, 1]], causal, ÷√2: row 1 attends to itself only → (1, 0);
# row 2 scores (0, 1/√2): weights (1, e^(1/√2))/(1 + e^(1/√2)); row 3 scores (1, 1, 2)/√2
_E = np.exp(1 / np.sqrt(2))
_W3 = np.array([_E, _E, _E ** 2]) / (2 * _E + _E ** 2)
EXPECTED.update({"attn-self": [[1, 0], [1 / (1 + _E), _E / (1 + _E)], [_W3[0] + _W3[2], _W3[1] + _W3[2]]]})
# ── transposed convolution, d2l 14.10 (its printed tensors): stride 2, and padding 1 leaving the centre 4
EXPECTED.update({"tconv-d2l-stride2": [[0, 0, 0, 1], [0, 0, 2, 3], [0, 2, 0, 3], [4, 6, 6, 9]], "tconv-d2l-padding": [[4]]})
# ── graphs, CS231n: q = x + y = 3, f = qz: ∂f/∂x = ∂f/∂y = z = −4, ∂f/∂z = q = 3; the sigmoid neuron's dot
# product is 2·(−1) + (−3)(−2) − 3 = 1, so each gradient is σ(1)(1 − σ(1)) = 0.1966 times the other factor
_S = _s(1) * (1 - _s(1))
EXPECTED.update({"graph-cs231n": {"x": -4, "y": -4, "z": 3},
                 "graph-sigmoid-neuron": {"w0": -_S, "x0": 2 * _S, "w1": -2 * _S, "x1": -3 * _S, "w2": _S}})
# ── Hessian of L = (1 − w1·w2)² at 0: H = [[0, −2], [−2, 0]], λ = −2, 2, escape along u = (1, 1), 1 of 2 positive
EXPECTED.update({"dl-hessian-saddle": "saddle", "dl-hessian-eigenvalues": [-2, 2], "dl-hessian-escape": [1, 1],
                 "dl-hessian-minimum-ratio": 0.5})


def _optimisers() -> dict:
    """L = (1 − w1·w2)² from (1, 0.5), η = 0.1, two steps: g = (−2·w2·r, −2·w1·r) with r = 1 − w1·w2."""
    g0, th1_gd = np.array([-0.5, -1.0]), np.array([1.05, 0.6])                 # r = 0.5
    g1_gd = np.array([-2 * 0.6 * 0.37, -2 * 1.05 * 0.37])                      # r = 1 − 0.63 = 0.37
    m2 = 0.9 * np.array([0.05, 0.1]) - 0.1 * g1_gd                              # momentum: m1 = −η·g0
    th1_ada = np.array([1.1, 0.6])                                              # σ0 = |g0|: a step of η each
    g1_ada = np.array([-2 * 0.6 * 0.34, -2 * 1.1 * 0.34])                       # r = 1 − 0.66 = 0.34
    sigma_mean = np.sqrt((g0 ** 2 + g1_ada ** 2) / 2)
    sigma_sum = np.sqrt(g0 ** 2 + g1_ada ** 2) + 1e-10
    sigma_rms = np.sqrt(0.9 * g0 ** 2 + 0.1 * g1_ada ** 2)
    # Adam: step 1 has m̂ = g, v̂ = g², so each θ moves by η·|g|/(|g| + ε), a hair under η
    th1_adam = np.array([1.0, 0.5]) - 0.1 * g0 / (np.abs(g0) + 1e-8)
    r = 1 - th1_adam[0] * th1_adam[1]
    g1_adam = np.array([-2 * th1_adam[1] * r, -2 * th1_adam[0] * r])
    m = 0.9 * 0.1 * g0 + 0.1 * g1_adam
    v = 0.999 * 0.001 * g0 ** 2 + 0.001 * g1_adam ** 2
    m_hat, v_hat = m / (1 - 0.9 ** 2), v / (1 - 0.999 ** 2)
    return {
        "dl-opt-gd": th1_gd - 0.1 * g1_gd,                                      # (1.0944, 0.6777)
        "dl-opt-momentum": th1_gd + m2,                                         # (1.1394, 0.7677)
        "dl-opt-adagrad": th1_ada - 0.1 * g1_ada / sigma_mean,
        "dl-opt-adagrad-sum": np.array([1.0, 0.5]) - 0.1 * g0 / (np.abs(g0) + 1e-10) - 0.1 * g1_ada / sigma_sum,
        "dl-opt-rmsprop": th1_ada - 0.1 * g1_ada / sigma_rms,
        "dl-opt-adam": th1_adam - 0.1 * m_hat / (np.sqrt(v_hat) + 1e-8),
    }


EXPECTED.update(_optimisers())
# ── backprop: the reference chain rule written in tests/calc/test_backprop.py (the 2-2-2 example's published
# w1′…w8′ = 0.149780716 … 0.561370121 and error 0.2984 are asserted against it there)
EXPECTED.update(_backprop_reference())


def test_every_bundled_problem_is_asserted():
    missing = sorted(set(library.problems()) - set(EXPECTED))
    assert not missing, f"bundled problems without an asserted value: {missing}"


@pytest.mark.parametrize("pid", sorted(EXPECTED))
def test_bundled_problem_value(pid):
    problem = library.problems()[pid]
    assert problem.error is None, problem.error
    value = problem.solve().answer[problem.ask]
    expected = EXPECTED[pid]
    if isinstance(expected, (str, bool)):
        assert value == expected
    elif isinstance(expected, dict):
        assert list(value) == list(expected)
        np.testing.assert_allclose(list(value.values()), list(expected.values()), rtol=1e-9, atol=1e-12)
    else:
        np.testing.assert_allclose(np.asarray(value, dtype=float), np.asarray(expected, dtype=float), rtol=1e-9, atol=1e-12)


def test_every_bundled_problem_names_its_source():
    for pid, problem in library.problems().items():
        assert problem.meta.get("source"), f"{pid} has no source"


def test_only_kinds_declared_symbolic_import_sympy():
    # solve --jobs sends symbolic kinds to its workers and solves the rest without sympy: a kind that needs
    # sympy but is not declared so would make the reading process import it after all (half a second)
    code = (
        "import sys\n"
        "from dlcalc.problems import library, loader, registry\n"
        "plain = [k for k in registry.kinds().values() if not k.symbolic]\n"
        "for p in library.problems().values():\n"
        "    if p.kind in plain and p.error is None:\n"
        "        p.solve()\n"
        "for k in plain:\n"
        "    loader.load_mapping({'kind': k.name, **k.practice}).solve()\n"
        "print(len(plain), 'sympy' in sys.modules)\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    count, imported = r.stdout.split()
    assert int(count) >= 15 and imported == "False"
