"""Students' answer sheets as LMSs export them (README, "Grading a class").

Long files (a row per student and problem) and wide ones (a row per student, a column per problem),
`,` `;` or tab between cells, UTF-8 or UTF-16 with or without a byte-order mark; columns found by
name (case and spaces ignored), or named by options; YAML `{student: {problem: answer}}`. Rows are
read as a stream: a class of 100,000 is never a list of a million row objects. Every reading that
could have gone another way (delimiter, columns, decimal commas, cells rejoined) is said in `notes`.
"""
from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from dlcalc.calc.errors import BadInput, quote
from dlcalc.problems import yamlfile
from dlcalc.problems.matrix import MAX_CHARS, parse_matrix, parse_number

MAX_BYTES = 500_000_000
# columns by name, case and spaces ignored; where several are present the one named first wins
STUDENT = ("student", "id", "student id", "sis user id", "username", "email", "name")
PROBLEM = ("problem", "question")
ANSWER = ("answer", "response")
TIME = ("submitted", "submitted at", "timestamp", "time")


@dataclass(frozen=True)
class Columns:
    """What the options say about the columns (None: found by name)."""

    student: str | None = None
    problem: str | None = None
    answer: str | None = None
    time: str | None = None
    maps: tuple[tuple[str, str], ...] = ()   # --map "COLUMN=PROBLEM_ID" for wide files


@dataclass(slots=True)
class Row:
    student: str
    problem: str
    text: str      # the answer as typed
    line: int
    time: str = ""


@dataclass
class BadRow:
    line: int
    message: str


@dataclass
class Sheet:
    """An answers file being read: `rows()` streams its rows once; `bad` and `notes` fill as it goes."""

    name: str
    layout: str                                  # long | wide | yaml
    student_header: str = "student"
    kept: list[str] = field(default_factory=list)          # other columns, for the gradebook
    extra: dict[str, tuple[str, ...]] = field(default_factory=dict)   # student → values of `kept`
    bad: list[BadRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    decimal_comma: bool = False
    _rows: Iterator[Row] | None = None

    def rows(self) -> Iterator[Row]:
        assert self._rows is not None, "rows() streams once"
        rows, self._rows = self._rows, None
        return rows


# ── one answer ───────────────────────────────────────────────────────────────

_SIZE = re.compile(r"\d+(?:\s*[x×]\s*\d+)+")
_PERCENT = re.compile(r"([+\-−]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*%")
_NAMED = re.compile(r"(?<![\w.])[A-Za-z_\u0370-\u03ff][\w′'\u0370-\u03ff]*\s*=\s*")   # `u = `, `w1=`
_PAIR = re.compile(r"""["']?([A-Za-z_\u0370-\u03ff][\w′\u0370-\u03ff]*)["']?\s*[:=]\s*(\S.*)""")  # x: -3, "x": -3, x = -3
DECIMAL_COMMA = re.compile(r"(?<=\d),(?=\d)")
# 120 847 089 664 as dlcalc prints it (narrow no-break spaces, U+202F) or typeset (thin spaces, U+2009):
# one number when every group after the first has three digits; an ordinary space still separates values
GROUPED = re.compile(r"(?<![\d.])\d{1,3}(?:[\u202f\u2009]\d{3})+(?![\d\u202f\u2009])")


def parse_answer(text: Any, decimal_comma: bool = False) -> Any:
    """A number or matrix as a float array, in the forms students type (`.5`, `1/3`, `−2`, `50%`, `7x7`,
    `(1, 1)`, `u = (1, 1)`, numpy's `[[4 3] [2 1]]`, digits grouped by thin spaces as printed: `120 847`);
    named values (`{x: -3, y: 5}`, `w1=1.09, w2=0.68`) as a dict, for the grader to read by name; words
    (saddle, true) stay text; None when unreadable."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return float(text)
    if isinstance(text, bool):
        return "true" if text else "false"
    if isinstance(text, list):
        text = str(text)
    s = str(text).strip()
    if not s:
        return None
    if "\u202f" in s or "\u2009" in s:
        s = GROUPED.sub(lambda m: re.sub("[\u202f\u2009]", "", m.group(0)), s)
    if decimal_comma:
        s = DECIMAL_COMMA.sub(".", s)
    named = _named_values(s)
    if named is not None:
        return named
    if _NAMED.match(s):
        s = _NAMED.sub("", s).strip()
    percent = _PERCENT.fullmatch(s)
    if percent:
        return np.asarray(float(percent.group(1).replace("−", "-")) / 100)
    if _SIZE.fullmatch(s):  # a shape as written on paper: 7x7, 3×32×32
        return np.array([float(v) for v in re.split(r"\s*[x×]\s*", s)])
    if s.startswith("(") and s.endswith(")"):
        s = f"[{s[1:-1]}]"
    if s.startswith("[[") and "," not in s and "[[[" not in s:  # numpy prints [[4 3 4] [2 4 3]]
        s = re.sub(r"\]\s*\[", ";", s).strip("[] ")
    try:
        return parse_matrix(s, allow_nonfinite=True)
    except BadInput:
        word = s.rstrip(" .!")  # `Saddle point.`: a sentence's full stop is not part of the word
        return word if re.sub(r"[\s_\-]", "", word).isalpha() else None


def _named_values(s: str) -> dict[str, float] | None:
    """`{x: -3, y: 5}`, `x = -3, y = 5` or `x: -3; y: 5` (a graph's gradient, as dlcalc prints it): each
    name's number, in the order typed (None: not that form; one pair needs the braces, `u = (1, 1)` is a
    named vector)."""
    braced = s.startswith("{") and s.endswith("}")
    parts = re.split(r"\s*[,;]\s*", s[1:-1].strip() if braced else s)
    if not (braced or len(parts) >= 2) or not all(parts):
        return None
    named: dict[str, float] = {}
    for part in parts:
        pair = _PAIR.fullmatch(part)
        if pair is None or pair.group(1) in named:
            return None
        try:
            named[pair.group(1)] = parse_number(pair.group(2).strip(), allow_nonfinite=True)
        except BadInput:
            return None
    return named


# ── files ────────────────────────────────────────────────────────────────────

def read(path: str | Path, problem_ids: list[str], columns: Columns = Columns(), decimal_comma: bool = False) -> Sheet:
    """Open an answers file; its rows stream from `Sheet.rows()`."""
    path = Path(path)
    if not path.is_file():
        raise BadInput("no such file" if not path.exists() else "not a regular file", str(path))
    if path.stat().st_size > MAX_BYTES:
        raise BadInput(f"answers file larger than {MAX_BYTES:,} bytes", str(path))
    if path.suffix.lower() in (".yaml", ".yml"):
        return _yaml_sheet(path)
    return _csv_sheet(path, problem_ids, columns, decimal_comma)


def _encoding(path: Path) -> str:
    with path.open("rb") as f:
        head = f.read(4)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return "utf-8"


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as f:
        f.seek(max(path.stat().st_size - 2, 0))
        tail = f.read()
    return tail.endswith((b"\n", b"\n\x00", b"\x00\n"))


def _norm(header: str) -> str:
    return " ".join(header.replace("_", " ").lower().split())


def _delimiter(first_line: str) -> str:
    """The one of `,` `;` tab that splits the header most (outside quotes); a tie goes to `,`."""
    bare = re.sub(r'"[^"]*"', "", first_line)
    counts = {d: bare.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def _find(header: list[str], names: tuple[str, ...], given: str | None, option: str) -> int | None:
    norm = [_norm(h) for h in header]
    if given is not None:
        if _norm(given) not in norm:
            raise BadInput(f"no column {quote(given)} in the header ({', '.join(map(quote, header))})", option)
        return norm.index(_norm(given))
    for n in names:
        if n in norm:
            return norm.index(n)
    return None


def _csv_sheet(path: Path, problem_ids: list[str], columns: Columns, decimal_comma: bool) -> Sheet:
    csv.field_size_limit(max(csv.field_size_limit(), MAX_CHARS + 1))  # stdlib's default is 131,072
    name = str(path)
    encoding = _encoding(path)
    try:
        with path.open(encoding=encoding, newline="") as f:
            first = f.readline()
    except UnicodeDecodeError:
        raise BadInput("not UTF-8 or UTF-16 text (save it as 'CSV UTF-8')", name) from None
    if not first.strip():
        raise BadInput("empty answers file (expected a header row)", name)
    delimiter = _delimiter(first)
    header = next(csv.reader([first.rstrip("\r\n")], delimiter=delimiter))
    sheet = Sheet(name, "long", decimal_comma=decimal_comma or delimiter == ";")
    if not _ends_with_newline(path):
        sheet.notes.append("the file does not end with a line break: if it is still being written, grade it when "
                           "it is done (its last row is graded as it is)")
    if delimiter != ",":
        sheet.notes.append(f"cells are separated by {'tabs' if delimiter == chr(9) else repr(delimiter)}"
                           + (", so decimal commas are read (0,5 = 0.5)" if delimiter == ";" and not decimal_comma else ""))
    if encoding != "utf-8":
        sheet.notes.append(f"read as {'UTF-16' if encoding == 'utf-16' else 'UTF-8 with a byte-order mark'}")
    student = _find(header, STUDENT, columns.student, "--student-column")
    if student is None:
        raise BadInput(f"no student column in the header ({', '.join(map(quote, header))}); expected one of "
                       f"{', '.join(STUDENT)}, or name it with --student-column", f"{name}:1")
    time = _find(header, TIME, columns.time, "--time-column")
    problem = _find(header, PROBLEM, columns.problem, "--problem-column")
    answer = _find(header, ANSWER, columns.answer, "--answer-column")
    sheet.student_header = header[student]
    rows = _Rows(path, encoding, sheet, delimiter, len(header))
    if problem is not None and answer is not None:
        keep = [i for i in range(len(header)) if i not in (student, problem, answer, time)]
        sheet.kept = [header[i] for i in keep]
        sheet._rows = _long_rows(rows, sheet, student, problem, answer, time, keep)
        return sheet
    wide = _wide_columns(header, problem_ids, columns.maps, {student, time}, name)
    # Canvas follows each answer column with the LMS's own score for it, headed by its points (`1.0`): not
    # the student's details, and in a gradebook several columns named `1.0` beside dlcalc's points would mislead
    scores = {i for i in range(1, len(header)) if i - 1 in wide and re.fullmatch(r"\s*\d+(?:\.\d+)?\s*", header[i])}
    keep = [i for i in range(len(header)) if i not in wide and i not in (student, time) and i not in scores]
    sheet.layout, sheet.kept = "wide", [header[i] for i in keep]
    sheet.notes.append("one row per student: " + ", ".join(f"{quote(header[i])} → {pid}" for i, pid in wide.items()))
    sheet._rows = _wide_rows(rows, sheet, student, time, wide, keep)
    return sheet


def _wide_columns(header: list[str], ids: list[str], maps: tuple[tuple[str, str], ...], skip: set, name: str) -> dict:
    """Column index → problem id: by --map (the header, or the part before its ':'), by a header equal to
    an id, or by a header that contains exactly one id as a word (`1: q1-ce (2.0 pts)`)."""
    out: dict[int, str] = {}
    norm = [_norm(h) for h in header]
    for column, pid in maps:
        if pid not in ids:
            raise BadInput(f"{quote(pid)} is not a problem of the key ({', '.join(ids)})", f"--map {column}={pid}")
        hits = [i for i, h in enumerate(norm) if h == _norm(column) or h.startswith(_norm(column) + ":")]
        if len(hits) != 1:
            raise BadInput(f"{'no' if not hits else 'more than one'} column is {quote(column)}", f"--map {column}={pid}")
        out[hits[0]] = pid
    by_norm = {_norm(pid): pid for pid in ids}
    for i, h in enumerate(norm):
        if i in out or i in skip:
            continue
        if h in by_norm:
            out[i] = by_norm[h]
            continue
        found = {pid for pid in ids if re.search(rf"(?<![\w-]){re.escape(_norm(pid))}(?![\w-])", h)}
        if len(found) == 1:
            out[i] = found.pop()
    if not out:
        raise BadInput("no problem/answer columns, and no column names a problem of the key "
                       f"({', '.join(ids)}); for one column per problem give --map \"COLUMN=ID\"", f"{name}:1")
    twice = [pid for pid in set(out.values()) if list(out.values()).count(pid) > 1]
    if twice:
        raise BadInput(f"more than one column is problem {twice[0]}: "
                       + ", ".join(quote(header[i]) for i, p in out.items() if p == twice[0]), f"{name}:1")
    return dict(sorted(out.items()))


@dataclass(frozen=True)
class _Rows:
    """Where the data rows of a CSV sheet are: opened when they are read, after its header line."""

    path: Path
    encoding: str
    sheet: Sheet
    delimiter: str
    width: int


def _records(rows: _Rows, rejoin: int | None) -> Iterator[tuple[int, list[str]]]:
    """(line, cells) of each data row, padded to the header's width; where a row has more cells than the
    header and the answer is the last column, the extra cells are its own (a `;` inside `1 0; 0 1`)."""
    sheet, delimiter, width = rows.sheet, rows.delimiter, rows.width
    f = rows.path.open(encoding=rows.encoding, newline="")
    f.readline()  # the header, read already
    reader = csv.reader(f, delimiter=delimiter)
    line, rejoined = 1, 0
    try:
        while True:
            try:
                record = next(reader)
            except StopIteration:
                break
            except csv.Error as e:  # one bad cell: that row is reported, the rest of the class is read
                line = reader.line_num + 1
                sheet.bad.append(BadRow(line, f"a cell is longer than {MAX_CHARS} characters (the limit for matrix "
                                              "text)" if "field larger than field limit" in str(e) else f"CSV error: {e}"))
                continue
            line = reader.line_num + 1
            if not "".join(record).strip():
                continue
            if len(record) > width:
                if rejoin is None:
                    sheet.bad.append(BadRow(line, f"has {len(record)} cells, the header has {width} "
                                                  "(an answer with an unquoted delimiter?); row skipped"))
                    continue
                record = record[:rejoin] + [delimiter.join(record[rejoin:])]
                rejoined += 1
            yield line, record if len(record) == width else record + [""] * (width - len(record))
    except UnicodeDecodeError:
        raise BadInput(f"line {line + 1}: not UTF-8 text (save it as 'CSV UTF-8')", sheet.name) from None
    finally:
        f.close()
    if rejoined:
        sheet.notes.append(f"{rejoined} row{'s' * (rejoined != 1)} had more cells than the header: the extra cells "
                           f"are read as part of the last column's answer (joined by {delimiter!r})")


def _long_rows(rows: _Rows, sheet: Sheet, student: int, problem: int, answer: int, time: int | None,
               keep: list[int]) -> Iterator[Row]:
    for line, cells in _records(rows, answer if answer == rows.width - 1 else None):
        sid, pid = cells[student].strip(), cells[problem].strip()
        if not sid or not pid:
            sheet.bad.append(BadRow(line, "empty student or problem id; row skipped"))
            continue
        if keep and sid not in sheet.extra:
            sheet.extra[sid] = tuple(cells[i] for i in keep)
        yield Row(sid, pid, cells[answer], line, cells[time] if time is not None else "")


def _wide_rows(rows: _Rows, sheet: Sheet, student: int, time: int | None, wide: dict,
               keep: list[int]) -> Iterator[Row]:
    for line, cells in _records(rows, None):
        sid = cells[student].strip()
        if not sid:
            sheet.bad.append(BadRow(line, "empty student id; row skipped"))
            continue
        if keep:
            sheet.extra.setdefault(sid, tuple(cells[i] for i in keep))
        when = cells[time] if time is not None else ""
        for i, pid in wide.items():
            yield Row(sid, pid, cells[i], line, when)


def _yaml_sheet(path: Path) -> Sheet:
    name = str(path)
    doc = yamlfile.load(path.read_bytes(), name, as_typed=True)
    if not isinstance(doc, dict):
        raise BadInput("expected a mapping {student: {problem: answer}}", f"{name}:1")
    sheet = Sheet(name, "yaml")
    sheet._rows = _yaml_rows(doc, sheet)
    return sheet


def _yaml_rows(doc: dict, sheet: Sheet) -> Iterator[Row]:
    for student, answers in doc.items():
        line = yamlfile.line_of(doc, student)
        if not isinstance(answers, dict):
            sheet.bad.append(BadRow(line, f"student '{student}': expected a mapping {{problem: answer}}"))
            continue
        for problem, value in answers.items():
            # ids and answers are read as typed: 00123 and 007 stay text, never the numbers 83 and 7
            yield Row(str(student), str(problem), _yaml_text(value), yamlfile.line_of(answers, problem))


def _yaml_text(value: Any) -> str:
    """The answer as typed: scalars are their text already; a list is written back as `[1, 2]`."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "[" + ", ".join(_yaml_text(v) for v in value) + "]"
    return str(value)


def read_roster(path: str | Path, column: str | None) -> tuple[str, list[str]]:
    """(student column header, ids in the roster's order) of a CSV with a student column."""
    sheet_path = Path(path)
    if not sheet_path.is_file():
        raise BadInput("no such file" if not sheet_path.exists() else "not a regular file", f"--roster {path}")
    encoding = _encoding(sheet_path)
    try:
        text = sheet_path.read_text(encoding=encoding)
    except UnicodeDecodeError:
        raise BadInput("not UTF-8 or UTF-16 text", f"--roster {path}") from None
    lines = text.splitlines()
    if not lines:
        raise BadInput("empty roster", f"--roster {path}")
    reader = csv.reader(lines, delimiter=_delimiter(lines[0]))
    header = next(reader)
    i = _find(header, STUDENT, column, "--student-column")
    if i is None:
        raise BadInput(f"no student column in the roster's header ({', '.join(map(quote, header))})", f"--roster {path}")
    ids = [r[i].strip() for r in reader if len(r) > i and r[i].strip()]
    return header[i], list(dict.fromkeys(ids))
