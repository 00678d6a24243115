"""Per-student variants of a key problem whose fields hold generators (see generators.py).

A draw the kind refuses (probabilities that do not sum to 1 after all, a kernel larger than its padded
input) is drawn again, as the next attempt of the same (seed, student, problem); after MAX_ATTEMPTS the
problem is refused, naming the field the kind refused.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dlcalc.calc.errors import BadInput
from dlcalc.calc.solution import Solution
from dlcalc.problems.generators import stream
from dlcalc.problems.loader import Problem

MAX_ATTEMPTS = 20
SAMPLE = "sample"   # the student id of the variant `solve` and `check` show


@dataclass
class Variant:
    problem: Problem            # the problem with its numbers drawn
    solution: Solution
    values: dict[str, Any]      # field path → drawn value
    attempt: int


def realise(template: Problem, seed: str, student: str) -> Variant:
    """The variant of (seed, student, problem id), drawn once per template."""
    cached = template.drawn.get((seed, student))
    if cached is not None:
        return cached
    last: BadInput | None = None
    for attempt in range(MAX_ATTEMPTS):
        values = {path: g.draw(stream(seed, student, template.id, path, attempt))
                  for path, g in template.generators.items()}
        p = template.with_values(values)
        try:
            variant = Variant(p, p.solve(), values, attempt)
        except (BadInput, ArithmeticError, ValueError) as e:
            last = e if isinstance(e, BadInput) else BadInput(str(e), template.where(""))
            continue
        if len(template.drawn) < 100_000:
            template.drawn[(seed, student)] = variant
        return variant
    assert last is not None
    raise BadInput(f"the generators drew values the kind refuses in {MAX_ATTEMPTS} attempts; the last: "
                   f"{last.message}", last.where)


def sample(template: Problem) -> Variant:
    """The variant `solve` shows for a key with generators, saying that it is one."""
    seed = template.seed or ""
    v = realise(template, seed, SAMPLE)
    fields = ", ".join(template.generators)
    note = (f"{template.id} draws {fields} at random: this is the variant of student '{SAMPLE}'"
            + (f" with seed '{seed}'" if seed else " (no seed)") + "; `dlcalc variants` draws one per student")
    if note not in v.solution.warnings:
        v.solution.warnings.append(note)
    return v


def seed_of(problems: list[Problem], given: str | None, option: str = "--seed") -> str | None:
    """The seed for a key: --seed, else the key's `seed:`; None when no problem draws. Bad input when one
    draws and there is neither."""
    drawing = [p for p in problems if p.generators]
    if not drawing:
        return given
    seed = given if given is not None else drawing[0].seed
    if seed is None:
        p = drawing[0]
        raise BadInput(f"the key draws numbers at random ({p.id}: {', '.join(p.generators)}): give {option} TEXT "
                       "or `seed: TEXT` at the top of the key, so that every student's numbers can be drawn again",
                       option)
    return seed


def shown_precision(template: Problem, least: int = 4) -> int:
    """The decimals a sheet prints a problem's numbers with: at least every decimal its generators draw, so
    that the student is given the very numbers the key is solved with."""
    return max([least] + [g.spec.get("decimals", 0) for g in template.generators.values()])


def statement(p: Problem) -> list:
    """A problem as the sheet asks it, derived from its declaration: its given fields (matrices drawn),
    then what is asked. No answer, no worked step."""
    from dlcalc.calc.solution import Step

    assert p.kind is not None and p.params is not None
    given = p.kind.given_step(p.params, [k for k in p.params if k in p.raw])
    ask = p.kind.questions.get(p.ask) or f"Find {p.ask.replace('_', ' ')}."
    return ([given] if given is not None else []) + [Step("Find", prose=[ask], role="find")]



def varied(p: Problem) -> Problem:
    """A fixed problem as a template with its numbers varied (practice on a bundled example): each matrix
    field of the kind draws values like its own — 0/1 stays 0/1, probability rows stay distributions,
    integers stay integers in their range, decimals keep their decimals. Other fields stay as they are."""
    import numpy as np

    from dlcalc.problems import generators

    if p.error is not None or p.generators or p.kind is None or p.params is None:
        return p
    raw = dict(p.raw)
    for f in p.kind.fields:
        value = p.params.get(f.name)
        if f.type == "matrix" and f.name in p.raw and isinstance(value, np.ndarray) and value.size and \
                np.isfinite(value).all():
            raw[f.name] = _like(value)
    found = generators.find({f.name: raw[f.name] for f in p.kind.fields if f.name in raw}, lambda path: path)
    # the source's note and printed answer are about its own numbers, not these
    meta = {k: v for k, v in p.meta.items() if k not in ("note", "printed")}
    if found and "title" in meta:
        meta["title"] = f"{meta['title']} (numbers varied)"
    template = Problem(p.id, p.file, p.line, raw, p.kind, meta=meta, generators=found, seed=p.seed)
    template.params = p.params
    return template


def _like(a: Any) -> dict:
    import numpy as np

    shape = list(a.shape) or None
    flat = a.ravel()
    if a.ndim == 2 and a.shape[1] >= 2 and (flat > 0).all() and np.allclose(a.sum(axis=1), 1):
        return {"random": "probabilities", "shape": shape, "decimals": max(1, min(3, _decimals(flat)))}
    if flat.size > 1 and set(flat.tolist()) <= {0.0, 1.0}:
        return {"random": "binary", "shape": shape}
    low, high = float(flat.min()), float(flat.max())
    if low == high:
        low, high = low - 1, high + 1
    spec: dict = {"random": "int", "low": int(np.floor(low)), "high": int(np.ceil(high))} if \
        all(float(v).is_integer() for v in flat) else \
        {"random": "uniform", "low": low, "high": high, "decimals": max(1, min(3, _decimals(flat)))}
    return {**spec, "shape": shape} if shape else spec


def _decimals(values: Any) -> int:
    return max(len(repr(float(v)).split(".")[1].rstrip("0")) if "e" not in repr(float(v)) else 3 for v in values)
