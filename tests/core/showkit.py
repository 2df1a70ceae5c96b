"""The show the core tests drive (core-show.toml beside this file), loaded once."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from bridge.config.load import load_show
from bridge.config.model import Show

PATH = Path(__file__).with_name("core-show.toml")


@cache
def core_show() -> Show:
    return load_show(PATH)
