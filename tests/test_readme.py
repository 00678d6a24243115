"""Every ```sh block of README.md runs as pasted.

Each block runs as one bash script in a fresh temporary directory (also its HOME, so that
`dlcalc --install-completion` writes there), with stdin closed and the `dlcalc` of this test's
Python environment first on PATH. A command is checked the moment it ends: it must exit 0,
or the code its trailing comment announces (`dlcalc grade … # exits 1`); otherwise the test
fails naming the README line, the command, its exit code and what it printed.
A command runs as bash sees it: continuation lines (`\\`) and heredocs (`cat > f <<'EOF'`)
are part of the command that opens them.

The two set-up blocks at the top are what `.ci/run` executes on a clean clone (a venv and a
pip install each): they are not run here. Their text is checked against what `.ci/run`
extracts from them, and only the `dlcalc …` example at the end of the first one runs.
"""
from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
CI_RUN = ROOT / ".ci" / "run"
BIN = Path(sys.executable).parent  # the environment's bin/ (not resolved: a venv's python is a symlink)
SETUP_BLOCKS = 2
TIMEOUT = 60  # seconds for one block; each takes one or two
MARK = "@@readme-line"


@dataclass
class Command:
    line: int  # README line where the command starts
    text: str  # as bash reads it: continuation lines and heredoc bodies included
    exit_code: int  # expected: 0, or N from a trailing `# … exits N …`
    head: str  # its own lines, heredoc bodies left out


def sh_blocks(text: str) -> list[tuple[int, list[tuple[int, str]]]]:
    """(line of the opening ```sh fence, [(line, text), …]) for every sh block, in order."""
    blocks, body, start = [], None, 0
    for number, line in enumerate(text.splitlines(), 1):
        if body is None:
            if line.strip() == "```sh":
                body, start = [], number
        elif line.strip().startswith("```"):
            blocks.append((start, body))
            body = None
        else:
            body.append((number, line))
    assert body is None, f"README.md:{start}: the sh block is never closed"
    return blocks


_HEREDOC = re.compile(r"<<(-?)\s*(['\"]?)([A-Za-z_]\w*)\2")
_EXITS = re.compile(r"\s#.*\bexits (\d+)\b")


def commands(lines: list[tuple[int, str]]) -> list[Command]:
    """Split a block into bash commands; blank lines and whole-line comments are not commands."""
    out, i = [], 0
    while i < len(lines):
        number, line = lines[i]
        i += 1
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        own = [line]  # the command's own lines (not heredoc bodies): where `# exits N` may stand
        while own[-1].endswith("\\") and i < len(lines):
            own.append(lines[i][1])
            i += 1
        parts = list(own)
        for dash, _, word in _HEREDOC.findall("\n".join(own)):
            while True:
                assert i < len(lines), f"README.md:{number}: the heredoc {word} is never closed"
                body = lines[i][1]
                i += 1
                parts.append(body)
                if (body.lstrip("\t") if dash else body) == word:
                    break
        codes = {int(m.group(1)) for m in map(_EXITS.search, own) if m}
        assert len(codes) <= 1, f"README.md:{number}: two different `exits N` comments"
        out.append(Command(number, "\n".join(parts), codes.pop() if codes else 0, "\n".join(own)))
    return out


def script(cmds: list[Command]) -> str:
    """One bash script: each command, then a check of its exit code that names its README line.
    Marks on stdout and stderr (on lines of their own) tell which command printed what."""
    lines = ["set -o pipefail"]  # `dlcalc … | jq …` fails when dlcalc does
    for c in cmds:
        mark = f"printf '\\n{MARK} {c.line}\\n'; printf '\\n{MARK} {c.line}\\n' >&2"
        lines += [mark, c.text, "__rc=$?",
                  f"if [ $__rc -ne {c.exit_code} ]; then printf '\\n{MARK} {c.line} exited %s\\n' $__rc >&2; exit 99; fi"]
    lines.append(f"printf '\\n{MARK} done\\n' >&2")
    return "\n".join(lines) + "\n"


def programs(cmds: list[Command]) -> set[str]:
    """The programs the commands start: the first word of each pipeline or list element."""
    found = set()
    for c in cmds:
        lexer = shlex.shlex(c.head.replace("\\\n", " "), posix=True, punctuation_chars=True)
        first = True
        for token in lexer:
            if token in ("|", "||", "&&", ";", "&"):
                first = True
            elif first:
                found.add(token)
                first = False
    return found


def missing_programs(cmds: list[Command]) -> list[str]:
    """Programs the block needs that are not installed (jq, say): the block is skipped, saying which."""
    path = f"{BIN}{os.pathsep}{os.environ['PATH']}"
    return sorted(p for p in programs(cmds) - {"cd", "export", "set"} if shutil.which(p, path=path) is None)


def run(cmds: list[Command], directory: Path) -> subprocess.CompletedProcess:
    assert (BIN / "dlcalc").exists(), f"no dlcalc next to {sys.executable}: install the package (pip install -e .)"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DLCALC_") and k != "COLUMNS"}
    env.update(PATH=f"{BIN}{os.pathsep}{env['PATH']}", HOME=str(directory))
    return subprocess.run(["bash", "-c", script(cmds)], cwd=directory, env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=TIMEOUT)


def printed(stream: str, line: int) -> str:
    """What the command of README line `line` printed on a stream: from its mark to the next one."""
    after = stream.split(f"\n{MARK} {line}\n", 1)[-1]
    return after.split(f"\n{MARK} ", 1)[0].strip()


def check(cmds: list[Command], result: subprocess.CompletedProcess) -> None:
    """Fail naming the README line of the first command that did not exit as announced."""
    failed = re.search(rf"^{MARK} (\d+) exited (\d+)$", result.stderr, re.M)
    if failed:
        line, code = int(failed.group(1)), failed.group(2)
        cmd = next(c for c in cmds if c.line == line)
        pytest.fail(f"README.md:{line}: `{cmd.head}` exited {code}, expected {cmd.exit_code}\n"
                    f"--- stdout (its start) ---\n{printed(result.stdout, line)[:1500]}\n"
                    f"--- stderr ---\n{printed(result.stderr, line)[-1500:]}",
                    pytrace=False)
    if result.returncode != 0 or not result.stderr.rstrip().endswith(f"{MARK} done"):
        pytest.fail(f"the block stopped early (bash exit {result.returncode})\n{result.stderr[-2000:]}", pytrace=False)


BLOCKS = sh_blocks(README.read_text(encoding="utf-8"))
SETUP_LINE = re.compile(r'python3 -m venv \.venv && \. \.venv/bin/activate && pip install (?P<what>\S+) && (?P<run>.+)')


def _setup(n: int) -> re.Match:
    start, body = BLOCKS[n]
    assert [t for _, t in body if t.strip()] == [body[0][1]], f"README.md:{start}: .ci/run runs only the first line"
    m = SETUP_LINE.fullmatch(body[0][1])
    assert m, f"README.md:{body[0][0]}: not `python3 -m venv .venv && . .venv/bin/activate && pip install … && …`"
    return m


def test_the_setup_blocks_are_what_ci_runs():
    # .ci/run's own extraction (its `block` function) gives the two lines this file reads
    block = next(line for line in CI_RUN.read_text().splitlines() if line.startswith("block() {"))
    for n in (1, 2):
        got = subprocess.run(["bash", "-c", f"{block}\nblock {n}"], cwd=ROOT, capture_output=True, text=True, check=True)
        assert got.stdout.rstrip("\n") == BLOCKS[n - 1][1][0][1]
    assert len(BLOCKS) > SETUP_BLOCKS, "README.md: no sh block besides the set-up ones"
    first, second = _setup(0), _setup(1)
    assert first["what"] == "." and first["run"].startswith("dlcalc ")  # the newcomer's install and a real example
    assert second["what"] == '".[dev]"' and second["run"] == "python -m pytest"  # test extras, then the whole suite
    assert re.search(r'^dev = \["dlcalc\[test\]"', (ROOT / "pyproject.toml").read_text(), re.M)


def test_the_first_setup_block_example_runs(tmp_path):
    start, body = BLOCKS[0]
    run_part = _setup(0)["run"]
    cmds = [Command(body[0][0], run_part, 0, run_part)]
    result = run(cmds, tmp_path)
    check(cmds, result)
    assert "0.5946" in result.stdout  # the README: "solves the cataract example of lecture 12 (… 0.5946)"


@pytest.fixture(scope="module")
def block_runs(tmp_path_factory):
    """Every block started at once on a worker per core (each dlcalc start-up is mostly CPU), so the
    file takes about the sum of the blocks' times divided by the cores; each test waits for its own."""
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        runs = {}
        for start, body in BLOCKS[SETUP_BLOCKS:]:
            try:
                cmds = commands(body)
            except AssertionError:
                continue  # the test reports it
            if cmds and not missing_programs(cmds):
                directory = tmp_path_factory.mktemp(f"line{start}")
                runs[start] = (pool.submit(run, cmds, directory), directory)
        yield runs


@pytest.mark.parametrize("start, body", BLOCKS[SETUP_BLOCKS:], ids=[f"line{s}" for s, _ in BLOCKS[SETUP_BLOCKS:]])
def test_sh_block_runs_as_pasted(start, body, block_runs):
    cmds = commands(body)
    assert cmds, f"README.md:{start}: an sh block without a command"
    if missing := missing_programs(cmds):
        pytest.skip(f"the block runs {', '.join(missing)}, which is not installed")
    future, directory = block_runs[start]
    check(cmds, future.result())
    if any("--install-completion" in c.head for c in cmds):  # it wrote to the block's HOME, not the user's
        assert any("_DLCALC_COMPLETE" in f.read_text(errors="replace") for f in directory.rglob("*") if f.is_file())


# the harness itself: a failing line fails, an announced exit code is held to


def test_a_failing_line_fails_and_names_its_line(tmp_path):
    cmds = commands([(10, "echo fine"), (11, "dlcalc ce -t 0 -y 2   # no exit comment"), (12, "echo never")])
    result = run(cmds, tmp_path)
    with pytest.raises(pytest.fail.Exception, match=r"README.md:11: `dlcalc ce -t 0 -y 2 .*` exited 2, expected 0"):
        check(cmds, result)
    assert "never" not in result.stdout


def test_an_announced_exit_code_is_required(tmp_path):
    right = commands([(20, "dlcalc ce -t 0 -y 2   # exits 2: a probability above 1")])
    check(right, run(right, tmp_path))
    wrong = commands([(21, "dlcalc ce -t 0 -y 0.5   # exits 2")])
    with pytest.raises(pytest.fail.Exception, match=r"README.md:21: .* exited 0, expected 2"):
        check(wrong, run(wrong, tmp_path))


def test_commands_follow_bash_continuations_and_heredocs():
    lines = list(enumerate(["# a comment", "cat > a.yaml <<'EOF'", "x: 1  # exits 5", "EOF",
                            "dlcalc neuron -w 1 \\", "  -b 0 -x 1   # exits 3", "", "echo done"], 1))
    got = commands(lines)
    assert [(c.line, c.exit_code) for c in got] == [(2, 0), (5, 3), (8, 0)]
    assert got[0].text == "cat > a.yaml <<'EOF'\nx: 1  # exits 5\nEOF"
    assert programs(got) == {"cat", "dlcalc", "echo"}
