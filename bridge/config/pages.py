"""Reading pages and layers: the show's ``pages = [...]``, a mapping's ``page`` and ``when``.

A page is declared once, by name, in the order ``page.next`` walks; a layer needs no
declaration: it exists because a mapping holds it (``target = "layer.shift"``), so a
``when`` naming a layer nothing holds is a mistake (a misspelling, or a forgotten button).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from bridge.config.mistakes import Mistakes, did_you_mean
from bridge.config.reader import Node
from bridge.core.bindings import Binding
from bridge.core.pages import layer_of
from bridge.core.show import Show

ID = re.compile(r"^[A-Za-z_][\w-]*$")
"""A page or layer name: as a device name (`bridge.config.device_tables`)."""


def show_pages(n: Node) -> list[str]:
    """One file's ``pages = ["mix", "lora"]``."""
    names = n.list_of("pages", lambda v: isinstance(v, str), "a page name")
    for name in names:
        if not ID.match(name):
            raise n.error("pages", f"a page name is letters, digits, _ and -; got {name!r}")
    return names


def check_show_pages(pages: Sequence[str], root: Node, mistakes: Mistakes) -> None:
    for dup in sorted({p for p in pages if pages.count(p) > 1}):
        mistakes.add(root.error("pages", f"page {dup!r} is declared twice"))


def _known(name: str, show: Show) -> str | None:
    if name in show.pages:
        return None
    if not show.pages:
        return f"no page {name!r}: the show declares no pages (pages = [...] at the top)"
    hint = did_you_mean(name, show.pages)
    return f"no page {name!r} in pages = {list(show.pages)}{hint}"


def mapping_pages(n: Node, show: Show) -> tuple[str, ...]:
    """A mapping's ``page = "lora"`` or ``page = ["mix", "lora"]``."""
    raw = n.get("page", object)
    names = [raw] if isinstance(raw, str) else raw
    if not isinstance(names, list) or not names or not all(isinstance(v, str) for v in names):
        raise n.error("page", f"expected a page name or a list of them; got {raw!r}")
    for name in names:
        problem = _known(name, show)
        if problem:
            raise n.error("page", problem)
    return tuple(names)


def mapping_when(n: Node) -> str:
    name = n.get("when", str)
    if not ID.match(name):
        raise n.error("when", f"a layer name is letters, digits, _ and -; got {name!r}")
    return name


def check_view_target(n: Node, target: str, show: Show, fields: dict[str, Any]) -> None:
    """What a page or layer mapping may say. A layer button is held (``pad = "momentary"``,
    the default) on every page; a page pad names a declared page or an index."""
    if layer_of(target):
        if fields.get("pad", "momentary") != "momentary":
            raise n.error("pad", "a layer is held while its button is: pad = 'momentary'")
        for key, name in (("page", "pages"), ("when", "when")):
            if name in fields:
                raise n.error(key, "a layer button holds its layer on every page and layer")
        fields["pad"] = "momentary"
    elif target == "page":
        if fields.get("pad") in ("toggle", "cycle", "momentary"):
            raise n.error("pad", "a page pad selects its page: pad = 'trigger' or 'radio'")
        for value in (*fields.get("values", ()), fields.get("value")):
            if isinstance(value, str):
                problem = _known(value, show)
                if problem:
                    raise n.error("value", problem)
            elif isinstance(value, float) and (value < 0 or value != int(value)):
                raise n.error("value", f"a page index is a whole number from 0; got {value:g}")


def check_layers(nodes: Sequence[Node], bindings: Sequence[Binding], mistakes: Mistakes) -> None:
    """Every ``when`` names a layer some mapping holds."""
    held = sorted({layer_of(b.target) for b in bindings if layer_of(b.target)})
    by_path = {(n.file, n.path): n for n in nodes}
    for b in bindings:
        if b.when and b.when not in held:
            node = by_path.get(b.origin)
            if node is None:
                continue
            known = ", ".join(held) or "none"
            hint = did_you_mean(b.when, held)
            message = f"no mapping holds layer {b.when!r} (layers held: {known}){hint}"
            mistakes.add(node.error("when", message))
