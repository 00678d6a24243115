"""Problem files: one problem (a mapping with `kind`) or a set (`problems:` list), validated per problem.

A problem that fails validation keeps its error, so a batch reports it and goes on.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dlcalc.calc.errors import BadInput, closest
from dlcalc.calc.solution import Solution, Step
from dlcalc.problems import generators, registry, yamlfile
from dlcalc.problems.schema import COMMON, Kind, as_number, as_str, check_keys

SET_KEYS = ("title", "problems", "source", "note", "rtol", "atol", "seed")
TEXT_KEYS = ("id", "title", "source", "note")


@dataclass
class Problem:
    """One problem of a file: its kind and converted params, or the error that stopped them."""

    id: str
    file: str
    line: int
    raw: Any
    kind: Kind | None = None
    params: dict | None = None
    meta: dict = field(default_factory=dict)
    error: BadInput | None = None
    options: dict = field(default_factory=dict)  # field → command-line option that replaced it
    generators: dict = field(default_factory=dict)  # field path → Generator: a key problem whose numbers are drawn
    seed: str | None = None                          # the set's `seed:`, for drawing them
    drawn: dict = field(default_factory=dict, repr=False)  # (seed, student) → its Variant, drawn once

    @property
    def points(self) -> float:
        return float(self.meta.get("points", 1))

    @property
    def ask(self) -> str:
        return str(self.meta.get("ask") or (self.kind.primary if self.kind else ""))

    def where(self, path: str, line: int = 0) -> str:
        """`file:line: path`, finding the line of a dotted/indexed path in the YAML when not given;
        a field replaced on the command line is named by its option instead."""
        top = re.split(r"[.\[]", path, maxsplit=1)[0]
        if top in self.options:
            return self.options[top]
        if not self.file:  # fields given in Python: the field path is the whole location
            return path
        return f"{self.file}:{line or locate(self.raw, path) or self.line}: {path}" if path else f"{self.file}:{self.line}"

    def replace(self, values: dict, options: dict[str, str]) -> None:
        """Replace fields with values given elsewhere (command-line options, named in `options`), checked
        as the file's own values are, cross-field checks included."""
        if self.error is not None or self.kind is None:
            return
        unknown = [k for k in values if self.kind.field_named(k) is None]
        assert not unknown, unknown
        self.options = options
        try:
            self.params = self.kind.params({**self.raw, **values}, self.where)
        except BadInput as e:
            self.error = e

    def with_values(self, values: dict[str, Any]) -> Problem:
        """This problem with its generators replaced by drawn values, converted and checked as a file's are."""
        raw = generators.substituted(self.raw, values)
        p = Problem(self.id, self.file, self.line, raw, self.kind, meta=self.meta, options=self.options)
        try:
            p.params = self.kind.params(raw, p.where)
        except BadInput as e:
            p.error = e
        return p

    def solve(self) -> Solution:
        if self.error is not None:
            raise self.error
        if self.generators:
            from dlcalc.problems import variants

            return variants.sample(self).solution
        assert self.kind is not None and self.params is not None
        try:
            sol = self.kind.solve(self.params, given=[k for k in self.params if k in self.raw or k in self.options])
        except BadInput as e:
            raise BadInput(e.message, self.where(e.where, e.line)) from None
        sol.title = self.meta.get("title") or sol.title
        note = " ".join(str(self.meta.get("note") or "").split())
        if note:  # said where the student reads: after the conventions, before the work
            sol.note = note
            at = next((i + 1 for i, s in enumerate(sol.steps) if s.role == "conventions"), 0)
            sol.steps.insert(at, Step("Note on the source", prose=[note], role="note"))
        return sol


def locate(raw: Any, path: str) -> int:
    """Line of `layers[1].kernel` inside a loaded YAML mapping (0 when unknown)."""
    line, node = 0, raw
    for name, index in re.findall(r"([A-Za-z_]\w*)|\[(\d+)\]", path):
        key: Any = name if name else int(index)
        try:
            line = yamlfile.line_of(node, key) or line
            node = node[key]
        except (KeyError, IndexError, TypeError):
            break
    return line


def load_path(path: str | Path, default_kind: str | None = None, checked: bool = True) -> list:
    """The problems of a file: Problems, or Unchecked ones with `checked=False` (see Unchecked)."""
    path = Path(path)
    name = str(path)
    if not path.is_file():
        raise BadInput("no such file" if not path.exists() else "not a regular file", name)
    try:
        data = path.read_bytes()[: yamlfile.MAX_BYTES + 1]
    except OSError as e:
        raise BadInput(f"cannot read: {e.strerror}", name) from None
    return load_text(data, name, default_kind, stem=path.stem, checked=checked)


def load_key(path: str | Path) -> list[Problem]:
    """A file whose problems must all be sound (a key for variants, export, practice): the first error is
    bad input, not a problem left out."""
    problems = load_path(path)
    broken = next((p for p in problems if p.error is not None), None)
    if broken is not None:
        raise broken.error
    return problems


def load_text(data: bytes | str, name: str, default_kind: str | None = None, stem: str = "problem",
              checked: bool = True) -> list:
    doc = yamlfile.load(data, name)
    if not isinstance(doc, dict):
        raise BadInput("expected a mapping with 'kind' (one problem) or 'problems' (a set)", f"{name}:1")
    if "problems" in doc:
        top_where = lambda p, line: f"{name}:{line or yamlfile.line_of(doc, p)}: {p}"  # noqa: E731
        check_keys(doc, SET_KEYS, "a problem set", top_where)
        for key in ("title", "source", "note", "seed"):
            if key in doc:
                try:
                    as_str(None, doc[key])
                except BadInput as e:
                    raise BadInput(e.message, top_where(key, 0)) from None
        items = doc["problems"]
        if not isinstance(items, list) or not items:
            raise BadInput("'problems' must be a non-empty list", top_where("problems", 0))
        given = [(item, yamlfile.line_of(items, i), f"{stem}-{i + 1}", doc) for i, item in enumerate(items)]
    else:
        given = [(doc, 1, stem, {})]
    if checked:
        problems = [_problem(item, name, line, pid, default_kind, parent) for item, line, pid, parent in given]
    else:
        problems = [Unchecked(item, name, line, _id(item, pid), _inherited(parent), default_kind)
                    for item, line, pid, parent in given]
    seen: dict = {}
    for p in problems:
        if p.id in seen:
            raise BadInput(f"duplicate problem id '{p.id}' (first at line {seen[p.id].line})", f"{name}:{p.line}: id")
        seen[p.id] = p
    return problems


@dataclass
class Unchecked:
    """A problem as its file gives it, its fields not yet checked: what `solve --jobs` reads, so that each
    worker process checks its own share (the reading process would only do that work twice). `check()`
    gives the Problem, or the Problem holding its error, as loading with checks does."""

    raw: Any
    file: str
    line: int
    id: str
    parent: dict  # what the set gives every problem: rtol, atol, seed
    default_kind: str | None = None

    def recipe(self) -> tuple:
        return self.raw, self.file, self.line, self.id, self.parent, self.default_kind

    def check(self) -> Problem:
        return rebuild(*self.recipe())


def _id(raw: Any, default_id: str) -> str:
    """The id _problem gives: the file's, as text, or the default when there is none fit to use."""
    if not isinstance(raw, dict) or "id" not in raw:
        return default_id
    try:
        return as_str(None, raw["id"])
    except BadInput:  # a list or a mapping: the problem's check says so, under its default id
        return default_id


def _inherited(parent: dict) -> dict:
    return {k: parent[k] for k in ("rtol", "atol", "seed") if k in parent}


def load_mapping(raw: dict, default_id: str = "problem") -> Problem:
    """One problem from a mapping built in Python (dlcalc.solve): the same checks as a file, and
    errors that name the field alone."""
    return _problem(raw, "", 0, default_id, None, {})


def rebuild(raw: Any, name: str, line: int, pid: str, parent: dict, default_kind: str | None = None) -> Problem:
    """A problem again from what its file gave (in a worker process of `solve --jobs`)."""
    return _problem(raw, name, line, pid, default_kind, parent)


def _problem(raw: Any, name: str, line: int, default_id: str, default_kind: str | None, parent: dict) -> Problem:
    if not isinstance(raw, dict):
        return Problem(default_id, name, line, raw, error=BadInput("expected a mapping with 'kind'", f"{name}:{line}"))
    pid = raw.get("id", default_id)
    p = Problem(pid if isinstance(pid, str) else default_id, name, line, raw)
    text: dict[str, str] = {}
    try:
        for key in TEXT_KEYS:  # a list or mapping here would reach the renderers as a title
            if key in raw:
                try:
                    text[key] = as_str(None, raw[key])
                except BadInput as e:
                    raise BadInput(e.message, p.where(key)) from None
        p.id = text.get("id", p.id)
        kind_name = raw.get("kind", default_kind)
        if kind_name is None:
            for k, v in raw.items():  # `problem:` for `problems:` makes a set look like one problem without a kind
                if isinstance(v, list) and closest(str(k), ["problems"], cutoff=0.75):
                    raise BadInput(f"unknown key '{k}' (did you mean 'problems'?)", p.where(str(k)))
            raise BadInput("required field 'kind' is missing", p.where("kind"))
        p.kind = registry.kind(str(kind_name), p.where("kind"))
        check_keys(raw, [f.name for f in p.kind.fields] + list(COMMON), f"kind {p.kind.name}", p.where)
        p.meta = {k: raw[k] for k in COMMON if k in raw and k != "kind"} | text
        for key in ("rtol", "atol"):
            if key in parent and key not in p.meta:
                p.meta[key] = parent[key]
        for key in ("points", "rtol", "atol", "slip_credit"):
            if key in p.meta:
                try:
                    p.meta[key] = as_number(None, p.meta[key])
                except BadInput as e:
                    raise BadInput(e.message, p.where(key)) from None
                if p.meta[key] < 0:
                    raise BadInput("must not be negative", p.where(key))
                if key == "slip_credit" and p.meta[key] > 1:
                    raise BadInput(f"must be between 0 and 1 (a share of the points), got {p.meta[key]:g}", p.where(key))
        if "ask" in p.meta and p.meta["ask"] not in p.kind.answer_keys:
            raise BadInput(f"'{p.meta['ask']}' is not an answer of {p.kind.name} "
                           f"(answers: {', '.join(p.kind.answer_keys)}){closest(str(p.meta['ask']), p.kind.answer_keys)}",
                           p.where("ask"))
        if "seed" in parent:
            p.seed = as_str(None, parent["seed"])
        p.generators = generators.find({f.name: raw[f.name] for f in p.kind.fields if f.name in raw}, p.where)
        if p.generators:
            from dlcalc.problems import variants

            p.params = variants.sample(p).problem.params  # a key that can never draw a valid variant fails here
        else:
            p.params = p.kind.params(raw, p.where)
    except BadInput as e:
        p.error = e
    return p
