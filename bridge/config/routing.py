"""Reading routing lists: which Scope targets a mapping, scene or output goes to."""

from __future__ import annotations

import re

from bridge.config.reader import Node

ID = re.compile(r"^[A-Za-z_][\w-]*$")


def target_names(n: Node, key: str) -> tuple[str, ...]:
    """A routing list (``targets = ["left"]``): Scope target names, each once; checked
    against the show's targets once the whole show is read (`check_routing`)."""
    if not n.has(key):
        return ()
    names = n.list_of(key, lambda v: isinstance(v, str) and bool(ID.match(v)), "a target name")
    doubled = sorted({t for t in names if names.count(t) > 1})
    if doubled:
        raise n.error(key, f"names {doubled[0]!r} twice")
    if not names:
        raise n.error(key, "names no target: leave it out to go to every target")
    return tuple(names)


def named_tables(n: Node) -> list[tuple[str, Node]]:
    """The sub-tables of ``n``, each with its name (target names: letters, digits, _, -)."""
    out = []
    for name in list(n.data):
        if not ID.match(name):
            raise n.error(name, "a target name is letters, digits, _ and -, from a letter")
        out.append((name, n.table(name)))
    return out
