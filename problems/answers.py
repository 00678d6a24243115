"""Students' answer sheets (README, "Grading a class"): CSV `student,problem,answer` or YAML `{student: {problem: answer}}`."""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from dlcalc.calc.errors import BadInput
from dlcalc.problems import yamlfile
from dlcalc.problems.matrix import MAX_CHARS, parse_matrix

MAX_BYTES = 50_000_000


@dataclass
class Row:
    student: str
    problem: str
    text: str      # the answer as typed
    line: int


@dataclass
class BadRow:
    line: int
    message: str


_SIZE = re.compile(r"\d+(?:\s*[x×]\s*\d+)+")


def parse_answer(text: Any) -> Any:
    """A number or matrix text as a float array; words (saddle, true) stay text; None when unparsable."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return float(text)
    if isinstance(text, bool):
        return "true" if text else "false"
    if isinstance(text, list):
        text = str(text)
    s = str(text).strip()
    if not s:
        return None
    if _SIZE.fullmatch(s):  # a shape as written on paper: 7x7, 3×32×32
        return np.array([float(v) for v in re.split(r"\s*[x×]\s*", s)])
    try:
        return parse_matrix(s, allow_nonfinite=True)
    except BadInput:
        return s if s.replace("_", "").replace(" ", "").isalpha() else None


def read(path: str | Path) -> tuple[list[Row], list[BadRow]]:
    path = Path(path)
    if not path.is_file():
        raise BadInput("no such file" if not path.exists() else "not a regular file", str(path))
    data = path.read_bytes()
    if len(data) > MAX_BYTES:
        raise BadInput(f"answers file larger than {MAX_BYTES} bytes", str(path))
    if path.suffix.lower() in (".yaml", ".yml"):
        return _read_yaml(data, str(path))
    try:
        return _read_csv(data.decode("utf-8-sig"), str(path))
    except UnicodeDecodeError:
        raise BadInput("not UTF-8 text", str(path)) from None


def _csv_error(e: csv.Error) -> str:
    """csv's own cell limit is ours: a cell may hold a matrix up to the matrix text limit."""
    if "field larger than field limit" in str(e):
        return f"a cell is longer than {MAX_CHARS} characters (the limit for matrix text)"
    return f"CSV error: {e}"


def _read_csv(text: str, name: str) -> tuple[list[Row], list[BadRow]]:
    csv.field_size_limit(max(csv.field_size_limit(), MAX_CHARS + 1))  # stdlib's default is 131,072
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise BadInput("empty answers file (expected a header student,problem,answer)", name) from None
    except csv.Error as e:
        raise BadInput(_csv_error(e), f"{name}:1") from None
    missing = [c for c in ("student", "problem", "answer") if c not in header]
    if missing:
        raise BadInput(f"header lacks column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
                       f"(expected student,problem,answer)", f"{name}:1")
    col = {c: header.index(c) for c in ("student", "problem", "answer")}
    rows, bad = [], []
    line = 1
    while True:
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            bad.append(BadRow(reader.line_num, _csv_error(e)))
            continue
        line = reader.line_num
        if not any(cell.strip() for cell in record):
            continue
        if len(record) < len(header):
            bad.append(BadRow(line, f"has {len(record)} columns, the header has {len(header)}"))
            continue
        student, problem = record[col["student"]].strip(), record[col["problem"]].strip()
        if not student or not problem:
            bad.append(BadRow(line, "empty student or problem id"))
            continue
        rows.append(Row(student, problem, record[col["answer"]], line))
    return rows, bad


def _read_yaml(data: bytes, name: str) -> tuple[list[Row], list[BadRow]]:
    doc = yamlfile.load(data, name)
    if not isinstance(doc, dict):
        raise BadInput("expected a mapping {student: {problem: answer}}", f"{name}:1")
    rows, bad = [], []
    for student, answers in doc.items():
        line = yamlfile.line_of(doc, student)
        if not isinstance(answers, dict):
            bad.append(BadRow(line, f"student '{student}': expected a mapping {{problem: answer}}"))
            continue
        for problem, value in answers.items():
            text = value if isinstance(value, str) else "" if value is None else _yaml_text(value)
            rows.append(Row(str(student), str(problem), text, yamlfile.line_of(answers, problem)))
    return rows, bad


def _yaml_text(value: Any) -> str:
    import json

    return json.dumps(value) if isinstance(value, list) else str(value).lower() if isinstance(value, bool) else str(value)
