"""`cnn` with `gradients: true`: every layer's ∂L/∂weights and ∂L/∂bias against central differences of the
loss the forward pass computes (each parameter nudged, the whole network solved again)."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from dlcalc.calc.cnn import CnnLayer, solve
from dlcalc.calc.errors import BadInput

X = np.array([[1.0, 2, 0, 1], [0, 1, 3, 1], [2, 1, 0, 0], [1, 0, 1, 2]])


def loss(layers, target, kind, x=X, flip=True):
    return solve(x, layers, flip=flip, target=target, loss=kind).answer["loss"]


def numeric(layers, n, key, target, kind, x=X, flip=True):
    base = np.asarray(getattr(layers[n], key), dtype=float)
    out, h = np.zeros_like(base), 1e-6
    for ix in np.ndindex(base.shape):
        vals = []
        for step in (h, -h):
            v = base.copy()
            v[ix] += step
            changed = list(layers)
            changed[n] = dataclasses.replace(layers[n], **{key: v})
            vals.append(loss(changed, target, kind, x, flip))
        out[ix] = (vals[0] - vals[1]) / (2 * h)
    return out


NETS = {
    "conv-relu-maxpool-fc-sigmoid-mse": ([
        CnnLayer("conv", kernel=np.array([[1.0, 0.5], [0.2, -1]]), bias=np.array([0.1]), activation="relu"),
        CnnLayer("maxpool", size=2), CnnLayer("flatten"),
        CnnLayer("fc", weights=np.array([[0.5]]), bias=np.array([0.1]), activation="sigmoid"),
    ], np.array([1.0]), "mse"),
    "conv-stride-pad-avgpool-fc-softmax-ce": ([
        CnnLayer("conv", kernel=np.array([[0.3, -0.2, 0.1], [0.5, 0.4, -0.6], [0.2, 0.1, 0.3]]), bias=np.array([0.05]),
                 stride=2, padding=1, activation="tanh"),
        CnnLayer("avgpool", size=2), CnnLayer("flatten"),
        CnnLayer("fc", weights=np.array([[0.7], [-0.4], [0.2]]), bias=np.array([0.0, 0.1, -0.1]), activation="softmax"),
    ], np.array(2.0), "cross_entropy"),
    "two-filters-logits-ce": ([
        CnnLayer("conv", kernel=np.array([[[[1.0, -1], [0.5, 0.2]]], [[[0.3, 0.2], [-0.4, 0.6]]]]), activation="sigmoid"),
        CnnLayer("maxpool", size=3), CnnLayer("flatten"),
        CnnLayer("fc", weights=np.array([[0.5, -0.2], [0.1, 0.8]]), bias=np.array([0.2, -0.2])),
    ], np.array(0.0), "cross_entropy"),
}


@pytest.mark.parametrize("name", sorted(NETS))
@pytest.mark.parametrize("flip", [True, False])
def test_gradients_match_central_differences(name, flip):
    layers, target, kind = NETS[name]
    got = solve(X, layers, flip=flip, target=target, loss=kind, gradients=True).answer["gradients"]
    assert [g is None for g in got] == [layer.type not in ("conv", "fc") for layer in layers]
    for n, layer in enumerate(layers):
        if got[n] is None:
            continue
        key = "kernel" if layer.type == "conv" else "weights"
        np.testing.assert_allclose(got[n]["weights"], numeric(layers, n, key, target, kind, flip=flip), atol=1e-6)
        assert np.shape(got[n]["weights"]) == np.shape(getattr(layer, key))        # the shape the file gave
        if layer.bias is not None:
            np.testing.assert_allclose(got[n]["bias"], numeric(layers, n, "bias", target, kind, flip=flip), atol=1e-6)


def test_gradients_need_a_loss():
    with pytest.raises(BadInput, match="a target and a loss"):
        solve(X, [CnnLayer("conv", kernel=np.array([[1.0]]))], gradients=True)
