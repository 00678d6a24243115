"""`dlcalc solve`, `dlcalc check`, `dlcalc examples`, `dlcalc schema`: problem files in bulk."""
from __future__ import annotations

import copy
import sys
from contextlib import contextmanager
from typing import Annotated, Optional

import typer

from dlcalc.calc.errors import BadInput
from dlcalc.cli.common import AnswerOnlyOpt, FormatOpt, FullOpt, Output, PrecisionOpt, StandaloneOpt, output

PROGRESS_AFTER = 5  # problems; more than this on a terminal shows a progress bar
COMMANDS = ("solve", "check", "examples", "schema")


def register(app: typer.Typer) -> None:
    @app.command("solve")
    def solve(
        files: Annotated[Optional[list[str]], typer.Argument(help="Problem files or globs ('hw/*.yaml').",
                                                             show_default=False)] = None,
        example: Annotated[Optional[list[str]], typer.Option("--example", "-e", help="A bundled example by id (repeatable).",
                                                             show_default=False)] = None,
        jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, help="Solve in this many processes.")] = 1,
        fmt: FormatOpt = None, precision: PrecisionOpt = 4, answer_only: AnswerOnlyOpt = False,
        standalone: StandaloneOpt = False, full: FullOpt = False,
    ) -> int:
        """Solve problem files and problem sets (JSON Lines with --format json; one LaTeX document with --standalone)."""
        out = output(fmt, precision, answer_only, standalone, full)
        with _fewer_collections():
            return _solve_files(files or [], example or [], jobs, full, out)

    @app.command("check")
    def check(
        file: Annotated[str, typer.Argument(help="A problem file or problem set, or a bundled example's id.", metavar="FILE")],
        answer: Annotated[list[str], typer.Option("--answer", "-a", help="ID=VALUE (VALUE alone for a one-problem file); "
                                                  "ID.key=VALUE checks another answer key.")],
        rtol: Annotated[float, typer.Option("--rtol", min=0, help="Relative tolerance.")] = 1e-3,
        atol: Annotated[float, typer.Option("--atol", min=0, help="Absolute tolerance.")] = 1e-4,
        student: Annotated[Optional[str], typer.Option(help="Your student id, for a key that draws each student's "
                                                             "numbers (see dlcalc variants).", metavar="ID",
                                                       show_default=False)] = None,
        seed: Annotated[Optional[str], typer.Option(help="The seed of such a key (default: its `seed:`).",
                                                    metavar="TEXT", show_default=False)] = None,
        fmt: FormatOpt = None, precision: PrecisionOpt = 4,
    ) -> int:
        """Check your answers: correct or not, with the worked solution when not."""
        return _check(file, answer, rtol, atol, fmt.value if fmt else None, precision, student, seed)

    @app.command("examples")
    def examples(
        only: Annotated[Optional[str], typer.Argument(help="Only this kind (e.g. cross_entropy) or command (ce).",
                                                      metavar="KIND", show_default=False)] = None,
        kind: Annotated[Optional[str], typer.Option("--kind", "-k", help="The same as KIND.", show_default=False)] = None,
        show: Annotated[Optional[str], typer.Option("--show", metavar="ID", show_default=False,
                                                    help="Print this example as YAML, a template to copy.")] = None,
        fmt: FormatOpt = None,
    ) -> None:
        """List the bundled course examples and homework (solve one with 'dlcalc solve --example ID')."""
        from dlcalc.problems import library, registry

        if show is not None:
            sys.stdout.write(_example_yaml(library.example(show)))
            return
        wanted = only or kind
        if wanted is not None:
            found = registry.by_command(wanted)
            wanted = found.name if found is not None else registry.kind(wanted, "--kind" if kind else "KIND").name
        problems = [p for p in library.problems().values() if wanted is None or (p.kind and p.kind.name == wanted)]
        fmt_name = (fmt.value if fmt else None) or _default_format()
        if fmt_name == "json":
            for p in problems:
                _json_line({"id": p.id, "kind": p.kind.name if p.kind else None, "source": p.meta.get("source", ""),
                            "title": p.meta.get("title", ""), "note": p.meta.get("note", "")})
            return
        _example_lines(problems, fmt_name)

    @app.command("schema")
    def schema(kind: Annotated[Optional[str], typer.Option("--kind", "-k", help="Only this kind's schema.",
                                                           show_default=False)] = None) -> None:
        """Print the JSON Schema of problem files (for editors' autocompletion and validation)."""
        import json

        from dlcalc.problems import jsonschema

        sys.stdout.write(json.dumps(jsonschema.schema(kind), indent=2, ensure_ascii=False) + "\n")


def _solve_files(files: list[str], example: list[str], jobs: int, full: bool, out: Output) -> int:
    from dlcalc.problems import problemset

    pool = _pool(jobs)
    try:
        # with workers, each checks its share of the problems: checking them here too would double the work
        items = problemset.collect(files, example, checked=pool is None)
        if not items:
            raise BadInput("give problem files or --example ID", "solve")
        if full:
            items = [_written_out(it) for it in items]
        return _solve_all(items, pool, out)
    except BaseException:
        if pool is not None:  # a file that cannot be read: say so now, not after the workers have warmed up
            for process in list(getattr(pool, "_processes", {}).values()):
                process.kill()
            pool.shutdown(wait=False, cancel_futures=True)
        raise
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)


def _solve_all(items: list, pool, out: Output) -> int:
    """Solve and print every item in order; --standalone gathers the LaTeX into one document, a section
    per problem, printed at the end."""
    from dlcalc.cli import render
    from dlcalc.problems.loader import Problem, Unchecked

    fmt = out.fmt or render.default_format()
    document: list[str] | None = [] if out.standalone else None
    failed = 0
    for item, (kind, payload, warnings) in _results(items, pool, fmt, out.precision, out.answer_only, out.full):
        if kind == "error":
            failed += 1
            pid = item.id if isinstance(item, (Problem, Unchecked)) else None
            sys.stderr.write(f"dlcalc: error: {payload}" + (f" (problem {pid})" if pid else "") + "\n")
            if fmt == "json":
                _json_line({"id": pid, "file": getattr(item, "file", None), "error": payload})
            continue
        for w in warnings:  # the answer alone must not hide why it is inf or nan
            sys.stderr.write(f"dlcalc: warning: {w}\n")
        if document is not None:
            document += ([_latex_header(item.id, item.file)] if len(items) > 1 else []) + [payload]
            continue
        if fmt != "json" and len(items) > 1:
            _header(item.id, item.file, fmt)
        if kind == "solution":
            render.show(payload, fmt, out.precision, out.answer_only, full=out.full)
        else:
            sys.stdout.write(payload + "\n")
    if document:  # nothing solved: no document either (the errors are said)
        from dlcalc.cli.render import latex

        sys.stdout.write(latex.document("\n".join(document)) + "\n")
    return 2 if failed else 0


def _written_out(item):
    """--full: a problem whose kind writes out only some windows (conv, pool, cnn: `full`) writes out all,
    as the command's own --full does."""
    from dlcalc.problems.loader import Problem

    if isinstance(item, Problem) and item.error is None and item.kind is not None and item.kind.field_named("full"):
        item = copy.copy(item)  # the library's problems are shared: not changed in place
        item.replace({"full": True}, dict(item.options))  # not named as given: a way of showing, not an input
    return item


def rendered(problem, sol, fmt: str, precision: int, answer_only: bool, full: bool = False) -> tuple[str, object, list[str]]:
    """What is printed for one solved problem: its JSON line or text, made where it was solved (a worker
    renders too, so --jobs parallelises the rendering, not only the solving); rich is drawn by the caller."""
    from dlcalc.cli import render

    if fmt == "rich":
        return "solution", sol, []
    if fmt == "json":
        from dlcalc.cli.render import jsonout
        from dlcalc.cli.render.numbers import formatter

        return "text", jsonout.encoded({"id": problem.id, "file": problem.file,
                                      **jsonout.solution_dict(sol, formatter(precision))}), []
    return "text", render.text(sol, fmt, precision, answer_only, full=full), list(sol.warnings) if answer_only else []


def _solve_and_render(item, fmt: str, precision: int, answer_only: bool, full: bool = False) -> tuple[str, object, list[str]]:
    from dlcalc.problems.loader import Unchecked
    from dlcalc.problems.problemset import FileError

    if isinstance(item, FileError):
        return "error", str(item.error), []
    if isinstance(item, Unchecked):
        item = _written_out(item.check()) if full else item.check()
    try:
        return rendered(item, item.solve(), fmt, precision, answer_only, full)
    except BadInput as e:
        return "error", str(e), []


CHUNK = 8  # problems a worker is given at a time: one message each way per chunk, not per problem


def _warm() -> None:
    """A worker's first act, while the parent still reads the files: import what solving needs (sympy alone
    takes ~0.5 s), so that the import overlaps the reading instead of following it."""
    import sympy  # noqa: F401

    from dlcalc.problems import registry

    registry.kinds()
    _collect_less()  # for the worker's life


def _collect_less() -> None:
    """Solving allocates millions of short-lived objects (sympy's above all), which reference counting frees;
    the cyclic collector's default pass every 700 allocations costs some 5–10 % of the time. What is imported
    by now stays (frozen: not scanned again), and a pass every 50,000 still bounds what cycles can hold."""
    import gc

    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


@contextmanager
def _fewer_collections():
    """_collect_less() while solving, the settings before restored after (the command may run inside a
    notebook or a test)."""
    import gc

    before = gc.get_threshold()
    _collect_less()
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()


def _recipe(p) -> tuple:
    """What a worker needs to rebuild a problem as the file gave it (a Problem's kind holds functions)."""
    from dlcalc.problems.loader import Unchecked

    if isinstance(p, Unchecked):
        return p.recipe()
    inherited = {k: p.meta[k] for k in ("rtol", "atol") if k in p.meta and k not in p.raw}
    return p.raw, p.file, p.line, p.id, inherited | ({"seed": p.seed} if p.seed is not None else {})


def solve_recipes(recipes: list[tuple], fmt: str, precision: int, answer_only: bool,
                  full: bool = False) -> list[tuple[str, object, list[str]]]:
    """A worker's chunk: each problem rebuilt, checked, solved and rendered (the rendering is work too)."""
    from dlcalc.problems.loader import rebuild

    out = []
    for recipe in recipes:
        problem = rebuild(*recipe)
        out.append(_solve_and_render(_written_out(problem) if full else problem, fmt, precision, answer_only, full))
    return out


def _pool(jobs: int):
    """Worker processes started before the files are read, warming up meanwhile: jobs − 1 of them, as this
    process solves too (None for one job)."""
    import os

    jobs = min(jobs, os.cpu_count() or 1)  # more processes than cores only wait for each other
    if jobs <= 1:
        return None
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(max_workers=jobs - 1, initializer=_warm)
    pool.size = jobs - 1  # type: ignore[attr-defined]
    for _ in range(jobs - 1):
        pool.submit(int)  # start every worker now: the pool would otherwise start them on demand
    return pool


def _results(items: list, pool, fmt: str, precision: int, answer_only: bool, full: bool = False):
    """(item, (kind, payload, warnings)) in input order, shared with a pool's workers when there is one, with
    a progress bar on a terminal."""
    show_bar = sys.stderr.isatty() and len(items) > PROGRESS_AFTER
    args = (fmt, precision, answer_only, full)
    if pool is not None and len(items) > 1:
        results = _shared(items, pool, args)
    else:
        results = (_solve_and_render(it, *args) for it in items)
    yield from zip(items, _progress(results, len(items), show_bar))


def _shared(items: list, pool, args: tuple):
    """Every item's result in input order, the work shared between this process and the workers.

    Problems of a symbolic kind go to the workers, which imported sympy while the file was read (so this
    process never imports it). This process solves the rest from the front, and whenever the workers run
    short of work it gives them a chunk from the back; the two meet in the middle."""
    from concurrent.futures import FIRST_COMPLETED, wait

    workers = pool.size
    done: dict[int, tuple] = {}
    futures: dict = {}  # future → the indices of its chunk

    def give(chunk: list[int]) -> None:
        futures[pool.submit(solve_recipes, [_recipe(items[i]) for i in chunk], *args)] = chunk

    def collect(block: bool) -> None:
        finished = wait(futures, return_when=FIRST_COMPLETED)[0] if block else [f for f in futures if f.done()]
        for f in finished:
            done.update(zip(futures.pop(f), f.result()))

    symbolic = [i for i, it in enumerate(items) if _symbolic(it)]
    for k in range(0, len(symbolic), CHUNK):
        give(symbolic[k:k + CHUNK])
    taken = set(symbolic)
    rest = [i for i in range(len(items)) if i not in taken]
    front, back, shown = 0, len(rest), 0
    while shown < len(items):
        if front < back:
            if len(futures) < 2 * workers:  # one chunk in hand and one waiting, for each worker
                low, chunk = max(front, back - CHUNK), []
                for i in rest[low:back]:
                    if _sendable(items[i]):
                        chunk.append(i)
                    else:  # a file that could not be read: its error needs no worker
                        done[i] = _solve_and_render(items[i], *args)
                back = low
                if chunk:
                    give(chunk)
            else:
                i = rest[front]
                done[i] = _solve_and_render(items[i], *args)
                front += 1
            collect(block=False)
        else:
            collect(block=shown not in done)
        while shown in done:
            yield done.pop(shown)
            shown += 1


def _sendable(item) -> bool:
    from dlcalc.problems.loader import Problem, Unchecked

    return isinstance(item, Unchecked) or (isinstance(item, Problem) and item.error is None)


def _symbolic(item) -> bool:
    """Is the item a problem of a kind declared symbolic (one a worker should solve)?"""
    from dlcalc.problems import registry
    from dlcalc.problems.loader import Problem, Unchecked

    if isinstance(item, Problem):
        return item.error is None and item.kind is not None and item.kind.symbolic
    if isinstance(item, Unchecked) and isinstance(item.raw, dict):
        kind = registry.kinds().get(str(item.raw.get("kind", item.default_kind)))
        return kind is not None and kind.symbolic
    return False


def _progress(results, total: int, show: bool):
    if not show:
        yield from results
        return
    from rich.console import Console
    from rich.progress import Progress

    # redirect_stdout=False: rich would otherwise send what the solutions print to the terminal, not to `> file`
    with Progress(console=Console(stderr=True), transient=True, redirect_stdout=False, redirect_stderr=False) as bar:
        task = bar.add_task("solving", total=total)
        for r in results:
            yield r
            bar.advance(task)


def _header(pid: str, file: str, fmt: str) -> None:
    if fmt == "rich":
        from rich.console import Console

        Console().rule(f"[bold magenta]{pid}[/]  [dim]{file}[/]", align="left")
    elif fmt == "markdown":
        sys.stdout.write(f"\n# {pid}\n\n")
    elif fmt == "latex":
        sys.stdout.write(_latex_header(pid, file) + "\n")
    else:
        sys.stdout.write(f"\n━━ {pid}  ({file})\n")


def _json_line(obj: dict) -> None:
    from dlcalc.cli.render.jsonout import dumps

    sys.stdout.write(dumps(obj) + "\n")


def _default_format() -> str:
    from dlcalc.cli import render

    return render.default_format()


def _example_lines(problems: list, fmt: str) -> None:
    """A heading per kind, then `id  title`: ids whole (they are typed), titles cut to the width; † marks an
    example whose source has an erratum or made-up numbers (its note says which)."""
    import shutil

    width = shutil.get_terminal_size((80, 24)).columns if fmt == "rich" else 80
    by_kind: dict[str, list] = {}
    for p in problems:
        by_kind.setdefault(p.kind.name if p.kind else "?", []).append(p)
    idw = max((len(p.id) for p in problems), default=2)
    out = []
    for name, group in by_kind.items():
        out.append(f"{name}:")
        for p in group:
            mark = " †" if p.meta.get("note") else ""
            room = max(width - idw - 6 - len(mark), 10)
            title = " ".join(str(p.meta.get("title", "")).split())
            title = title if len(title) <= room else title[: room - 1] + "…"
            out.append(f"  {p.id:<{idw}}  {title}{mark}")
    out += ["", f"{len(problems)} examples; † the source has an erratum or made-up numbers (the note, shown",
            "in the solution, says which). Solve one: dlcalc solve --example ID",
            "Its YAML, to copy and change: dlcalc examples --show ID"]
    sys.stdout.write("\n".join(out) + "\n")


def _example_yaml(problem) -> str:
    """The example as a problem file of its own: its fields in the order the file gives them."""
    from pathlib import Path

    import yaml

    from dlcalc.cli.render.jsonout import python_value  # the loader's line-keeping mappings as plain ones

    doc = {"kind": problem.kind.name, **{k: python_value(v) for k, v in problem.raw.items() if k != "kind"}}
    head = f"# {problem.id}, from the bundled {Path(problem.file).name}\n"
    return head + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100, default_flow_style=None)


def _print_rows(headers: list[str], rows: list[tuple], fmt: str | None) -> None:
    from dlcalc.cli import render

    fmt = fmt or render.default_format()
    if fmt == "json":
        for r in rows:
            _json_line(dict(zip(headers, r)))
    elif fmt == "rich":
        from rich.console import Console
        from rich.table import Table

        table = Table(*headers, header_style="bold cyan")
        for r in rows:
            table.add_row(*r)
        Console().print(table)
    else:
        from dlcalc.calc.solution import Table
        from dlcalc.cli.render.layout import table_text

        sys.stdout.write("\n".join(table_text(Table(headers, [list(r) for r in rows]), str)) + "\n")


def _check(file: str, answers: list[str], rtol: float, atol: float, fmt: str | None, precision: int,
           student: str | None = None, seed: str | None = None) -> int:
    from dlcalc.calc.errors import closest
    from dlcalc.calc.grading import Tolerance
    from dlcalc.cli import render
    from dlcalc.cli.render.numbers import number
    from dlcalc.problems import grading, library
    from dlcalc.problems.loader import load_path

    is_example = not file.endswith((".yaml", ".yml")) and file in library.problems()
    problems = {p.id: p for p in ([library.example(file)] if is_example else load_path(file))}
    specs = [_answer_spec(spec, problems) for spec in answers]
    asked = [problems[pid] for pid in dict.fromkeys(pid for pid, _, _ in specs)]
    key = _own_key(asked, Tolerance(rtol, atol), student, seed)
    fmt = fmt or render.default_format()
    results = []
    for pid, ask, text in specs:
        ask = ask or key[pid].problem.ask
        if ask not in key[pid].answer:
            raise BadInput(f"problem {pid} has no answer '{ask}' (answers: {', '.join(key[pid].answer)})"
                           f"{closest(ask, key[pid].answer)}", "--answer")
        item = key[pid]
        if ask != item.problem.ask:
            item = grading.KeyItem(_asking(item.problem, ask), item.answer, item.tol)
        results.append((pid, ask, text.strip(), item, grading.mark(item, text)))
    if fmt == "json":
        _json_line({"results": [{"id": pid, "ask": ask, "correct": m.correct, "expected": m.expected, "given": m.given,
                                 "diagnosis": m.diagnosis} for pid, ask, _, _, m in results]})
    else:
        for pid, ask, text, item, m in results:
            if m.correct:
                _say(fmt, f"✓ {pid}.{ask} = {text} is correct", "green")
                continue
            why = f" — looks like: {m.diagnosis}" if m.diagnosis else ""
            _say(fmt, f"✗ {pid}.{ask} = {text} is not correct (expected {number(m.expected, precision)}){why}", "red")
            render.show(item.problem.solve(), fmt, precision, False)
    return 0 if all(m.correct for *_, m in results) else 1


def _own_key(problems: list, tol, student: str | None, seed: str | None) -> dict:
    """The key items to check against: a problem that draws its numbers is the student's own variant with
    --student, else the sample variant, said on stderr (checking against other numbers says nothing)."""
    from dlcalc.problems import grading
    from dlcalc.problems.variants import SAMPLE, seed_of

    drawing = [p.id for p in problems if p.generators]
    if seed is not None and (student is None or not drawing):
        raise BadInput("a seed draws a student's numbers: give it with --student ID, for a key that draws them", "--seed")
    if drawing and student is None:
        sys.stderr.write(f"dlcalc: warning: {', '.join(drawing)} draw{'s' * (len(drawing) == 1)} each student's numbers: "
                         f"checked against the variant of '{SAMPLE}'; give --student ID to check yours\n")
    chosen = seed_of(problems, seed) if drawing and student is not None else None
    key = grading.build_key(problems, tol, seed=chosen)
    for pid, item in key.items():
        if isinstance(item, grading.VariantItem):
            key[pid] = item = item.for_student(student)
            if item.error is not None:
                raise BadInput(item.error, f"problem {pid}")
    return key


def _asking(problem, ask: str):
    """The same problem, graded on another answer key."""
    import copy

    p = copy.copy(problem)
    p.meta = {**problem.meta, "ask": ask}
    return p


def _answer_spec(spec: str, problems: dict) -> tuple[str, str, str]:
    """`ID=VALUE`, `ID.key=VALUE`, `key=VALUE` or `VALUE` (the last two for a one-problem file, where
    `u = (2, 2)` naming neither a problem nor an answer is a VALUE too)."""
    from dlcalc.calc.errors import closest

    head, sep, value = spec.partition("=")
    only = next(iter(problems)) if len(problems) == 1 else None
    if not sep:
        if only is None:
            raise BadInput(f"'{spec}': write ID=VALUE (the file has {len(problems)} problems: {', '.join(problems)})",
                           "--answer")
        return only, "", spec
    head = head.strip()
    pid, _, ask = (head, "", "") if head in problems else head.rpartition(".") if "." in head else (head, "", "")
    if pid not in problems and not ask and only is not None and _is_answer_name(problems[only], pid):
        pid, ask = only, pid  # `--answer loss=0.5` on a one-problem file
    elif pid not in problems and only is not None:
        return only, "", spec  # `--answer "u = (2, 2)"`: a named value, the one problem's answer
    if pid not in problems:
        raise BadInput(f"no problem '{pid}' in the file{closest(pid, problems)}", "--answer")
    return pid, ask, value


def _is_answer_name(problem, name: str) -> bool:
    """A declared answer key, or (solving to find out) an extra one the solution reports."""
    if problem.kind is None:
        return False
    return name in problem.kind.answer_keys or (problem.error is None and name in problem.solve().answer)


def _say(fmt: str, message: str, colour: str) -> None:
    if fmt == "rich":
        from rich.console import Console

        Console().print(f"[bold {colour}]{message}[/]", highlight=False)
    else:
        sys.stdout.write(message + "\n")


def _latex_header(pid: str, file: str) -> str:
    return f"\n% ── {pid} ({file})"
