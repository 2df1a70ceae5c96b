"""What ctrl+s is about to write, said before it writes: the file, and when that file is one
of the examples shipped with Scope Bridge (the demo), that saving changes the example.

Saving writes prompt texts and base weights into the show file itself, never into a file it
includes (a controller profile, a host preset): slots declared there are left as they are.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import bridge

SHIPPED = Path(bridge.__file__).resolve().parent.parent / "mappings"
"""Where the shipped example shows live in a checkout of Scope Bridge."""


def is_shipped(path: str | Path, shipped: Path = SHIPPED) -> bool:
    """True for a file under the shipped examples folder (mappings/demo.toml)."""
    real, folder = Path(os.path.realpath(path)), Path(os.path.realpath(shipped))
    return real.is_relative_to(folder)


@dataclass(frozen=True, slots=True)
class SaveQuestion:
    question: str
    detail: str
    warning: str


def save_question(path: str, shipped: Path = SHIPPED) -> SaveQuestion:
    """The confirmation for saving prompts into ``path`` (the running show's own file)."""
    shown = shown_path(path)
    warning = ""
    if is_shipped(path, shipped):
        warning = (
            f"{shown} is an example shipped with Scope Bridge: saving changes it. "
            f"To keep your own, copy it first (cp {shown} myshow.toml) "
            "and run that copy."
        )
    return SaveQuestion(
        f"Save prompts into {shown}?",
        "The prompt texts and base weights now playing replace those in this file (its "
        "comments stay). Slots declared in included files are left as they are.",
        warning,
    )


def shown_path(path: str) -> str:
    """The path relative to the working directory when it is under it (shorter, familiar)."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return path
