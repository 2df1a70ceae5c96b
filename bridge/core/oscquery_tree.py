"""The OSCQuery namespace of an OSC surface: the JSON tree a browser (Chataigne, VDMX,
TouchDesigner's OSCQuery DAT) reads to learn what it may send, with no TOML read.

The tree follows the OSCQuery proposal: every node has ``FULL_PATH``; a container has
``CONTENTS`` (name → child); a target also has ``TYPE`` (OSC type tags), ``ACCESS`` (1 read,
2 write, 3 both), a ``RANGE`` and its current ``VALUE`` when it has one, and a
``DESCRIPTION``. A node may be both (``/bridge/scene`` is a target and holds ``next``).

Pure: the caller gives each target's spec, current value and choice names, so the tree is
the same function of the show as `bridge.core.surface`'s addresses.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bridge.core.surface import address_of
from bridge.core.targets import TargetSpec

ATTRIBUTES = ("FULL_PATH", "CONTENTS", "TYPE", "ACCESS", "RANGE", "VALUE", "DESCRIPTION")
"""What a node may hold, and what ``?ATTRIBUTE`` may ask of one."""

READ, WRITE = 1, 2


@dataclass(frozen=True, slots=True)
class Leaf:
    """One target as the namespace describes it."""

    target: str
    spec: TargetSpec
    value: float | str | None = None
    names: tuple[str, ...] = ()
    """The names a discrete target takes (scenes, pages, methods); empty: any text."""
    count: int = 0
    """How many choices an index picks (denoising presets) when there are no names."""


def describe(leaf: Leaf) -> dict[str, Any]:
    """A target's OSCQuery attributes (all but FULL_PATH and CONTENTS)."""
    spec = leaf.spec
    out: dict[str, Any]
    if spec.kind in ("action", "oneshot"):
        # the surface fires on a rise through 0.5, so a browser must send 1 then 0
        out = {"TYPE": "f", "ACCESS": WRITE, "RANGE": [{"MIN": 0.0, "MAX": 1.0}]}
        out["DESCRIPTION"] = f"{leaf.target}: send 1 then 0 to fire"
        return out
    if spec.kind == "continuous":
        integer = spec.encode in ("integer", "bool")
        out = {"TYPE": "i" if integer else "f", "ACCESS": READ | WRITE}
        lo, hi = (int(spec.lo), int(spec.hi)) if integer else (spec.lo, spec.hi)
        out["RANGE"] = [{"MIN": lo, "MAX": hi}]
        out["DESCRIPTION"] = f"{leaf.target} ({spec.lo:g} to {spec.hi:g})"
    elif leaf.names:
        out = {"TYPE": "s", "ACCESS": READ | WRITE, "RANGE": [{"VALS": list(leaf.names)}]}
        out["DESCRIPTION"] = f"{leaf.target}: a name, or its index from 0"
    elif leaf.count:
        out = {"TYPE": "i", "ACCESS": READ | WRITE, "RANGE": [{"MIN": 0, "MAX": leaf.count - 1}]}
        out["DESCRIPTION"] = f"{leaf.target}: an index from 0"
    else:
        out = {"TYPE": "s", "ACCESS": READ | WRITE, "DESCRIPTION": f"{leaf.target}: a text"}
    value = leaf.value
    if value is not None:
        if out["TYPE"] == "i" and isinstance(value, float):
            value = round(value)
        elif out["TYPE"] == "f" and isinstance(value, float):
            value = round(value, 4)
        elif out["TYPE"] == "s" and not isinstance(value, str):
            value = leaf.names[int(value)] if 0 <= int(value) < len(leaf.names) else str(value)
        out["VALUE"] = [value]
    return out


def namespace(prefix: str, leaves: Iterable[Leaf]) -> dict[str, Any]:
    """The whole tree, root ``/`` first, with every target at its surface address."""
    root: dict[str, Any] = {"FULL_PATH": "/", "CONTENTS": {}, "ACCESS": 0}
    for leaf in leaves:
        node = root
        path = ""
        for part in address_of(prefix, leaf.target).split("/")[1:]:
            path += "/" + part
            contents = node.setdefault("CONTENTS", {})
            node = contents.setdefault(part, {"FULL_PATH": path, "ACCESS": 0})
        node.update(describe(leaf))
    return root


def node_at(tree: dict[str, Any], path: str) -> dict[str, Any] | None:
    """The node at an HTTP path (``/bridge/scene``, with or without a trailing ``/``), or
    None when there is none."""
    node = tree
    for part in [p for p in path.split("/") if p]:
        child = node.get("CONTENTS", {}).get(part)
        if child is None:
            return None
        node = child
    return node
