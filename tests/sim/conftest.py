"""Fixtures for the stand-in tests: ICE on loopback only."""

from __future__ import annotations

import aioice.ice
import pytest


@pytest.fixture(autouse=True)
def loopback_ice(monkeypatch: pytest.MonkeyPatch) -> None:
    """aioice never offers 127.0.0.1; make it offer nothing else, so traffic stays local."""
    monkeypatch.setattr(aioice.ice, "get_host_addresses", lambda **_: ["127.0.0.1"])
