#!/usr/bin/env python3
"""The speed budget in one table: `python bench/run.py [--runs N]`.

Start-up of each subcommand against the import floor (`python -c "import numpy,
typer, rich"`; hessian/optimize against the floor plus sympy), the whole bundled
library, grading 500 students × 10 problems, a 1,000-problem set (bench/solve_set.py,
budget 3 s), grading 100,000 students (bench/grade_class.py, budget 10 s and 400 MB)
and the convolution core against a reference. Times are of the installed `dlcalc`,
end to end.
"""
from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BACKPROP = """kind: backprop
input: [0.05, 0.10]
target: [0.01, 0.99]
layers:
  - {weights: [[0.15, 0.20], [0.25, 0.30]], bias: [0.35, 0.35], activation: sigmoid}
  - {weights: [[0.40, 0.45], [0.50, 0.55]], bias: [0.60, 0.60], activation: sigmoid}
loss: half_sse
learning_rate: 0.5
"""
CNN = """kind: cnn
input: "1 2 0 1; 0 1 3 1; 2 1 0 0; 1 0 1 2"
layers:
  - {type: conv, kernel: "1 0; 0 -1", activation: relu}
  - {type: maxpool, size: 2}
  - {type: flatten}
  - {type: fc, weights: [[0.5]], bias: [0.1], activation: sigmoid}
"""


STARTUP_BUDGET = 1.2
FILE_COMMANDS = ("cnn", "backprop")  # they read a YAML file: the parser's import is theirs to pay


def pace() -> float:
    """The machine's speed at plain Python, best of 3: this shared VM has run 2.5× slower on some days."""
    times = []
    for _ in range(3):
        t0, s = time.perf_counter(), 0
        for i in range(10**7):
            s += i
        times.append(time.perf_counter() - t0)
    return min(times)


def dlcalc_cmd() -> list[str]:
    exe = Path(sys.executable).with_name("dlcalc")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("dlcalc")
    return [found] if found else [sys.executable, "-m", "dlcalc"]


def _once(cmd: list[str]) -> tuple[float, int]:
    t0 = time.perf_counter()
    r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0, r.returncode


def best(cmd: list[str], runs: int) -> float | None:
    times = []
    for _ in range(runs):
        t, code = _once(cmd)
        if code not in (0, 1):
            return None
        times.append(t)
    return min(times)


def against(cmd: list[str], floor: list[str], runs: int) -> tuple[float, float] | None:
    """Best of `runs` for a command and for its floor, run alternately so machine drift hits both."""
    ours, base = [], []
    for _ in range(runs):
        t, code = _once(cmd)
        if code not in (0, 1):
            return None
        ours.append(t)
        base.append(_once(floor)[0])
    return min(ours), min(base)


def startup_cases(tmp: Path) -> list[tuple[str, list[str], bool]]:
    (tmp / "bp.yaml").write_text(BACKPROP)
    (tmp / "cnn.yaml").write_text(CNN)
    return [  # (name, arguments, needs sympy)
        ("--help", ["--help"], False),
        ("ce", ["ce", "--target", "0 1 2", "--pred", "0.6 0.2 0.2; 0.1 0.7 0.2; 0.3 0.3 0.4"], False),
        ("dice", ["dice", "--target", "0 1; 1 1", "--pred", "0.1 0.8; 0.7 0.9"], False),
        ("mse", ["mse", "--target", "9 6 8", "--pred", "8.5 6.7 7.8"], False),
        ("conv", ["conv", "--input", "1 1 1 0 0; 0 1 1 1 0; 0 0 1 1 1; 0 0 1 1 0; 0 1 1 0 0",
                  "--kernel", "1 0 1; 0 1 0; 1 0 1"], False),
        ("pool", ["pool", "--input", "12 20 30 0; 8 12 2 0; 34 70 37 4; 112 100 25 12", "--size", "2"], False),
        ("convsize", ["convsize", "--input-shape", "6x6", "--kernel", "3", "--filters", "3"], False),
        ("cnn", ["cnn", str(tmp / "cnn.yaml")], False),
        ("backprop", ["backprop", str(tmp / "bp.yaml")], False),
        ("neuron", ["neuron", "--weights", "20 20", "--bias", "-30", "--inputs", "1 0", "--activation", "sigmoid"], False),
        ("perceptron", ["perceptron", "--data", "0 0; 0 1; 1 0; 1 1", "--labels", "-1 -1 -1 1"], False),
        ("activation", ["activation", "sigmoid", "-1 0 1"], False),
        ("hessian", ["hessian", "(1 - w1*w2)**2", "--at", "w1=0, w2=0"], True),
        ("optimize", ["optimize", "w1**2 + 3*w2**2", "--at", "w1=1, w2=1", "--method", "adam", "--lr", "0.1",
                      "--steps", "5"], True),
    ]


def synthetic_class(tmp: Path, students: int = 500) -> tuple[Path, Path]:
    """A key of 10 loss problems and a CSV of answers: right, slipped and wrong ones."""
    rng = random.Random(0)
    lines = ["title: benchmark key", "problems:"]
    for i in range(10):
        if i % 3 == 0:
            lines += [f"  - {{id: q{i}, kind: cross_entropy, target: [0, 1, 2], "
                      f"pred: [[0.6, 0.3, 0.1], [0.2, 0.5, 0.3], [0.1, 0.15, 0.75]]}}"]
        elif i % 3 == 1:
            lines += [f"  - {{id: q{i}, kind: dice, mode: squared, target: '0 1; 1 1', pred: '0.1 0.8; 0.7 0.{i}'}}"]
        else:
            lines += [f"  - {{id: q{i}, kind: mse, target: [3, -1, 2, {i}], pred: [2.5, -1.2, 3.1, 4.9]}}"]
    key = tmp / "key.yaml"
    key.write_text("\n".join(lines) + "\n")
    answers = tmp / "answers.csv"
    rows = ["student,problem,answer"]
    for s in range(students):
        for i in range(10):
            rows.append(f"s{s:03d},q{i},{rng.choice(['0.4972', '1.4917', '0.2159', '0.5', 'x', '0.3775'])}")
    answers.write_text("\n".join(rows) + "\n")
    return key, answers


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7, help="runs per measurement (best is kept)")
    args = ap.parse_args()
    dl = dlcalc_cmd()
    py = [sys.executable, "-c"]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{platform.platform(terse=True)}")
    print(f"machine speed: {pace():.2f} s for a Python loop of 10⁷ additions (best of 3: figures of "
          f"different sessions compare through it)")
    floor = py + ["import numpy, typer, rich"]
    floor_sympy = py + ["import numpy, typer, rich, sympy"]
    print(f"\n{'start-up':<12} {'seconds':>8} {'floor':>8} {'ratio':>6}   (floor: python -c 'import numpy, typer, rich'"
          f"{'; +sympy for hessian/optimize'}; budget {STARTUP_BUDGET}× but for the file commands)")
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        for name, argv, sympy in startup_cases(tmp):
            cmd = dl + argv + ["--format", "plain"] if name != "--help" else dl + argv
            r = against(cmd, floor_sympy if sympy else floor, args.runs)
            over = r and name not in FILE_COMMANDS and r[0] / r[1] > STARTUP_BUDGET
            print(f"{name:<12} {r[0]:8.3f} {r[1]:8.3f} {r[0] / r[1]:6.2f}{'  over budget' if over else ''}"
                  if r else f"{name:<12} {'n/a':>8}")

        library = sorted(str(p) for p in (HERE.parent / "problems" / "library").glob("*.yaml"))
        print(f"\n{'batch':<40} {'seconds':>8}")
        t = best(dl + ["solve", "--format", "json"] + library, max(1, args.runs // 2))
        print(f"{f'solve the bundled library ({len(library)} files)':<40} {t if t is not None else float('nan'):8.3f}")
        key, answers = synthetic_class(tmp)
        t = best(dl + ["grade", str(key), str(answers), "--format", "json"], max(1, args.runs // 2))
        print(f"{'grade 500 students × 10 problems':<40} {t if t is not None else float('nan'):8.3f}")

    for script, args in (("solve_set.py", []), ("grade_class.py", ["--students", "100000"])):
        print()
        sys.stdout.flush()
        subprocess.run([sys.executable, str(HERE / script), *args])

    conv = HERE / "conv_core.py"
    if conv.exists():
        print("\nconvolution core (bench/conv_core.py):")
        sys.stdout.flush()
        subprocess.run([sys.executable, str(conv)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
