"""A TOML syntax error in words a show's author can act on.

tomllib says "Cannot overwrite a value" for a key written twice, without the key. The line
it points at holds the second one, so the key is read back from that line, with the table
it stands in and the line where the first one stands.
"""

from __future__ import annotations

import re

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?")
_KEY = re.compile(
    r"^\s*((?:\"[^\"]*\"|'[^']*'|[\w-]+)(?:\s*\.\s*(?:\"[^\"]*\"|'[^']*'|[\w-]+))*)\s*="
)
_DECLARED = re.compile(r"^Cannot declare \((.*)\) twice$")
_INLINE = re.compile(r"^Duplicate inline table key (.*)$")


def _key_at(line: str) -> str | None:
    found = _KEY.match(line)
    return (
        re.sub(r"\s*\.\s*", ".", found.group(1)).replace('"', "").replace("'", "")
        if found
        else None
    )


def _table_of(lines: list[str], index: int) -> tuple[str, int]:
    """The header above line ``index`` ("" for the top of the file) and its line index."""
    for i in range(index, -1, -1):
        header = _HEADER.match(lines[i])
        if header:
            return header.group(1) + header.group(2) + header.group(1).replace("[", "]"), i
    return "", -1


def explain(text: str, message: str, line: int | None) -> str:
    """``message`` (tomllib's, without its position) said better where we can."""
    declared = _DECLARED.match(message)
    if declared:
        name = ".".join(part.strip(" '\"") for part in declared.group(1).split(",") if part.strip())
        return f"the table [{name}] is declared twice (or a key of that name is set above it)"
    inline = _INLINE.match(message)
    if inline:
        return f"the key {inline.group(1)} is set twice in one inline table {{ ... }}"
    if message != "Cannot overwrite a value" or line is None:
        return message
    lines = text.splitlines()
    if not 0 < line <= len(lines):
        return message
    index = line - 1
    header = _HEADER.match(lines[index])
    if header:
        return f"the table [{header.group(2)}] is declared twice (or set as a key above it)"
    key = _key_at(lines[index])
    if key is None:
        return message
    table, start = _table_of(lines, index)
    where = f" in {table}" if table else " at the top of the file"
    for i in range(start + 1, index):
        if _key_at(lines[i]) == key:
            return f"the key {key!r} is set twice{where} (first on line {i + 1})"
    return f"the key {key!r} is set twice{where}"
