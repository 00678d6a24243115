"""Safe YAML with line numbers: plain values out, hostile documents refused with file:line, nothing executed."""
from __future__ import annotations

import subprocess
import sys
import time

import pytest

from dlcalc.calc.errors import BadInput
from dlcalc.problems import yamlfile
from dlcalc.problems.yamlfile import Mapping, Sequence, line_of


def bad(text: str | bytes, name: str = "f.yaml") -> str:
    with pytest.raises(BadInput) as e:
        yamlfile.load(text, name)
    return str(e.value)


# ── plain documents ──────────────────────────────────────────────────────────

def test_values_are_plain_python_with_line_numbers():
    doc = yamlfile.load("kind: mse\ntarget: [1, 2.5, -3]\nflag: true\nnothing: null\nname: 'x'\n", "f.yaml")
    assert doc == {"kind": "mse", "target": [1, 2.5, -3], "flag": True, "nothing": None, "name": "x"}
    assert isinstance(doc, Mapping) and isinstance(doc["target"], Sequence)
    # keys on lines 1..5 in the order written
    assert [doc.line_of(k) for k in ("kind", "target", "flag", "nothing", "name")] == [1, 2, 3, 4, 5]


def test_sequence_items_know_their_lines():
    doc = yamlfile.load("problems:\n  - a: 1\n\n  - b: 2\n  - 3\n", "f.yaml")
    items = doc["problems"]
    assert items.line_of(0) == 2 and items.line_of(1) == 4 and items.line_of(2) == 5
    assert items.line_of(99) == items.line  # out of range: the list's own line
    assert items[0].line_of("a") == 2 and items[1].line_of("b") == 4


def test_line_of_plain_containers_is_zero():
    assert line_of({"a": 1}, "a") == 0 and line_of([1], 0) == 0 and line_of(5, "x") == 0


def test_unknown_key_line_falls_back_to_mapping_line():
    doc = yamlfile.load("x: 1\nm:\n  a: 1\n", "f.yaml")
    assert doc["m"].line_of("missing") == 3  # the mapping starts on line 3


def test_dates_stay_text():
    assert yamlfile.load("when: 2024-05-01\n", "f.yaml") == {"when": "2024-05-01"}


def test_yaml_11_number_spellings_are_loaded_as_safe_loader_does():
    # YAML 1.1 needs a dot for a float: 1e-3 is text (the schema converters parse it), 1.0e-3 a float
    doc = yamlfile.load("a: 1e-3\nb: 1.0e-3\nc: 0x10\n", "f.yaml")
    assert doc == {"a": "1e-3", "b": 0.001, "c": 16}


# ── syntax and structure errors ──────────────────────────────────────────────

def test_syntax_error_names_file_line_and_column():
    # line 2 opens a flow list that never closes; the parser notices at line 3, column 5
    msg = bad("kind: mse\ntarget: [1\npred: [1]\n", "hw.yaml")
    assert msg.startswith("hw.yaml:3:5: YAML syntax error")


def test_bad_indentation_names_line_and_column():
    msg = bad("a: 1\n b: 2\n", "f.yaml")
    assert msg.startswith("f.yaml:2:") and "YAML syntax error" in msg


def test_empty_file_is_refused():
    assert bad("", "e.yaml") == "e.yaml: file is empty"
    assert bad("# only a comment\n", "e.yaml") == "e.yaml: file is empty"


def test_duplicate_key_names_its_line():
    assert bad("kind: mse\ntarget: [1]\nkind: dice\n") == "f.yaml:3: duplicate key 'kind'"


def test_complex_key_is_refused():
    assert bad("? [a, b]\n: 1\n") == "f.yaml:1: a mapping key must be a plain name"


def test_merge_key_is_refused():
    # no anchor involved, so the merge key itself is what is refused
    assert "merge keys (<<) are not allowed" in bad("a:\n  <<: {b: 1}\n")


def test_non_utf8_bytes_name_the_line():
    # "café" in Latin-1: byte 0xE9 on line 2
    msg = bad(b"kind: mse\ntitle: caf\xe9\n", "l1.yaml")
    assert msg.startswith("l1.yaml:2: not UTF-8 text") and "0xe9" in msg


def test_size_limit(monkeypatch):
    monkeypatch.setattr(yamlfile, "MAX_BYTES", 100)
    assert "larger than the limit of 100 bytes" in bad(b"a: " + b"1" * 200)


def test_node_count_limit(monkeypatch):
    monkeypatch.setattr(yamlfile, "MAX_NODES", 10)
    # 1 mapping + key + list + 20 items > 10 values
    assert "more than 10 values" in bad("a: [" + ", ".join(["1"] * 20) + "]\n")


# ── hostile documents ────────────────────────────────────────────────────────

def test_python_object_tag_is_refused_and_nothing_runs(tmp_path):
    marker = tmp_path / "pwned"
    text = f"kind: mse\ntarget: !!python/object/apply:os.system ['touch {marker}']\npred: [1]\n"
    msg = bad(text, "evil.yaml")
    assert msg.startswith("evil.yaml:2: YAML tag") and "python/object/apply:os.system" in msg
    assert "not allowed" in msg
    assert not marker.exists()


@pytest.mark.parametrize("text", [
    "a: !!python/name:os.system\n",
    "a: !!binary aGVsbG8=\n",
    "a: !!set {x, y}\n",
    "a: !custom 1\n",
])
def test_other_tags_are_refused(text):
    assert "is not allowed in problem files" in bad(text)


def test_anchor_and_alias_are_refused():
    msg = bad("kind: mse\ntarget: &t [1, 2]\npred: *t\n")
    assert msg == "f.yaml:3: YAML aliases (*name) are not allowed in problem files"  # the line of the alias


def test_billion_laughs_is_refused_quickly():
    levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi"):
        levels.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    text = "\n".join(levels) + "\n"  # expanded it would be 9⁹ ≈ 387 million strings
    start = time.perf_counter()
    assert "aliases (*name) are not allowed" in bad(text, "lol.yaml")
    assert time.perf_counter() - start < 1.0


def test_deep_block_nesting_is_refused():
    text = "a:\n" + "".join("  " * i + "- \n" for i in range(1, 80))  # 80 levels of block lists
    assert "nested more than 64 levels deep" in bad(text)


def test_nesting_at_the_limit_is_fine():
    # the top mapping is level 1, then 63 lists: exactly 64 levels
    doc = yamlfile.load("a: " + "[" * 63 + "1" + "]" * 63 + "\n", "f.yaml")
    inner = doc["a"]
    for _ in range(62):
        inner = inner[0]
    assert inner == [1]


def test_very_deep_flow_nesting_neither_crashes_nor_hangs():
    # libyaml's composer recurses in C: 200 000 '[' used to kill the process (SIGSEGV). Run in a child
    # process so a regression fails this test instead of the whole run.
    code = ("from dlcalc.problems import yamlfile\n"
            "from dlcalc.calc.errors import BadInput\n"
            "n = 200_000\n"
            "try:\n"
            "    yamlfile.load('a: ' + '[' * n + '1' + ']' * n + '\\n', 'deep.yaml')\n"
            "except BadInput as e:\n"
            "    print(e)\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "deep.yaml:1: YAML nested more than 64 levels deep"


LIMIT_MESSAGE = "nested more than 64 levels deep"


@pytest.mark.parametrize("n", [65, 1_000, 5_000])
def test_flow_nesting_past_the_limit_gets_our_message_before_any_parser_limit(n):
    # libyaml 0.2.5 has no limit; newer ones stop at 1000 with their own message, after reading a whole
    # line ahead: whatever is installed, the message and the line are ours
    assert bad("a: " + "[" * n + "1" + "]" * n + "\n") == f"f.yaml:1: YAML {LIMIT_MESSAGE}"


def test_flow_nesting_past_the_limit_on_a_later_line_names_that_line():
    assert bad("kind: mse\nnote: x\nb: " + "{a: " * 70 + "1" + "}" * 70 + "\n") == f"f.yaml:3: YAML {LIMIT_MESSAGE}"


@pytest.mark.parametrize("text", [
    "a: '" + "[" * 100 + "'\n",                      # inside single quotes
    'a: "' + "[" * 100 + '"\n',                      # inside double quotes
    'a: ["\\"' + "[" * 100 + '", 1]\n',              # an escaped quote does not end the string
    "a: ['it''s " + "[" * 100 + "', 1]\n",           # '' is a quote inside single quotes
    "# " + "[" * 100 + "\na: 1\n",                   # a comment
    "a: [1] # " + "{" * 100 + "\n",
    "a: x " + "[" * 100 + "\n",                      # part of a plain scalar in block context
    "a: it's " + "[" * 100 + "\n",                   # an apostrophe inside a word opens nothing
    "a: 'two\n  lines " + "[" * 100 + "'\n",         # a quoted scalar over two lines
], ids=["single", "double", "escaped", "doubled-single", "comment", "trailing-comment", "plain", "apostrophe",
        "multi-line"])
def test_brackets_that_are_text_do_not_count(text):
    yamlfile.load(text, "f.yaml")  # no error: these brackets are characters of a string, not collections


def test_real_brackets_after_a_quoted_string_still_count():
    assert LIMIT_MESSAGE in bad('a: ["]]]", ' + "[" * 70 + "1" + "]" * 71 + "\n")
    assert LIMIT_MESSAGE in bad("a: ['x''', " + "[" * 70 + "1" + "]" * 71 + "\n")
    assert LIMIT_MESSAGE in bad('a: ["x\\\\", ' + "[" * 70 + "1" + "]" * 71 + "\n")  # "x\\" ends at its quote


def test_block_and_flow_nesting_add_up():
    # the top mapping, 39 block lists, then 30 flow lists: 70 levels in all
    text = "a:\n" + "".join("  " * i + "-\n" for i in range(1, 39)) + "  " * 39 + "- " + "[" * 30 + "1" + "]" * 30 + "\n"
    assert LIMIT_MESSAGE in bad(text)


def test_bytes_and_text_give_the_same_document():
    text = "kind: mse\ntarget: [1, 2]\n"
    assert yamlfile.load(text, "f.yaml") == yamlfile.load(text.encode(), "f.yaml")


def test_a_second_document_is_refused_at_its_line():
    assert bad("kind: mse\n---\nkind: dice\n") == ("f.yaml:2: YAML syntax error: one document per file "
                                                  "(a second '---' starts another)")


def test_explicit_standard_tags_are_read_as_their_types():
    doc = yamlfile.load("a: !!str 1\nb: !!int '7'\nc: !!float 2\nd: !!map {x: 1}\ne: !!seq [1]\nf: !!null ''\n", "f.yaml")
    assert doc == {"a": "1", "b": 7, "c": 2.0, "d": {"x": 1}, "e": [1], "f": None}


def test_a_key_and_its_value_know_the_key_line_in_a_flow_mapping_over_lines():
    doc = yamlfile.load("m: {a: 1,\n    b: [2,\n        3]}\n", "f.yaml")
    assert doc["m"].line_of("a") == 1 and doc["m"].line_of("b") == 2 and doc["m"]["b"].line_of(1) == 3


def test_the_values_are_the_safe_loaders_own():
    # an independent reading of the same documents: PyYAML's SafeLoader (no line numbers)
    import yaml

    for text in ["a: [1, 2.5, -3, 0x1f, 1_000, 0o17, .inf, -.Inf, .nan, yes, No, ~, '', 'x: y']\nb: {c: {d: [[]]}}\n",
                 "- 1\n- [a, {b: c}]\n- ? x\n  : y\n", "plain text\n", "12\n"]:
        got, want = yamlfile.load(text, "f.yaml"), yaml.safe_load(text)
        assert repr(got) == repr(want)
