"""The one error type users see: bad input, named by where it came from."""
from __future__ import annotations


class BadInput(ValueError):
    """Input a user can fix. `where` names the option, file, line or field."""

    def __init__(self, message: str, where: str = "", line: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.where = where  # a field path (`layers[1].kernel`), an option (`--pred`), or a file location
        self.line = line    # YAML line when known (0: unknown)

    def at(self, where: str) -> BadInput:
        """Prefix a location (outermost first), e.g. `--pred nofile.csv`."""
        return BadInput(self.message, f"{where}: {self.where}" if self.where else where, self.line)

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


def closest(name: str, options, cutoff: float = 0.5) -> str:
    """' (did you mean X?)' for the nearest valid name, or ''."""
    import difflib

    match = difflib.get_close_matches(str(name), [str(o) for o in options], n=1, cutoff=cutoff)
    return f" (did you mean '{match[0]}'?)" if match else ""


def quote(text: object, limit: int = 30) -> str:
    """A user's token for an error message: quoted, control characters escaped, long ones cut."""
    s = str(text)
    s = s if len(s) <= limit else s[: limit - 1] + "…"
    return "'" + "".join(c if c.isprintable() else repr(c)[1:-1] for c in s) + "'"


def dims(shape: tuple) -> str:
    """A shape as written on paper: 3×4 (a scalar has none)."""
    return "×".join(map(str, shape)) if len(shape) else "scalar"
