"""The Problems panel shows each problem once, and only while the bridge still has it."""

from __future__ import annotations

from bridge.console.app.app import ConsoleApp
from tests.console.conftest import SIZE, FakeHost
from tests.console.test_panels import flat

ERROR = "mappings/demo.toml:42 at mappings[3].target: unknown target 'prompt.nope.weight'"


async def test_a_failed_reload_is_one_entry_and_goes_when_the_file_is_fixed(
    app: ConsoleApp, host: FakeHost
) -> None:
    """ctrl+r fails and the bridge reports it too: one entry, not two. The file is then fixed
    in an editor (the bridge's own reload works): the entry goes, with no stale note left."""
    host.reload_error = ERROR
    host.bridge.report("reload", f"kept the running show: {ERROR}", key="show")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+r")
        app.refresh_panels()
        await pilot.pause()
        assert flat(app.problems.text).count("unknown target") == 1, app.problems.text
        host.bridge.clear("reload", "show")
        app.refresh_panels()
        await pilot.pause()
        assert "unknown target" not in flat(app.problems.text)
        assert "no problems" in app.problems.text
