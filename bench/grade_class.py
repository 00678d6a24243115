#!/usr/bin/env python3
"""Grading a large class: `python bench/grade_class.py [--students N ...]`.

The key is a 10-problem exam with hessian, optimize, backprop and perceptron problems (the LMS
samples' key); the answers are a long CSV, one row per student and problem, drawn from what a class
types: the right value at 3–6 decimals, each named slip's value, rounded values, a few dozen wrong
numbers, words, blanks. Prints wall time and peak RSS of the installed `dlcalc grade` for json and
csv reports, and the cost per student, which must not grow with the class size.
Budget (100,000 students × 10 problems): ≤ 10 s and ≤ 400 MB, json and csv alike.
"""
from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from run import dlcalc_cmd

HERE = Path(__file__).resolve().parent
KEY = HERE.parent.parent / "shared" / "samples" / "lms" / "key.yaml"
BUDGET_SECONDS, BUDGET_MB = 10.0, 400


def _texts(value) -> list[str]:
    """How a class writes a value: several roundings, vectors as `a b` or `[a, b]`."""
    if isinstance(value, str):
        return [value, value.capitalize(), value.replace("_", " ")]
    if isinstance(value, bool):
        return ["true" if value else "false"]
    if isinstance(value, (int, float)):
        return [f"{value:.{d}f}" for d in (3, 4, 5, 6)] + [f"{value:g}"]
    flat = [float(v) for v in _flatten(value)]
    return [" ".join(f"{v:.{d}f}" for v in flat) for d in (3, 4)] + ["[" + ", ".join(f"{v:.4f}" for v in flat) + "]"]


def _flatten(v):
    if isinstance(v, (list, tuple)):
        for x in v:
            yield from _flatten(x)
    else:
        yield v


def answer_pools(key: Path) -> dict[str, list[str]]:
    from dlcalc.cli.render.jsonout import python_value
    from dlcalc.problems import grading
    from dlcalc.problems.loader import load_path
    from dlcalc.calc.grading import Tolerance

    pools = {}
    rng = random.Random(1)
    for pid, item in grading.build_key(load_path(str(key)), Tolerance()).items():
        pool = _texts(python_value(item.expected)) * 6
        for _, value in item.slips():
            pool += _texts(python_value(value))
        pool += [f"{rng.uniform(-5, 5):.4f}" for _ in range(30)] + ["", "", "?", "no idea", "0"]
        pools[pid] = pool
    return pools


def write_class(path: Path, students: int, pools: dict[str, list[str]]) -> None:
    rng = random.Random(0)
    with path.open("w", newline="") as f:
        f.write("student,problem,answer\n")
        for s in range(students):
            for pid, pool in pools.items():
                text = rng.choice(pool)
                f.write(f's{s:06d},{pid},"{text}"\n' if ("," in text or " " in text) else f"s{s:06d},{pid},{text}\n")


def measure(cmd: list[str]) -> tuple[float, float, int]:
    """Wall seconds, peak RSS in MB of this one child (os.wait4), exit code."""
    t0 = time.perf_counter()
    child = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - t0
    child.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_maxrss / 1024, child.returncode


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--students", type=int, nargs="+", default=[10_000, 100_000])
    args = ap.parse_args()
    dlcalc = dlcalc_cmd()  # the one installed beside this Python, not whichever is first on PATH
    pools = answer_pools(KEY)
    print(f"grading (key: {KEY.name}, 10 problems incl. hessian, optimize, backprop)")
    print(f"{'students':>9} {'format':>6} {'seconds':>8} {'peak MB':>8} {'ms/student':>10}   budget at 100,000: "
          f"{BUDGET_SECONDS:g} s, {BUDGET_MB} MB")
    with tempfile.TemporaryDirectory() as d:
        for n in args.students:
            answers = Path(d) / f"class{n}.csv"
            write_class(answers, n, pools)
            for fmt in ("json", "csv"):
                out = Path(d) / f"report.{fmt}"
                wall, mb, code = measure([*dlcalc, "grade", str(KEY), str(answers), "--format", fmt, "-o", str(out)])
                ok = "" if code in (0, 1) else f"  (exit {code})"
                print(f"{n:>9,} {fmt:>6} {wall:8.2f} {mb:8.0f} {wall / n * 1000:10.3f}{ok}")
            os.unlink(answers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
