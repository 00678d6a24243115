"""The `dlcalc` command: a Typer app whose subcommands live in `cli/commands/`, one module each."""
from __future__ import annotations

import errno
import importlib
import io
import os
import re
import sys
from typing import Optional

import typer

from dlcalc.calc.errors import BadInput


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"dlcalc {version('dlcalc')}")
        raise typer.Exit()


def _root(version: Optional[bool] = typer.Option(None, "--version", "-V", callback=_version, is_eager=True,
                                                  help="Show the version and exit.")) -> None:
    """Worked, step-by-step solutions to deep-learning homework and exam problems."""


def new_app() -> typer.Typer:
    app = typer.Typer(
        name="dlcalc",
        help="Worked, step-by-step solutions to deep-learning homework and exam problems.",
        no_args_is_help=True,
        add_completion=True,
        pretty_exceptions_enable=False,
        rich_markup_mode="rich",
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    app.callback()(_root)
    return app


FILES_PANEL = "Problem files and grading"  # the commands of cli/commands/batch.py and grade.py
EXAM_PANEL = "Exams and practice"
PANELS = {"variants": EXAM_PANEL, "export": EXAM_PANEL, "practice": EXAM_PANEL}  # the rest: FILES_PANEL


_FOLDER = os.path.join(os.path.dirname(__file__), "commands")
_COMMANDS = re.compile(r"^COMMANDS = \(([^)]*)\)", re.M)


def _module_names() -> list[str]:
    """The modules of cli/commands/, one per command written by hand (a directory listing: pkgutil
    costs start-up time)."""
    return sorted(f[:-3] for f in os.listdir(_FOLDER) if f.endswith(".py") and not f.startswith("_"))


def declared_commands(name: str) -> tuple[str, ...]:
    """A module's COMMANDS read off its text, so that running one command imports one module (all
    eleven cost a quick command 3 ms). A test checks this against the imported modules."""
    with open(os.path.join(_FOLDER, f"{name}.py"), encoding="utf-8") as source:
        found = _COMMANDS.search(source.read())
    return tuple(re.findall(r"[\"']([\w-]+)[\"']", found.group(1))) if found else ()


def _register(app: typer.Typer, name: str) -> None:
    importlib.import_module(f"dlcalc.cli.commands.{name}").register(app)


def _hand_written(app: typer.Typer, command: str | None = None) -> None:
    """The commands with a positional of their own, and the problem-file commands: all of them, or
    the module that declares `command`."""
    for name in _module_names():
        if command is None or command in declared_commands(name):
            _register(app, name)


def _add_kind(app: typer.Typer, command: str) -> None:
    """A kind's command, generated from its declaration unless a module above wrote it."""
    from dlcalc.cli import options
    from dlcalc.problems import registry

    kind = registry.by_command(command)
    if kind is not None and all(c.name != command for c in app.registered_commands):
        options.register(app, kind)


def full_app() -> typer.Typer:
    """Every command, built, in the panels and order the kinds declare (the file commands last)."""
    from dlcalc.problems import registry

    app = new_app()
    _hand_written(app)
    for command in registry.command_index():
        _add_kind(app, command)
    return _placed(app)


def listing_app() -> typer.Typer:
    """`dlcalc --help`: each kind's command as a name and a summary from the index, without importing
    the kinds or building their options (that is for `dlcalc COMMAND --help`)."""
    from dlcalc.problems import registry

    app = new_app()
    index = registry.command_index()
    for name in _module_names():
        if not any(c in index for c in declared_commands(name)):  # a kind's own module is listed from the index
            _register(app, name)
    for entry in index.values():
        app.command(entry.command, help=entry.summary)(lambda: None)
    return _placed(app)


def _placed(app: typer.Typer) -> typer.Typer:
    from dlcalc.problems import registry

    index = registry.command_index()
    for c in app.registered_commands:
        c.rich_help_panel = index[c.name].panel if c.name in index else PANELS.get(c.name, FILES_PANEL)
    exams = list(PANELS)  # in a workflow's order: write the variants, export them, practise
    app.registered_commands.sort(key=lambda c: (0, index[c.name].rank) if c.name in index else
                                 (2, exams.index(c.name)) if c.name in exams else (1, 0))
    return app


def _negative_argument(e: Exception, args: list[str]) -> bool:
    """Whether the unknown option is really an argument that starts with a minus: `-w1^2 - w2^2`, `-3`."""
    name = getattr(e, "option_name", "") or ""
    given = next((a for a in args if a.startswith(name)), "") if name else ""
    return bool(re.match(r"-[\w.(]+(?:[\s^*+/()-]|$)", given)) and not re.fullmatch(r"-[A-Za-z]", given)


def _fail(message: str, code: int = 2) -> int:
    sys.stderr.write(f"dlcalc: error: {' '.join(message.split())}\n")
    return code


def _only_the_command_run(args: list[str]) -> typer.Typer:
    """The app with just the subcommand being run: Typer converts every command's signature on each
    start, and finding every kind imports them all, which costs a quick command more than its own work."""
    name = next((a for a in args if not a.startswith("-")), None)
    if os.environ.get("_DLCALC_COMPLETE") or any(a in ("--install-completion", "--show-completion") for a in args):
        return full_app()  # completion of options needs every command built
    if name is None:
        return listing_app()  # dlcalc --help
    app = new_app()
    _hand_written(app, name)
    _add_kind(app, name)
    chosen = [c for c in app.registered_commands if c.name == name]
    if not chosen:
        return listing_app()  # a typo: every name, for the suggestion
    app.registered_commands = chosen
    return app


def _top_help() -> int:
    from dlcalc.cli import listing

    listing.print_help(typer.main.get_command(listing_app()))
    return 0


def main(argv: list[str] | None = None) -> None:
    """Run the app; bad input becomes one line on stderr and exit code 2, never a traceback
    (a bug in dlcalc itself: one line and exit code 3)."""
    args = list(sys.argv[1:] if argv is None else argv)
    _closed_streams()
    try:
        if args in ([], ["--help"], ["-h"]):
            code = _top_help()
        else:
            result = _only_the_command_run(args)(args=args, prog_name="dlcalc", standalone_mode=False)
            code = result if isinstance(result, int) else 0
    except BadInput as e:
        code = _fail(str(e))
    except typer.TyperException as e:  # click's usage errors: unknown option, bad choice, …
        ctx = getattr(e, "ctx", None)
        if type(e).__name__ == "NoArgsIsHelpError":
            code = 0  # the help has been printed
        else:
            hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
            message = e.format_message()
            if message.startswith("No such option: -p"):  # `-p 1` meant as padding would silently set the precision
                message += "; the padding is -P (--padding), the decimals shown --precision"
            elif message.startswith("No such option: -") and _negative_argument(e, args):
                message += "; an expression or a number that starts with a minus: give it with --expr, or last after --"
            if message.startswith("Got unexpected extra argument"):
                after = args[args.index("--") + 1:] if "--" in args else []
                if any(a.startswith("-") and a != "-" for a in after[1:]):  # -- "-w^2" --at …: options after --
                    message += "; everything after -- is an argument: put the options before --"
                else:  # -t 0 1 2: the shell split a matrix
                    message += "; a matrix with spaces is one argument: quote it, e.g. -t \"0 1 2\""
            code = _fail(message + hint, getattr(e, "exit_code", 2) or 2)
    except typer.Abort:
        code = _fail("aborted", 130)
    except KeyboardInterrupt:
        code = _fail("interrupted", 130)
    except BrokenPipeError:
        code = 0
    except OSError as e:  # writing to stdout failed: a full disk behind `> file`
        code = _fail(f"cannot write the output: {e.strerror or e}", 2) if _is_stdout(e) else _internal(e)
    except Exception as e:  # a bug in dlcalc: one line and exit 3, not a traceback (unless asked for)
        code = _internal(e)
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        pass
    except OSError as e:
        code = _fail(f"cannot write the output: {e.strerror or e}", 2)
    sys.exit(code)


class _Closed(io.TextIOBase):
    """Standard output closed by the shell (`>&-`, which leaves sys.stdout None): a write fails as a
    write to a closed descriptor does, and what goes to -o FILE is written all the same."""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, "standard output is closed")

    def isatty(self) -> bool:
        return False


def _closed_streams() -> None:
    if sys.stdout is None:
        sys.stdout = _Closed()
    if sys.stderr is None:  # nowhere to say anything: the exit code still tells
        sys.stderr = open(os.devnull, "w", encoding="utf-8")


def _is_stdout(e: OSError) -> bool:
    """An OSError from writing to stdout (ENOSPC, EIO…), not from opening a file of the user's."""
    return getattr(e, "filename", None) is None and e.errno in (errno.ENOSPC, errno.EIO, errno.EFBIG, errno.EDQUOT,
                                                                errno.EBADF)


def _internal(e: Exception) -> int:
    if os.environ.get("DLCALC_DEBUG"):
        raise e
    return _fail(f"internal error ({type(e).__name__}: {e}); please report it with the command you ran "
                 "(DLCALC_DEBUG=1 shows the traceback)", 3)


if __name__ == "__main__":
    main()
