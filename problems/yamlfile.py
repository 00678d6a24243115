"""Safe YAML loading that remembers line numbers, so errors can say `file:line: field`.

We compose the node tree and build plain values ourselves: no tags beyond the
standard scalars, lists and mappings, no aliases (a "billion laughs" file is
refused), and bounded size.
"""
from __future__ import annotations

import re
from typing import Any

from dlcalc.calc.errors import BadInput

MAX_BYTES = 5_000_000
MAX_NODES = 2_000_000
MAX_DEPTH = 64
_SCALAR_TAGS = {"str", "int", "float", "bool", "null"}


class Mapping(dict):
    """A YAML mapping that knows the line of each key (1-based)."""

    line: int = 0
    lines: dict

    def line_of(self, key: str) -> int:
        return self.lines.get(key, self.line)


class Sequence(list):
    """A YAML list that knows the line of each item."""

    line: int = 0
    lines: list

    def line_of(self, i: int) -> int:
        return self.lines[i] if 0 <= i < len(self.lines) else self.line


def line_of(container: Any, key: Any) -> int:
    """Line of `container[key]` when known, else 0."""
    if isinstance(container, (Mapping, Sequence)):
        return container.line_of(key)
    return 0


def load(data: bytes | str, name: str, as_typed: bool = False) -> Any:
    """Parse YAML text into Mapping/Sequence/scalars; BadInput names `name:line:column`. `as_typed` keeps
    every scalar as its text (answer sheets: the id 00123 and the answer 007 are not the numbers 83 and 7)."""
    import yaml

    if isinstance(data, bytes):
        if len(data) > MAX_BYTES:
            raise BadInput(f"file is larger than the limit of {MAX_BYTES} bytes", name)
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as e:
            line = data.count(b"\n", 0, e.start) + 1
            raise BadInput(f"not UTF-8 text (bad byte 0x{data[e.start]:02x} at offset {e.start})", f"{name}:{line}") from None
    loader_cls = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        _check_flow_depth(data, name)
        loader = loader_cls(data)
        try:
            doc = _Builder(name, as_typed, loader).document()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f"{name}:{mark.line + 1}:{mark.column + 1}" if mark else name
        raise BadInput(f"YAML syntax error: {e.problem or e.context}", where) from None
    except yaml.reader.ReaderError as e:  # a control character or bad encoding
        line = data[: e.position].count("\n") + 1
        raise BadInput(f"character {e.character!r} is not allowed in YAML", f"{name}:{line}") from None
    except yaml.YAMLError as e:
        raise BadInput(f"YAML error: {str(e).splitlines()[0]}", name) from None
    except RecursionError:
        raise BadInput("YAML nested too deeply", name) from None
    if doc is _EMPTY:
        raise BadInput("file is empty", name)
    return doc


# Characters that can open, close or hide a flow collection; `#` only starts a comment after a space.
_FLOW_CHARS = re.compile(r"""[\[\]{}'"#\n]""")


def _check_flow_depth(data: str, name: str) -> None:
    """Count flow brackets ourselves, outside quotes and comments. The parser cannot do it for us: its
    scanner reads up to 1024 characters ahead on one line before the first event, far past our limit."""
    depth, line, pos, n = 0, 1, 0, len(data)
    while True:
        m = _FLOW_CHARS.search(data, pos)
        if m is None:
            return
        ch, i = m.group(), m.start()
        pos = i + 1
        before = data[i - 1] if i else "\n"
        if ch == "\n":
            line += 1
        elif ch in "[{" and (depth > 0 or _value_starts(data, i)):
            depth += 1
            if depth > MAX_DEPTH:
                raise BadInput(f"YAML nested more than {MAX_DEPTH} levels deep", f"{name}:{line}")
        elif ch in "]}" and depth > 0:
            depth -= 1
        elif ch == "#" and before in " \t\r\n":
            end = data.find("\n", i)
            pos = n if end < 0 else end
        elif ch in "'\"" and (before in " \t\r\n[{,:" if depth > 0 else _value_starts(data, i)):
            pos = _quote_end(data, i, ch)
            line += data.count("\n", i, pos)


def _value_starts(data: str, i: int) -> bool:
    """In block context a collection or quoted scalar begins a line or follows `key: `, `- ` or `? `;
    elsewhere (`it's`, `a [1]`) the character is part of a plain scalar."""
    j = i - 1
    while j >= 0 and data[j] in " \t":
        j -= 1
    return j < 0 or data[j] in "\r\n" or (data[j] in ":-?" and j < i - 1)


def _quote_end(data: str, i: int, quote: str) -> int:
    """Index after the quoted scalar opening at `i` (`''` escapes in single quotes, `\\` in double)."""
    j = i + 1
    while True:
        j = data.find(quote, j)
        if j < 0:
            return len(data)  # unterminated: the parser reports it
        if quote == '"':
            k = j
            while k > i + 1 and data[k - 1] == "\\":
                k -= 1
            if (j - k) % 2:  # an odd run of backslashes escapes this quote
                j += 1
                continue
            return j + 1
        if data.startswith("''", j):
            j += 2
            continue
        return j + 1


_EMPTY = object()  # a stream with no document


class _Builder:
    """Plain values built straight from the parser's events, in one pass: nesting is counted as it grows
    (libyaml's composer would recurse in C), an alias is refused where it stands, lines are kept."""

    def __init__(self, name: str, as_typed: bool, loader: Any) -> None:
        import yaml

        self.name, self.as_typed, self.loader, self.count = name, as_typed, loader, 0
        self.scalar = yaml.SafeLoader("")  # its constructors read int and float as YAML 1.1 spells them

    def fail(self, mark: Any, message: str) -> BadInput:
        return BadInput(message, f"{self.name}:{mark.line + 1}")

    def document(self) -> Any:
        import yaml

        loader, root = self.loader, _EMPTY
        # open containers, innermost last: [container, key awaiting its value (or _EMPTY), that key's line]
        stack: list[list] = []
        while True:
            event = loader.get_event()
            kind = type(event)
            if kind is yaml.ScalarEvent:
                value, mark = self.value(event), event.start_mark
            elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                self.counted(event.start_mark)
                if len(stack) >= MAX_DEPTH:
                    raise self.fail(event.start_mark, f"YAML nested more than {MAX_DEPTH} levels deep")
                mapping = kind is yaml.MappingStartEvent
                self.tag_allowed(event, "map" if mapping else "seq")
                if stack and isinstance(stack[-1][0], Mapping) and stack[-1][1] is _EMPTY:
                    raise self.fail(event.start_mark, "a mapping key must be a plain name")
                opened: Mapping | Sequence = Mapping() if mapping else Sequence()
                opened.line, opened.lines = event.start_mark.line + 1, {} if mapping else []
                stack.append([opened, _EMPTY, 0, event.start_mark])
                continue
            elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                value, _, _, mark = stack.pop()
            elif kind is yaml.AliasEvent:
                raise self.fail(event.start_mark, "YAML aliases (*name) are not allowed in problem files")
            elif kind is yaml.DocumentStartEvent and root is not _EMPTY:
                raise self.fail(event.start_mark, "YAML syntax error: one document per file (a second '---' "
                                                  "starts another)")
            elif kind is yaml.StreamEndEvent:
                return root
            else:  # the stream's and documents' own start and end
                continue
            if not stack:
                root = value
            else:
                self.place(stack[-1], value, mark)

    def place(self, top: list, value: Any, mark: Any) -> None:
        container = top[0]
        if isinstance(container, Sequence):
            container.append(value)
            container.lines.append(mark.line + 1)
        elif top[1] is _EMPTY:  # a key
            if value == "<<":
                raise self.fail(mark, "YAML merge keys (<<) are not allowed in problem files")
            if value in container:
                raise self.fail(mark, f"duplicate key '{value}'")
            top[1], top[2] = value, mark.line + 1
        else:
            container[top[1]] = value
            container.lines[top[1]] = top[2]
            top[1] = _EMPTY

    def counted(self, mark: Any) -> None:
        self.count += 1
        if self.count > MAX_NODES:
            raise self.fail(mark, f"document has more than {MAX_NODES} values")

    def tag_allowed(self, event: Any, expected: str) -> None:
        if event.tag is not None and event.tag not in ("!", f"tag:yaml.org,2002:{expected}"):
            raise self.fail(event.start_mark, f"YAML tag '{event.tag}' is not allowed in problem files")

    def value(self, event: Any) -> Any:
        """A scalar's value, its type resolved as the composer resolves it (plain `1` is an int, `'1'` text)."""
        import yaml

        self.counted(event.start_mark)
        full = event.tag
        if full is None or full == "!":
            full = self.loader.resolve(yaml.ScalarNode, event.value, event.implicit)
        tag = full.rsplit(":", 1)[-1] if full.startswith("tag:yaml.org,2002:") else full
        if tag == "merge":
            raise self.fail(event.start_mark, "YAML merge keys (<<) are not allowed in problem files")
        if tag == "timestamp" or (self.as_typed and tag != "null"):
            return event.value  # dates stay text
        if tag == "str":
            return event.value
        if tag not in _SCALAR_TAGS:
            raise self.fail(event.start_mark, f"YAML tag '{full}' is not allowed in problem files")
        try:
            return self.scalar.construct_object(yaml.ScalarNode(full, event.value, event.start_mark, event.end_mark))
        except (yaml.YAMLError, ValueError, OverflowError) as e:
            raise self.fail(event.start_mark, f"bad value '{event.value}': {e}") from None
