"""The core stays sans-IO (no asyncio, sockets, threads, clocks or device libraries) and
self-contained (no other package of ours)."""

from __future__ import annotations

import ast
import sys
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


THIRD_PARTY = {"numpy"}
"""Libraries the core may use besides the standard library: numbers, never devices."""


def foreign_imports(path: Path, package: str = "bridge.core") -> list[str]:
    """Imports of ``path`` (a module of ``package``) that leave the core: another package of
    ours, or a library beyond the standard one and ``THIRD_PARTY``; relative imports resolved."""
    bad: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            names = [base]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            if top == "bridge":
                ok = name == "bridge.core" or name.startswith("bridge.core.")
            else:
                ok = top in sys.stdlib_module_names or top in THIRD_PARTY
            if not ok:
                bad.append(f"{path.name}:{node.lineno} imports {name}")
    return bad


def test_core_imports_nothing_of_ours_outside_the_core() -> None:
    """The core speaks its own language: the typed show lives in it, and it leans on no other
    package of ours (config, scope, errors, ...); those depend on the core, never back."""
    modules = sorted((ROOT / "core").rglob("*.py"))
    assert len(modules) >= 9, "the walk did not reach the core modules"
    bad = [line for path in modules for line in foreign_imports(path)]
    assert not bad, "\n".join(bad)


def test_the_core_rule_would_catch_a_foreign_import(tmp_path: Path) -> None:
    """The checker flags our other packages, relative escapes and libraries beyond numpy, and
    lets the core's own modules, the standard library and numpy through."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import math\nimport numpy as np\nfrom bridge.core.targets import clamp\n"
        "from . import events\nfrom bridge.errors import ConfigError\nfrom .. import protocols\n"
        "import bridge.config.load\nimport yaml\n",
        encoding="utf-8",
    )
    assert foreign_imports(sample) == [
        "sample.py:5 imports bridge.errors",
        "sample.py:6 imports bridge",
        "sample.py:7 imports bridge.config.load",
        "sample.py:8 imports yaml",
    ]
