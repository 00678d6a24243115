"""Collecting problems from files, globs and the bundled library."""
from __future__ import annotations

import glob
import os
from dataclasses import dataclass

from dlcalc.calc.errors import BadInput
from dlcalc.problems import library
from dlcalc.problems.loader import Problem, Unchecked, load_path


def expand(paths: list[str]) -> list[str]:
    """Files and globs (quoted globs are expanded here, so they work in any shell)."""
    out: list[str] = []
    for p in paths:
        if any(ch in p for ch in "*?["):
            matched = sorted(glob.glob(p, recursive=True))
            if not matched:
                raise BadInput("no file matches this pattern", p)
            out += matched
        else:
            out.append(p)
    return out


@dataclass
class FileError:
    """A file that could not be read or parsed as a whole: one entry in the batch, naming the file."""

    file: str
    error: BadInput


def collect(paths: list[str], examples: list[str], checked: bool = True) -> list[Problem | Unchecked | FileError]:
    """Every problem of every file (a file that cannot be read becomes one error entry), then examples;
    `checked=False`: the files' problems are left Unchecked (see loader.Unchecked)."""
    items: list[Problem | Unchecked | FileError] = []
    for path in expand(paths):
        try:
            items += load_path(path, checked=checked)
        except BadInput as e:
            bundled = not os.path.exists(path) and path in library.problems()
            items.append(FileError(path, BadInput(f"no such file; a bundled example has this id: solve it with "
                                                  f"--example {path}", path) if bundled else e))
    items += [library.example(pid) for pid in examples]
    return items
