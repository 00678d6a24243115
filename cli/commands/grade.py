"""`dlcalc grade KEY ANSWERS`: a whole class against a key, with slips named."""
from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from dlcalc.calc.errors import BadInput


class ReportFormat(str, Enum):
    rich = "rich"
    json = "json"
    csv = "csv"
    plain = "plain"


COMMANDS = ("grade",)


def register(app: typer.Typer) -> None:
    @app.command("grade")
    def grade(
        key: Annotated[str, typer.Argument(help="The exam key: a problem set (answers are computed, never typed in).",
                                     metavar="KEY")],
        answers: Annotated[str, typer.Argument(help="Answers: CSV student,problem,answer or YAML {student: {problem: answer}}.",
                                         metavar="ANSWERS")],
        rtol: Annotated[float, typer.Option("--rtol", min=0, help="Relative tolerance (a problem's own rtol wins).")] = 1e-3,
        atol: Annotated[float, typer.Option("--atol", min=0, help="Absolute tolerance (a problem's own atol wins).")] = 1e-4,
        fmt: Annotated[Optional[ReportFormat], typer.Option("--format", "-f", help="rich (terminal), plain, csv or json.",
                                                            show_default=False)] = None,
        output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write the report here (atomically).",
                                                       show_default=False)] = None,
    ) -> int:
        """Grade a class: score per student, diagnosis of each wrong answer, summary per problem."""
        from dlcalc.calc.grading import Tolerance
        from dlcalc.problems import answers as answer_sheets
        from dlcalc.problems import grading
        from dlcalc.problems.loader import load_path

        if output is not None and not output.parent.is_dir():
            raise BadInput("directory does not exist", f"--output {output}")
        if output is not None and output.is_dir():
            raise BadInput("is a directory; give a file name for the report", f"--output {output}")
        kind = (fmt.value if fmt else None) or ("rich" if sys.stdout.isatty() and output is None else "plain")
        problems = load_path(key)
        the_key = grading.build_key(problems, Tolerance(rtol, atol))
        rows, bad = answer_sheets.read(answers)
        report = grading.grade(the_key, rows, bad)
        for b in report.bad_rows:
            sys.stderr.write(f"dlcalc: warning: {answers}:{b.line}: {b.message}\n")
        text = None if kind == "rich" else {"json": _json, "csv": _csv, "plain": _plain}[kind](report)
        if output is not None:
            _write_atomically(output, text if text is not None else _plain(report))
        elif text is not None:
            sys.stdout.write(text)
        else:
            _rich(report)
        return 0 if report.all_correct else 1


def _write_atomically(path: Path, text: str) -> None:
    """A temporary file in the same directory, renamed into place: never a half-written report."""
    import os
    import tempfile

    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as e:
        raise BadInput(f"cannot write the report: {e.strerror}", f"--output {path}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        umask = os.umask(0o022)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it private (0600); a report is an ordinary file
        os.replace(tmp, path)
    except BaseException as e:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(e, OSError):
            raise BadInput(f"cannot write the report: {e.strerror or e}", f"--output {path}") from None
        raise


def _json(report) -> str:
    from dlcalc.cli.render.jsonout import dumps

    return dumps({
        "students": [{"id": s.id, "score": s.score, "max": s.max, "problems": [
            {"id": m.problem, "correct": m.correct, "points": m.points, "expected": m.expected, "given": m.given,
             "diagnosis": m.diagnosis} for m in s.marks]} for s in report.students],
        "summary": report.summary(),
        "bad_rows": [{"line": b.line, "message": b.message} for b in report.bad_rows],
    }) + "\n"


def _csv(report) -> str:
    import csv
    import io

    from dlcalc.cli.render.jsonout import plain_value

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["student", "problem", "correct", "points", "max_points", "given", "expected", "diagnosis"])
    for s in report.students:
        for m in s.marks:
            w.writerow([s.id, m.problem, int(m.correct), _g(m.points), _g(m.max_points), _cell(plain_value(m.given)),
                        _cell(plain_value(m.expected)), m.diagnosis or ""])
    return buf.getvalue()


def _g(x: float) -> str:
    return f"{x:g}"


def _cell(v) -> str:
    import json

    return "" if v is None else json.dumps(v) if isinstance(v, list) else str(v)


def _plain(report) -> str:
    from dlcalc.calc.solution import Table
    from dlcalc.cli.render.layout import table_text
    from dlcalc.cli.render.numbers import number

    pids = [m.problem for m in report.students[0].marks] if report.students else []
    rows = [[s.id, f"{s.score:g}/{s.max:g}"] + ["✓" if m.correct else "✗" for m in s.marks] for s in report.students]
    out = table_text(Table(["student", "score"] + pids, rows), str)
    summary = report.summary()
    out += ["", f"{summary['students']} students, mean {number(summary['mean'], 2)}/{summary['max']:g}, "
                f"{summary['all_correct']} with everything right"]
    for pid, d in summary["problems"].items():
        slips = "; ".join(f"{name} ×{n}" for name, n in d["diagnoses"].items())
        out.append(f"{pid}: {d['correct']}/{summary['students']} correct" + (f" — {slips}" if slips else ""))
    return "\n".join(out) + "\n"


def _rich(report) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    pids = [m.problem for m in report.students[0].marks] if report.students else []
    table = Table("student", "score", *pids, header_style="bold cyan", title="Grades")
    for s in report.students:
        cells = ["[green]✓[/]" if m.correct else ("[yellow]✗[/]" if m.diagnosis else "[red]✗[/]") for m in s.marks]
        table.add_row(s.id, f"{s.score:g}/{s.max:g}", *cells)
    console.print(table)
    summary = report.summary()
    console.print(f"{summary['students']} students, mean {summary['mean']:.2f}/{summary['max']:g}, "
                  f"{summary['all_correct']} with everything right", highlight=False)
    slips = Table("problem", "correct", "slips seen", header_style="bold cyan", title="Per problem")
    for pid, d in summary["problems"].items():
        slips.add_row(pid, f"{d['correct']}/{summary['students']}",
                      "\n".join(f"{name} ×{n}" for name, n in d["diagnoses"].items()) or "—")
    console.print(slips)
