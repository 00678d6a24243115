"""`dlcalc solve`, `check`, `examples`: problem files in bulk, with bad problems reported and the rest solved."""
from __future__ import annotations

import json
from math import log

import pytest

from tests.conftest import assert_bad_input

# MSE of target 1 2 3 4 and pred 2 4 3 4: squared errors 1, 4, 0, 0; sum 5; mean 5/4
MSE = "kind: mse\ntarget: [1, 2, 3, 4]\npred: [2, 4, 3, 4]\n"

SET = """\
title: Homework
problems:
  - id: ce
    kind: cross_entropy
    target: [0, 1]
    pred: [[0.5, 0.5], [0.2, 0.8]]
  - id: broken
    kind: mse
    target: [1, 2]
    pred: [1, 2, 3]
  - id: dice
    kind: dice
    ask: coefficient
    target: [1, 1, 0]
    pred: [0.5, 1, 0]
"""
CE = (-log(0.5) - log(0.8)) / 2   # 0.4581
DICE = 2 * 1.5 / (2 + 1.5)        # Σxy = 1.5, Σx = 2, Σy = 1.5: 6/7 = 0.8571


@pytest.fixture
def files(tmp_path):
    (tmp_path / "one.yaml").write_text(MSE)
    (tmp_path / "set.yaml").write_text(SET)
    return tmp_path


def json_lines(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


# ── solve ────────────────────────────────────────────────────────────────────

def test_solve_one_problem_plain(dlcalc, files):
    r = dlcalc("solve", str(files / "one.yaml"), "--format", "plain")
    assert r.code == 0 and r.err == ""
    assert "MSE = (1/4) Σ e_i = 5 / 4 = 1.25" in r.out
    assert "━━" not in r.out  # one problem: no header


def test_solve_one_problem_json_has_its_id(dlcalc, files):
    r = dlcalc("solve", str(files / "one.yaml"), "--format", "json")
    [line] = json_lines(r.out)
    assert r.code == 0
    assert (line["id"], line["file"], line["kind"]) == ("one", str(files / "one.yaml"), "mse")
    assert line["answer"]["loss"] == 1.25 and line["answer"]["sum"] == 5


def test_a_bad_problem_is_reported_and_the_rest_still_run(dlcalc, files):
    path = str(files / "set.yaml")
    r = dlcalc("solve", path, "--format", "json")
    assert r.code == 2
    lines = json_lines(r.out)
    assert [d["id"] for d in lines] == ["ce", "broken", "dice"]
    assert lines[0]["answer"]["loss"] == pytest.approx(CE)
    assert lines[2]["answer"]["coefficient"] == pytest.approx(DICE)
    assert lines[1] == {"id": "broken", "file": path,
                        "error": f"{path}:10: pred: target is 2 but pred is 3; they must match"}
    assert "answer" not in lines[1]
    # one stderr line naming file, line, field, message and problem id
    assert r.err.splitlines() == [f"dlcalc: error: {path}:10: pred: target is 2 but pred is 3; they must match "
                                  "(problem broken)"]


def test_plain_output_of_a_set_has_a_header_per_problem(dlcalc, files):
    r = dlcalc("solve", str(files / "set.yaml"), "-q", "--format", "plain")
    assert r.code == 2
    assert "━━ ce" in r.out and "━━ dice" in r.out and "━━ broken" not in r.out
    assert "loss = 0.4581" in r.out and "coefficient = 0.8571" in r.out


def test_several_files_and_a_quoted_glob(dlcalc, files):
    (files / "sub").mkdir()
    (files / "sub" / "a.yaml").write_text("kind: mse\ntarget: [0]\npred: [3]\n")          # 9
    (files / "sub" / "b.yaml").write_text("kind: mse\ntarget: [0, 0]\npred: [1, 3]\n")    # (1 + 9)/2 = 5
    r = dlcalc("solve", str(files / "one.yaml"), str(files / "sub" / "*.yaml"), "--format", "json")
    assert r.code == 0, r.err
    assert [(d["id"], d["answer"]["loss"]) for d in json_lines(r.out)] == [("one", 1.25), ("a", 9), ("b", 5)]


def test_a_glob_matching_nothing(dlcalc, files):
    assert_bad_input(dlcalc("solve", str(files / "nothing*.yaml")), "nothing*.yaml", "no file matches")


def test_a_bundled_id_given_as_a_file_points_to_example(dlcalc, files, monkeypatch):
    monkeypatch.chdir(files)   # no file of that name here
    assert_bad_input(dlcalc("solve", "bd8-perceptron-xor"), "bd8-perceptron-xor: no such file",
                     "--example bd8-perceptron-xor")


def test_unreadable_files_are_reported_with_their_name_and_the_rest_run(dlcalc, files):
    bad = files / "syntax.yaml"
    bad.write_text("kind: mse\ntarget: [1\npred: [1]\n")
    missing = files / "missing.yaml"
    r = dlcalc("solve", str(bad), str(missing), str(files / "one.yaml"), "--format", "json")
    assert r.code == 2
    lines = json_lines(r.out)
    assert lines[0] == {"id": None, "file": str(bad), "error": f"{bad}:3:5: YAML syntax error: did not find expected ',' or ']'"}
    assert lines[1] == {"id": None, "file": str(missing), "error": f"{missing}: no such file"}
    assert lines[2]["id"] == "one" and lines[2]["answer"]["loss"] == 1.25
    assert len(r.err.splitlines()) == 2


def test_jobs_give_the_same_output(dlcalc, files):
    args = ("solve", str(files / "set.yaml"), str(files / "one.yaml"), "--format", "json")
    serial, parallel = dlcalc(*args, "--jobs", "1"), dlcalc(*args, "--jobs", "2")
    assert (serial.code, parallel.code) == (2, 2)
    assert parallel.out == serial.out and parallel.err == serial.err
    assert len(json_lines(serial.out)) == 4


def test_jobs_check_every_problem_as_one_process_does(dlcalc, tmp_path):
    # with --jobs the reading process leaves the problems unchecked and each worker checks its own:
    # every kind of broken problem must still be named as it is without workers, in the file's order
    path = tmp_path / "mixed.yaml"
    path.write_text("rtol: 0.01\nseed: s1\nproblems:\n"
                    "  - {id: a, kind: mse, target: [1, 2], pred: [1]}\n"
                    "  - {id: b, kind: mse, target: [1, 2], pred: [1, 3]}\n"
                    "  - {id: 7, kind: nope}\n"
                    "  - [1]\n"
                    "  - {kind: mse, target: [1], pred: [2], titel: x}\n"
                    "  - {id: d, kind: mse, target: {random: int, low: 0, high: 3, shape: [2]}, pred: [1, 2]}\n")
    serial, parallel = (dlcalc("solve", str(path), "-f", "json", "-j", j) for j in ("1", "2"))
    assert (serial.code, parallel.code) == (2, 2)
    assert parallel.out == serial.out and parallel.err == serial.err
    lines = json_lines(parallel.out)
    assert [x["id"] for x in lines] == ["a", "b", "7", "mixed-4", "mixed-5", "d"]
    assert ["error" in x for x in lines] == [True, False, True, True, True, False]
    assert lines[1]["answer"]["loss"] == 0.5  # ((1 − 1)² + (2 − 3)²) / 2
    assert "unknown key 'titel'" in lines[4]["error"] and lines[4]["error"].startswith(f"{path}:8:")


def test_jobs_share_the_work_and_keep_the_order(dlcalc, tmp_path):
    # symbolic problems (hessian, optimize) go to the worker, the rest this process solves from the front
    # while the worker takes chunks from the back: 70 problems in chunks of 8, an unreadable file between two
    # sets, a broken problem among them; the output is what one process writes, in the same order
    def problem(i: int) -> str:
        if i % 5 == 0:
            return f"  - {{id: h{i}, kind: hessian, expr: 'w1^2 - {i}*w1*w2', at: {{w1: 1, w2: {i}}}}}\n"
        if i == 33:
            return f"  - {{id: bad{i}, kind: mse, target: [1, 2], pred: [1]}}\n"
        return f"  - {{id: m{i}, kind: mse, target: [{i}, 0], pred: [0, 0]}}\n"
    first, second, broken = tmp_path / "a.yaml", tmp_path / "b.yaml", tmp_path / "broken.yaml"
    first.write_text("problems:\n" + "".join(problem(i) for i in range(40)))
    second.write_text("problems:\n" + "".join(problem(i) for i in range(40, 70)))
    broken.write_text("kind: mse\ntarget: [1\n")
    args = ("solve", str(first), str(broken), str(second), "-f", "json")
    serial, parallel = dlcalc(*args, "-j", "1"), dlcalc(*args, "-j", "2")
    assert parallel.out == serial.out and parallel.err == serial.err and parallel.code == serial.code == 2
    lines = json_lines(parallel.out)
    assert len(lines) == 71 and lines[40]["file"] == str(broken) and "error" in lines[40]
    assert [x["id"] for x in lines[:3]] == ["h0", "m1", "m2"] and "error" in lines[33]
    # L = w1² − 5·w1·w2 at (1, 5): g = (2·1 − 5·5, −5·1) = (−23, −5) ≠ 0; H = [[2, −5], [−5, 0]]
    assert lines[5]["answer"]["classification"] == "not_critical" and lines[5]["answer"]["gradient"] == [-23, -5]
    assert lines[5]["answer"]["hessian"] == [[2, -5], [-5, 0]]
    assert lines[70]["id"] == "m69" and lines[70]["answer"]["loss"] == 69 ** 2 / 2  # ((69 − 0)² + 0²) / 2


def test_jobs_refuse_a_duplicate_id_as_one_process_does(dlcalc, tmp_path):
    path = tmp_path / "dup.yaml"
    path.write_text("problems:\n  - {id: a, kind: mse, target: [1], pred: [1]}\n  - {id: a, kind: mse, target: [2], pred: [1]}\n")
    serial, parallel = (dlcalc("solve", str(path), "-f", "json", "-j", j) for j in ("1", "2"))
    assert parallel.out == serial.out and parallel.code == serial.code == 2
    assert json_lines(parallel.out) == [{"id": None, "file": str(path),
                                         "error": f"{path}:3: id: duplicate problem id 'a' (first at line 2)"}]


def test_bundled_examples(dlcalc):
    r = dlcalc("solve", "--example", "hw12-3", "--example", "l12-mse-severity", "--format", "json")
    assert r.code == 0
    a, b = json_lines(r.out)
    assert a["id"] == "hw12-3" and a["answer"]["loss"] == pytest.approx((0.5**2 + 0.2**2 + 1.1**2 + 0.1**2) / 4)  # 0.3775
    assert b["id"] == "l12-mse-severity" and b["answer"]["loss"] == pytest.approx((0.5**2 + 0.7**2 + 0.2**2) / 3)  # 0.26


def test_unknown_example_suggests_the_closest(dlcalc):
    assert_bad_input(dlcalc("solve", "--example", "hw12-33"), "--example", "no bundled example 'hw12-33'",
                     "did you mean 'hw12-3'?")


def test_solve_without_anything(dlcalc):
    assert_bad_input(dlcalc("solve"), "give problem files or --example ID")


def test_hostile_file_runs_nothing(dlcalc, files):
    marker = files / "x"
    evil = files / "evil.yaml"
    evil.write_text(f"kind: mse\ntarget: !!python/object/apply:os.system ['touch {marker}']\npred: [1]\n")
    r = dlcalc("solve", str(evil))
    assert_bad_input(r, f"{evil}:2", "not allowed")
    assert not marker.exists()


@pytest.mark.parametrize("text, fragments", [
    ("kind: msee\ntarget: [1]\npred: [1]\n", [":1: kind: unknown kind 'msee' (did you mean 'mse'?)"]),
    ("kind: mse\ntarget: [1]\nprd: [1]\n", [":3: prd: unknown key 'prd' for kind mse (did you mean 'pred'?)"]),
    ("kind: mse\ntarget: [1]\n", [":1: pred: required field 'pred' is missing"]),
    ("problems:\n  - {id: a, kind: mse, target: [1], pred: [1]}\n  - {id: a, kind: mse, target: [1], pred: [1]}\n",
     [":3: id: duplicate problem id 'a' (first at line 2)"]),
])
def test_schema_errors_on_the_command_line(dlcalc, files, text, fragments):
    path = files / "bad.yaml"
    path.write_text(text)
    assert_bad_input(dlcalc("solve", str(path)), str(path), *fragments)


# ── examples ─────────────────────────────────────────────────────────────────

def test_examples_lists_the_library(dlcalc):
    r = dlcalc("examples", "--format", "json")
    rows = {d["id"]: d for d in json_lines(r.out)}
    assert r.code == 0
    assert rows["hw12-3"] == {"id": "hw12-3", "kind": "mse", "source": "Lecture 12, Homework 12-3",
                              "title": "Mean squared error of four predictions", "note": ""}
    assert {"l12-bce-glaucoma", "l12-dice-octa", "hw12-1", "hw12-2"} <= set(rows)
    assert "0.6841" in rows["l12-bce-glaucoma"]["note"]                      # the slide's erratum travels


@pytest.mark.parametrize("args", [["--kind", "mse"], ["mse"]])
def test_examples_of_one_kind(dlcalc, args):
    r = dlcalc("examples", *args, "--format", "plain")
    assert r.code == 0
    lines = r.out.splitlines()
    assert lines[0] == "mse:"
    body = [line for line in lines[1:] if line.startswith("  ")]
    assert body and any(line.split()[0] == "hw12-3" for line in body)
    assert r.out.count(":\n") == 1                                          # only the one kind's heading


def test_examples_by_command_name_and_markers(dlcalc):
    r = dlcalc("examples", "ce", "--format", "plain")
    glaucoma = next(line for line in r.out.splitlines() if line.split()[:1] == ["l12-bce-glaucoma"])
    assert glaucoma.endswith(" †")                          # its note says the slide's 0.6841 is wrong
    assert all(len(line) <= 80 for line in r.out.splitlines())


def test_examples_never_cut_an_id_at_80_columns(dlcalc):
    from dlcalc.problems import library

    out = dlcalc("examples", "--format", "plain").out
    words = {line.split()[0] for line in out.splitlines() if line.startswith("  ")}
    assert set(library.problems()) <= words
    assert max(len(line) for line in out.splitlines()) <= 80


def test_examples_show_prints_yaml_that_solves_to_the_same_answer(dlcalc, tmp_path):
    r = dlcalc("examples", "--show", "hw12-3")
    assert r.code == 0 and r.out.startswith("# hw12-3, from the bundled ")
    (tmp_path / "mine.yaml").write_text(r.out)
    mine = dlcalc("solve", str(tmp_path / "mine.yaml"), "--format", "json").json()
    assert mine["answer"]["loss"] == pytest.approx((0.5 ** 2 + 0.2 ** 2 + 1.1 ** 2 + 0.1 ** 2) / 4)   # 0.3775


def test_a_sources_erratum_is_in_the_solution_and_its_json(dlcalc):
    sol = dlcalc("solve", "--example", "l12-bce-glaucoma", "--format", "json").json()
    assert "0.6841" in sol["note"]
    assert [s["title"] for s in sol["steps"]][:3] == ["Given", "Conventions", "Note on the source"]


def test_check_names_the_value_printed_on_the_slide(dlcalc):
    r = dlcalc("check", "l12-bce-glaucoma", "--answer", "0.6841", "--format", "plain")
    assert r.code == 1
    assert "looks like: the value printed in the source (0.6841), which is wrong: The slide's working" in r.out


def test_examples_of_an_unknown_kind(dlcalc):
    assert_bad_input(dlcalc("examples", "--kind", "msx"), "--kind", "unknown kind 'msx'", "did you mean 'mse'?")


# ── check ────────────────────────────────────────────────────────────────────

def test_check_right_answer(dlcalc, files):
    r = dlcalc("check", str(files / "one.yaml"), "--answer", "1.25", "--format", "plain")
    assert (r.code, r.out, r.err) == (0, "✓ one.loss = 1.25 is correct\n", "")


def test_check_wrong_answer_shows_the_slip_and_the_worked_solution(dlcalc, files):
    r = dlcalc("check", str(files / "one.yaml"), "--answer", "one=0.625", "--format", "plain")  # ½·MSE
    assert r.code == 1
    first, *rest = r.out.splitlines()
    assert first == "✗ one.loss = 0.625 is not correct (expected 1.25) — looks like: extra ½ factor"
    solution = "\n".join(rest)
    assert "Step 1" in solution and "MSE = (1/4) Σ e_i = 5 / 4 = 1.25" in solution


@pytest.mark.parametrize("spec", ["loss=1.25", "one=1.25", "one.loss=1.25", "one.sum=5", "one.squared_errors=1 4 0 0"])
def test_check_answer_spellings(dlcalc, files, spec):
    r = dlcalc("check", str(files / "one.yaml"), "-a", spec, "--format", "plain")
    assert r.code == 0 and r.out.startswith("✓ one."), r.out


def test_check_several_answers_of_a_set(dlcalc, files):
    r = dlcalc("check", str(files / "set.yaml"), "-a", "ce=0.4581", "-a", f"dice.loss={1 - DICE:.5f}",
               "-a", "ce.per_sample=[0.6931, 0.2231]", "--format", "json")
    assert r.code == 0
    results = r.json()["results"]
    assert [(d["id"], d["ask"], d["correct"]) for d in results] == [
        ("ce", "loss", True), ("dice", "loss", True), ("ce", "per_sample", True)]
    assert results[0]["expected"] == pytest.approx(CE) and results[0]["diagnosis"] is None


def test_check_json_of_a_wrong_answer(dlcalc, files):
    r = dlcalc("check", str(files / "set.yaml"), "-a", "ce=0.9163", "--format", "json")  # sum, not mean
    assert r.code == 1
    [d] = r.json()["results"]
    assert (d["correct"], d["given"], d["diagnosis"]) == (False, 0.9163, "sum over samples instead of the mean")


def test_check_matrix_shape_must_match(dlcalc, files):
    path = files / "m.yaml"
    # squared errors of [[1, 2], [3, 4]] − [[1, 0], [3, 5]]: [[0, 4], [0, 1]]
    path.write_text("kind: mse\ntarget: [[1, 2], [3, 4]]\npred: [[1, 0], [3, 5]]\n")
    assert dlcalc("check", str(path), "-a", "squared_errors=0 4; 0 1", "-f", "plain").code == 0
    assert dlcalc("check", str(path), "-a", "squared_errors=[[0, 4], [0, 1]]", "-f", "plain").code == 0
    r = dlcalc("check", str(path), "-a", "squared_errors=0 4 0 1", "-f", "plain")
    assert r.code == 1 and r.out.startswith("✗ m.squared_errors = 0 4 0 1 is not correct")


def test_check_tolerances(dlcalc, files):
    path = str(files / "one.yaml")
    assert dlcalc("check", path, "-a", "1.3", "-f", "plain").code == 1                   # |Δ| = 0.05 > 0.0013
    assert dlcalc("check", path, "-a", "1.3", "--rtol", "0.05", "-f", "plain").code == 0  # ≤ 1e-4 + 0.0625
    assert dlcalc("check", path, "-a", "1.3", "--atol", "0.06", "-f", "plain").code == 0


def test_check_a_bundled_example(dlcalc):
    r = dlcalc("check", "hw12-3", "-a", "0.3775", "-f", "plain")
    assert (r.code, r.out) == (0, "✓ hw12-3.loss = 0.3775 is correct\n")


def test_check_a_named_value_on_a_one_problem_file(dlcalc):
    # L = (1 − w1·w2)² at 0: H = [[0, −2], [−2, 0]], λ = −2 along u = (1, 1), right up to scale
    r = dlcalc("check", "dl-hessian-escape", "-a", "u = (2, 2)", "-f", "plain")
    assert (r.code, r.out) == (0, "✓ dl-hessian-escape.escape_direction = u = (2, 2) is correct\n")
    assert dlcalc("check", "dl-hessian-escape", "-a", "u = (1, -1)", "-f", "plain").code == 1


def test_check_unparsable_answer_is_wrong_not_a_crash(dlcalc, files):
    r = dlcalc("check", str(files / "one.yaml"), "-a", "one=abc", "-f", "plain")
    assert r.code == 1 and "looks like: unparsable answer 'abc'" in r.out


@pytest.mark.parametrize("spec, fragments", [
    ("cee=0.5", ["--answer", "no problem 'cee' in the file", "did you mean 'ce'?"]),
    ("0.5", ["--answer", "write ID=VALUE", "3 problems: ce, broken, dice"]),
    ("ce.los=0.5", ["--answer", "problem ce has no answer 'los'", "did you mean 'loss'?"]),
])
def test_check_bad_answer_specs(dlcalc, files, spec, fragments):
    assert_bad_input(dlcalc("check", str(files / "set.yaml"), "-a", spec), *fragments)


def test_check_a_broken_problem_is_bad_input(dlcalc, files):
    path = str(files / "set.yaml")
    assert_bad_input(dlcalc("check", path, "-a", "broken=1"), f"{path}:10: pred", "they must match")


def test_check_missing_file(dlcalc, files):
    assert_bad_input(dlcalc("check", str(files / "nope.yaml"), "-a", "1"), "nope.yaml", "no such file")


def test_check_ids_with_dots(dlcalc, files):
    path = files / "dots.yaml"
    path.write_text("problems:\n  - {id: hw1.2, kind: mse, target: [1], pred: [3]}\n"   # (1 − 3)² = 4
                    "  - {id: hw1.3, kind: mse, target: [0], pred: [1]}\n")
    r = dlcalc("check", str(path), "-a", "hw1.2=4", "-a", "hw1.2.sum=4", "-a", "hw1.3.loss=1", "-f", "plain")
    assert r.code == 0 and r.out.splitlines() == ["✓ hw1.2.loss = 4 is correct", "✓ hw1.2.sum = 4 is correct",
                                                  "✓ hw1.3.loss = 1 is correct"]


# a 6×6 image and a 1×1 kernel: a 6×6 output (6 − 1 + 1), 36 cells; conv writes out the first 16 unless full
WINDOWS = "problems:\n  - id: big\n    kind: conv\n    input: \"" + "; ".join(
    " ".join(str(6 * i + j) for j in range(6)) for i in range(6)) + "\"\n    kernel: [[1]]\n"


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_solve_full_writes_out_every_window_as_the_commands_full_does(dlcalc, tmp_path, jobs):
    path = tmp_path / "big.yaml"
    path.write_text(WINDOWS + "  - id: mse\n    kind: mse\n    target: [1, 2]\n    pred: [1, 3]\n")
    cells = lambda out: sum(line.startswith("Step") and " O(" in line for line in out.splitlines())  # noqa: E731
    assert cells(dlcalc("solve", str(path), "-j", jobs, "-f", "plain").out) == 16
    full = dlcalc("solve", str(path), "-j", jobs, "-f", "plain", "--full").out
    assert cells(full) == 36 and "full = true" not in full  # a way of showing, not one of the problem's inputs


def test_a_worker_rebuilds_the_problem_from_its_pickled_recipe_and_writes_out_every_window(tmp_path):
    # a worker gets the file's own values through a pipe and rebuilds the problem: --full must reach it
    import pickle

    from dlcalc.cli.commands.batch import _recipe, solve_recipes
    from dlcalc.problems.loader import load_path

    path = tmp_path / "big.yaml"
    path.write_text("rtol: 0.01\n" + WINDOWS)
    [problem] = load_path(path)
    recipe = pickle.loads(pickle.dumps(_recipe(problem)))
    for full, cells in ((False, 16), (True, 36)):
        [(kind, out, _)] = solve_recipes([recipe], "plain", 4, False, full)
        assert kind == "text" and sum(line.startswith("Step") and " O(" in line for line in out.splitlines()) == cells
    assert recipe[4] == {"rtol": 0.01}   # what the set gave its problems goes along


def test_solve_leaves_the_garbage_collector_as_it_found_it(dlcalc, files):
    # solve makes the cyclic collector run less often while it works; a notebook or a test that runs the
    # command in its own process must get its settings back
    import gc

    before = (gc.get_threshold(), gc.get_freeze_count())
    assert dlcalc("solve", str(files / "one.yaml"), "-f", "json").code == 0
    assert (gc.get_threshold(), gc.get_freeze_count()) == before
