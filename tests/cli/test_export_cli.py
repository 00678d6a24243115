"""`dlcalc export KEY --to moodle|canvas` (CONTRACT §9): the files are parsed back with ElementTree and
zipfile and checked element by element against the published formats (Moodle's question/format/xml and
question/type/multianswer, Canvas's QTI 1.2 as text2qti and Canvas's own exports write it: for a
fill_in_multiple_blanks_question, instructure/canvas-lms lib/cc/qti/qti_items.rb, read back by
gems/plugins/qti_exporter/lib/qti/fill_in_the_blank.rb).

Every expected answer is computed here, with numpy and scipy, from the numbers the question itself
shows a student (read back from its HTML) or from the key's fixed numbers; never taken from dlcalc.
"""
from __future__ import annotations

import html
import json
import math
import re
import xml.etree.ElementTree as ET
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from scipy.signal import convolve2d, correlate2d

from tests.conftest import assert_bad_input, run_cli
from tests.drawn import DRAWN_CE, drawn_conv

QTI = "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}"
IMSCP = "{http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1}"
RTOL, ATOL = 1e-3, 1e-4

# ── the keys ─────────────────────────────────────────────────────────────────
TARGET = [0, 1, 2]
PRED = [[0.6, 0.3, 0.1], [0.2, 0.7, 0.1], [0.3, 0.3, 0.4]]
# mean of −ln p of each sample's true class: −(ln 0.6 + ln 0.7 + ln 0.4)/3 = 0.594597
CE = -float(np.mean(np.log([0.6, 0.7, 0.4])))
IMAGE = [[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]]
KERNEL = [[1, 0, 0], [0, 1, 0], [0, 0, 2]]   # not symmetric: flipping it matters
CONV = convolve2d(IMAGE, KERNEL, mode="valid")          # the course's true convolution (kernel rotated 180°)
CORR = correlate2d(IMAGE, KERNEL, mode="valid")         # the slip: cross-correlation

# h: a saddle at the origin; p: the perceptron learning AND (it converges)
SADDLE_AND_AND = """\
  - id: h
    kind: hessian
    expr: "w1^2 - 3*w1*w2 + w2^2"
    at: {w1: 0, w2: 0}
  - id: p
    kind: perceptron
    ask: converged
    data: "0 0; 0 1; 1 0; 1 1"
    labels: "-1 -1 -1 1"
"""

FIXED = f"""
title: Exam / midterm
problems:
  - id: ce
    title: "Cross-entropy {{3 samples}} <mean>"
    kind: cross_entropy
    points: 2
    slip_credit: 0.5
    target: {TARGET}
    pred: {PRED}
  - id: conv
    title: "Convolution {{flipped}}"
    kind: conv
    slip_credit: 0.25
    input: {IMAGE}
    kernel: {KERNEL}
""" + SADDLE_AND_AND
# h: the Hessian [[2, −3], [−3, 2]] has eigenvalues −1 and 5 at the critical point (0, 0): a saddle.
# p: AND is linearly separable, so the perceptron converges: true.

DRAWN = "\nseed: exam-2026\nproblems:\n" + DRAWN_CE + drawn_conv() + """\
  - id: h
    kind: hessian
    expr: {random: choice, from: ["w1^2 - 3*w1*w2 + w2^2", "(w1 - 1)^2 + w1*w2^2"]}
    at: {w1: {random: int, low: -2, high: 2}, w2: {random: uniform, low: -1, high: 1, decimals: 1}}
"""

CANVAS_KEY = f"""
title: Quiz 4
seed: s-4
problems:
  - id: ce
    kind: cross_entropy
    points: 2
    slip_credit: 0.5
    target: {TARGET}
    pred: {PRED}
  - id: ce-drawn
    kind: cross_entropy
    rtol: 0.01
    target: {{random: labels, classes: 3, shape: [2]}}
    pred: {{random: probabilities, shape: [2, 3], decimals: 2}}
  - id: params
    kind: convsize
    ask: params
    input_shape: 6x6
    kernel: 3
    filters: 3
""" + SADDLE_AND_AND
PARAMS = (3 * 3 * 1 + 1) * 3   # 3 filters of 3×3×1 weights and a bias each: 30, compared exactly


def key(tmp_path: Path, text: str, name: str = "key.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def export(*args) -> object:
    return run_cli("export", *map(str, args))


def within(given: float, expected: float, rtol: float = RTOL, atol: float = ATOL) -> bool:
    return abs(given - expected) <= atol + rtol * abs(expected)


# ── reading the HTML a student sees ──────────────────────────────────────────

class Sheet(HTMLParser):
    """The code lines and tables of an HTML fragment, in order: ("code", text) and ("table", rows)."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.items: list[tuple[str, object]] = []
        self._cell: list[str] | None = None
        self._code: list[str] | None = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.items.append(("table", []))
        elif tag == "tr":
            self.items[-1][1].append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "code":
            self._code = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.items[-1][1][-1].append("".join(self._cell))
            self._cell = None
        elif tag == "code" and self._code is not None:
            self.items.append(("code", "".join(self._code)))
            self._code = None

    def handle_data(self, data):
        for part in (self._cell, self._code):
            if part is not None:
                part.append(data)

    def tables(self) -> list[list[list[str]]]:
        return [rows for what, rows in self.items if what == "table"]

    def codes(self) -> list[str]:
        return [text for what, text in self.items if what == "code"]


def numbers(rows: list[list[str]]) -> np.ndarray:
    return np.array([[float(c) for c in r] for r in rows])


# ── Moodle: the cloze syntax, parsed back ────────────────────────────────────

BLANK = re.compile(r"\{(\d*):(NUMERICAL|NM):(.*?)\}")
ALTERNATIVE = re.compile(r"^(=|%(-?\d+(?:\.\d*)?)%)?([^:#]+)(?::([^#]+))?(?:#(.*))?$", re.S)


def blanks(text: str) -> list[list[dict]]:
    """Each `{1:NUMERICAL:…}` blank as its alternatives: fraction (%), value, tolerance, feedback (as Moodle
    reads it: the feedback's character references decoded once)."""
    out = []
    for m in BLANK.finditer(text):
        alternatives = []
        for alt in m.group(3).split("~"):
            a = ALTERNATIVE.match(alt)
            assert a, alt
            fraction = 100.0 if a.group(1) == "=" else float(a.group(2) or 0)
            alternatives.append({"fraction": fraction, "value": float(a.group(3)), "tolerance": float(a.group(4)),
                                 "feedback": html.unescape(a.group(5) or "")})
        out.append(alternatives)
    return out


def moodle(path: Path) -> list[tuple[ET.Element, list[ET.Element]]]:
    """(category, its questions) in file order; checks the <quiz> root and that a category comes first."""
    root = ET.parse(path).getroot()
    assert root.tag == "quiz"
    groups: list[tuple[ET.Element, list[ET.Element]]] = []
    for q in root:
        assert q.tag == "question"
        if q.get("type") == "category":
            groups.append((q, []))
        else:
            assert groups, "a question before any category"
            groups[-1][1].append(q)
    return groups


def common(q: ET.Element, grade: bool = True) -> None:
    """What every Moodle question carries: name, HTML question text, HTML general feedback, default grade."""
    assert q.find("name/text").text.strip()
    assert q.find("questiontext").get("format") == "html"
    assert q.find("questiontext/text").text.strip()
    assert q.find("generalfeedback").get("format") == "html"
    assert "Step 1." in q.find("generalfeedback/text").text      # the worked solution
    assert (q.find("defaultgrade") is not None) == grade


# ── Moodle ───────────────────────────────────────────────────────────────────

@pytest.fixture
def fixed_moodle(tmp_path):
    out = tmp_path / "quiz.xml"
    r = export(key(tmp_path, FIXED), "--to", "moodle", "-o", out)
    assert r.code == 0, r.err
    assert r.out == ""
    return moodle(out), r


def test_moodle_has_a_category_per_problem_named_by_course_path(fixed_moodle):
    groups, r = fixed_moodle
    paths = [c.find("category/text").text for c, _ in groups]
    # a `/` inside a category name is written `//` (Moodle splits the path on single slashes)
    assert paths == [f"$course$/Exam // midterm/{pid}" for pid in ("ce", "conv", "h", "p")]
    assert [[q.get("type") for q in qs] for _, qs in groups] == [["numerical"], ["cloze"], ["multichoice"], ["truefalse"]]
    for c, _ in groups:
        assert c.find("info").get("format") == "html"
    assert "wrote 4 questions in 4 categories" in r.err


def test_moodle_numerical_answer_tolerance_and_slips(fixed_moodle):
    (_, (q,)), *_ = fixed_moodle[0]
    common(q)
    assert float(q.findtext("defaultgrade")) == 2
    # the title is shown escaped: braces and angle brackets are text, not markup
    assert "<b>Cross-entropy {3 samples} &lt;mean&gt;</b>" in q.find("questiontext/text").text
    right, *slips = q.findall("answer")
    assert right.get("fraction") == "100"
    assert float(right.findtext("text")) == pytest.approx(CE, rel=1e-12)
    assert float(right.findtext("tolerance")) == pytest.approx(ATOL + RTOL * CE, rel=1e-12)
    assert right.find("feedback").get("format") == "html" and "Right" in right.findtext("feedback/text")
    # the named slips, each its own answer at slip_credit × 100 = 50 %, with its own tolerance
    expected = {"log base 10": CE / math.log(10), "log base 2": CE / math.log(2), "sum over samples": 3 * CE}
    assert len(slips) == len(expected)
    for name, value in expected.items():
        (s,) = [s for s in slips if name in s.findtext("feedback/text")]
        assert s.get("fraction") == "50"
        assert float(s.findtext("text")) == pytest.approx(value, rel=1e-12)
        assert float(s.findtext("tolerance")) == pytest.approx(ATOL + RTOL * value, rel=1e-12)


def test_moodle_cloze_has_one_numerical_blank_per_entry(fixed_moodle):
    _, (_, (q,)), *_ = fixed_moodle[0]
    common(q, grade=False)   # a cloze question's mark is the sum of its blanks' (Moodle writes none)
    text = q.find("questiontext/text").text
    found = blanks(text)
    assert len(found) == CONV.size == 9
    for alternatives, right, slipped in zip(found, CONV.ravel(), CORR.ravel()):
        first, *others = alternatives
        assert first["fraction"] == 100 and first["value"] == right
        assert first["tolerance"] == pytest.approx(ATOL + RTOL * abs(right))
        if slipped == right:   # the slip gives this entry right: no alternative for it
            assert others == []
            continue
        (slip,) = others
        assert slip["fraction"] == 25 and slip["value"] == slipped
        assert slip["tolerance"] == pytest.approx(ATOL + RTOL * abs(slipped))
        assert "kernel not flipped" in slip["feedback"]
    assert any(len(a) > 1 for a in found)
    # the statement's own matrices, read back, are the key's
    tables = Sheet(BLANK.sub("", text)).tables()
    assert numbers(tables[0]).tolist() == IMAGE and numbers(tables[1]).tolist() == KERNEL
    # and the blanks are laid out as the 3×3 answer
    assert [len(r) for r in tables[2]] == [3, 3, 3]
    # the title's braces are character references: only the blanks are `{…}` in a cloze text
    assert "{flipped}" not in text and "<b>Convolution {flipped}</b>" in html.unescape(text)
    assert len(re.findall(r"\{", text)) == len(found)


def test_moodle_warns_when_a_cloze_questions_blanks_are_not_its_points(tmp_path):
    # a 3×3 input under a 2×2 kernel: a 2×2 output, four blanks of one mark each in Moodle
    text = ("problems:\n  - {id: cv, kind: conv, input: '1 2 3; 4 5 6; 7 8 9', kernel: '1 0; 0 1', points: 2}\n"
            "  - {id: cv4, kind: conv, input: '1 2 3; 4 5 6; 7 8 9', kernel: '1 0; 0 1', points: 4}\n"
            "  - {id: cv8, kind: conv, input: '1 2 3; 4 5 6; 7 8 9', kernel: '1 0; 0 1', points: 8}\n"
            "  - {id: m, kind: mse, target: [1, 2], pred: [1, 3], points: 3}\n")
    r = export(key(tmp_path, text), "--to", "moodle", "-o", tmp_path / "q.xml")
    assert r.code == 0
    warned = [line for line in r.err.splitlines() if "warning" in line]
    assert warned == ["dlcalc: warning: Moodle gives a cloze question whole marks per blank, which cannot add up to "
                      "the problem's points here: set the marks in the quiz of cv (4 blanks, 2 points)"]
    weights = {c.find("category/text").text.rsplit("/", 1)[1]: {m.group(1) for m in BLANK.finditer(
        q[0].findtext("questiontext/text"))} for c, q in moodle(tmp_path / "q.xml") if q[0].get("type") == "cloze"}
    assert weights == {"cv": {"1"}, "cv4": {"1"}, "cv8": {"2"}}   # 8 points over 4 blanks


def test_moodle_word_and_true_false_answers(fixed_moodle):
    *_, (_, (h,)), (_, (p,)) = fixed_moodle[0]
    common(h)
    assert h.findtext("single") == "true"
    answers = {a.findtext("text"): a.get("fraction") for a in h.findall("answer")}
    assert answers == {"local minimum": "0", "local maximum": "0", "saddle point": "100",
                       "degenerate (the second-order test decides nothing)": "0", "not a critical point": "0"}
    common(p)
    assert {a.findtext("text"): a.get("fraction") for a in p.findall("answer")} == {"true": "100", "false": "0"}


def test_moodle_variants_ask_what_their_own_numbers_give(tmp_path):
    out = tmp_path / "drawn.xml"
    r = export(key(tmp_path, DRAWN), "--to", "moodle", "--variants", "3", "-o", out)
    assert r.code == 0, r.err
    assert "seed 'exam-2026'" in r.err
    groups = moodle(out)
    assert [len(qs) for _, qs in groups] == [3, 3, 3]
    ce, conv, h = (qs for _, qs in groups)
    statements = set()
    for q in ce:
        assert q.get("type") == "numerical"
        sheet = Sheet(q.find("questiontext/text").text)
        (target,) = [c for c in sheet.codes() if c.startswith("target = ")]
        labels = [int(x) for x in re.findall(r"\d+", target.split("=", 1)[1])]
        pred = numbers(sheet.tables()[0])
        loss = -np.mean(np.log(pred[np.arange(len(labels)), labels]))
        right = q.findall("answer")[0]
        assert within(float(right.findtext("text")), loss)
        statements.add((tuple(labels), pred.tobytes()))
    assert len(statements) > 1, "the variants drew the same numbers"
    for q in conv:
        text = q.find("questiontext/text").text
        image, kernel, layout = Sheet(BLANK.sub("", text)).tables()
        want = convolve2d(numbers(image), numbers(kernel), mode="valid")
        assert [a[0]["value"] for a in blanks(text)] == want.ravel().tolist()
    assert all(q.get("type") == "multichoice" for q in h)
    assert [q.find("name/text").text for q in ce] == [f"ce (variant {n} of 3)" for n in (1, 2, 3)]


def test_moodle_to_stdout(tmp_path):
    r = export(key(tmp_path, FIXED), "--to", "moodle", "-o", "-")
    assert r.code == 0, r.err
    assert ET.fromstring(r.out.encode()).tag == "quiz"


def test_a_slip_credit_moodle_does_not_offer_is_said(tmp_path):
    text = FIXED.replace("slip_credit: 0.5", "slip_credit: 0.45")
    r = export(key(tmp_path, text), "--to", "moodle", "-o", tmp_path / "q.xml")
    assert r.code == 0
    assert "slip_credit 0.45 is 45 %" in r.err and "Nearest grade if not listed" in r.err


def test_cloze_feedback_survives_moodle_reading_it():
    from dlcalc.cli.moodle import cloze_feedback

    text = "a}b~c#d\\e<f&g{h\"i"
    written = cloze_feedback(text)
    assert not set("{}~\\<\"") & set(written)       # nothing the blank's syntax would read
    assert html.unescape(written) == html.escape(text, quote=False)   # Moodle decodes once: the HTML of the text


# ── Canvas ───────────────────────────────────────────────────────────────────

def fields(item: ET.Element) -> dict[str, str]:
    return {f.findtext(f"{QTI}fieldlabel"): f.findtext(f"{QTI}fieldentry") or ""
            for f in item.findall(f"{QTI}itemmetadata/{QTI}qtimetadata/{QTI}qtimetadatafield")}


@pytest.fixture
def canvas(tmp_path):
    out = tmp_path / "quiz.zip"
    r = export(key(tmp_path, CANVAS_KEY), "--to", "canvas", "--variants", "4", "-o", out)
    assert r.code == 0, r.err
    return zipfile.ZipFile(out), r


def check_manifest(zf: zipfile.ZipFile) -> ET.Element:
    """The package's manifest points to its one assessment and its Canvas settings; the assessment's root."""
    names = zf.namelist()
    assert "imsmanifest.xml" in names
    manifest = ET.fromstring(zf.read("imsmanifest.xml"))
    assert manifest.tag == f"{IMSCP}manifest"
    (qti,) = [res for res in manifest.iter(f"{IMSCP}resource") if res.get("type") == "imsqti_xmlv1p2"]
    href = qti.find(f"{IMSCP}file").get("href")
    assert href in names and href == f"{qti.get('identifier')}/{qti.get('identifier')}.xml"
    dependency = qti.find(f"{IMSCP}dependency").get("identifierref")
    (meta,) = [res for res in manifest.iter(f"{IMSCP}resource") if res.get("identifier") == dependency]
    assert meta.get("href") in names
    root = ET.fromstring(zf.read(href))
    assert root.tag == f"{QTI}questestinterop"
    assert len(root.findall(f"{QTI}assessment")) == 1
    return root


def test_canvas_manifest_points_to_the_assessment(canvas):
    zf, r = canvas
    check_manifest(zf)
    assert "Canvas" in r.err and "slip_credit 0.5 is not given in Canvas" in r.err


def test_canvas_sections_pick_one_of_their_variants(canvas):
    zf, _ = canvas
    (href,) = [n for n in zf.namelist() if n.endswith(".xml") and n != "imsmanifest.xml" and "meta" not in n]
    assessment = ET.fromstring(zf.read(href)).find(f"{QTI}assessment")
    sections = assessment.findall(f"{QTI}section/{QTI}section")
    assert [s.get("title") for s in sections] == ["ce", "ce-drawn", "params", "h", "p"]
    for s, count, points in zip(sections, (1, 4, 1, 1, 1), (2, 1, 1, 1, 1)):
        selection = s.find(f"{QTI}selection_ordering/{QTI}selection")
        assert selection.findtext(f"{QTI}selection_number") == "1"
        assert float(selection.findtext(f"{QTI}selection_extension/{QTI}points_per_item")) == points
        items = s.findall(f"{QTI}item")
        assert len(items) == count
        for item in items:
            meta = fields(item)
            assert float(meta["points_possible"]) == points
            assert meta["original_answer_ids"] and meta["assessment_question_identifierref"]
    idents = [i.get("ident") for i in assessment.iter(f"{QTI}item")]
    assert len(set(idents)) == len(idents)


def _item(zf, pid: str) -> list[ET.Element]:
    """The items of a problem: titled by its id, drawn ones `id (variant n of N)`."""
    (href,) = [n for n in zf.namelist() if n.endswith(".xml") and n != "imsmanifest.xml" and "meta" not in n]
    items = ET.fromstring(zf.read(href)).iter(f"{QTI}item")
    return [i for i in items if i.get("title") == pid or i.get("title").startswith(f"{pid} (variant ")]


def _range(item: ET.Element) -> tuple[float, float]:
    right = [c for c in item.iter(f"{QTI}respcondition") if c.find(f"{QTI}setvar") is not None]
    (condition,) = right
    assert condition.get("continue") == "No" and condition.findtext(f"{QTI}setvar") == "100"
    return (float(condition.find(f".//{QTI}vargte").text), float(condition.find(f".//{QTI}varlte").text))


def test_canvas_numerical_range_holds_the_answer_not_a_slip(canvas):
    zf, _ = canvas
    (item,) = _item(zf, "ce")
    assert fields(item)["question_type"] == "numerical_question"
    fib = item.find(f"{QTI}presentation/{QTI}response_str/{QTI}render_fib")
    assert fib.get("fibtype") == "Decimal"
    lo, hi = _range(item)
    tol = ATOL + RTOL * CE
    assert lo <= CE - tol and CE + tol <= hi            # every answer within grade's tolerance is taken
    assert hi - lo <= 2 * tol + 2e-4                    # widened to 4 decimals at most
    assert all(re.fullmatch(r"-?\d+\.\d{4}", item.find(f".//{QTI}{t}").text) for t in ("vargte", "varlte"))
    for wrong in (3 * CE, CE / math.log(10), CE + 10 * tol):   # the sum slip, the log10 slip, clearly off
        assert not lo <= wrong <= hi
    feedback = {f.get("ident"): f.findtext(f".//{QTI}mattext") for f in item.findall(f"{QTI}itemfeedback")}
    assert "Step 1." in feedback["general_fb"]
    assert "sum over samples instead of the mean" in feedback["general_incorrect_fb"]


def test_canvas_drawn_variants_each_hold_their_own_answer(canvas):
    zf, _ = canvas
    items = _item(zf, "ce-drawn")
    assert len(items) == 4
    for item in items:
        sheet = Sheet(item.findtext(f"{QTI}presentation/{QTI}material/{QTI}mattext"))
        (target,) = [c for c in sheet.codes() if c.startswith("target = ")]
        labels = [int(x) for x in re.findall(r"\d+", target.split("=", 1)[1])]
        pred = numbers(sheet.tables()[0])
        loss = -float(np.mean(np.log(pred[np.arange(len(labels)), labels])))
        lo, hi = _range(item)
        tol = ATOL + 0.01 * loss                         # the problem's own rtol: 0.01
        assert lo <= loss - tol and loss + tol <= hi and hi - lo <= 2 * tol + 2e-4


def test_canvas_exact_integer_and_choices(canvas):
    zf, _ = canvas
    (params,) = _item(zf, "params")
    either = params.find(f".//{QTI}respcondition/{QTI}conditionvar/{QTI}or")
    assert float(either.findtext(f"{QTI}varequal")) == PARAMS
    assert _range(params) == (PARAMS, PARAMS)
    for title, kind, right in (("h", "multiple_choice_question", "saddle point"), ("p", "true_false_question", "True")):
        (item,) = _item(zf, title)
        assert fields(item)["question_type"] == kind
        labels = {lab.get("ident"): lab.findtext(f".//{QTI}mattext")
                  for lab in item.iter(f"{QTI}response_label")}
        chosen = item.find(f".//{QTI}respcondition/{QTI}conditionvar/{QTI}varequal").text
        assert labels[chosen] == right
        assert set(fields(item)["original_answer_ids"].split(",")) == set(labels)


@pytest.mark.parametrize("value,tolerance,lo,hi", [
    (0.3, 0.0003, "0.2997", "0.3003"),        # on the 4-decimal grid already: kept, not moved by binary floats
    (0.59459, 0.00069459, "0.5938", "0.5953"),  # off the grid: widened outward, never narrowed
    (-2.5, 0.0026, "-2.5026", "-2.4974"),
])
def test_canvas_ranges_are_widened_outward_to_four_decimals(value, tolerance, lo, hi):
    from dlcalc.cli.canvas import bounds

    assert tuple(f"{b:.4f}" for b in bounds(value, tolerance)) == (lo, hi)


# ── Canvas: a matrix of integers as fill in multiple blanks ─────────────────
# Canvas's own QTI for a fill_in_multiple_blanks_question (its exporter lib/cc/qti/qti_items.rb, read back
# by gems/plugins/qti_exporter/lib/qti/fill_in_the_blank.rb): `[blank]` in the question text; per blank
# a response_lid ident="response_<blank>" whose material is the blank's name and whose render_choice
# holds one response_label per right answer (its mattext the answer's text); per blank a respcondition
# adding its share of 100 to SCORE when that blank's right answer is given.

MIDTERM = """
title: Midterm
seed: midterm-2026
problems:
  - id: ce
    kind: cross_entropy
    target: {random: labels, classes: 3, shape: [2]}
    pred: {random: probabilities, shape: [2, 3], decimals: 2}
  - id: conv
    kind: conv
    slip_credit: 0.5
    input: {random: int, low: 0, high: 3, shape: [4, 4]}
    kernel: {random: int, low: -2, high: 1, shape: [2, 2]}
  - id: h
    kind: hessian
    expr: {random: choice, from: ["w1^2 - 3*w1*w2 + w2^2", "w1^2 + w2^2", "-w1^2 - w2^2", "2*w1^2 + w1*w2 + w2^2"]}
    at: {w1: 0, w2: 0}
"""
# the Hessians of the quadratic forms h draws from (constant: the same at every point)
HESSIANS = {"w1^2 - 3*w1*w2 + w2^2": [[2, -3], [-3, 2]], "w1^2 + w2^2": [[2, 0], [0, 2]],
            "-w1^2 - w2^2": [[-2, 0], [0, -2]], "2*w1^2 + w1*w2 + w2^2": [[4, 1], [1, 2]]}
ATTENTION = """
  - id: att
    kind: attention
    query: [[1, 0], [0, 1]]
    key: [[1, 0], [1, 1]]
    value: [[1, 2], [3, 4]]
"""


def assessment(zf: zipfile.ZipFile) -> ET.Element:
    return check_manifest(zf).find(f"{QTI}assessment")


def fill_in_blanks(item: ET.Element) -> tuple[list[list[str]], dict[str, list[str]]]:
    """An item's blank layout as the student sees it (the last table of its text, one `[name]` a cell),
    and per blank the texts Canvas accepts; checks the item element by element against Canvas's QTI."""
    meta = fields(item)
    assert meta["question_type"] == "fill_in_multiple_blanks_question"
    text = item.findtext(f"{QTI}presentation/{QTI}material/{QTI}mattext")
    assert item.find(f"{QTI}presentation/{QTI}material/{QTI}mattext").get("texttype") == "text/html"
    layout = Sheet(text).tables()[-1]
    cells = [c for row in layout for c in row]
    names = [re.fullmatch(r"\[([A-Za-z0-9_]+)\]", c).group(1) for c in cells]   # what Canvas's editor finds
    assert len(set(names)) == len(names)
    assert all(text.count(f"[{n}]") == 1 for n in names)    # Canvas puts its text box at the first
    accepted, idents = {}, {}
    lids = item.findall(f"{QTI}presentation/{QTI}response_lid")
    assert [lid.get("ident") for lid in lids] == [f"response_{n}" for n in names]
    for lid, name in zip(lids, names):
        assert lid.findtext(f"{QTI}material/{QTI}mattext") == name
        labels = lid.findall(f"{QTI}render_choice/{QTI}response_label")
        assert labels
        assert all(lab.find(f"{QTI}material/{QTI}mattext").get("texttype") == "text/plain" for lab in labels)
        accepted[name] = [lab.findtext(f"{QTI}material/{QTI}mattext") for lab in labels]
        idents[name] = [lab.get("ident") for lab in labels]
    every = [i for n in names for i in idents[n]]
    assert len(set(every)) == len(every) and meta["original_answer_ids"].split(",") == every
    processing = item.find(f"{QTI}resprocessing")
    decvar = processing.find(f"{QTI}outcomes/{QTI}decvar")
    assert (decvar.get("varname"), decvar.get("minvalue"), decvar.get("maxvalue")) == ("SCORE", "0", "100")
    scoring = [c for c in processing.findall(f"{QTI}respcondition") if c.find(f"{QTI}setvar") is not None]
    assert len(scoring) == len(names)
    for condition, name in zip(scoring, names):
        equal = condition.find(f"{QTI}conditionvar/{QTI}varequal")
        assert equal.get("respident") == f"response_{name}" and equal.text in idents[name]
        setvar = condition.find(f"{QTI}setvar")
        assert (setvar.get("varname"), setvar.get("action")) == ("SCORE", "Add")
        assert setvar.text == f"{100 / len(names):.2f}"       # each blank its share, as Canvas writes it
    feedback = {f.get("ident"): f.findtext(f".//{QTI}mattext") for f in item.findall(f"{QTI}itemfeedback")}
    assert set(feedback) == {"general_fb", "correct_fb", "general_incorrect_fb"}
    assert "Step 1." in feedback["general_fb"]                 # the worked solution
    return layout, accepted


def check_integer_blanks(layout: list[list[str]], accepted: dict[str, list[str]], want: np.ndarray) -> None:
    """One blank per entry of `want`, laid out as it, each taking the integer's text and its `.0` form."""
    assert [len(row) for row in layout] == [want.shape[1]] * want.shape[0]
    for i, row in enumerate(layout):
        for j, cell in enumerate(row):
            texts = accepted[cell[1:-1]]
            v = int(want[i, j])
            assert v == want[i, j]
            assert sorted(texts) == sorted([str(v), f"{v}.0"])
            assert all(float(t) == want[i, j] for t in texts)


def test_canvas_exam_of_cross_entropy_conv_and_hessian(tmp_path):
    """The common exam key: every section picks one of 5 variants; conv as fill in multiple blanks, one
    blank per output entry taking the true convolution of the numbers its own text shows."""
    k = key(tmp_path, MIDTERM)
    out = tmp_path / "midterm.zip"
    r = export(k, "--to", "canvas", "--variants", "5", "-o", out)
    assert r.code == 0, r.err
    assert "wrote 15 questions in 3 groups" in r.err and "left out" not in r.err
    zf = zipfile.ZipFile(out)
    sections = assessment(zf).findall(f"{QTI}section/{QTI}section")
    assert [s.get("title") for s in sections] == ["ce", "conv", "h"]
    for s in sections:
        assert s.find(f"{QTI}selection_ordering/{QTI}selection").findtext(f"{QTI}selection_number") == "1"
        assert len(s.findall(f"{QTI}item")) == 5
    ce, conv, h = (s.findall(f"{QTI}item") for s in sections)
    assert all(fields(i)["question_type"] == "numerical_question" for i in ce)
    # variant n is student variant-n of `dlcalc variants`: the numbers each conv item shows are theirs
    roster = tmp_path / "roster.csv"
    roster.write_text("student\n" + "".join(f"variant-{n}\n" for n in range(1, 6)))
    assert run_cli("variants", str(k), "--roster", str(roster), "--out", str(tmp_path / "v")).code == 0
    drawn = json.loads((tmp_path / "v" / "variants.json").read_text())["students"]
    shown = set()
    for n, item in enumerate(conv, 1):
        assert item.get("title") == f"conv (variant {n} of 5)"
        image, kernel = (numbers(t) for t in Sheet(item.findtext(f"{QTI}presentation/{QTI}material/{QTI}mattext"))
                         .tables()[:2])
        assert image.tolist() == drawn[f"variant-{n}"]["conv"]["input"]
        assert kernel.tolist() == drawn[f"variant-{n}"]["conv"]["kernel"]
        want = convolve2d(image, kernel, mode="valid")
        layout, accepted = fill_in_blanks(item)
        assert len(accepted) == want.size == 9
        check_integer_blanks(layout, accepted, want)
        shown.add(image.tobytes() + kernel.tobytes())
    assert len(shown) > 1, "the variants drew the same numbers"
    texts = [t for item in conv for each in fill_in_blanks(item)[1].values() for t in each]
    assert any(re.fullmatch(r"-\d+", t) for t in texts) and any(re.fullmatch(r"-\d+\.0", t) for t in texts)
    for item in h:
        assert fields(item)["question_type"] == "multiple_choice_question"
        sheet = Sheet(item.findtext(f"{QTI}presentation/{QTI}material/{QTI}mattext"))
        (expr,) = [c.split(":", 1)[1].strip() for c in sheet.codes() if c.startswith("expr")]
        eig = np.linalg.eigvalsh(np.array(HESSIANS[expr], dtype=float))
        right = "saddle point" if eig.min() < 0 < eig.max() else ("local minimum" if eig.min() > 0 else "local maximum")
        labels = {lab.get("ident"): lab.findtext(f".//{QTI}mattext") for lab in item.iter(f"{QTI}response_label")}
        assert labels[item.find(f".//{QTI}respcondition/{QTI}conditionvar/{QTI}varequal").text] == right


def test_canvas_fixed_conv_blanks_name_the_slip(tmp_path):
    out = tmp_path / "q.zip"
    r = export(key(tmp_path, FIXED), "--to", "canvas", "-o", out)
    assert r.code == 0, r.err
    (item,) = _item(zipfile.ZipFile(out), "Convolution {flipped}")
    layout, accepted = fill_in_blanks(item)
    check_integer_blanks(layout, accepted, CONV)
    # cross-correlation is not a right answer of any blank where it differs…
    for (i, j), slipped in np.ndenumerate(CORR):
        if slipped != CONV[i, j]:
            assert all(float(t) != slipped for t in accepted[layout[i][j][1:-1]])
    # …and is named, with its matrix, in the feedback of a wrong answer
    wrong = [f for f in item.findall(f"{QTI}itemfeedback") if f.get("ident") == "general_incorrect_fb"][0]
    text = wrong.findtext(f".//{QTI}mattext")
    assert "kernel not flipped" in text
    assert any(np.array_equal(numbers(t), CORR) for t in Sheet(text).tables())
    assert "slip_credit 0.25 is not given in Canvas" in r.err


def test_canvas_refuses_a_matrix_of_non_integers_naming_it(tmp_path):
    k = key(tmp_path, MIDTERM + ATTENTION)
    out = tmp_path / "q.zip"
    r = export(k, "--to", "canvas", "--variants", "5", "-o", out)
    assert_bad_input(r, "problem att cannot be a Canvas question", "'output'", "not all of them integers",
                     "--to moodle", "--skip-unsupported")
    assert not out.exists()


def test_canvas_skips_what_it_cannot_hold_and_exports_the_rest(tmp_path):
    k = key(tmp_path, MIDTERM.replace("problems:\n", "problems:\n" + ATTENTION.lstrip("\n"), 1))
    out = tmp_path / "q.zip"
    r = export(k, "--to", "canvas", "--variants", "5", "-o", out, "--skip-unsupported")
    assert r.code == 0, r.err
    warnings = [line for line in r.err.splitlines() if "left out" in line]
    assert len(warnings) == 1 and warnings[0].startswith("dlcalc: warning: left out problem att")
    assert "wrote 15 questions in 3 groups" in r.err
    sections = assessment(zipfile.ZipFile(out)).findall(f"{QTI}section/{QTI}section")
    assert [s.get("title") for s in sections] == ["ce", "conv", "h"]
    assert all(len(s.findall(f"{QTI}item")) == 5 for s in sections)
    # Moodle holds the same matrix (a cloze blank per entry, with a tolerance): nothing is left out
    r = export(k, "--to", "moodle", "--variants", "5", "-o", tmp_path / "q.xml", "--skip-unsupported")
    assert r.code == 0 and "left out" not in r.err
    assert [len(qs) for _, qs in moodle(tmp_path / "q.xml")] == [1, 5, 5, 5]


def test_a_drawn_problem_with_one_variant_canvas_cannot_hold_is_left_out_whole(tmp_path):
    pool = "  - {id: pool, kind: pool, size: 2, mode: avg, input: {random: int, low: 0, high: 9, shape: [4, 4]}}\n"
    k = key(tmp_path, MIDTERM + pool)
    r = export(k, "--to", "canvas", "--variants", "5", "-o", tmp_path / "q.zip")
    assert_bad_input(r, "not all of them integers", "--skip-unsupported")
    assert re.search(r"problem pool \(variant [1-5]\) cannot be a Canvas question", r.err)
    r = export(k, "--to", "canvas", "--variants", "5", "-o", tmp_path / "q.zip", "--skip-unsupported")
    assert r.code == 0 and "left out problem pool, all its variants: variant " in r.err
    sections = assessment(zipfile.ZipFile(tmp_path / "q.zip")).findall(f"{QTI}section/{QTI}section")
    assert [s.get("title") for s in sections] == ["ce", "conv", "h"]


def test_a_problem_no_lms_can_grade_is_skipped_for_both(tmp_path):
    text = FIXED + "  - {id: e, kind: hessian, expr: 'w1^2 - w2^2', at: {w1: 0, w2: 0}, ask: escape_direction}\n"
    k = key(tmp_path, text)
    assert_bad_input(export(k, "--to", "moodle", "-o", tmp_path / "q.xml"), "problem e", "direction",
                     "--skip-unsupported")
    r = export(k, "--to", "moodle", "-o", tmp_path / "q.xml", "--skip-unsupported")
    assert r.code == 0, r.err
    assert [line for line in r.err.splitlines() if "warning" in line] == [
        line for line in r.err.splitlines() if line.startswith("dlcalc: warning: left out problem e, which")] + [
        "dlcalc: warning: Moodle gives a cloze question whole marks per blank, which cannot add up to the problem's "
        "points here: set the marks in the quiz of conv (9 blanks, 1 point)"]   # a 5×5 input under a 3×3 kernel: 3×3 blanks
    assert [c.find("category/text").text.rsplit("/", 1)[1] for c, _ in moodle(tmp_path / "q.xml")] == \
        ["ce", "conv", "h", "p"]
    r = export(k, "--to", "canvas", "-o", tmp_path / "q.zip", "--skip-unsupported")
    assert r.code == 0 and "left out problem e" in r.err
    assert [s.get("title") for s in assessment(zipfile.ZipFile(tmp_path / "q.zip")).findall(
        f"{QTI}section/{QTI}section")] == ["Cross-entropy {3 samples} <mean>", "Convolution {flipped}", "h", "p"]


def test_nothing_left_to_export_is_refused(tmp_path):
    k = key(tmp_path, "problems:" + ATTENTION)
    r = export(k, "--to", "canvas", "-o", tmp_path / "q.zip", "--skip-unsupported")
    assert_bad_input(r, "nothing to export", "att")
    assert not (tmp_path / "q.zip").exists()


def test_blank_names_are_canvas_identifiers_the_text_holds_once():
    from types import SimpleNamespace

    from dlcalc.cli.canvas import accepted, blank_names

    q = SimpleNamespace(expected=np.zeros((2, 3)))
    assert list(blank_names(q).values()) == ["r1c1", "r1c2", "r1c3", "r2c1", "r2c2", "r2c3"]
    assert list(blank_names(q, "see [r2c3] below").values())[0] == "blank_r1c1"
    assert list(blank_names(SimpleNamespace(expected=np.zeros(2))).values()) == ["e1", "e2"]
    assert list(blank_names(SimpleNamespace(expected=np.zeros((2, 1, 1)))).values()) == ["m1_r1c1", "m2_r1c1"]
    assert accepted(-2.0) == ["-2", "-2.0"] and accepted(-0.0) == ["0", "0.0"] and accepted(7) == ["7", "7.0"]


def test_canvas_refuses_an_answer_it_would_round_to_zero(tmp_path):
    text = "problems:\n  - {id: tiny, kind: mse, target: [1], pred: [1.005], atol: 1e-6}\n"   # (0.005)² = 2.5e-5
    r = export(key(tmp_path, text), "--to", "canvas", "-o", tmp_path / "q.zip")
    assert_bad_input(r, "problem tiny", "1e-4")


def test_canvas_takes_a_tiny_answer_whose_tolerance_reaches_zero(tmp_path):
    # (0.005)² = 2.5e-5, within grade's default tolerance 1e-4 + 1e-3·2.5e-5 of 0: 0 is right anyway
    text = "problems:\n  - {id: tiny, kind: mse, target: [1], pred: [1.005]}\n"
    assert export(key(tmp_path, text), "--to", "canvas", "-o", tmp_path / "q.zip").code == 0
    with zipfile.ZipFile(tmp_path / "q.zip") as zf:
        (item,) = _item(zf, "tiny")
        lo, hi = _range(item)
    tol = ATOL + RTOL * 2.5e-5
    assert lo <= 2.5e-5 - tol < 0 < 2.5e-5 + tol <= hi and hi - lo <= 2 * tol + 2e-4


def test_canvas_is_not_written_to_stdout(tmp_path):
    assert_bad_input(export(key(tmp_path, FIXED), "--to", "canvas", "-o", "-"), "zip")


# ── both ─────────────────────────────────────────────────────────────────────

@pytest.mark.parametrize("to,text", [("moodle", DRAWN), ("canvas", CANVAS_KEY)])
def test_the_same_command_writes_the_same_bytes(tmp_path, to, text):
    k = key(tmp_path, text)
    first, second = tmp_path / "a", tmp_path / "b"
    assert export(k, "--to", to, "--variants", "3", "-o", first).code == 0
    assert export(k, "--to", to, "--variants", "3", "-o", second).code == 0
    assert first.read_bytes() == second.read_bytes()


def test_a_key_that_draws_needs_a_seed(tmp_path):
    k = key(tmp_path, DRAWN.replace("seed: exam-2026\n", ""))
    assert_bad_input(export(k, "--to", "moodle", "-o", tmp_path / "q.xml"), "--seed")
    r = export(k, "--to", "moodle", "--seed", "other", "-o", tmp_path / "q.xml")
    assert r.code == 0 and "seed 'other'" in r.err


def test_problems_that_draw_nothing_are_one_question(tmp_path):
    out = tmp_path / "q.xml"
    r = export(key(tmp_path, FIXED), "--to", "moodle", "--variants", "5", "-o", out)
    assert r.code == 0
    assert [len(qs) for _, qs in moodle(out)] == [1, 1, 1, 1]
    assert "draw no numbers: one question each" in r.err


def test_the_output_is_never_an_input(tmp_path):
    k = key(tmp_path, FIXED)
    before = k.read_bytes()
    assert_bad_input(export(k, "--to", "moodle", "-o", k), "one of the inputs")
    assert k.read_bytes() == before


CNN = "{id: c, kind: cnn, input: [[1, 2], [3, 4]], layers: [{type: conv, kernel: [[1]]}], ask: layers}"


@pytest.mark.parametrize("problem,fragments", [
    ("{id: e, kind: hessian, expr: 'w1^2 - w2^2', at: {w1: 0, w2: 0}, ask: escape_direction}",
     ("problem e", "direction")),
    (CNN, ("problem c", "not numbers but a list of records")),
    ("{id: v, kind: hessian, expr: 'w1^2 - w2^2', at: {w1: 0, w2: 0}, ask: variables}",
     ("problem v", "not numbers but a list of words")),
], ids=["direction", "records", "words"])
def test_answers_no_lms_can_grade_are_refused(tmp_path, problem, fragments):
    k = key(tmp_path, f"problems:\n  - {problem}\n")
    for to in ("moodle", "canvas"):
        assert_bad_input(export(k, "--to", to, "-o", tmp_path / "q"), *fragments)


def test_a_word_without_declared_choices_is_refused(tmp_path, monkeypatch):
    from dlcalc.problems import registry

    monkeypatch.setattr(registry.kind("hessian"), "choices", {})
    k = key(tmp_path, "problems:\n  - {id: w, kind: hessian, expr: 'w1^2 - w2^2', at: {w1: 0, w2: 0}}\n")
    assert_bad_input(export(k, "--to", "moodle", "-o", tmp_path / "q"), "problem w", "'classification'",
                     "no list of choices", "ask:")


def test_an_unknown_target_and_a_missing_output_are_usage_errors(tmp_path):
    k = key(tmp_path, FIXED)
    assert export(k, "--to", "blackboard", "-o", tmp_path / "q").code == 2
    r = export(k, "--to", "moodle")
    assert r.code == 2 and "Traceback" not in r.err


def test_help_lists_and_explains_the_command():
    r = run_cli("export", "--help")
    assert r.code == 0 and "--variants" in r.out and "canvas" in r.out
    assert "export" in run_cli("--help").out


def test_the_command_module_imports_nothing_heavy():
    from tests.cli.test_startup import heavy_modules

    assert "numpy" not in heavy_modules("export", "--help")
