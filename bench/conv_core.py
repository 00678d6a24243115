#!/usr/bin/env python3
"""The convolution core against references: `python bench/conv_core.py [--runs N]`.

Issue 3's case: a 3×56×56 input with 64 filters of 3×3 (stride 1, 'same' padding), timed for
- dlcalc.calc.conv.conv2d (the kh·kw strided slices of the padded input stacked into im2col, one product),
- an im2col variant built with sliding_window_view, for comparison,
- scipy.signal.correlate2d looped over filters × channels (the reference),
- a plain Python loop per output pixel (the thing the issue forbids), on one filter, scaled ×64,
plus pooling that output (dlcalc.calc.pool.pool2d) and the whole `conv` solver with its worked steps.
Every result is checked against scipy before it is timed. Best and median of N runs.
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from dlcalc.calc.conv import conv, conv2d  # the installed package (pip install . or -e .)
from dlcalc.calc.pool import pool2d


def best(fn, runs: int) -> tuple[float, float]:
    """(best, median) seconds: on a VM where fresh memory is expensive they can differ tenfold."""
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times), float(np.median(times))


def im2col(x: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Cross-correlation by copying every 3×3×C window into a row, then one matrix product."""
    xp = np.pad(x, ((0, 0), (1, 1), (1, 1)))
    win = np.lib.stride_tricks.sliding_window_view(xp, k.shape[2:], axis=(1, 2))  # C×H×W×kh×kw
    cols = win.transpose(1, 2, 0, 3, 4).reshape(x.shape[1] * x.shape[2], -1)
    return (cols @ k.reshape(k.shape[0], -1).T).T.reshape(k.shape[0], *x.shape[1:])


def tap_by_tap(x: np.ndarray, k: np.ndarray) -> np.ndarray:
    """conv2d forced onto its low-memory path (one multiply-add per kernel tap)."""
    import dlcalc.calc.conv as module

    old, module.IM2COL_LIMIT = module.IM2COL_LIMIT, 0
    try:
        return conv2d(x, k, padding=1, flip=False)
    finally:
        module.IM2COL_LIMIT = old


def scipy_reference(x: np.ndarray, k: np.ndarray) -> np.ndarray:
    from scipy.signal import correlate2d

    xp = np.pad(x, ((0, 0), (1, 1), (1, 1)))
    return np.array([sum(correlate2d(xp[c], k[f, c], mode="valid") for c in range(x.shape[0]))
                     for f in range(k.shape[0])])


def pixel_loop(x: np.ndarray, k: np.ndarray) -> np.ndarray:
    """One filter, a Python loop per output pixel."""
    xp = np.pad(x, ((0, 0), (1, 1), (1, 1)))
    out = np.zeros(x.shape[1:])
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = float((xp[:, i:i + 3, j:j + 3] * k).sum())
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    runs = ap.parse_args().runs
    rng = np.random.default_rng(0)
    x, k = rng.normal(size=(3, 56, 56)), rng.normal(size=(64, 3, 3, 3))

    ours = conv2d(x, k, padding=1, flip=False)
    try:
        ref = scipy_reference(x, k)
        assert all(np.allclose(a, ref) for a in (ours, tap_by_tap(x, k), im2col(x, k)))
        assert np.allclose(pixel_loop(x, k[0]), ref[0])
        has_scipy = True
    except ImportError:
        has_scipy = False

    rows = [("calc.conv.conv2d (im2col of strided tap slices)", best(lambda: conv2d(x, k, padding=1, flip=False), runs)),
            ("  the same, tap-by-tap path (used past 8M window values)", best(lambda: tap_by_tap(x, k), runs)),
            ("im2col via sliding_window_view", best(lambda: im2col(x, k), runs))]
    if has_scipy:
        rows.append(("scipy correlate2d, loop over 64×3", best(lambda: scipy_reference(x, k), runs)))
    loop = best(lambda: pixel_loop(x, k[0]), max(1, runs // 5))
    rows.append(("Python loop per pixel (1 filter × 64)", (64 * loop[0], 64 * loop[1])))
    rows.append(("calc.pool.pool2d 2×2 max of the 64×56×56 output", best(lambda: pool2d(ours, 2), runs)))
    rows.append(("conv solver with worked steps (16 cells shown)",
                 best(lambda: conv(x, k, padding=1), max(1, runs // 2))))

    ref = dict(rows).get("scipy correlate2d, loop over 64×3")
    print(f"3×56×56 input, 64 filters 3×3, padding 1 ({runs} runs; numpy {np.__version__})")
    width = max(len(name) for name, _ in rows)
    print(f"{'':{width}}  {'best':>9}  {'median':>9}  {'scipy/best':>10}")
    for name, (low, mid) in rows:
        ratio = f"{ref[0] / low:9.1f}×" if ref else ""
        print(f"{name:{width}}  {low * 1e3:6.2f} ms  {mid * 1e3:6.2f} ms  {ratio:>10}")


if __name__ == "__main__":
    main()
