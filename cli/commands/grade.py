"""`dlcalc grade KEY ANSWERS`: a whole class against a key, with slips named."""
from __future__ import annotations

import os
import sys
from enum import Enum
from typing import Annotated, Optional

import typer

from dlcalc.calc.errors import BadInput


class ReportFormat(str, Enum):
    rich = "rich"
    json = "json"
    csv = "csv"
    plain = "plain"


COMMANDS = ("grade",)
Text = Optional[str]


def register(app: typer.Typer) -> None:
    @app.command("grade")
    def grade(
        key: Annotated[str, typer.Argument(help="The exam key: a problem set (answers are computed, never typed in).",
                                           metavar="KEY")],
        answers: Annotated[str, typer.Argument(
            help="Answers: CSV/TSV, long (student, problem, answer) or wide (a column per problem), as LMSs export "
                 "them; or YAML {student: {problem: answer}}.", metavar="ANSWERS")],
        rtol: Annotated[float, typer.Option("--rtol", min=0, help="Relative tolerance (a problem's own rtol wins).")] = 1e-3,
        atol: Annotated[float, typer.Option("--atol", min=0, help="Absolute tolerance (a problem's own atol wins).")] = 1e-4,
        fmt: Annotated[Optional[ReportFormat], typer.Option("--format", "-f", help="rich (terminal), plain, csv or json.",
                                                            show_default=False)] = None,
        output: Annotated[Text, typer.Option("--output", "-o", metavar="FILE", show_default=False,
                                             help="Write the report here (atomically; - is stdout).")] = None,
        student_column: Annotated[Text, typer.Option(help="The student id column (default: found by name).",
                                                     metavar="NAME", show_default=False)] = None,
        problem_column: Annotated[Text, typer.Option(help="A long file's problem column.", metavar="NAME",
                                                     show_default=False)] = None,
        answer_column: Annotated[Text, typer.Option(help="A long file's answer column.", metavar="NAME",
                                                    show_default=False)] = None,
        time_column: Annotated[Text, typer.Option(help="The submission time column (the latest submission counts).",
                                                  metavar="NAME", show_default=False)] = None,
        maps: Annotated[Optional[list[str]], typer.Option(
            "--map", metavar="COLUMN=ID", show_default=False,
            help="A wide file's column for a problem (repeatable); COLUMN is the header or its part before ':'.")] = None,
        decimal_comma: Annotated[bool, typer.Option("--decimal-comma", help="Read 0,5946 as 0.5946 (a ;-separated "
                                                                            "file implies it).")] = False,
        roster: Annotated[Text, typer.Option(help="CSV of every student: those without answers get 0.", metavar="FILE",
                                             show_default=False)] = None,
        gradebook: Annotated[Text, typer.Option(help="Also write a gradebook CSV: a row per student, points per "
                                                     "problem, total, max.", metavar="FILE", show_default=False)] = None,
        feedback: Annotated[Text, typer.Option(help="Also write one Markdown file per student into this directory.",
                                               metavar="DIR", show_default=False)] = None,
        seed: Annotated[Text, typer.Option(help="The seed of a key that draws numbers (default: the key's `seed:`): "
                                                "each student is graded against their own variant.", metavar="TEXT",
                                           show_default=False)] = None,
    ) -> int:
        """Grade a class: score per student, diagnosis of each wrong answer, summary per problem."""
        from dlcalc.cli import reports
        from dlcalc.problems.answers import Columns

        inputs = [key, answers, roster or ""]
        targets = {"--output": reports.check_target(output, "--output", inputs),
                   "--gradebook": reports.check_target(gradebook, "--gradebook", inputs),
                   "--feedback": reports.check_target(feedback, "--feedback", inputs, directory=True)}
        columns = Columns(student_column, problem_column, answer_column, time_column,
                          tuple(_mapping(m) for m in maps or ()))
        report, key_items = _graded(key, answers, columns, decimal_comma, roster, rtol, atol, seed)
        for b in report.bad_rows:
            sys.stderr.write(f"dlcalc: warning: {answers}:{b.line}: {b.message}\n")
        if report.bad_count > len(report.bad_rows):
            sys.stderr.write(f"dlcalc: warning: {answers}: {report.bad_count - len(report.bad_rows)} more bad rows\n")
        for note in report.notes:
            sys.stderr.write(f"dlcalc: note: {answers}: {note}\n")
        for warning in report.warnings:
            sys.stderr.write(f"dlcalc: warning: {answers}: {warning}\n")
        to_file = output not in (None, "-")
        kind = (fmt.value if fmt else None) or (_by_suffix(output) if to_file else None) or \
            ("rich" if sys.stdout.isatty() and not to_file else "plain")
        if kind == "rich" and to_file:
            kind = "plain"
        with reports.opened(targets["--output"], "--output") as out:
            _write(report, kind, out)
        if fmt is None and to_file and kind != "plain":  # said once written: a failed write says one line, its error
            sys.stderr.write(f"dlcalc: note: --output {output}: written as {kind}, as its suffix says (--format names "
                             "another)\n")
        if targets["--gradebook"] is not None:
            with reports.opened(targets["--gradebook"], "--gradebook") as out:
                reports.write_gradebook(report, out)
        if targets["--feedback"] is not None:
            reports.write_feedback(report, targets["--feedback"], _worked(key_items, report))
        if report.key_errors:
            return 2
        return 0 if report.all_correct else 1


def _by_suffix(path: str) -> str | None:
    """The report format a file's name asks for: `-o report.csv` is a CSV report, `.json` a JSON one."""
    return {".csv": "csv", ".json": "json"}.get(os.path.splitext(path)[1].lower())


def _mapping(text: str) -> tuple[str, str]:
    column, sep, pid = text.rpartition("=")
    if not sep or not column.strip() or not pid.strip():
        raise BadInput(f"expected COLUMN=PROBLEM_ID, got '{text}'", "--map")
    return column.strip(), pid.strip()


def _graded(key: str, answers: str, columns, decimal_comma: bool, roster: str | None, rtol: float, atol: float,
            seed: str | None):
    from dlcalc.calc.grading import Tolerance
    from dlcalc.problems import answers as sheets
    from dlcalc.problems import grading
    from dlcalc.problems.loader import load_path
    from dlcalc.problems.variants import seed_of

    problems = load_path(key)
    if not problems:
        raise BadInput("the key has no problems", key)
    chosen = seed_of(problems, seed)
    if chosen is not None and roster is None:  # an id typed another way (Ana, ana@uni.edu) has other numbers
        sys.stderr.write("dlcalc: warning: the key draws each student's numbers from their id: the ids in the answers "
                         "must be those of the roster the sheets were made for (--roster FILE lists who is not)\n")
    sheet = sheets.read(answers, [p.id for p in problems], columns, decimal_comma)
    items = grading.build_key(problems, Tolerance(rtol, atol), sheet.decimal_comma, strict=False, seed=chosen)
    for pid, item in items.items():  # said before grading: a run that then fails has said it too
        if item.error is not None:
            sys.stderr.write(f"dlcalc: error: problem {pid}: {item.error}\n")
    ids = sheets.read_roster(roster, columns.student)[1] if roster else None
    with _progress(answers) as tick:
        report = grading.grade(items, tick(sheet.rows()), sheet.bad, ids, sheet.extra, answers)
    report.notes[:0] = sheet.notes
    report.kept, report.student_header = sheet.kept, sheet.student_header
    return report, items


def _progress(path: str):
    """A progress line on stderr, on a terminal, for answers files large enough to wait for."""
    import contextlib
    import os

    size = os.path.getsize(path)
    if not sys.stderr.isatty() or size < 5_000_000:
        return contextlib.nullcontext(lambda rows: rows)

    @contextlib.contextmanager
    def bar():
        from rich.console import Console
        from rich.progress import Progress

        with Progress(console=Console(stderr=True), transient=True, redirect_stdout=False,
                      redirect_stderr=False) as progress:
            task = progress.add_task("reading answers", total=None)

            def tick(rows):
                for n, row in enumerate(rows):
                    if n % 20_000 == 0:
                        progress.update(task, completed=n, description=f"reading answers: {n:,} rows")
                    yield row
            yield tick
    return bar()


def _write(report, kind: str, out) -> None:
    from dlcalc.cli import reports

    if kind == "json":
        reports.write_json(report, out)
    elif kind == "csv":
        reports.write_csv(report, out)
    elif kind == "plain":
        out.write("\n".join(reports.text_report(report)) + "\n")
    else:
        from rich.console import Console

        console = Console(highlight=False)
        for line in reports.text_report(report, console.width, color=True):
            console.print(line, overflow="fold")


def _worked(items: dict, report):
    """(student, problem) → the Markdown of the worked solution that student's feedback shows: a fixed
    problem's is rendered once for the class, a drawn one's per student."""
    from dlcalc.cli import render
    from dlcalc.problems.grading import VariantItem

    fixed = {pid: render.text(item.problem.solve(), "markdown") for pid, item in items.items()
             if item.error is None and not isinstance(item, VariantItem)}

    def worked(student: str, pid: str) -> str:
        item = items.get(pid)
        if isinstance(item, VariantItem):
            from dlcalc.problems.variants import realise

            return render.text(realise(item.problem, item.seed, student).solution, "markdown")
        return fixed.get(pid, "")
    return worked
