"""A Canvas (Classic Quizzes) QTI 1.2 package, element by element as Canvas's own exports and text2qti
write it: `imsmanifest.xml`, one assessment (`<id>/<id>.xml`, IMS QTI ASI 1.2) and Canvas's quiz
settings (`<id>/assessment_meta.xml`), in a zip.

Per problem, a section (a Canvas question group) holding its variants, with `selection_number` 1:
each student is asked one of them. What each answer becomes:
- one number: a `numerical_question` whose right answers are a range, `vargte`/`varlte` =
  answer ∓ (atol + rtol·|answer|), widened outward to 4 decimals (Canvas rounds what a student types to
  4 decimals, so a range on that grid takes exactly the answers within the tolerance). An integer
  answer compared exactly is Canvas's exact answer (`varequal`, margin 0). Canvas cannot tell a number
  smaller than 1e-4 in magnitude from 0: such an answer is refused, naming the problem, unless its
  tolerance reaches 0 (then 0 is a right answer anyway, and the range is written as for any other).
- true/false: a `true_false_question`; a word with declared choices: a `multiple_choice_question`.
- a vector or matrix of integers (`Question.integers`: conv or max-pool of integer inputs, counts): a
  `fill_in_multiple_blanks_question`, one blank `[r1c1]`, `[r1c2]`, … per entry laid out as the
  answer's table (`[e1]`, … for a vector or named entries; `[m1_r1c1]`, … per matrix of a tensor),
  each blank taking the integer's text and its `.0` form (Canvas compares the text typed, stripped
  and in lower case, with each right answer's). Written as Canvas's exporter writes one
  (lib/cc/qti/qti_items.rb: `multiple_dropdowns_response_lid`, `multiple_dropdowns_resprocessing`)
  and its importer reads it (gems/plugins/qti_exporter/lib/qti/fill_in_the_blank.rb `process_canvas`:
  every `response_label` of `response_lid ident="response_<blank>"` is a right answer of that blank);
  each right blank earns its share of the points.
- a vector or matrix with an entry that is not an integer: refused (a Canvas numerical question holds
  one number, and a blank compares text, which no tolerance widens), naming the problem: export it
  --to moodle, `ask:` a one-number answer, or leave it out with --skip-unsupported.
Canvas stores right answers only (a numerical answer earns all the points or none, a blank its share),
so slips earn no credit here: they are named, with the value each gives, in the feedback a wrong
answer shows. The worked solution is the general feedback.
"""
from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, localcontext
from html import escape

import numpy as np

from dlcalc.cli import quizhtml as qh
from dlcalc.cli.quizhtml import sub
from dlcalc.cli.render.numbers import formatter
from dlcalc.problems.quiz import Question, Unsupported

QTI = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
QTI_XSD = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2p1.xsd"
CANVAS = "http://canvas.instructure.com/xsd/cccv1p0"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SMALLEST = Decimal("0.0001")   # Canvas rounds numerical answers to 4 decimals
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # every member's date: the same inputs give the same bytes


def refusals(groups: list[list[Question]]) -> list[Unsupported]:
    """What a Canvas quiz cannot ask, one refusal per problem (its first variant that Canvas cannot hold),
    in key order; found before anything is written."""
    out = []
    for group in groups:
        for q in group:
            why = _refusal(q)
            if why is not None:
                out.append(why)
                break
    return out


def check(groups: list[list[Question]]) -> None:
    """Refuse, before anything is written, the first problem a Canvas quiz cannot ask."""
    found = refusals(groups)
    if found:
        raise found[0]


def _refusal(q: Question) -> Unsupported | None:
    where = q.template.where("ask") if "ask" in q.template.meta else q.template.where("")
    if q.form == "grid" and not q.integers:
        scalars = [k for k, v in q.solution.answer.items() if k != q.problem.ask and _one_number(v)]
        ask = f", give it `ask:` a one-number answer ({', '.join(scalars)})" if scalars else ""
        a = np.asarray(q.expected, dtype=float)
        index = next(i for i in np.ndindex(a.shape) if a[i] != np.round(a[i]))
        return Unsupported(q, "a Canvas question", f"its answer '{q.problem.ask}' is {_size(q)} numbers, not all of them "
                           f"integers ({formatter(6)(float(a[index]))} at {_position(q, index)}), and Canvas holds a "
                           "matrix only as fill-in-the-blanks, which compare the text typed, with no tolerance; export "
                           f"it --to moodle (a cloze question, one numerical blank per entry){ask}", where)
    if q.form == "number" and float(q.tolerance) < abs(float(q.expected)) < 1e-4:
        return Unsupported(q, "a Canvas question", f"its answer {float(q.expected):.3g} is smaller than 1e-4 in "
                           f"magnitude, and Canvas rounds numerical answers to 4 decimals (it would read 0, which the "
                           f"tolerance ±{float(q.tolerance):.3g} does not reach); scale the problem's numbers, ask "
                           "another answer, give it an atol of 1e-4, export it --to moodle", where)
    return None


def _position(q: Question, index: tuple[int, ...]) -> str:
    if q.labels is not None:
        return f"'{q.labels[index[0]]}'"
    if len(index) == 2:
        return f"row {index[0] + 1}, column {index[1] + 1}"
    return f"entry {index[0] + 1}" if len(index) == 1 else "[" + ",".join(map(str, index)) + "]"


def _one_number(v) -> bool:
    if isinstance(v, (bool, str, dict)) or v is None:
        return False
    try:
        return np.asarray(v, dtype=float).size == 1
    except (TypeError, ValueError):
        return False


def _size(q: Question) -> str:
    return "×".join(map(str, q.expected.shape)) if q.expected.ndim > 1 else f"{q.expected.size}"


def write(title: str, groups: list[list[Question]], quiz_id: str, precision: int = 4) -> tuple[bytes, list[str]]:
    """The zip's bytes, and warnings for the user (slip credit Canvas cannot give)."""
    check(groups)
    fmt = formatter(precision)
    aid = qh.ident("assessment", quiz_id)
    warnings = [f"problem {g[0].id}: slip_credit {g[0].credit:g} is not given in Canvas (it stores right answers "
                "only: a numerical answer earns all the points or none, a blank its share); its slips are named "
                "in the feedback of a wrong answer, and `dlcalc grade` gives the credit"
                for g in groups if g[0].credit > 0 and any(q.slips for q in g)]
    total = sum(g[0].template.points for g in groups)
    files = {
        "imsmanifest.xml": _manifest(title, aid, qh.ident("manifest", quiz_id), qh.ident("meta", quiz_id)),
        f"{aid}/{aid}.xml": _assessment(title, aid, groups, fmt, precision),
        f"{aid}/assessment_meta.xml": _meta(title, aid, total, groups),
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for member, text in files.items():
            info = zipfile.ZipInfo(member, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, text.encode("utf-8"))
        folder = zipfile.ZipInfo("non_cc_assessments/", ZIP_TIME)
        folder.external_attr = (0o40755 << 16) | 0x10
        zf.writestr(folder, b"")
    return buf.getvalue(), warnings


# ── the package ──────────────────────────────────────────────────────────────

def _manifest(title: str, aid: str, mid: str, meta_id: str) -> str:
    root = ET.Element("manifest", {
        "identifier": mid, "xmlns": "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1",
        "xmlns:imsmd": "http://www.imsglobal.org/xsd/imsmd_v1p2", "xmlns:xsi": XSI,
        "xsi:schemaLocation": "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1 "
                              "http://www.imsglobal.org/xsd/imscp_v1p1.xsd http://www.imsglobal.org/xsd/imsmd_v1p2 "
                              "http://www.imsglobal.org/xsd/imsmd_v1p2p2.xsd"})
    metadata = sub(root, "metadata")
    sub(metadata, "schema", "IMS Content")
    sub(metadata, "schemaversion", "1.1.3")
    general = sub(sub(metadata, "imsmd:lom"), "imsmd:general")
    sub(sub(general, "imsmd:title"), "imsmd:string", title)
    sub(root, "organizations")
    resources = sub(root, "resources")
    resource = sub(resources, "resource", identifier=aid, type="imsqti_xmlv1p2")
    sub(resource, "file", href=f"{aid}/{aid}.xml")
    sub(resource, "dependency", identifierref=meta_id)
    meta = sub(resources, "resource", identifier=meta_id,
               type="associatedcontent/imscc_xmlv1p1/learning-application-resource", href=f"{aid}/assessment_meta.xml")
    sub(meta, "file", href=f"{aid}/assessment_meta.xml")
    return qh.xml_document(root)


def _meta(title: str, aid: str, total: float, groups: list[list[Question]]) -> str:
    root = ET.Element("quiz", {"identifier": aid, "xmlns": CANVAS, "xmlns:xsi": XSI,
                               "xsi:schemaLocation": f"{CANVAS} https://canvas.instructure.com/xsd/cccv1p0.xsd"})
    sub(root, "title", title)
    drawn = sum(len(g) > 1 for g in groups)
    sub(root, "description", f"<p>{escape(title)}: {len(groups)} questions"
                             + (f", {drawn} of them drawn from a group of variants" if drawn else "")
                             + " (written by dlcalc export).</p>")
    for tag, value in (("shuffle_answers", "false"), ("scoring_policy", "keep_highest"), ("hide_results", ""),
                       ("quiz_type", "assignment"), ("points_possible", f"{total:.1f}"),
                       ("show_correct_answers", "true"), ("anonymous_submissions", "false"),
                       ("could_be_locked", "false"), ("allowed_attempts", "1"), ("one_question_at_a_time", "false"),
                       ("cant_go_back", "false"), ("available", "false")):
        sub(root, tag, value)
    return qh.xml_document(root)


def _field(parent: ET.Element, label: str, entry: str) -> None:
    f = sub(parent, "qtimetadatafield")
    sub(f, "fieldlabel", label)
    sub(f, "fieldentry", entry)


def _assessment(title: str, aid: str, groups: list[list[Question]], fmt, precision: int) -> str:
    root = ET.Element("questestinterop", {"xmlns": QTI, "xmlns:xsi": XSI, "xsi:schemaLocation": f"{QTI} {QTI_XSD}"})
    assessment = sub(root, "assessment", ident=aid, title=title)
    _field(sub(assessment, "qtimetadata"), "cc_maxattempts", "1")
    top = sub(assessment, "section", ident="root_section")
    for group in groups:
        first = group[0]
        section = sub(top, "section", ident=qh.ident(aid, "group", first.id),
                      title=str(first.template.meta.get("title") or first.id))
        selection = sub(sub(section, "selection_ordering"), "selection")
        sub(selection, "selection_number", "1")
        sub(sub(selection, "selection_extension"), "points_per_item", qh.number(first.template.points))
        for q in group:
            _item(section, q, aid, len(group), fmt, precision)
    return qh.xml_document(root)


# ── one question ─────────────────────────────────────────────────────────────

def _html(text: str) -> str:
    return f"<p>{escape(text)}</p>"


def _item(section: ET.Element, q: Question, aid: str, total: int, fmt, precision: int) -> None:
    qid = qh.ident(aid, q.id, q.number)
    item = sub(section, "item", ident=qid, title=qh.name(q, total))
    if q.form == "grid":
        _blanks_item(item, q, qid, fmt, precision)
        return
    kind = {"number": "numerical_question", "bool": "true_false_question", "choice": "multiple_choice_question"}[q.form]
    choices = _choices(q, qid) if q.form != "number" else []
    answer_ids = ",".join(c for c, _, _ in choices) if choices else qh.ident(qid, "answer")
    meta = sub(sub(item, "itemmetadata"), "qtimetadata")
    for label, entry in (("question_type", kind), ("points_possible", qh.number(q.template.points)),
                         ("original_answer_ids", answer_ids), ("assessment_question_identifierref", qh.ident(qid, "ref"))):
        _field(meta, label, entry)
    presentation = sub(item, "presentation")
    sub(sub(presentation, "material"), "mattext", "\n".join(qh.statement(q, fmt)), texttype="text/html")
    if q.form == "number":
        fib = sub(sub(presentation, "response_str", ident="response1", rcardinality="Single"), "render_fib",
                  fibtype="Decimal")
        sub(fib, "response_label", ident="answer1")
    else:
        render = sub(sub(presentation, "response_lid", ident="response1", rcardinality="Single"), "render_choice")
        for cid, label, _ in choices:
            sub(sub(sub(render, "response_label", ident=cid), "material"), "mattext", escape(label), texttype="text/html")
    processing = sub(item, "resprocessing")
    sub(sub(processing, "outcomes"), "decvar", maxvalue="100", minvalue="0", varname="SCORE", vartype="Decimal")
    _feedback_on(processing, "Yes", "general_fb", lambda c: sub(c, "other"))
    right = sub(processing, "respcondition", continue_="No")
    condition = sub(right, "conditionvar")
    if q.form == "number":
        _range(condition, q)
    else:
        sub(condition, "varequal", next(c for c, _, ok in choices if ok), respident="response1")
    sub(right, "setvar", "100", action="Set", varname="SCORE")
    sub(right, "displayfeedback", feedbacktype="Response", linkrefid="correct_fb")
    _feedback_on(processing, "Yes", "general_incorrect_fb", lambda c: sub(c, "other"))
    for ident, text in (("general_fb", qh.solution(q, precision)), ("correct_fb", _html(qh.RIGHT)),
                        ("general_incorrect_fb", _wrong(q))):
        material = sub(sub(sub(item, "itemfeedback", ident=ident), "flow_mat"), "material")
        sub(material, "mattext", text, texttype="text/html")


# ── a matrix of integers: fill in multiple blanks ────────────────────────────
# Canvas's exporter, lib/cc/qti/qti_items.rb, for a fill_in_multiple_blanks_question: the question text
# with `[blank]` where each blank goes; per blank a `response_lid ident="response_<blank>"` whose
# material is the blank's name and whose `render_choice` holds one `response_label` per right answer
# (`mattext texttype="text/plain"`: the answer's text); `resprocessing` adds each blank's share of 100
# (`"%.2f" % (100.0 / blanks)`) when its first right answer is given, and, as for every type that goes
# on after a right answer (MULTI_ANSWER_TYPES), has no condition for the incorrect feedback: the
# itemfeedback `general_incorrect_fb` is read as the question's incorrect comments all the same
# (Qti::AssessmentItemConverter#get_feedback). Canvas's importer takes every response_label of a blank
# as a right answer (Qti::FillInTheBlank#process_canvas, weight 100) and the blank's name from the
# response_lid's ident without `response_`; Quizzes::QuizQuestionBuilder puts a text box in place of
# the first `[blank]` of the text (a regular expression of the name, so names are letters, digits and
# `_`: what the question editor finds as a blank, `\[[A-Za-z0-9_\-.]+\]`, without `-` and `.`).

BLANK_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


def blank_names(q: Question, text: str = "") -> dict[tuple[int, ...], str]:
    """Each entry's blank: `r1c1` (row 1, column 1) in a matrix, `e1` in a vector or a mapping,
    `m1_r1c1` in the first matrix of a tensor (`m1_2_r1c1` …); prefixed `blank_` while the text around
    the blanks holds one of them in brackets, so that each `[name]` is the blank's alone."""
    shape = q.expected.shape

    def name(index: tuple[int, ...]) -> str:
        if len(index) == 1:
            return f"e{index[0] + 1}"
        *lead, i, j = index
        head = "m" + "_".join(str(k + 1) for k in lead) + "_" if lead else ""
        return f"{head}r{i + 1}c{j + 1}"

    names = {index: name(index) for index in np.ndindex(*shape)}
    prefix = ""
    while any(f"[{prefix}{n}]" in text for n in names.values()):
        prefix += "blank_"
    out = {index: prefix + n for index, n in names.items()}
    assert all(set(n) <= BLANK_CHARS for n in out.values())
    return out


def accepted(value: float) -> list[str]:
    """The texts Canvas takes for an integer entry: `-2` and `-2.0` (it compares text, not numbers)."""
    n = int(value)
    assert n == value, value
    return [str(n), f"{n}.0"]


def _blanks_item(item: ET.Element, q: Question, qid: str, fmt, precision: int) -> None:
    statement = "\n".join(qh.statement(q, fmt))
    names = blank_names(q, statement)
    answers = {index: [(qh.ident(qid, name, k), text) for k, text in enumerate(accepted(q.expected[index]))]
               for index, name in names.items()}
    meta = sub(sub(item, "itemmetadata"), "qtimetadata")
    for label, entry in (("question_type", "fill_in_multiple_blanks_question"),
                         ("points_possible", qh.number(q.template.points)),
                         ("original_answer_ids", ",".join(a for each in answers.values() for a, _ in each)),
                         ("assessment_question_identifierref", qh.ident(qid, "ref"))):
        _field(meta, label, entry)
    presentation = sub(item, "presentation")
    text = statement + "\n<p>Type each entry as a whole number.</p>\n" + \
        qh.layout(q, lambda index: f"[{names[index]}]")
    sub(sub(presentation, "material"), "mattext", text, texttype="text/html")
    for index, name in names.items():
        lid = sub(presentation, "response_lid", ident=f"response_{name}")
        sub(sub(lid, "material"), "mattext", name)
        render = sub(lid, "render_choice")
        for aid, value in answers[index]:
            sub(sub(sub(render, "response_label", ident=aid), "material"), "mattext", value, texttype="text/plain")
    processing = sub(item, "resprocessing")
    sub(sub(processing, "outcomes"), "decvar", maxvalue="100", minvalue="0", varname="SCORE", vartype="Decimal")
    _feedback_on(processing, "Yes", "general_fb", lambda c: sub(c, "other"))
    share = f"{100.0 / len(names):.2f}"
    for index, name in names.items():
        r = sub(processing, "respcondition")
        sub(sub(r, "conditionvar"), "varequal", answers[index][0][0], respident=f"response_{name}")
        sub(r, "setvar", share, varname="SCORE", action="Add")
    for ident, feedback in (("general_fb", qh.solution(q, precision)), ("correct_fb", _html(qh.RIGHT)),
                            ("general_incorrect_fb", _wrong(q))):
        material = sub(sub(sub(item, "itemfeedback", ident=ident), "flow_mat"), "material")
        sub(material, "mattext", feedback, texttype="text/html")


def _feedback_on(processing: ET.Element, go_on: str, feedback: str, condition) -> None:
    r = sub(processing, "respcondition", continue_=go_on)
    condition(sub(r, "conditionvar"))
    sub(r, "displayfeedback", feedbacktype="Response", linkrefid=feedback)


def _choices(q: Question, qid: str) -> list[tuple[str, str, bool]]:
    """(identifier, label, right) for each choice of a true/false or multiple-choice question."""
    if q.form == "bool":
        return [(qh.ident(qid, "true"), "True", q.expected is True), (qh.ident(qid, "false"), "False", q.expected is False)]
    return [(qh.ident(qid, word), label, word == q.expected) for word, label in q.choices.items()]


def bounds(value: float, tolerance: float) -> tuple[Decimal, Decimal]:
    """[value − tolerance, value + tolerance] widened outward to Canvas's 4 decimals."""
    v, t = Decimal(repr(float(value))), Decimal(repr(float(tolerance)))  # the numbers as written, not their binary
    with localcontext() as ctx:
        ctx.prec = 400  # a float's 4-decimal form has at most 309 + 4 digits
        return (v - t).quantize(SMALLEST, rounding=ROUND_FLOOR), (v + t).quantize(SMALLEST, rounding=ROUND_CEILING)


def _range(condition: ET.Element, q: Question) -> None:
    value, tolerance = float(q.expected), float(q.tolerance)
    if tolerance == 0 and value.is_integer():  # Canvas's exact answer, as its own exports write one
        either = sub(condition, "or")
        sub(either, "varequal", qh.number(value), respident="response1")
        both = sub(either, "and")
        sub(both, "vargte", qh.number(value), respident="response1")
        sub(both, "varlte", qh.number(value), respident="response1")
        return
    lo, hi = bounds(value, tolerance)
    sub(condition, "vargte", f"{lo:.4f}", respident="response1")
    sub(condition, "varlte", f"{hi:.4f}", respident="response1")


def _wrong(q: Question) -> str:
    text = "<p>Not right.</p>"
    if not q.slips:
        return text
    fmt = formatter(6)
    if q.form == "grid":   # each slip's whole matrix, as the answer's table
        rows = "".join(f"<li>{escape('; '.join(s.names))}:" + _values(q, s.value, fmt) + "</li>" for s in q.slips)
        return text + f"<p>Known slips and the answer each gives:</p><ul>{rows}</ul>"
    shown = [(s.names, s.value if isinstance(s.value, str) else fmt(float(s.value))) for s in q.slips]
    label = (lambda v: q.choices.get(v, v)) if q.form == "choice" else (lambda v: v)  # noqa: E731
    rows = "".join(f"<li>{escape(label(v))}: {escape('; '.join(names))}</li>" for names, v in shown)
    return text + f"<p>Known slips and the answer each gives:</p><ul>{rows}</ul>"


def _values(q: Question, value: np.ndarray, fmt) -> str:
    a = np.asarray(value, dtype=float)
    labels = q.labels if a.shape == q.expected.shape else None
    return qh.grid(q.problem.ask, a.shape, labels, lambda index: escape(fmt(float(a[index]))))
