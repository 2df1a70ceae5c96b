"""The shows the core tests drive (core-show.toml and hostile-show.toml beside this file),
each loaded once."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from bridge.config.load import load_show
from bridge.core.show import Show

PATH = Path(__file__).with_name("core-show.toml")
HOSTILE_PATH = Path(__file__).with_name("hostile-show.toml")


@cache
def core_show() -> Show:
    return load_show(PATH)


@cache
def hostile_show() -> Show:
    """Every source and target kind, LFOs, smoothing, slew, curves and merges."""
    return load_show(HOSTILE_PATH)
