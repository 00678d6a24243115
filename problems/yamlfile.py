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
        _check_depth(loader_cls, data, name)
        loader = loader_cls(data)
        try:
            node = loader.get_single_node()
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
    if node is None:
        raise BadInput("file is empty", name)
    return _Builder(name, as_typed).build(node, 0)


def _check_depth(loader_cls: Any, data: str, name: str) -> None:
    """Refuse deep nesting before composing: libyaml's composer recurses in C (`[[[[…` a hundred thousand
    deep would crash the process), and newer libyaml stops at its own depth with its own message."""
    _check_flow_depth(data, name)
    _check_event_depth(loader_cls, data, name)


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


def _check_event_depth(loader_cls: Any, data: str, name: str) -> None:
    """Block nesting, exactly, from the event stream (events arrive in order, a line at a time)."""
    import yaml

    loader, depth = loader_cls(data), 0
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    mark = event.start_mark
                    raise BadInput(f"YAML nested more than {MAX_DEPTH} levels deep", f"{name}:{mark.line + 1}")
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    finally:
        loader.dispose()


class _Builder:
    def __init__(self, name: str, as_typed: bool = False) -> None:
        import yaml

        self.name = name
        self.as_typed = as_typed
        self.count = 0
        self.seen: set[int] = set()
        self.scalar = yaml.SafeLoader("")

    def fail(self, node: Any, message: str) -> BadInput:
        return BadInput(message, f"{self.name}:{node.start_mark.line + 1}")

    def build(self, node: Any, depth: int) -> Any:
        import yaml

        self.count += 1
        if self.count > MAX_NODES:
            raise self.fail(node, f"document has more than {MAX_NODES} values")
        if depth > MAX_DEPTH:
            raise self.fail(node, f"YAML nested more than {MAX_DEPTH} levels deep")
        if id(node) in self.seen:
            raise self.fail(node, "YAML aliases (*name) are not allowed in problem files")
        self.seen.add(id(node))
        tag = node.tag.rsplit(":", 1)[-1] if node.tag.startswith("tag:yaml.org,2002:") else node.tag
        if isinstance(node, yaml.MappingNode):
            if tag != "map":
                raise self.fail(node, f"YAML tag '{node.tag}' is not allowed in problem files")
            out = Mapping()
            out.line, out.lines = node.start_mark.line + 1, {}
            for k, v in node.value:
                key = self.build(k, depth + 1)
                if isinstance(key, (Mapping, Sequence)):
                    raise self.fail(k, "a mapping key must be a plain name")
                if key == "<<":
                    raise self.fail(k, "YAML merge keys (<<) are not allowed in problem files")
                if key in out:
                    raise self.fail(k, f"duplicate key '{key}'")
                out[key] = self.build(v, depth + 1)
                out.lines[key] = k.start_mark.line + 1
            return out
        if isinstance(node, yaml.SequenceNode):
            if tag != "seq":
                raise self.fail(node, f"YAML tag '{node.tag}' is not allowed in problem files")
            seq = Sequence(self.build(v, depth + 1) for v in node.value)
            seq.line, seq.lines = node.start_mark.line + 1, [v.start_mark.line + 1 for v in node.value]
            return seq
        if tag == "merge":
            raise self.fail(node, "YAML merge keys (<<) are not allowed in problem files")
        if tag == "timestamp" or (self.as_typed and tag != "null"):
            return node.value  # dates stay text
        if tag not in _SCALAR_TAGS:
            raise self.fail(node, f"YAML tag '{node.tag}' is not allowed in problem files")
        try:
            return self.scalar.construct_object(node)
        except (yaml.YAMLError, ValueError, OverflowError) as e:
            raise self.fail(node, f"bad value '{node.value}': {e}") from None
