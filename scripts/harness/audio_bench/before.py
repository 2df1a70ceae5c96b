"""The analyser as it was before issue #14, read from git history, for the benchmark only.

Why: the audio benchmark prints today's analyser beside the earlier one in the same run, on
the same tracks and the same machine load, so every gain is measured together rather than
remembered from another day. Rather than keep a second copy of the analyser in the tree, the
benchmark takes the earlier one's files from the commit below (``git show``) into a
temporary package and imports it from there. That needs a git checkout with history; without
one the benchmark stops with that sentence.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

BEFORE = "aa54cc1"
"""The last commit before issue #14 changed the analyser."""

_PACKAGE = "features_before_14"
_ROOT = Path(__file__).resolve().parents[3]


class NoHistory(Exception):
    """The earlier analyser cannot be read here (no git, or no history)."""


def _git(*args: str) -> str:
    try:
        done = subprocess.run(
            ["git", "-C", str(_ROOT), *args], capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError) as exc:
        raise NoHistory(
            f"the analyser before #14 needs a git checkout with history ({exc})"
        ) from exc
    return done.stdout


def analyser_before() -> Any:
    """The earlier ``AudioAnalyser`` class (the package is written once per process)."""
    if _PACKAGE not in sys.modules:
        names = _git("ls-tree", "--name-only", BEFORE, "bridge/features/").split()
        folder = Path(tempfile.mkdtemp(prefix="scope-bridge-bench-")) / _PACKAGE
        folder.mkdir()
        for name in names:
            if name.endswith(".py"):
                text = _git("show", f"{BEFORE}:{name}").replace("bridge.features.", f"{_PACKAGE}.")
                (folder / Path(name).name).write_text(text)
        sys.path.insert(0, str(folder.parent))
    return importlib.import_module(f"{_PACKAGE}.analyser").AudioAnalyser
