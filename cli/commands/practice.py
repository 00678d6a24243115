"""`dlcalc practice [KIND|EXAMPLE_ID|FILE]`: a fresh problem, an answer typed, right or wrong with the slip
named, the worked solution when wrong, the next problem; the score at the end."""
from __future__ import annotations

import sys
from typing import Annotated, Optional

import typer

from dlcalc.calc.errors import BadInput

COMMANDS = ("practice",)
STOP = ("q", "quit", "exit")


def register(app: typer.Typer) -> None:
    @app.command("practice")
    def practice(
        what: Annotated[Optional[str], typer.Argument(
            help="A kind (mse, conv, hessian, …), a bundled example id (its numbers varied) or a problem file; "
                 "default: every kind in turn.", metavar="[KIND|EXAMPLE_ID|FILE]", show_default=False)] = None,
        seed: Annotated[Optional[str], typer.Option(help="Draw the same problems again (default: a new seed, shown "
                                                         "at the start).", metavar="TEXT", show_default=False)] = None,
        count: Annotated[Optional[int], typer.Option(min=1, help="Stop after this many problems (default: until "
                                                                 "q or the end of input).", show_default=False)] = None,
    ) -> None:
        """Practise: solve fresh problems and get each one checked at once, with the slip named."""
        import secrets

        from dlcalc.problems.variants import shown_precision

        templates = _templates(what)
        chosen = seed if seed is not None else secrets.token_hex(3)
        _say(f"Practice, seed {chosen} (--seed {chosen} asks the same problems again); q stops.\n")
        right = asked = 0
        try:
            while count is None or asked < count:
                template, original = templates[_pick(chosen, asked, len(templates))]
                problem, solution = _drawn(template, original, chosen, asked)
                _ask(asked + 1, problem, shown_precision(template))
                typed = _read()
                if typed is None or typed.strip().lower() in STOP:
                    break
                asked += 1
                right += _check(problem, solution, typed)
        except KeyboardInterrupt:  # Ctrl-C is how many stop: the score is theirs all the same
            _score(right, asked)
            raise typer.Exit(130) from None
        _score(right, asked)


def _score(right: int, asked: int) -> None:
    _say(f"\nScore: {right} of {asked}" + (f" ({100 * right / asked:.0f}%)" if asked else "") + "\n")


def _templates(what: str | None) -> list[tuple]:
    """(template to draw from, the problem as given or None): a kind's practice declaration, an example or a
    file's problems with their numbers varied."""
    import os

    from dlcalc.problems import library, registry
    from dlcalc.problems.loader import load_key, load_mapping
    from dlcalc.problems.variants import varied

    def of_kind(kind):
        return load_mapping({"kind": kind.name, "id": kind.command or kind.name, **kind.practice})

    kinds = registry.kinds()
    if what is None:
        return [(of_kind(k), None) for _, k in sorted(kinds.items()) if k.practice]
    kind = kinds.get(what) or registry.by_command(what)
    if kind is not None:
        if not kind.practice:
            raise BadInput(f"{kind.name} has no practice problems; try a bundled example ('dlcalc examples')", what)
        return [(of_kind(kind), None)]
    if what in library.problems():
        return [(varied(library.example(what)), library.example(what))]
    if os.path.exists(what):
        problems = load_key(what)
        return [(varied(p), p) for p in problems]
    from dlcalc.calc.errors import closest

    names = sorted(set(kinds) | {k.command for k in kinds.values() if k.command})
    raise BadInput(f"not a kind, a bundled example or a file{closest(what, names + list(library.problems()))}", what)


def _pick(seed: str, n: int, choices: int) -> int:
    from dlcalc.problems.generators import stream

    return 0 if choices == 1 else stream(seed, "practice", "", "pick", n).below(choices)


def _drawn(template, original, seed: str, n: int):
    """The n-th problem: a variant when the template draws; the problem as given when its varied numbers are
    refused every time (a one-hot target varied cell by cell) or nothing draws."""
    from dlcalc.problems.variants import realise

    if template.generators:
        try:
            v = realise(template, seed, f"practice-{n}")
            return v.problem, v.solution
        except BadInput:
            if original is None:
                raise
    p = original or template
    return p, p.solve()


def _ask(n: int, problem, digits: int) -> None:
    from dlcalc.cli.render.numbers import formatter
    from dlcalc.cli.render.plain import step_lines
    from dlcalc.problems.variants import statement

    fmt = formatter(digits)
    title = problem.meta.get("title") or f"{problem.kind.command or problem.kind.name}: {_short(problem.kind.summary)}"
    out = [f"\n━━ Problem {n}: {title}"]
    for step in statement(problem):
        out += ["  " + line for line in step_lines(step, fmt)]
    _say("\n".join(out) + "\n")


def _short(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1].rsplit(" ", 1)[0] + "…"


def _read() -> str | None:
    if sys.stdin.isatty():
        try:
            return input("answer> ")
        except EOFError:
            return None
    line = sys.stdin.readline()
    if not line:
        return None
    _say(f"answer> {line.rstrip()}\n")
    return line


def _check(problem, solution, typed: str) -> bool:
    from dlcalc.calc.grading import ATOL, RTOL, Tolerance
    from dlcalc.cli import render
    from dlcalc.cli.render.numbers import number
    from dlcalc.problems.grading import KeyItem, mark

    item = KeyItem(problem, solution.answer, Tolerance(float(problem.meta.get("rtol", RTOL)),
                                                      float(problem.meta.get("atol", ATOL))))
    m = mark(item, typed)
    if m.correct:
        _say(f"✓ right: {problem.ask} = {number(m.expected)}\n")
        return True
    why = f" — looks like {m.diagnosis}" if m.diagnosis else ""
    _say(f"✗ {'no answer' if m.missing else 'wrong'}: {problem.ask} = {number(m.expected)}{why}\n\n")
    if sys.stdout.isatty():
        render.show(solution, "rich")
    else:
        _say(render.text(solution, "plain") + "\n")
    return False


def _say(text: str) -> None:
    """To a terminal through rich (lines wrap at words, not mid-word); elsewhere as it is."""
    if sys.stdout.isatty():
        from rich.console import Console

        Console(highlight=False).print(text, markup=False, end="")
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
