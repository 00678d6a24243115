"""Backward through a CNN (`cnn` with `gradients: true`): from ∂L/∂output back through fc, flatten,
pooling (max routes the gradient to the window's maximum, average shares it out), activations and
convolutions (∂L/∂K: the input's windows weighted by the upstream gradient; ∂L/∂x: the upstream
gradient spread back through the kernel), layer by layer to each layer's ∂L/∂weights and ∂L/∂bias."""
from __future__ import annotations

from typing import Any

import numpy as np

from dlcalc.calc.conv import as_image, as_kernels, pad
from dlcalc.calc.sizes import pair, resolve_padding


def act_back(name: str, a: np.ndarray, g: np.ndarray) -> np.ndarray:
    """∂L/∂z from ∂L/∂a, a = g(z): through the activation's derivative (softmax: its Jacobian)."""
    if name in ("none", "linear"):
        return g
    if name == "softmax":
        return a * (g - float((g * a).sum()))
    if name == "sigmoid":
        return g * a * (1 - a)
    if name == "tanh":
        return g * (1 - a * a)
    return g * (a > 0)  # relu


def _conv_geometry(layer, x: np.ndarray, flip: bool) -> dict:
    """What the backward pass of a conv layer needs of its forward one: the padded input and the kernels."""
    k = as_kernels(layer.kernel, x.shape[0])
    s, d = pair(layer.stride if layer.stride is not None else 1, "stride"), pair(layer.dilation, "dilation")
    p = resolve_padding(layer.padding, x.shape[1:], k.shape[2:], s, d)
    return {"xp": pad(x, p), "kk": k[..., ::-1, ::-1] if flip else k, "s": s, "d": d, "p": p}


def _conv_back(layer, cache: dict, g: np.ndarray, flip: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    xp, kk, s, d, p = cache["xp"], cache["kk"], cache["s"], cache["d"], cache["p"]
    F, C, kh, kw = kk.shape
    dkk, dxp = np.zeros_like(kk), np.zeros_like(xp)
    out = g.shape[1:]
    for i in range(kh):
        for j in range(kw):
            rs = slice(i * d[0], i * d[0] + s[0] * (out[0] - 1) + 1, s[0])
            cs = slice(j * d[1], j * d[1] + s[1] * (out[1] - 1) + 1, s[1])
            dkk[:, :, i, j] = np.tensordot(g, xp[:, rs, cs], axes=([1, 2], [1, 2]))
            dxp[:, rs, cs] += np.tensordot(kk[:, :, i, j], g, axes=(0, 0))
    dk = dkk[..., ::-1, ::-1] if flip else dkk
    dx = dxp[:, p[0]: dxp.shape[1] - p[1], p[2]: dxp.shape[2] - p[3]]
    return dk, g.sum(axis=(1, 2)), dx


def _pool_geometry(layer, x: np.ndarray) -> dict:
    k = pair(layer.size, "size")
    s = k if layer.stride is None else pair(layer.stride, "stride")
    p = resolve_padding(layer.padding, x.shape[1:], k, s, (1, 1))
    mode = "max" if layer.type == "maxpool" else "avg"
    return {"xp": pad(x, p, -np.inf if mode == "max" else 0.0), "k": k, "s": s, "p": p, "mode": mode}


def _pool_back(cache: dict, g: np.ndarray) -> np.ndarray:
    xp, k, s, p, mode = cache["xp"], cache["k"], cache["s"], cache["p"], cache["mode"]
    dxp = np.zeros_like(xp)
    for c, r, q in np.ndindex(*g.shape):
        r0, q0 = r * s[0], q * s[1]
        win = xp[c, r0: r0 + k[0], q0: q0 + k[1]]
        if mode == "max":  # the maximum takes it all (the first, where two tie)
            i, j = np.unravel_index(int(np.argmax(win)), win.shape)
            dxp[c, r0 + i, q0 + j] += g[c, r, q]
        else:
            dxp[c, r0: r0 + k[0], q0: q0 + k[1]] += g[c, r, q] / win.size
    return dxp[:, p[0]: dxp.shape[1] - p[1], p[2]: dxp.shape[2] - p[3]]


def gradients(input: Any, passes: list, d_out: np.ndarray, trace: list | None = None) -> list[dict | None]:
    """Each layer's {weights, bias} gradient (None for a layer without parameters), from ∂L/∂output and
    the forward `passes` (calc.cnn.Pass: each layer's output; its input is the output before it).
    `trace` receives, last layer first, (layer index, ∂L/∂its output, ∂L/∂its input) for the steps."""
    inputs = [as_image(np.asarray(input, dtype=float))] + [p.output for p in passes[:-1]]
    g = np.asarray(d_out, dtype=float).reshape(passes[-1].output.shape)
    out: list[dict | None] = [None] * len(passes)
    for n in range(len(passes) - 1, -1, -1):
        layer, x_in, y, upstream = passes[n].layer, inputs[n], passes[n].output, g
        if layer.type == "conv":
            g = act_back(layer.activation, y, g)
            dk, db, g = _conv_back(layer, _conv_geometry(layer, x_in, passes[n].flip), g, passes[n].flip)
            out[n] = {"weights": dk.reshape(np.shape(layer.kernel)), "bias": _bias(layer.bias, db)}
        elif layer.type in ("maxpool", "avgpool"):
            g = _pool_back(_pool_geometry(layer, x_in), g)
        elif layer.type == "flatten":
            g = g.reshape(x_in.shape)
        elif layer.type == "fc":
            g = act_back(layer.activation, y, g)
            v = x_in.reshape(-1)
            out[n] = {"weights": np.outer(g, v).reshape(np.shape(layer.weights)), "bias": _bias(layer.bias, g)}
            g = (np.atleast_2d(layer.weights).T @ g).reshape(x_in.shape)
        else:
            g = act_back(layer.type, y, g)
        if trace is not None:
            trace.append((n, upstream, g))
    return out


def _bias(given: Any, grad: np.ndarray) -> Any:
    """The bias gradient in the shape the file gave it: one number shared by every unit gets their sum."""
    if given is None:
        return None
    shape = np.shape(given)
    return float(grad.sum()) if np.size(given) == 1 and grad.size > 1 else grad.reshape(shape)
