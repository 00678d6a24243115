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


def statement(p: Problem) -> list:
    """A problem as the sheet asks it, derived from its declaration: its given fields (matrices drawn),
    then what is asked. No answer, no worked step."""
    from dlcalc.calc.solution import Step

    assert p.kind is not None and p.params is not None
    given = p.kind.given_step(p.params, [k for k in p.params if k in p.raw])
    ask = p.kind.questions.get(p.ask) or f"Find {p.ask.replace('_', ' ')}."
    return ([given] if given is not None else []) + [Step("Find", prose=[ask], role="find")]

