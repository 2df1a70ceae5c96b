"""A change made in Scope (its UI, its OSC, another client) that the show adopted is said
in one line, once per change, as a reload from a file edit is."""

from __future__ import annotations

from bridge.console.app.app import ConsoleApp
from tests.console.conftest import SIZE, FakeHost, screen_text, settled


async def test_a_change_made_in_scope_is_said_once(app: ConsoleApp, host: FakeHost) -> None:
    host.extra["scope_changes"] = {"count": 0, "line": ""}
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settled(pilot)
        assert "changed in Scope" not in screen_text(app)
        line = "changed in Scope: forest 0.60→0.20; city 0.50→0.80"
        host.extra["scope_changes"] = {"count": 1, "line": line}
        app.refresh_panels()
        await pilot.pause()
        assert screen_text(app).count(line) == 1
        app.refresh_panels()  # the same count again: nothing new to say
        await pilot.pause()
        assert screen_text(app).count(line) == 1
