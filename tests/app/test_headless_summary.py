"""The headless summary line's Scope part, for each way the connection can be."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bridge.config.load import load_show
from bridge.running.bridge import Bridge
from bridge.watch.headless import summary_line
from bridge.watch.snapshot import take

DEMO = Path(__file__).resolve().parents[2] / "mappings" / "demo.toml"
URL = "http://127.0.0.1:8000"
WEBRTC = {"url": URL, "server_version": "0.1.4", "load_state": "loaded", "fps_recent": 16.0}
REST = {"url": URL, "transport": "rest", "fps_recent": 12.0}


@pytest.mark.parametrize(
    ("connection", "scope"),
    [
        ({**WEBRTC, "channel_open": True}, f"connected to {URL} (0.1.4) · 16.0 fps"),
        (
            {**WEBRTC, "channel_open": False, "last_error": "refused", "reconnect_in_s": 2.0},
            f"not connected to {URL}; reconnecting until it answers",
        ),
        ({**WEBRTC, "channel_open": False, "reconnect_in_s": None}, f"connecting to {URL}"),
        ({**REST, "ready": True}, f"REST control ready · session at {URL} · 12.0 fps"),
        (
            {**REST, "ready": False, "state": "failing", "last_error": "refused"},
            f"REST control failing · {URL}: refused",
        ),
        (
            {**REST, "ready": False, "state": "no session"},
            f"REST control: no Scope session is open at {URL}, nothing is applied "
            "(start one in Scope, or set [scope] start_session = true)",
        ),
    ],
)
def test_the_summary_says_how_scope_is(connection: dict[str, Any], scope: str) -> None:
    bridge = Bridge(load_show(DEMO))
    line = summary_line(take(bridge, connection=lambda: connection))
    assert line.partition(" · frames ")[0] == scope
