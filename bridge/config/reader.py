"""Strict reading of parsed TOML: typed getters that know the file and key path they read.

Every getter removes the key it reads; `done()` then rejects whatever is left, so an unknown
or misspelt key is an error, never silently ignored. Errors name the file that set the key
(a merged table holds keys from several files, see `bridge.config.merge`) and carry the line
where the key stands there when a scan of that file's text can find it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any, TypeVar, cast

from bridge.config.merge import Where
from bridge.config.mistakes import did_you_mean, nearest
from bridge.errors import ConfigError, ConfigErrors

T = TypeVar("T")
_MISSING: Any = object()

UNKNOWN_HINT = " (check its spelling in mappings/README.md)"

_TYPE_NAMES = {
    bool: "true or false",
    int: "an integer",
    float: "a number",
    str: "a string",
    list: "an array",
    dict: "a table",
}


def locate(text: str, path: str) -> int | None:
    """Best-effort line (1-based) of a key path such as ``mappings[3].source.cc``."""
    lines = text.splitlines()
    start = 0
    found: int | None = None
    prefix: list[str] = []
    for part in path.split("."):
        m = re.fullmatch(r"([\w-]+)(?:\[(\d+)\])?", part)
        if not m:
            return found
        name, index = m.group(1), m.group(2)
        dotted = ".".join([*prefix, name])
        if index is not None:
            header = re.compile(rf"^\s*\[\[\s*{re.escape(dotted)}\s*\]\]")
            hits = [i for i in range(start, len(lines)) if header.match(lines[i])]
            if int(index) < len(hits):
                start = found = hits[int(index)]
                prefix = [*prefix, name]
                continue
        pattern = re.compile(
            rf"^\s*(\[\s*{re.escape(dotted)}\s*\]|\"?{re.escape(name)}\"?\s*=|.*[{{,]\s*{re.escape(name)}\s*=)"
        )
        for i in range(start, len(lines)):
            if pattern.match(lines[i]):
                start = found = i
                break
        prefix = [*prefix, name]
    return None if found is None else found + 1


class Node:
    """A TOML table being read, with the file and key path it came from.

    ``keys`` says where keys set by other files came from (a merged table); a key it does
    not list was set in ``file``. ``alias`` names an entry for people: errors say
    ``mappings[fader-1]`` where the line is looked up by ``mappings[3]`` (its place in the
    file); entries read from this one inherit it.
    """

    def __init__(
        self,
        data: dict[str, Any],
        file: str,
        text: str,
        path: str = "",
        keys: dict[str, Where] | None = None,
    ) -> None:
        self.data = dict(data)
        self.file = file
        self.text = text
        self.path = path
        self.keys = keys if keys is not None else {}
        self.alias: tuple[str, str] | None = None
        self.asked: set[str] = set()
        """Every key a reader looked for: what a misspelt key is compared with."""

    def named(self, label: str) -> Node:
        """Call this entry ``label`` in errors (``mappings[fader-1]``); returns itself."""
        self.alias = (self.path, label)
        return self

    def shown(self, key: str) -> str:
        """A key path as errors show it (with the entry's alias, if it has one)."""
        if self.alias is None:
            return key
        real, label = self.alias
        if key == real or key.startswith((f"{real}.", f"{real}[")):
            return label + key[len(real) :]
        return key

    def _child(self, node: Node) -> Node:
        node.alias = self.alias
        return node

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def where(self, name: str) -> Where:
        """The file that set ``name`` (a key, or a key with an index or subkeys after it)."""
        head = re.match(r"[^.\[]*", name)
        first = head.group(0) if head else name
        at = self.keys.get(first)
        if at is None:
            return Where(self.file, self.text, self.key(name))
        rest = name[len(first) :]
        return Where(at.file, at.text, at.path + rest, {} if rest else at.keys)

    def error(self, name: str, message: str) -> ConfigError:
        at = self.where(name) if name else Where(self.file, self.text, self.path)
        key = at.path
        return ConfigError(at.file, self.shown(key), message, locate(at.text, key) if key else None)

    def has(self, name: str) -> bool:
        self.asked.add(name)
        return name in self.data

    def get(self, name: str, kind: type[T], default: T = _MISSING) -> T:
        """Read (and consume) one value of one type; int is accepted where float is asked."""
        self.asked.add(name)
        if name not in self.data:
            if default is _MISSING:
                what = f"is required ({_TYPE_NAMES.get(kind, kind.__name__)})"
                typo = nearest(name, (k for k in self.data if k not in self.asked))
                if typo:  # said here: not again as an unknown key
                    self.data.pop(typo)
                raise self.error(
                    name, f"{what}; is {typo!r} a misspelling of it?" if typo else what
                )
            return default
        value = self.data.pop(name)
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            return cast(T, float(value))
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise self.error(
                name, f"expected {_TYPE_NAMES.get(kind, kind.__name__)}, got {value!r}"
            )
        return value

    def number(self, name: str, default: float | None, lo: float, hi: float) -> float:
        """A number in lo..hi; without the key, ``default`` (None: the key is required)."""
        value = self.get(name, float, cast(float, _MISSING) if default is None else default)
        if not lo <= value <= hi:
            raise self.error(name, f"must be between {lo:g} and {hi:g}, got {value:g}")
        return value

    def integer(self, name: str, default: int | None, lo: int, hi: int) -> int:
        """An integer in lo..hi; without the key, ``default`` (None: the key is required)."""
        value = self.get(name, int, cast(int, _MISSING) if default is None else default)
        if not lo <= value <= hi:
            raise self.error(name, f"must be between {lo} and {hi}, got {value}")
        return value

    def choice(self, name: str, options: tuple[str, ...], default: str | None = None) -> str:
        value = self.get(name, str, cast(str, _MISSING) if default is None else default)
        if value not in options:
            hint = did_you_mean(value, options)
            raise self.error(name, f"must be one of {', '.join(options)}; got {value!r}{hint}")
        return value

    def table(self, name: str) -> Node:
        at = self.where(name)
        return self._child(Node(self.get(name, dict, {}), at.file, at.text, at.path, at.keys))

    def tables(self, name: str) -> list[Node]:
        at = self.where(name)
        items = self.get(name, list, [])
        nodes = []
        for i, item in enumerate(items):
            key = f"{at.path}[{i}]"
            if not isinstance(item, dict):
                line = locate(at.text, at.path)
                raise ConfigError(at.file, self.shown(key), "expected a table", line)
            nodes.append(self._child(Node(item, at.file, at.text, key)))
        return nodes

    def items(self, kind: type[T]) -> list[tuple[str, T]]:
        """Consume every remaining key as a name → value pair of one type."""
        return [(name, self.get(name, kind)) for name in list(self.data)]

    def list_of(self, name: str, check: Callable[[Any], bool], what: str) -> list[Any]:
        values = self.get(name, list, [])
        for value in values:
            if not check(value):
                raise self.error(name, f"every element must be {what}; got {value!r}")
        return values

    def misspelt(self, words: Sequence[str]) -> None:
        """Raise for a key that is a misspelling of one of ``words`` (`ccc` for `cc`), when
        a table must name one of them and names none: a better error than "names none"."""
        for name in self.data:
            hint = did_you_mean(name, words)
            if hint:
                raise self.error(name, "unknown key" + hint)

    def done(self) -> None:
        """Reject every key nobody read, each with the nearest key that would have been."""
        errors = [
            self.error(name, "unknown key" + (did_you_mean(name, self.asked) or UNKNOWN_HINT))
            for name in self.data
        ]
        if errors:
            raise ConfigErrors(errors) if len(errors) > 1 else errors[0]
