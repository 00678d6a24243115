"""The grade report, the gradebook and the feedback files, written as streams: a class of 100,000 is
written student by student, never built as one string. Outputs go to a temporary file renamed into
place (never a half-written report, never over an input); CSV text cells that a spreadsheet would run
as a formula get a leading `'`."""
from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
import stat
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Callable, TextIO

from rich.cells import cell_len

from dlcalc.calc.errors import BadInput
from dlcalc.cli.render.jsonout import plain_value
from dlcalc.problems.grading import Mark, Report

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
SHOWN_STUDENTS = 60   # students listed on a terminal; files hold them all


# ── where outputs go ─────────────────────────────────────────────────────────

def check_target(target: str | None, option: str, inputs: list[str], directory: bool = False) -> Path | None:
    """Refuse, before any grading, an output that is an input or an existing non-regular file."""
    if target is None or target == "-":
        return None
    path = Path(target)
    real = Path(os.path.realpath(path))
    try:  # through every link, /proc's too: /dev/stdout → /proc/self/fd/1 → a pipe has no path of its own
        found = os.stat(path)
    except OSError:
        found = None
    for given in inputs:
        if given and found is not None and os.path.exists(given) and os.path.samefile(given, path):
            raise BadInput(f"is one of the inputs ({given}); the report would overwrite it", f"{option} {target}")
    if directory:
        if found is not None and not stat.S_ISDIR(found.st_mode):
            raise BadInput("exists and is not a directory", f"{option} {target}")
        if not real.parent.is_dir():
            raise BadInput("its parent directory does not exist", f"{option} {target}")
        return real
    if found is not None and not stat.S_ISREG(found.st_mode) and str(real) != os.devnull:
        raise BadInput("exists and is not a regular file (a device, FIFO or directory)", f"{option} {target}")
    if not real.parent.is_dir():
        raise BadInput("directory does not exist", f"{option} {target}")
    return real


@contextlib.contextmanager
def opened(path: Path | None, option: str) -> Iterator[TextIO]:
    """stdout, /dev/null as it is, or a new file renamed over `path` when all is written (a symlink's
    target is replaced, the link kept). The new file is anonymous until then (O_TMPFILE): a run killed
    mid-write leaves the old report as it was and no temporary file behind."""
    if path is None:
        yield sys.stdout
        return
    if str(path) == os.devnull:
        with open(path, "w", encoding="utf-8") as f:
            yield f
        return
    umask = os.umask(0o022)
    os.umask(umask)
    fd, tmp = _new_file(path, option, 0o666 & ~umask)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            yield f
            f.flush()
            if tmp is None:  # link the anonymous file in under a temporary name, then rename it over `path`
                tmp = _link_in(f.fileno(), path)
        os.replace(tmp, path)
    except BaseException as e:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        if isinstance(e, OSError):
            raise BadInput(f"cannot write the {_WHAT.get(option, 'file')}: {e.strerror or e}", f"{option} {path}") from None
        raise


_WHAT = {"--output": "report", "--gradebook": "gradebook", "--feedback": "feedback file", "--out": "file"}


def _link_in(fd: int, path: Path) -> str:
    """linkat(/proc/self/fd/N, AT_SYMLINK_FOLLOW): a directory fd makes Python call linkat, not link."""
    name = f".{path.name}.{os.getpid()}.tmp"
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.link(f"/proc/self/fd/{fd}", name, dst_dir_fd=directory, follow_symlinks=True)
    finally:
        os.close(directory)
    return str(path.parent / name)


def _new_file(path: Path, option: str, mode: int) -> tuple[int, str | None]:
    """(fd, None) for an anonymous file in `path`'s directory where the system has them, else a named
    temporary file beside it."""
    try:
        return os.open(path.parent, os.O_TMPFILE | os.O_WRONLY, mode), None
    except (AttributeError, OSError):
        pass
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        os.chmod(tmp, mode)  # mkstemp makes it private (0600); a report is an ordinary file
        return fd, tmp
    except OSError as e:
        raise BadInput(f"cannot write the {_WHAT.get(option, 'file')}: {e.strerror}", f"{option} {path}") from None


def cell(v: Any) -> Any:
    """A CSV cell: numbers as numbers, text that starts like a formula with a leading `'`."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, (int, float)):
        return _number(v)
    text = json.dumps(v) if isinstance(v, list) else str(v)
    if text.startswith(FORMULA_START) and not _is_number(text):
        return "'" + text
    return text


def _number(v: float) -> str:
    """A whole number whole (102764544, not 1.02765e+08: a count off by 4096 must show), others to 12
    significant digits (0.1 + 0.2 is 0.3, a third of a point 0.333333333333)."""
    if float(v).is_integer() and abs(v) < 2 ** 53:
        return str(int(v))
    return f"{v:.12g}"


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


# ── the report ───────────────────────────────────────────────────────────────

def write_json(report: Report, out: TextIO) -> None:
    cache: dict[int, str] = {}

    def problem(m: Mark) -> str:
        key = id(m)
        if key not in cache:
            cache[key] = json.dumps(plain_value({
                "id": m.problem, "correct": m.correct, "points": m.points, "max_points": m.max_points,
                "expected": m.expected, "given": m.given, "given_text": m.given_text, "diagnosis": m.diagnosis,
                "missing": m.missing}), ensure_ascii=False, allow_nan=False)
        return cache[key]

    out.write('{"students": [')
    for n, s in enumerate(report.students):
        out.write(f'{"," if n else ""}\n{{"id": {json.dumps(s.id, ensure_ascii=False)}, "score": {s.score!r}, '
                  f'"max": {s.max!r}, "problems": [{", ".join(problem(m) for m in s.marks)}]}}')
    tail = {"summary": report.summary(), "bad_rows": [{"line": b.line, "message": b.message} for b in report.bad_rows],
            "notes": report.notes, "warnings": report.warnings, "key_errors": report.key_errors}
    out.write("\n], " + json.dumps(plain_value(tail), ensure_ascii=False)[1:] + "\n")


def write_csv(report: Report, out: TextIO) -> None:
    """One row per student and problem; the cells of each distinct mark are formatted once."""
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["student", "problem", "correct", "points", "max_points", "answer", "read_as", "expected", "diagnosis",
                "missing"])
    cache: dict[int, str] = {}
    for s in report.students:
        sid = _csv_line([cell(s.id)])
        for m in s.marks:
            tail = cache.get(id(m))
            if tail is None:
                tail = cache[id(m)] = _csv_line([
                    m.problem, int(m.correct), cell(m.points), cell(m.max_points), cell(m.given_text),
                    cell(plain_value(m.given)) if m.given_text is not None else "", cell(plain_value(m.expected)),
                    cell(m.diagnosis), int(m.missing)])
            out.write(f"{sid},{tail}\n")


def _csv_line(cells: list) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(cells)  # "\n" is what makes a cell with a line break quoted
    return buf.getvalue()[:-1]


def write_gradebook(report: Report, out: TextIO) -> None:
    """One row per student: the student column as the file gave it, its other columns, points per problem."""
    w = csv.writer(out, lineterminator="\n")
    w.writerow([cell(report.student_header), *map(cell, report.kept), *report.problems, "total", "max"])
    for s in report.students:
        extra = list(s.extra) + [""] * (len(report.kept) - len(s.extra))
        w.writerow([cell(s.id), *map(cell, extra), *(cell(m.points) for m in s.marks), cell(s.score), cell(s.max)])


def text_report(report: Report, width: int = 80, color: bool = False) -> list[str]:
    """The terminal report: one line per problem, one per student (ids whole; marks one character per
    problem, numbered as the problem lines are), the histogram; it fits `width` for any number of problems."""
    summary = report.summary()
    n = summary["students"]
    marks = {"ok": "✓", "slip": "~", "wrong": "✗", "missing": "·"}
    paint = {"ok": "green", "slip": "yellow", "wrong": "red", "missing": "dim"}
    p = len(report.problems)
    lines = [f"{n} student{'s' * (n != 1)}, {p} problem{'s' * (p != 1)}: mean {summary['mean']:.2f}, "
             f"median {summary['median']:g} of {summary['max']:g}; {summary['all_correct']} with everything right", ""]
    digits = len(str(len(report.problems)))
    for i, pid in enumerate(report.problems, start=1):
        d = summary["problems"][pid]
        lines.append(f"{i:>{digits}} {pid}: {d['correct']}/{n} right ({d['answered']} answered), "
                     f"mean {d['mean_points']:.2f} points")
        for name, count in d["slips"].items():
            lines.append(f"{'':>{digits}}   {count} × {name}")
        for w in d["wrong_answers"][:3]:
            lines.append(f"{'':>{digits}}   {w['count']} × {_short(w['answer'])} (no known slip)")
        if pid in report.key_errors:
            lines.append(f"{'':>{digits}}   the key could not be solved: {report.key_errors[pid]}")
    lines += ["", f"marks, problem by problem ({marks['ok']} right, {marks['slip']} a known slip, "
                  f"{marks['wrong']} wrong, {marks['missing']} no answer):"]
    shown = report.students[:SHOWN_STUDENTS]
    id_width = min(max((cell_len(s.id) for s in shown), default=7), 32)   # display width: 李雷 is 4 columns
    scores = [f"{s.score:g}/{s.max:g}" for s in shown]
    score_width = max(map(len, scores), default=0)
    for s, score in zip(shown, scores):
        state = ["ok" if m.correct else "missing" if m.missing else "slip" if m.diagnosis and m.slip else "wrong"
                 for m in s.marks]
        text = "".join(f"[{paint[k]}]{marks[k]}[/]" if color else marks[k] for k in state)
        head = _escape(s.id, color) + " " * max(id_width - cell_len(s.id), 0) + f"  {score:>{score_width}}"
        lines += _fold(head, cell_len(s.id) + len(head) - len(_escape(s.id, color)), text, len(state), width, color)
    if n > len(shown):
        lines.append(f"… and {n - len(shown)} more students (all of them with -o FILE, --format csv or --gradebook)")
    lines += ["", "histogram of scores:"] + _histogram(summary["histogram"], width)
    return lines


def _fold(head: str, shown: int, marks: str, count: int, width: int, color: bool) -> list[str]:
    """`head  marks` (`head` takes `shown` columns), the marks folded in groups of ten when they do not fit."""
    room = max(width - shown - 2, 10)
    if count <= room:
        return [f"{head}  {marks}"]
    per = 10 * max(room // 11, 1)
    cells = re.findall(r"\[\w+\].\[/\]", marks) if color else list(marks)
    groups = [" ".join("".join(cells[j:j + 10]) for j in range(i, min(i + per, count), 10)) for i in range(0, count, per)]
    return [f"{head}  {groups[0]}"] + [f"{'':<{shown}}  {g}" for g in groups[1:]]


def _histogram(bins: list[dict], width: int) -> list[str]:
    top = max((b["count"] for b in bins), default=0) or 1
    label = [f"{b['from']:g}–{b['to']:g}" for b in bins]
    lw = max(map(len, label))
    room = max(width - lw - 12, 10)
    return [f"  {lab:>{lw}}  {'█' * round(b['count'] / top * room)} {b['count']}" for lab, b in zip(label, bins)]


def _short(text: str) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= 40 else text[:39] + "…")


def _escape(text: str, color: bool) -> str:
    return text.replace("[", r"\[") if color else text


# ── feedback ─────────────────────────────────────────────────────────────────

def safe_name(student: str, taken: set[str]) -> str:
    """A file name from a student id: letters, digits, `.-_@` kept, the rest `_`; never `..`, never a path."""
    base = re.sub(r"[^\w.@-]", "_", student, flags=re.ASCII).strip(".") or "student"
    name, n = base[:100], 2
    while name.lower() in taken:
        name, n = f"{base[:96]}-{n}", n + 1
    taken.add(name.lower())
    return name


def write_feedback(report: Report, directory: Path, worked: Callable[[str, str], str]) -> int:
    """One Markdown file per student in `directory`: each answer as typed, right or wrong, the slip named,
    and the worked solution of every wrong or missing one (`worked(student, problem)`: its Markdown)."""
    directory.mkdir(parents=True, exist_ok=True)
    taken: set[str] = set()
    for s in report.students:
        name = safe_name(s.id, taken)
        lines = [f"# {s.id}: {s.score:g} of {s.max:g} points", ""]
        for m in s.marks:
            verdict = "✓ right" if m.correct else "no answer" if m.missing else "✗ wrong"
            lines += [f"## {m.problem}: {verdict} ({m.points:g}/{m.max_points:g})", ""]
            if not m.missing:
                lines.append(f"Your answer: `{(m.given_text or '').strip()}`")
            if m.diagnosis:
                lines.append(f"Looks like: {m.diagnosis}.")
            if not m.correct:
                lines += ["", worked(s.id, m.problem)]
            lines.append("")
        path = directory / f"{name}.md"
        with opened(path, "--feedback") as f:
            f.write("\n".join(lines))
    return len(report.students)
