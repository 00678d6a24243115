"""`dlcalc variants KEY --roster FILE --out DIR`: every student's own exam sheet and worked key."""
from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

COMMANDS = ("variants",)


class SheetFormat(str, Enum):
    markdown = "markdown"
    latex = "latex"


SUFFIX = {"markdown": ".md", "latex": ".tex"}


def register(app: typer.Typer) -> None:
    @app.command("variants")
    def variants(
        key: Annotated[str, typer.Argument(help="The exam key: a problem set whose fields may draw numbers "
                                                "({random: int, low: 0, high: 9, shape: [3, 3]}).", metavar="KEY")],
        roster: Annotated[str, typer.Option(help="CSV with a student column: one sheet per student.", metavar="FILE",
                                            show_default=False)],
        out: Annotated[str, typer.Option("--out", help="Directory for the sheets, keys/ and variants.json.",
                                         metavar="DIR", show_default=False)],
        seed: Annotated[Optional[str], typer.Option(help="The exam's seed (default: the key's `seed:`).",
                                                    metavar="TEXT", show_default=False)] = None,
        fmt: Annotated[SheetFormat, typer.Option("--format", "-f", help="markdown or latex.")] = SheetFormat.markdown,
        student_column: Annotated[Optional[str], typer.Option(help="The roster's student id column (default: found "
                                                                   "by name).", metavar="NAME", show_default=False)] = None,
    ) -> None:
        """Per-student variants of a key: sheets without answers, worked keys, and variants.json."""
        from dlcalc.cli import reports
        from dlcalc.problems import variants as drawn
        from dlcalc.problems.answers import read_roster
        from dlcalc.problems.loader import load_key

        directory = reports.check_target(out, "--out", [key, roster], directory=True)
        problems = load_key(key)
        chosen = drawn.seed_of(problems, seed)
        _, students = read_roster(roster, student_column)
        if not students:
            from dlcalc.calc.errors import BadInput

            raise BadInput("the roster lists no student", f"--roster {roster}")
        sheets = {sid: [drawn.realise(p, chosen, sid) if p.generators else None for p in problems] for sid in students}
        written = _write(directory, problems, sheets, fmt.value, chosen, [key, roster])
        if chosen is None:
            sys.stderr.write("dlcalc: warning: no problem of the key draws its numbers: every sheet is the same\n")
        sys.stderr.write(f"dlcalc: wrote {written} sheets and keys to {out}/" + (f" (seed '{chosen}')" if chosen else "")
                         + "\n")


def _write(directory: Path, problems: list, sheets: dict, fmt: str, seed: str | None, inputs: list[str]) -> int:
    from dlcalc.cli import reports
    from dlcalc.problems.variants import shown_precision

    (directory / "keys").mkdir(parents=True, exist_ok=True)
    taken: set[str] = set()
    record = {"seed": seed, "students": {}}
    for sid, drawn in sheets.items():
        name = reports.safe_name(sid, taken) + SUFFIX[fmt]
        chosen = [v.problem if v else p for p, v in zip(problems, drawn)]
        solutions = [v.solution if v else p.solve() for p, v in zip(problems, drawn)]
        digits = [shown_precision(p) for p in problems]
        for path, text in ((directory / name, _sheet(sid, chosen, fmt, digits)),
                           (directory / "keys" / name, _key(sid, chosen, solutions, fmt, digits))):
            with reports.opened(reports.check_target(str(path), "--out", inputs), "--out") as f:
                f.write(text)
        record["students"][sid] = {p.id: v.values for p, v in zip(problems, drawn) if v}
    with reports.opened(reports.check_target(str(directory / "variants.json"), "--out", inputs), "--out") as f:
        f.write(json.dumps(record, indent=1, ensure_ascii=False) + "\n")
    return len(sheets)


def _heading(n: int, p) -> str:
    points = p.points
    return f"{n}. {p.meta.get('title') or p.id} ({points:g} point{'s' * (points != 1)})"


def _sheet(sid: str, problems: list, fmt: str, digits: list[int]) -> str:
    from dlcalc.cli.render.numbers import formatter
    from dlcalc.problems.variants import statement

    if fmt == "markdown":
        from dlcalc.cli.render.markdown import step_markdown

        out = [f"# Exam: {sid}", ""]
        for n, (p, d) in enumerate(zip(problems, digits), 1):
            out += [f"## {_heading(n, p)}", ""]
            for step in statement(p):
                out += step_markdown(step, formatter(d))
        return "\n".join(out)
    from dlcalc.cli.render import latex

    body = []
    for n, (p, d) in enumerate(zip(problems, digits), 1):
        body += [rf"\section*{{{latex.text(_heading(n, p))}}}"] + [latex.step_latex(s, formatter(d)) for s in statement(p)]
    return latex.document("\n".join(body), f"Exam: {sid}")


def _key(sid: str, problems: list, solutions: list, fmt: str, digits: list[int]) -> str:
    from dlcalc.cli import render

    parts = [render.text(sol, fmt, d) for sol, d in zip(solutions, digits)]
    if fmt == "markdown":
        return "\n\n".join([f"# Key: {sid}"] + [f"<!-- {p.id} -->\n" + t for p, t in zip(problems, parts)])
    from dlcalc.cli.render import latex

    return latex.document("\n\n".join(parts), f"Key: {sid}")
