"""One exception tree: every exception the bridge defines descends from `BridgeError`.

Read from the source: a class whose bases name a built-in exception (or another library's
``...Error``) is imported and checked. A private class (``_Refused``) is a signal inside one
module, never raised out of it, and is left alone.
"""

from __future__ import annotations

import ast
import builtins
import importlib
from pathlib import Path

import bridge
from bridge.errors import BridgeError

ROOT = Path(bridge.__file__).parent


def foreign_base(base: ast.expr) -> bool:
    """A base that is an exception from outside our tree: a built-in one, or a library's."""
    if isinstance(base, ast.Name):
        found = getattr(builtins, base.id, None)
        return isinstance(found, type) and issubclass(found, BaseException)
    return isinstance(base, ast.Attribute) and base.attr.endswith(("Error", "Exception"))


def rooted_outside(path: Path) -> list[str]:
    """The public classes of ``path`` that take a base from outside our tree."""
    return [
        node.name
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ClassDef)
        and not node.name.startswith("_")
        and any(foreign_base(b) for b in node.bases)
    ]


def module_name(path: Path) -> str:
    parts = ("bridge", *path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_every_exception_of_ours_is_a_bridge_error() -> None:
    """PacketError, BadMessage, WireClosed, TooSlow ... stay beside the code that raises
    them, but under `bridge.errors`' tree (a second base keeps what `except` caught)."""
    checked: list[str] = []
    outside: list[str] = []
    for path in sorted(ROOT.rglob("*.py")):
        for name in rooted_outside(path):
            cls = getattr(importlib.import_module(module_name(path)), name)
            checked.append(name)
            if cls is not BridgeError and not issubclass(cls, BridgeError):
                outside.append(f"{path.relative_to(ROOT.parent)}: {name}")
    assert {"BridgeError", "WireClosed", "BadMessage"} <= set(checked)
    assert outside == []


def test_the_walk_would_find_an_exception_outside_the_tree(tmp_path: Path) -> None:
    """The reader flags a class on a built-in or a library's exception, not one on ours."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "class A(Exception): ...\nclass B(ValueError, Thing): ...\nclass C(httpx.HTTPError): ...\n"
        "class D(BridgeError): ...\nclass _E(Exception): ...\nclass F(Base): ...\n",
        encoding="utf-8",
    )
    assert rooted_outside(sample) == ["A", "B", "C"]


def test_moving_under_the_tree_kept_what_except_clauses_catch() -> None:
    """The console's framing still ends as a ConnectionError (caught with OSError where the
    socket fails), and a malformed console message is still a ValueError."""
    from bridge.console.wire.codec import BadMessage
    from bridge.console.wire.frames import WireClosed

    assert issubclass(WireClosed, ConnectionError)
    assert issubclass(BadMessage, ValueError)
