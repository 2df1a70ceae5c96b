"""The Inputs monitor says where OSC went: bad packets by reason, senders not allowed, kernel
drops, and NaN/inf refused, from any source."""

from __future__ import annotations

from dataclasses import asdict

from bridge.console.app.app import ConsoleApp
from bridge.console.app.widgets.inputs_monitor import loss_lines
from bridge.inputs.osc_losses import losses
from tests.console.conftest import SIZE, FakeHost


def extra_with_losses() -> dict[str, object]:
    stats = {"packets": 60, "messages": 40, "not_osc": 2, "malformed": 1, "not_allowed": 5}
    td = losses(stats, {"nan": 3}, 7, "10.0.0.9:5000", 4 << 20)
    clean = losses({"packets": 4, "messages": 4}, {}, 0, "", 4 << 20)
    return {
        "osc_malformed": td.malformed_total,
        "osc": {"td": asdict(td), "ableton": asdict(clean)},
        "refused": {"td": {"nan": 3}, "mic": {"inf": 2}},
    }


def test_loss_lines_name_every_count_by_reason() -> None:
    """One line per OSC input that lost anything, one for other sources' refusals."""
    lines = [line.plain for line in loss_lines(extra_with_losses())]
    assert lines == [
        "td: bad 3 (malformed 1, not_osc 2) · not allowed 5 (last 10.0.0.9:5000)"
        " · kernel drops 7 · refused nan 3",
        "refused: mic inf 2",
    ]


def test_unknown_kernel_drops_are_said_to_be_unknown() -> None:
    """Where the system cannot count kernel drops, the line says so instead of a 0."""
    td = losses({"packets": 1, "not_osc": 1}, {}, None, "", 0)
    (line,) = loss_lines({"osc": {"td": asdict(td)}})
    assert line.plain == "td: bad 1 (not_osc 1) · kernel drops unknown"
    assert loss_lines({"osc_malformed": 0}) == []


async def test_the_monitor_shows_the_losses(app: ConsoleApp, host: FakeHost) -> None:
    """Under the event count, in the console itself."""
    host.extra = extra_with_losses()
    async with app.run_test(size=SIZE) as pilot:
        app.refresh_panels()
        await pilot.pause()
        text = app.inputs.text
    assert "bad OSC 3" in text
    assert "td: bad 3 (malformed 1, not_osc 2)" in text
    assert "refused: mic inf 2" in text
