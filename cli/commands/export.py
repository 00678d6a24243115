"""`dlcalc export KEY --to moodle|canvas -o FILE`: a key as an LMS question bank, N variants per problem."""
from __future__ import annotations

import sys
from enum import Enum
from typing import Annotated, Optional

import typer

COMMANDS = ("export",)
DEFAULT_VARIANTS = 10


class Target(str, Enum):
    moodle = "moodle"
    canvas = "canvas"


def register(app: typer.Typer) -> None:
    @app.command("export")
    def export(
        key: Annotated[str, typer.Argument(help="The exam key: a problem set whose fields may draw numbers "
                                                "({random: int, low: 0, high: 9, shape: [3, 3]}).", metavar="KEY")],
        to: Annotated[Target, typer.Option("--to", help="moodle (Moodle XML) or canvas (a QTI 1.2 zip for Canvas).",
                                           show_default=False)],
        output: Annotated[str, typer.Option("--output", "-o", metavar="FILE", show_default=False,
                                            help="Write the quiz here (atomically; - is stdout, for moodle).")],
        variants: Annotated[Optional[int], typer.Option(
            min=1, max=500, metavar="N", show_default=False,
            help=f"Variants of each problem that draws its numbers (default {DEFAULT_VARIANTS}); variant n is "
                 "student 'variant-n' of `dlcalc variants`. A problem that draws nothing is one question.")] = None,
        seed: Annotated[Optional[str], typer.Option(help="The exam's seed (default: the key's `seed:`).",
                                                    metavar="TEXT", show_default=False)] = None,
        title: Annotated[Optional[str], typer.Option(help="The quiz's name (default: the key's `title:`, else its "
                                                          "file name).", metavar="TEXT", show_default=False)] = None,
        rtol: Annotated[float, typer.Option("--rtol", min=0, help="Relative tolerance (a problem's own rtol wins).")] = 1e-3,
        atol: Annotated[float, typer.Option("--atol", min=0, help="Absolute tolerance (a problem's own atol wins).")] = 1e-4,
        precision: Annotated[int, typer.Option("--precision", min=0, max=15,
                                               help="Decimals shown in the statements and worked solutions.")] = 4,
        skip_unsupported: Annotated[bool, typer.Option(
            "--skip-unsupported", help="Leave out the problems the LMS cannot hold (e.g. a matrix of non-integers "
                                       "for Canvas), with a warning naming each, and export the rest; without it such "
                                       "a problem refuses the export.")] = False,
    ) -> None:
        """Export a key to Moodle XML or a Canvas QTI zip: N variants per problem, slips as answers, worked feedback."""
        from dlcalc.calc.errors import BadInput
        from dlcalc.cli import reports
        from dlcalc.problems import quiz
        from dlcalc.problems.loader import load_key
        from dlcalc.problems.variants import seed_of

        if output == "-" and to is Target.canvas:
            raise BadInput("a Canvas package is a zip file: give a file name (quiz.zip)", "-o -")
        target = reports.check_target(output, "-o", [key])
        problems = load_key(key)
        chosen = seed_of(problems, seed)
        count = variants or DEFAULT_VARIANTS
        # what the quiz, or Canvas, cannot hold: found before anything is written, and said in key order
        skipped: list[quiz.Unsupported] = []
        groups = quiz.questions(problems, chosen, count, rtol, atol, skipped)
        if to is Target.canvas:
            from dlcalc.cli import canvas

            skipped += canvas.refusals(groups)
        order = {p.id: n for n, p in enumerate(problems)}
        skipped.sort(key=lambda r: order.get(r.problem, len(order)))
        if skipped and not skip_unsupported:
            raise skipped[0]
        left_out = {r.problem for r in skipped}
        groups = [g for g in groups if g[0].id not in left_out]
        if not groups and skipped:
            raise BadInput(f"nothing to export: --skip-unsupported leaves out every problem of the key "
                           f"({_listed([r.problem for r in skipped])}); {skipped[0].reason}", skipped[0].where)
        # said once the quiz is written (a refused export says one line, its reason): what was left out
        notes = [f"warning: {r.left_out}" for r in skipped]
        fixed = [g[0].id for g in groups if not g[0].drawn]
        if variants is not None and variants > 1 and fixed:
            notes.append(f"note: {_listed(fixed)} draw{'s' * (len(fixed) == 1)} no numbers: one question each "
                         f"(--variants {variants} is for the problems that draw)")
        name = title or _key_title(key)
        info = f"seed '{chosen}'" if chosen is not None and any(g[0].drawn for g in groups) else ""
        if to is Target.moodle:
            from dlcalc.cli import moodle

            text, warnings = moodle.write(name, groups, precision, info)
            with reports.opened(target, "-o") as f:
                f.write(text)
        else:
            data, warnings = canvas.write(name, groups, _quiz_id(key, chosen, count, rtol, atol, name), precision)
            with reports.opened(target, "-o") as f:
                f.flush()
                f.buffer.write(data)
        for line in notes + [f"warning: {w}" for w in warnings]:
            sys.stderr.write(f"dlcalc: {line}\n")
        n = sum(len(g) for g in groups)
        where = "stdout" if target is None else output
        m = len(groups)
        unit = ("category" if m == 1 else "categories") if to is Target.moodle else f"group{'s' * (m != 1)}"
        sys.stderr.write(f"dlcalc: wrote {n} question{'s' * (n != 1)} in {m} {unit} to {where} "
                         f"({'Moodle XML' if to is Target.moodle else 'Canvas QTI 1.2'}"
                         + (f", {info}" if info else "") + ")\n")


def _listed(ids: list[str]) -> str:
    return ", ".join(ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")


def _key_title(key: str) -> str:
    """The key's `title:` (a problem set's), else its file name without the suffix."""
    from pathlib import Path

    from dlcalc.calc.errors import BadInput
    from dlcalc.problems import yamlfile

    try:
        doc = yamlfile.load(Path(key).read_bytes(), key)
    except (BadInput, OSError):
        doc = None
    found = doc.get("title") if isinstance(doc, dict) else None
    return " ".join(str(found).split()) if isinstance(found, (str, int, float)) and str(found).strip() else Path(key).stem


def _quiz_id(key: str, seed: str | None, count: int, rtol: float, atol: float, title: str) -> str:
    """What makes this quiz itself: another key, seed or count is another quiz (Canvas matches imports by
    identifier), the same ones the same quiz, byte for byte."""
    import hashlib
    from pathlib import Path

    digest = hashlib.sha256(Path(key).read_bytes()).hexdigest()
    return f"{digest}|{seed}|{count}|{rtol!r}|{atol!r}|{title}"
