"""The core stays sans-IO: no asyncio, sockets, threads, clocks or device libraries."""

from __future__ import annotations

import ast
from pathlib import Path

import bridge

FORBIDDEN = {
    "asyncio",
    "socket",
    "threading",
    "multiprocessing",
    "concurrent",
    "time",
    "datetime",
    "selectors",
    "subprocess",
    "mido",
    "rtmidi",
    "pythonosc",
    "aiortc",
    "av",
    "httpx",
    "sounddevice",
    "cyndilib",
    "textual",
}
ROOT = Path(bridge.__file__).parent


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def module_path(name: str) -> Path | None:
    parts = name.split(".")
    if parts[0] != "bridge":
        return None
    base = ROOT.joinpath(*parts[1:])
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.exists():
            return candidate
    return None


def test_core_imports_nothing_that_does_io() -> None:
    """Walk every import reachable from bridge/core and reject I/O, clocks and devices."""
    todo = list((ROOT / "core").glob("*.py"))
    seen: set[Path] = set()
    bad: list[str] = []
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        for name in imports_of(path):
            if name.split(".")[0] in FORBIDDEN:
                bad.append(f"{path.relative_to(ROOT)} imports {name}")
            child = module_path(name)
            if child is not None:
                todo.append(child)
    assert len(seen) >= 9, "the walk did not reach the core modules"
    assert not bad, "\n".join(bad)


def test_the_walk_would_catch_a_forbidden_import(tmp_path: Path) -> None:
    """The checker itself flags `import time` (so the test above can fail)."""
    sample = tmp_path / "sample.py"
    sample.write_text("import time\nfrom asyncio import sleep\n", encoding="utf-8")
    assert {"time", "asyncio"} <= imports_of(sample)
