"""Includes merged as the README promises: tables key by key, the including file winning.

A show is read from several files, so every key remembers the file that set it (a `Where`):
an error about a port the profile set names the profile and its line, an error about the
override names the show. Only tables merge; any other value (a string, a number, an array)
is replaced whole by the file read later.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Where:
    """The file that set a value, its text (to find the line) and the key's path there.

    For a table, ``keys`` holds where each of its keys came from when files contributed
    different ones; a key it does not list came from the table's own file.
    """

    file: str
    text: str
    path: str
    keys: dict[str, Where] = field(default_factory=dict)

    def child(self, name: str) -> Where:
        return Where(self.file, self.text, f"{self.path}.{name}" if self.path else name)


def merge_value(
    data: dict[str, Any], keys: dict[str, Where], key: str, value: Any, at: Where
) -> None:
    """Put ``value`` (written at ``at``) under ``data[key]``: a table over a table merges key
    by key (recursively), anything else replaces what was there."""
    old = data.get(key)
    if not (isinstance(old, dict) and isinstance(value, dict)):
        data[key] = copy.deepcopy(value)
        keys[key] = at
        return
    table = keys[key]
    for name in old:  # keys set before keep the file that set them
        table.keys.setdefault(name, table.child(name))
    table.file, table.text, table.path = at.file, at.text, at.path
    for name, item in value.items():
        merge_value(old, table.keys, name, item, at.child(name))
