#!/usr/bin/env python3
"""Solving a 1,000-problem set: `python bench/solve_set.py [--problems N]`.

A hundred variants of each of ten problems (every number drawn anew: losses, a convolution, pooling,
conv sizes, backprop, a Hessian and an optimiser trace on three expressions at random points, a
perceptron), solved by the installed `dlcalc solve --format json` with --jobs 1 and 2.
Budget: ≤ 3 s, and --jobs 2 measurably faster than --jobs 1.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from run import dlcalc_cmd

BUDGET_SECONDS = 3.0
EXPRESSIONS = ["(1 - w1*w2)^2", "w1^2 + 3*w2^2 - w1*w2", "(w1 - 1)^2 * (w2 + 2)^2 + w1"]


def _probs(rng: random.Random, n: int) -> list[float]:
    p = [rng.uniform(0.05, 1) for _ in range(n)]
    return [round(v / sum(p), 4) for v in p]


def variant(i: int, rng: random.Random) -> list[dict]:
    r = lambda lo, hi, d=2: round(rng.uniform(lo, hi), d)  # noqa: E731
    grid = lambda n: [[rng.randint(0, 9) for _ in range(n)] for _ in range(n)]  # noqa: E731
    return [
        {"id": f"ce-{i}", "kind": "cross_entropy", "target": [0, 1, 2], "pred": [_probs(rng, 3) for _ in range(3)]},
        {"id": f"dice-{i}", "kind": "dice", "target": [[rng.randint(0, 1) for _ in range(3)] for _ in range(3)],
         "pred": [[r(0, 1) for _ in range(3)] for _ in range(3)]},
        {"id": f"mse-{i}", "kind": "mse", "target": [r(-5, 5) for _ in range(4)], "pred": [r(-5, 5) for _ in range(4)]},
        {"id": f"conv-{i}", "kind": "conv", "input": grid(5), "kernel": [[rng.randint(-1, 1) for _ in range(3)]
                                                                          for _ in range(3)]},
        {"id": f"pool-{i}", "kind": "pool", "input": grid(4), "size": 2},
        {"id": f"size-{i}", "kind": "convsize", "input_shape": f"{rng.randint(8, 64)}x{rng.randint(8, 64)}",
         "kernel": rng.choice([3, 5]), "filters": rng.randint(1, 64), "ask": "params"},
        {"id": f"bp-{i}", "kind": "backprop", "input": [r(0, 1), r(0, 1)], "target": [r(0, 1), r(0, 1)],
         "layers": [{"weights": [[r(-1, 1), r(-1, 1)], [r(-1, 1), r(-1, 1)]], "bias": [r(-1, 1), r(-1, 1)]},
                    {"weights": [[r(-1, 1), r(-1, 1)], [r(-1, 1), r(-1, 1)]], "bias": [r(-1, 1), r(-1, 1)]}],
         "learning_rate": 0.5},
        {"id": f"hess-{i}", "kind": "hessian", "expr": EXPRESSIONS[i % 3], "at": {"w1": r(-2, 2, 1), "w2": r(-2, 2, 1)}},
        {"id": f"opt-{i}", "kind": "optimize", "expr": EXPRESSIONS[i % 3], "at": {"w1": r(-1, 1), "w2": r(-1, 1)},
         "method": rng.choice(["gd", "momentum", "adam"]), "lr": r(0.01, 0.1, 3), "steps": 3},
        {"id": f"perc-{i}", "kind": "perceptron", "data": [[0, 0], [0, 1], [1, 0], [1, 1]],
         "labels": rng.choice([[-1, -1, -1, 1], [-1, 1, 1, 1]]), "lr": r(0.1, 1), "epochs": 10},
    ]


def write_set(path: Path, problems: int) -> None:
    rng = random.Random(0)
    out = []
    for i in range(problems // 10):
        out += variant(i, rng)
    path.write_text(json.dumps({"title": "benchmark set", "problems": out}))  # JSON is YAML


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--problems", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    dlcalc = dlcalc_cmd()  # the one installed beside this Python, not whichever is first on PATH
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "set.yaml"
        write_set(path, args.problems)
        print(f"solve {args.problems:,} problems --format json (budget {BUDGET_SECONDS:g} s; {os.cpu_count()} cores)")
        best: dict[int, float] = {}
        for _ in range(args.runs):  # alternately, so that the machine's drift hits both
            for jobs in (1, 2):
                t0 = time.perf_counter()
                r = subprocess.run([*dlcalc, "solve", str(path), "--format", "json", "--jobs", str(jobs)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                if r.returncode != 0:
                    print(f"  --jobs {jobs}  exit {r.returncode}: {r.stderr.strip().splitlines()[-1]}")
                    return 1
                best[jobs] = min(best.get(jobs, float("inf")), time.perf_counter() - t0)
        for jobs, t in best.items():
            print(f"  --jobs {jobs}  {t:6.2f} s" + ("  (within budget)" if t <= BUDGET_SECONDS else ""))
        print(f"  --jobs 2 is {best[1] / best[2]:.2f}× as fast as --jobs 1 (best of {args.runs} each)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
