"""Shared test helpers: building a show from TOML text."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bridge.config.load import load_show
from bridge.config.model import Show

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def show_from(tmp_path: Path) -> Callable[[str], Show]:
    """Write TOML text to a file and load it as a show."""

    def load(text: str, name: str = "show.toml") -> Show:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return load_show(path)

    return load
