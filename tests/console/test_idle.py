"""An idle console costs little: a panel is rebuilt and repainted only when the part of the
snapshot it draws from changed, not because the bridge's clock moved on."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot

from bridge.console.app.app import PREVIEW_EVERY, ConsoleApp
from bridge.core import events as ev
from bridge.watch.snapshot import DeviceView
from tests.console.conftest import SIZE, FakeHost, settled

IDLE_REFRESHES = 12


async def calm(app: ConsoleApp, pilot: Pilot[None]) -> None:
    """Settled on screen, and the preview (drawn on every third refresh) has caught up with
    the room the layout gave it."""
    await settled(pilot)
    for _ in range(PREVIEW_EVERY):
        app.refresh_panels()
        await pilot.pause()


def count_work(app: ConsoleApp, monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Counts, per panel, each build of its lines ("build devices") and each repaint it
    asks of Textual ("repaint devices")."""
    work: Counter[str] = Counter()

    def counted(what: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            work[what] += 1
            return fn(*args, **kwargs)

        return call

    for name, panel in app.panels.items():
        monkeypatch.setattr(panel, "build", counted(f"build {name}", panel.build))
        monkeypatch.setattr(panel, "refresh", counted(f"repaint {name}", panel.refresh))
        monkeypatch.setattr(panel.body, "refresh", counted(f"repaint {name}", panel.body.refresh))
    return work


async def test_an_idle_console_rebuilds_and_repaints_nothing(
    app: ConsoleApp, host: FakeHost, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bridge's clock moves on between snapshots (`t`), nothing else does: no panel
    (the preview of an unchanged picture included) builds its lines or repaints."""
    async with app.run_test(size=SIZE) as pilot:
        await calm(app, pilot)
        first = host.snapshot()
        work = count_work(app, monkeypatch)
        for _ in range(IDLE_REFRESHES):
            app.refresh_panels()
            await pilot.pause()
        assert host.snapshot().t > first.t  # the snapshots did differ
        assert app.refreshes >= IDLE_REFRESHES
        assert not work, dict(work)


async def test_only_the_panel_whose_data_changed_is_redrawn(
    app: ConsoleApp, host: FakeHost, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A device that fails redraws Devices alone; an input event redraws the Inputs
    monitor (and what the event drives), not the Devices or the Preview."""
    async with app.run_test(size=SIZE) as pilot:
        await calm(app, pilot)
        work = count_work(app, monkeypatch)
        host.devices = [*host.devices, DeviceView("lcxl", "midi in", "missing", "LCXL")]
        app.refresh_panels()
        await pilot.pause()
        assert "lcxl" in app.panels["devices"].visible_text
        assert {what.split()[1] for what in work} == {"devices"}
        work.clear()
        host.bridge.submit(ev.OscMessage(host.bridge.clock(), "td", "/nothing", (1,)))
        app.refresh_panels()
        await pilot.pause()
        assert "td /nothing 1" in app.inputs.visible_text
        assert work["build inputs"] == 1
        assert not {"devices", "preview", "connection", "problems"} & {w.split()[1] for w in work}


async def test_a_new_picture_is_drawn_and_the_same_one_is_not(
    app: ConsoleApp, host: FakeHost, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The preview's data is the picture itself: another frame is converted and drawn within
    a preview turn; the same frame again costs no conversion."""
    async with app.run_test(size=SIZE) as pilot:
        await calm(app, pilot)
        work = count_work(app, monkeypatch)
        assert host.image is not None
        host.image = 255 - host.image
        for _ in range(PREVIEW_EVERY):
            app.refresh_panels()
            await pilot.pause()
        assert work["build preview"] == 1
        assert work["repaint preview"] >= 1
        for _ in range(2 * PREVIEW_EVERY):
            app.refresh_panels()
            await pilot.pause()
        assert work["build preview"] == 1
