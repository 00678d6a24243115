"""calc/backprop.py: the course's 2-2-2 example, and gradients against references written here.

Expected values come from the published worked example (Big Data Analytics lecture 8,
the well-known 2-2-2 example of Mazur's "A Step by Step Backpropagation Example"),
from hand computation in comments, or from the reference implementation below
(full-Jacobian chain rule and central differences, written independently of calc/).
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dlcalc.calc import backprop as bp
from dlcalc.calc.errors import BadInput

X = [0.05, 0.10]
T = [0.01, 0.99]
W1 = [[0.15, 0.20], [0.25, 0.30]]
W2 = [[0.40, 0.45], [0.50, 0.55]]


def mazur(**kw):
    layers = [{"weights": W1, "bias": 0.35, "activation": "sigmoid"},
              {"weights": W2, "bias": 0.60, "activation": "sigmoid"}]
    return bp.backprop(X, T, layers, **{"learning_rate": 0.5, **kw})


# ── an independent reference: forward, loss, full-Jacobian chain rule ──────────

def ref_f(name, z):
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-z))
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.maximum(z, 0.0)
    if name == "leaky_relu":
        return np.where(z > 0, z, 0.01 * z)
    if name == "linear":
        return z.copy()
    e = np.exp(z - z.max())
    return e / e.sum()


def ref_jacobian(name, z):
    """∂out/∂net as a full matrix (softmax: diag(s) − s·sᵀ)."""
    if name == "softmax":
        s = ref_f("softmax", z)
        return np.diag(s) - np.outer(s, s)
    y = ref_f(name, z)
    d = {"sigmoid": y * (1 - y), "tanh": 1 - y * y, "relu": (z > 0) * 1.0,
         "leaky_relu": np.where(z > 0, 1.0, 0.01), "linear": np.ones_like(z)}[name]
    return np.diag(d)


def ref_loss(loss, y, t):
    if loss == "half_sse":
        return 0.5 * np.sum((y - t) ** 2)
    if loss == "sse":
        return np.sum((y - t) ** 2)
    if loss == "mse":
        return np.mean((y - t) ** 2)
    if loss == "cross_entropy":
        return -np.sum(t * np.log(y))
    return -np.sum(t * np.log(y) + (1 - t) * np.log(1 - y))


def ref_dloss(loss, y, t):
    return {"half_sse": y - t, "sse": 2 * (y - t), "mse": 2 * (y - t) / y.size,
            "cross_entropy": -t / y, "bce": -t / y + (1 - t) / (1 - y)}[loss]


def ref_forward(Ws, bs, acts, x):
    a, zs, outs = np.asarray(x, float), [], [np.asarray(x, float)]
    for W, b, act in zip(Ws, bs, acts):
        zs.append(W @ a + b)
        a = ref_f(act, zs[-1])
        outs.append(a)
    return zs, outs


def ref_grads(Ws, bs, acts, x, t, loss):
    """Chain rule with full Jacobians: g_net = Jᵀ·g_out, g_W = g_net·aᵀ, g_out(prev) = Wᵀ·g_net."""
    zs, outs = ref_forward(Ws, bs, acts, x)
    g_out = ref_dloss(loss, outs[-1], np.asarray(t, float))
    gWs, gbs = [None] * len(Ws), [None] * len(Ws)
    for k in range(len(Ws) - 1, -1, -1):
        g_net = ref_jacobian(acts[k], zs[k]).T @ g_out
        gWs[k], gbs[k] = np.outer(g_net, outs[k]), g_net
        g_out = Ws[k].T @ g_net
    return gWs, gbs


def ref_numeric(Ws, bs, acts, X, T, loss, h=1e-6):
    """Central differences of the mean loss over the samples."""
    def L():
        return np.mean([ref_loss(loss, ref_forward(Ws, bs, acts, x)[1][-1], np.asarray(t, float)) for x, t in zip(X, T)])
    out = []
    for arr in list(Ws) + list(bs):
        g = np.zeros_like(arr)
        for ix in np.ndindex(arr.shape):
            keep = arr[ix]
            arr[ix] = keep + h
            up = L()
            arr[ix] = keep - h
            down = L()
            arr[ix] = keep
            g[ix] = (up - down) / (2 * h)
        out.append(g)
    return out[:len(Ws)], out[len(Ws):]


# ── the published 2-2-2 example ─────────────────────────────────────────────

def test_forward_pass_and_total_error_match_the_published_example():
    sol = mazur(update_bias=False)
    # net_h1 = 0.15·0.05 + 0.20·0.10 + 0.35 = 0.3775, out_h1 = σ(0.3775) = 0.593269992
    # net_h2 = 0.25·0.05 + 0.30·0.10 + 0.35 = 0.3925, out_h2 = 0.596884378
    # net_o1 = 0.40·0.593269992 + 0.45·0.596884378 + 0.60 = 1.105905967, out_o1 = 0.75136507
    # net_o2 = 0.50·0.593269992 + 0.55·0.596884378 + 0.60 = 1.224921404, out_o2 = 0.772928465
    assert sol.answer["outputs"] == pytest.approx([0.75136507, 0.772928465], abs=1e-9)
    # E = ½(0.75136507 − 0.01)² + ½(0.772928465 − 0.99)² = 0.274811083 + 0.023560026 = 0.298371109
    assert sol.answer["loss"] == pytest.approx(0.298371109, abs=1e-9)
    text = "\n".join(line.render(str) for s in sol.steps for line in s.lines)
    assert "net_h1 = w1·x1 + w2·x2 + b_h1" in text and "out_h1 = σ(" in text


def test_updated_weights_with_fixed_biases_match_the_published_example():
    sol = mazur(update_bias=False)
    # δ_o1 = (0.75136507 − 0.01)·0.75136507·(1 − 0.75136507) = 0.138498562
    # ∂E/∂w5 = δ_o1·out_h1 = 0.138498562·0.593269992 = 0.082167041, w5′ = 0.4 − 0.5·0.082167041 = 0.35891648
    # δ_h1 = (δ_o1·w5 + δ_o2·w7)·out_h1(1 − out_h1) = 0.036350306·0.241300709 = 0.008771354
    # ∂E/∂w1 = δ_h1·x1 = 0.000438568, w1′ = 0.15 − 0.5·0.000438568 = 0.149780716
    published = [0.149780716, 0.19956143, 0.24975114, 0.29950229,      # w1…w4
                 0.35891648, 0.408666186, 0.511301270, 0.561370121]    # w5…w8
    assert sol.answer["weights"] == pytest.approx(published, abs=6e-9)
    assert sol.answer["deltas"][1][0] == pytest.approx(0.138498562, abs=1e-9)
    assert sol.answer["deltas"][0][0] == pytest.approx(0.008771354, abs=1e-9)
    layers = sol.answer["layers"]
    assert layers[0]["weights"] == pytest.approx(np.array(published[:4]).reshape(2, 2), abs=6e-9)
    assert layers[1]["bias"] == [0.6, 0.6] and layers[0]["bias"] == [0.35, 0.35]
    # The example says "the total error is now down to 0.291027924"; its own updated weights give
    # ½(0.742088111 − 0.01)² + ½(0.775284968 − 0.99)² = 0.291027774 (the printed value is 1.5e-7 off).
    after = ref_loss("half_sse", ref_forward([np.reshape(published[:4], (2, 2)), np.reshape(published[4:], (2, 2))],
                                             [np.full(2, 0.35), np.full(2, 0.6)], ["sigmoid"] * 2, X)[1][-1], np.array(T))
    assert after == pytest.approx(0.291027774, abs=1e-9)
    assert sol.answer["loss_after"] == pytest.approx(after, abs=1e-9)
    assert sol.answer["loss_after"] == pytest.approx(0.291027924, abs=2e-7)


def test_updated_weights_and_biases_when_biases_are_updated():
    sol = mazur(update_bias=True)
    Ws, bs = [np.array(W1), np.array(W2)], [np.full(2, 0.35), np.full(2, 0.60)]
    gWs, gbs = ref_grads(Ws, bs, ["sigmoid"] * 2, X, T, "half_sse")
    new_W = [W - 0.5 * g for W, g in zip(Ws, gWs)]
    new_b = [b - 0.5 * g for b, g in zip(bs, gbs)]
    # hand check of one bias: b_o1′ = 0.60 − 0.5·δ_o1 = 0.60 − 0.5·0.138498562 = 0.530750719
    assert new_b[1][0] == pytest.approx(0.530750719, abs=1e-9)
    for k in range(2):
        assert sol.answer["layers"][k]["weights"] == pytest.approx(new_W[k], abs=1e-12)
        assert sol.answer["layers"][k]["bias"] == pytest.approx(new_b[k], abs=1e-12)
    # the weights do not depend on whether the biases move (all gradients use the old parameters)
    assert sol.answer["weights"] == pytest.approx(mazur(update_bias=False).answer["weights"], abs=1e-15)
    after = ref_loss("half_sse", ref_forward(new_W, new_b, ["sigmoid"] * 2, X)[1][-1], np.array(T))
    assert sol.answer["loss_after"] == pytest.approx(after, abs=1e-12)
    assert sol.answer["loss_after"] < 0.291027774  # moving the biases as well helps more here


def test_in_out_layout_is_the_transpose_and_is_reported_back_in_in_out():
    a = mazur()
    b = bp.backprop(X, T, [{"weights": np.array(W1).T, "bias": 0.35}, {"weights": np.array(W2).T, "bias": 0.6}],
                    layout="in_out", learning_rate=0.5)
    assert b.answer["loss"] == a.answer["loss"]
    for la, lb in zip(a.answer["layers"], b.answer["layers"]):
        assert np.array(lb["weights"]) == pytest.approx(np.array(la["weights"]).T)


def test_steps_repeat_the_update_and_reduce_the_loss():
    sol = mazur(steps=10, update_bias=False)
    losses = sol.answer["losses"]
    assert len(losses) == 11 and losses[0] == pytest.approx(0.298371109, abs=1e-9)
    assert losses[1] == pytest.approx(0.291027774, abs=1e-9)
    assert all(b < a for a, b in zip(losses, losses[1:]))
    assert sol.answer["loss_after"] == losses[-1]


def test_names_legend_and_check():
    sol = mazur(check=True)
    legend = next(s for s in sol.steps if s.title == "Names").table.rows
    assert legend[0][:3] == ["w1", "x1 → h1", "layers[0].weights[0][0]"]
    assert legend[1][:3] == ["w2", "x2 → h1", "layers[0].weights[0][1]"]
    assert ["w7", "h1 → o2", "layers[1].weights[1][0]"] in [r[:3] for r in legend]
    assert sol.answer["check_max_difference"] < 1e-8
    big = bp.backprop([1] * 5, [0] * 5, [{"weights": np.full((5, 5), 0.1)}], update_bias=False)
    assert next(s for s in big.steps if s.title == "Names").table.rows[6][0] == "w(1)_22"


# ── properties: random networks, activations, losses ─────────────────────────

SMOOTH = ("sigmoid", "tanh", "linear")


@st.composite
def networks(draw, hidden=SMOOTH + ("leaky_relu", "relu")):
    loss = draw(st.sampled_from(bp.LOSSES))
    sizes = draw(st.lists(st.integers(1, 4), min_size=2, max_size=4))
    if loss == "cross_entropy" and sizes[-1] < 2:
        sizes[-1] = 2
    weight = st.floats(-1.5, 1.5, allow_nan=False)
    Ws = [np.array(draw(st.lists(st.lists(weight, min_size=sizes[k], max_size=sizes[k]),
                                 min_size=sizes[k + 1], max_size=sizes[k + 1]))) for k in range(len(sizes) - 1)]
    bs = [np.array(draw(st.lists(weight, min_size=sizes[k + 1], max_size=sizes[k + 1]))) for k in range(len(sizes) - 1)]
    acts = [draw(st.sampled_from(hidden)) for _ in Ws]
    acts[-1] = {"cross_entropy": "softmax", "bce": "sigmoid"}.get(loss, acts[-1])
    n = draw(st.integers(1, 3))
    Xs = np.array(draw(st.lists(st.lists(st.floats(-2, 2, allow_nan=False), min_size=sizes[0], max_size=sizes[0]),
                                min_size=n, max_size=n)))
    K = sizes[-1]
    if loss == "cross_entropy":
        raw = np.array(draw(st.lists(st.lists(st.floats(0.01, 1), min_size=K, max_size=K), min_size=n, max_size=n)))
        Ts = raw / raw.sum(axis=1, keepdims=True)
    else:
        lo = 0.0 if loss == "bce" else -1.0
        Ts = np.array(draw(st.lists(st.lists(st.floats(lo, 1), min_size=K, max_size=K), min_size=n, max_size=n)))
    return Ws, bs, acts, Xs, Ts, loss


def solve(Ws, bs, acts, Xs, Ts, loss, **kw):
    layers = [{"weights": W, "bias": b, "activation": a} for W, b, a in zip(Ws, bs, acts)]
    return bp.backprop(Xs, Ts, layers, loss=loss, **{"batch": True, "detail": 1, **kw})


@settings(max_examples=80, deadline=None)
@given(networks())
def test_gradients_match_the_full_jacobian_chain_rule(net):
    Ws, bs, acts, Xs, Ts, loss = net
    sol = solve(Ws, bs, acts, Xs, Ts, loss)
    with np.errstate(all="ignore"):
        per = [ref_grads(Ws, bs, acts, x, t, loss) for x, t in zip(Xs, Ts)]
    assume(all(np.all(np.isfinite(g)) for p in per for part in p for g in part))  # no output saturated to 0 or 1
    gW = [np.mean([p[0][k] for p in per], axis=0) for k in range(len(Ws))]
    gb = [np.mean([p[1][k] for p in per], axis=0) for k in range(len(Ws))]
    assert sol.answer["gradient"] == pytest.approx(np.concatenate([g.ravel() for g in gW]), abs=1e-9, rel=1e-7)
    assert sol.answer["bias_gradient"] == pytest.approx(np.concatenate(gb), abs=1e-9, rel=1e-7)
    loss0 = np.mean([ref_loss(loss, ref_forward(Ws, bs, acts, x)[1][-1], t) for x, t in zip(Xs, Ts)])
    assert sol.answer["loss"] == pytest.approx(loss0, rel=1e-10, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(networks(hidden=SMOOTH))
def test_gradients_match_central_differences(net):
    Ws, bs, acts, Xs, Ts, loss = net
    sol = solve(Ws, bs, acts, Xs, Ts, loss)
    with np.errstate(all="ignore"):
        nW, nb = ref_numeric([W.copy() for W in Ws], [b.copy() for b in bs], acts, Xs, Ts, loss)
    assume(all(np.all(np.isfinite(g)) for g in nW + nb) and np.isfinite(sol.answer["loss"]))
    # a central difference (L(w + h) − L(w − h))/2h carries the rounding of L itself, ~eps·|L|/h: a large
    # loss (Hypothesis found one where the difference was off by 4e-5) needs room in proportion to it
    noise = 1e-6 + 50 * np.finfo(float).eps * max(1.0, abs(sol.answer["loss"])) / 1e-6
    assert sol.answer["gradient"] == pytest.approx(np.concatenate([g.ravel() for g in nW]), abs=noise, rel=1e-5)
    assert sol.answer["bias_gradient"] == pytest.approx(np.concatenate(nb), abs=noise, rel=1e-5)


@settings(max_examples=40, deadline=None)
@given(networks(hidden=SMOOTH), st.booleans())
def test_updates_follow_plain_gradient_descent(net, update_bias):
    Ws, bs, acts, Xs, Ts, loss = net
    lr = 0.3
    sol = solve(Ws, bs, acts, Xs, Ts, loss, learning_rate=lr, update_bias=update_bias, batch=False, steps=2)
    W, b = [w.copy() for w in Ws], [v.copy() for v in bs]
    with np.errstate(all="ignore"):
        for _ in range(2):                         # sequential SGD: one update per sample, in order
            for x, t in zip(Xs, Ts):
                gW, gb = ref_grads(W, b, acts, x, t, loss)
                W = [w - lr * g for w, g in zip(W, gW)]
                b = [v - lr * g for v, g in zip(b, gb)] if update_bias else b
    # a run that diverges (weights in the thousands after two epochs) amplifies the last bit of every product
    # step after step: two correct implementations that add in another order then differ in the 5th digit,
    # which says nothing about either (Hypothesis found one: 6638.99 against 6638.73)
    assume(all(np.all(np.abs(w) < 1e3) for w in W + b))
    for k, layer in enumerate(sol.answer["layers"]):
        assert np.array(layer["weights"]) == pytest.approx(W[k], rel=1e-9, abs=1e-9)
        assert np.array(layer["bias"]) == pytest.approx(b[k], rel=1e-9, abs=1e-9)
    assert len(sol.answer["losses"]) == 1 + 2 * len(Xs)


@settings(max_examples=40, deadline=None)
@given(networks(hidden=SMOOTH))
def test_small_steps_reduce_the_loss(net):
    Ws, bs, acts, Xs, Ts, loss = net
    sol = solve(Ws, bs, acts, Xs, Ts, loss, learning_rate=1e-3, steps=3)
    losses = sol.answer["losses"]
    assert all(b <= a + 1e-12 for a, b in zip(losses, losses[1:]))


# ── slips ────────────────────────────────────────────────────────────────────

def test_slips_change_what_they_say():
    right = mazur()
    params = {"input": X, "target": T, "layers": [{"weights": W1, "bias": 0.35}, {"weights": W2, "bias": 0.6}],
              "layout": "out_in", "loss": "half_sse", "learning_rate": 0.5, "update_bias": True, "steps": 1,
              "batch": False, "weight_names": "auto", "detail": 3, "check": False}
    by_name = {s.name: s.params(dict(params)) for s in bp.SLIPS}
    assert by_name["biases updated (they should stay fixed)"] is None
    sign = bp.backprop(**by_name["sign error in the update: w + η·∂L/∂w"])
    # w5 + η·∂E/∂w5 = 0.4 + 0.5·0.082167041 = 0.44108352
    assert sign.answer["weights"][4] == pytest.approx(0.44108352, abs=1e-8)
    half = bp.backprop(**by_name["missing ½ in the loss (Σ(out − t)² instead of ½Σ)"])
    assert half.answer["loss"] == pytest.approx(2 * right.answer["loss"])
    fixed = bp.backprop(**by_name["biases kept fixed (they should be updated too)"])
    assert fixed.answer["biases"] == pytest.approx([0.35, 0.35, 0.6, 0.6])
    no_fprime = bp.backprop(**by_name["gradient w.r.t. out instead of net (activation derivative left out)"])
    # ∂E/∂w5 without σ′: (out_o1 − t_o1)·out_h1 = 0.74136507·0.593269992 = 0.43982965
    assert no_fprime.answer["gradient"][4] == pytest.approx(0.43982965, abs=1e-8)
    unprop = bp.backprop(**by_name["hidden δ without the next layer's activation derivative (Σ w·∂L/∂out)"])
    assert unprop.answer["gradient"][4:] == pytest.approx(right.answer["gradient"][4:])
    # δ_h1 = (0.74136507·0.40 + (−0.217071535)·0.50)·0.241300709 = 0.045366…, ∂E/∂w1 = 0.05·δ_h1
    assert unprop.answer["gradient"][0] == pytest.approx(0.05 * (0.74136507 * 0.4 - 0.217071535 * 0.5) * 0.241300709,
                                                         abs=1e-9)


# ── bad input, named by layer and field ──────────────────────────────────────

@pytest.mark.parametrize("kw, where, words", [
    (dict(layers=[{"weights": W1}, {"weights": [[1, 2, 3]]}]), "layers[1].weights", "takes 3 inputs"),
    (dict(input=[1, 2, 3]), "input", "takes 2 inputs"),
    (dict(target=[1]), "target", "has 2 units"),
    (dict(input=[[0.05, 0.1], [0.5, 0.2]], target=[T, T, T]), "target", "has 3 rows (one per sample) but the input has 2"),
    (dict(layers=[{"weights": W1, "activation": "softmax"}, {"weights": W2}]), "layers[0].activation", "last layer"),
    (dict(layers=[{"weights": W1}, {"weights": W2}], loss="cross_entropy"), "layers[1].activation", "softmax"),
    (dict(layers=[{"weights": W1}, {"weights": W2, "activation": "softmax"}], loss="cross_entropy",
          target=[0.5, 0.7]), "target", "sums to 1.2"),
    (dict(learning_rate=0.0), "learning_rate", "> 0"),
    (dict(layers=[{"weights": W1, "activation": "sigmod"}]), "layers[0].activation", "did you mean 'sigmoid'"),
    (dict(loss="halfsse"), "loss", "did you mean 'half_sse'"),
    (dict(layers=[{"weights": W1, "bias": [1, 2, 3]}, {"weights": W2}]), "layers[0].bias", "3 values"),
])
def test_bad_input_names_layer_and_field(kw, where, words):
    args = {"input": X, "target": T, "layers": [{"weights": W1}, {"weights": W2}], **kw}
    with pytest.raises(BadInput) as e:
        bp.backprop(**args)
    assert e.value.where == where and words in e.value.message


def test_big_problems_are_written_compactly_and_stay_bounded():
    rng = np.random.default_rng(0)
    wide = bp.backprop(rng.normal(size=(7, 2)), rng.uniform(size=(7, 13)),
                       [{"weights": rng.normal(size=(2, 2))}, {"weights": rng.normal(size=(13, 2))}],
                       batch=True, detail=1)
    lines = [line.render(str) for s in wide.steps for line in s.lines]
    assert any(x.startswith("δ_h1 = (Σ_k δ_k·w_k1)") for x in lines)
    assert any(x.startswith("∂L/∂w(1)_11 = (1/7) Σ_s δ_h1·x1 = ") and x.count("·") == 1 for x in lines)
    big = bp.backprop(np.ones(71), np.zeros(71), [{"weights": np.full((71, 71), 0.01), "activation": "linear"}],
                      check=True)
    assert "check_max_difference" not in big.answer and "gradient check skipped" in big.warnings[0]
    assert "too many to list" in next(s for s in big.steps if s.title == "Names").prose[-1]


def test_overflow_is_bad_input_at_the_start_and_a_warning_when_updates_diverge(recwarn):
    with pytest.raises(BadInput) as e:
        bp.backprop([1e200, 0.1], T, [{"weights": [[1e200, 0.2], [0.25, 0.3]], "activation": "relu"}])
    assert e.value.where == "input" and "overflows" in e.value.message
    # linear output, η = 1e250: update 1 moves w by η·δ·x ≈ 1e250·0.2·0.05 ≈ 1e248 (still finite), so the
    # outputs of update 2 are ≈ 1e247 and its step η·δ·x ≈ 1e250·1e247 leaves the floats
    sol = bp.backprop(X, T, [{"weights": W1, "activation": "linear"}], learning_rate=1e250, steps=3)
    assert sol.warnings == ["the weights diverge (no longer finite after update 2): η = 1e+250 is too large"]
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]  # numpy stays quiet


def test_runs_too_long_are_refused_before_any_work():
    with pytest.raises(BadInput, match="at most 100000"):
        bp.backprop(X, T, [{"weights": W1}], steps=10**9)
    with pytest.raises(BadInput, match="multiply-adds"):
        bp.backprop(np.ones(300), np.zeros(300), [{"weights": np.zeros((300, 300))}], steps=5000)
    with pytest.raises(BadInput, match="finite"):
        bp.backprop(X, T, [{"weights": W1}], learning_rate=float("inf"))


def test_check_lists_the_parameters_of_the_legend_only():
    # no bias given and biases fixed: the network has no bias parameters, so the check lists the weights only
    sol = bp.backprop(X, T, [{"weights": W1}, {"weights": W2}], update_bias=False, check=True)
    rows = next(s for s in sol.steps if s.title.startswith("Gradient check")).table.rows
    assert [r[0] for r in rows] == [f"w{k}" for k in range(1, 9)]
    with_bias = mazur(check=True)
    names = [r[0] for r in next(s for s in with_bias.steps if s.title.startswith("Gradient check")).table.rows]
    assert names == [r[0] for r in next(s for s in with_bias.steps if s.title == "Names").table.rows]


def test_sgd_labels_each_sample_loss():
    sol = bp.backprop([[0.05, 0.10], [0.5, -0.2]], [[0.01, 0.99], [0.7, 0.2]], [{"weights": W1}], detail=2)
    loss_steps = [s for s in sol.steps if s.title.endswith(": Loss")]
    assert [s.lines[0].template.split(" = ")[0] for s in loss_steps] == ["L_1", "L_2"]
