"""The product apart from its harness: bridge/ ships only what a user runs.

Tests and benchmarks share their helpers through ``scripts/harness``; the installed package
must neither import that (nor anything of tests or scripts) nor carry helpers of its own that
only tests or benchmarks reach; the harness imports no test and no benchmark back, and tests
reach what they share with benchmarks through the harness, never a benchmark. The
rules are read from the source: imports, and the ``python -m bridge.…`` children the bridge
starts, walked from what a user runs (the ``scope-bridge`` command and the ``python -m``
entries named in ``USER_RUNS``).
"""

from __future__ import annotations

import ast
from importlib.metadata import entry_points
from pathlib import Path
from typing import TypeGuard

import bridge
import scripts.harness

ROOT = Path(bridge.__file__).parent
HARNESS = Path(scripts.harness.__file__).parent
TESTS = Path(__file__).parent
OURS = ("bridge.", "scripts.", "tests.")


def module_names(root: Path = ROOT, name: str = "bridge") -> dict[str, Path]:
    """Every module of the package at ``root`` by dotted name (a package by its own name)."""
    found: dict[str, Path] = {}
    for path in root.rglob("*.py"):
        parts = [*name.split("."), *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def is_module_name(value: object) -> TypeGuard[str]:
    """A string that may name one of our modules (``"bridge.console.app.main"``), not prose."""
    return isinstance(value, str) and value.startswith(OURS) and " " not in value


def referenced(name: str, path: Path) -> list[tuple[str, int]]:
    """What ``name`` imports (relative imports resolved) and the module names its strings
    spell out (children started with ``-m``), each with its line."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: list[tuple[str, int]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            out.append((base, node.lineno))
            out += [(f"{base}.{alias.name}", node.lineno) for alias in node.names]
        elif isinstance(node, ast.Constant) and is_module_name(node.value):
            out.append((node.value, node.lineno))
    return out


def test_bridge_imports_nothing_from_tests_or_scripts() -> None:
    """One way only: tests and scripts import bridge, never the other way round."""
    bad = [
        f"{path.relative_to(ROOT.parent)}:{line} imports {target}"
        for name, path in module_names().items()
        for target, line in referenced(name, path)
        if target.split(".")[0] in ("tests", "scripts")
    ]
    assert bad == []


def test_the_harness_imports_no_test_and_no_benchmark() -> None:
    """Tests and benchmarks import scripts/harness; it imports neither of them back."""
    bad = [
        f"{path.relative_to(HARNESS.parent.parent)}:{line} imports {target}"
        for name, path in module_names(HARNESS, "scripts.harness").items()
        for target, line in referenced(name, path)
        if target.split(".")[0] == "tests" or target.startswith("scripts.benchmarks")
    ]
    assert bad == []


def test_tests_use_no_benchmark() -> None:
    """What a test shares with a benchmark is harness: tests import (or start) no module of
    scripts/benchmarks."""
    bad = [
        f"{path.relative_to(TESTS.parent)}:{line} uses {target}"
        for name, path in module_names(TESTS, "tests").items()
        if name != __name__  # this file names the rule's prefixes
        for target, line in referenced(name, path)
        if target.startswith("scripts.benchmarks")
    ]
    assert bad == []


USER_RUNS = {
    "bridge.__main__": "`python -m bridge` is the scope-bridge command",
    "bridge.sim.__main__": "`python -m bridge.sim` is the stand-in, as `scope-bridge sim`",
}
"""The ``python -m`` entries a user has. Another ``__main__`` in bridge/ fails the test below
until it is named here: a benchmark or test driver run that way belongs in scripts/."""


def test_every_bridge_module_is_reached_from_what_a_user_runs() -> None:
    """A module only tests or benchmarks reach is harness: it belongs in scripts/harness."""
    modules = module_names()
    command = entry_points(group="console_scripts", name="scope-bridge")
    roots = [point.module for point in command]
    assert roots == ["bridge.cli.main"]
    mains = {name for name in modules if name.endswith(".__main__")}
    assert mains == set(USER_RUNS)
    roots += [*mains, "bridge"]
    reached: set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in reached or name not in modules:
            continue
        reached.add(name)
        for target, _ in referenced(name, modules[name]):
            parts = target.split(".")
            # importing a.b.c runs a and a.b first
            todo += [".".join(parts[:i]) for i in range(1, len(parts) + 1)]
    assert sorted(set(modules) - reached) == []
