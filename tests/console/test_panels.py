"""What the panels show, read from real snapshots, and that one failing panel (or a failing
bridge) never stops the rest of the console."""

from __future__ import annotations

import asyncio
import dataclasses
import logging

import pytest
from textual.worker import WorkerState

from bridge.console.app.app import ConsoleApp
from bridge.console.app.keys import PANELS
from bridge.console.app.widgets.connection import ConnectionPanel
from bridge.console.app.widgets.panel import Calm
from bridge.core import events as ev
from bridge.watch.snapshot import ControlView
from tests.console.conftest import SIZE, FakeHost, screen_text, settled


def flat(text: str) -> str:
    """Panel text with its wrapping undone."""
    return " ".join(text.split())


RELOAD_ERROR = "mappings/demo.toml:42 at mappings[3].target: unknown target 'prompt.sea.weight'"


async def test_every_panel_title_and_the_footer_are_on_screen(app: ConsoleApp) -> None:
    """At 120x40 all nine panels (numbered by their keys, in screen order), the headline and
    the main keys fit on one screen.

    This test was flaky under load ("space Freeze" missing): Textual's footer drew its keys
    only when the screen announced its bindings, which could happen before the footer
    listened. The console's footer draws its keys itself; `settled` waits out the layout.
    """
    async with app.run_test(size=SIZE) as pilot:
        text = await settled(pilot)
    for n, (_, title) in enumerate(PANELS, start=1):
        assert f"─ {n} {title} ─" in text, title
    assert "CONNECTED · 16.0 fps" in text
    for label in ("space Freeze", "n Next", "b Back", "q Quit", "? Help", "^s Save"):
        assert label in text, label


async def test_panel_numbers_follow_the_screen_order(app: ConsoleApp) -> None:
    """Key n toggles the n-th panel reading the columns left to right, top to bottom."""
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        panels = [app.panels[pid] for pid, _ in PANELS]
        places = [(p.region.x // 10, p.region.y) for p in panels]  # column, then row
        assert places == sorted(places)
        assert [p.border_title for p in panels] == [
            f"{n} {title}" for n, (_, title) in enumerate(PANELS, start=1)
        ]


async def test_headline_follows_the_connection(app: ConsoleApp, host: FakeHost) -> None:
    """Green when connected, a yellow countdown while reconnecting, red with the error."""
    async with app.run_test(size=SIZE) as pilot:
        assert app.status.has_class("-ok")
        assert host.connection is not None
        host.connection.update(
            webrtc_state="closed", channel_open=False, reconnect_in_s=2.1, last_error="ICE failed"
        )
        app.refresh_panels()
        await pilot.pause()
        assert "RECONNECTING in 2.1 s" in screen_text(app)
        assert app.status.has_class("-wait")
        assert not app.status.has_class("-ok")
        assert "retry in 2.1 s" in app.panels["connection"].text
        assert "error    ICE failed" in app.panels["connection"].text
        # the countdown ticks twice a second, not at every refresh (a calm, cheap console)
        host.connection["reconnect_in_s"] = 0.4
        for _ in range(40):
            if "retry in 0.4 s" in app.panels["connection"].text:
                break
            await asyncio.sleep(0.05)
            app.refresh_panels()
        await pilot.pause()
        assert "RECONNECTING in 0.4 s" in screen_text(app)
        assert "retry in 0.4 s" in app.panels["connection"].text
        host.connection["reconnect_in_s"] = None
        app.refresh_panels()
        await pilot.pause()
        assert "DISCONNECTED: ICE failed" in screen_text(app)
        assert app.status.has_class("-down")
        host.connection.update(webrtc_state="connected", channel_open=True, fps_recent=15.5)
        app.refresh_panels()
        await pilot.pause()
        assert "CONNECTED · 15.5 fps" in screen_text(app)
        assert app.status.has_class("-ok")


async def test_broken_reload_is_shown_and_the_console_keeps_going(
    app: ConsoleApp, host: FakeHost
) -> None:
    """ctrl+r with a broken file: the error (file, line, key) in a notification and in
    Problems; the console keeps refreshing; a good reload clears it."""
    host.reload_error = RELOAD_ERROR
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("ctrl+r")
        await pilot.pause()
        text = screen_text(app)
        assert "Reload failed" in text
        assert "mappings/demo.toml:42" in text
        assert RELOAD_ERROR in flat(app.problems.text)
        before = app.refreshes
        await pilot.pause(0.4)
        assert app.refreshes > before
        host.reload_error = None
        await pilot.press("ctrl+r")
        app.refresh_panels()
        await pilot.pause()
        assert "demo.toml:42" not in app.problems.text
        assert "Show reloaded from its file." in screen_text(app)


async def test_a_failing_panel_is_contained(
    app: ConsoleApp, host: FakeHost, caplog: pytest.LogCaptureFixture
) -> None:
    """A host value that breaks one panel shows in that panel (logged once); the other
    panels keep refreshing and the bridge worker keeps running; it recovers when fixed."""
    async with app.run_test(size=SIZE) as pilot:
        with caplog.at_level(logging.ERROR, logger="bridge.console"):
            host.extra["audio"] = {"level": "loud"}
            app.refresh_panels()
            await pilot.pause()
            audio = app.panels["audio"]
            assert audio.has_class("-failed")
            assert "this panel failed: ValueError" in audio.text
            assert "this panel failed" in screen_text(app)
            steps, refreshes = host.bridge_steps, app.refreshes
            await pilot.press("n")
            await pilot.pause(0.4)
            assert app.refreshes >= refreshes + 2  # the timer still runs
            assert "scene night" in app.prompts.text  # other panels still redraw
            assert host.bridge_steps > steps
            assert app.bridge_worker is not None
            assert app.bridge_worker.state == WorkerState.RUNNING
        failures = [r for r in caplog.records if "console panel" in r.getMessage()]
        assert len(failures) == 1  # logged once, not at every refresh
        host.extra["audio"] = {"level": 0.5}
        app.refresh_panels()
        await pilot.pause()
        assert not audio.has_class("-failed")
        assert "level" in audio.text


async def test_a_crashing_bridge_is_shown_and_the_console_stays(
    app: ConsoleApp, host: FakeHost, caplog: pytest.LogCaptureFixture
) -> None:
    """run_bridge raising: the error is in a notification and Problems; the app runs on."""
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        with caplog.at_level(logging.CRITICAL, logger="bridge.console"):
            # what a TaskGroup raises when one of its tasks fails
            host.bridge_raises = ExceptionGroup("x", [RuntimeError("the sink thread died")])
            await pilot.pause(0.3)
        assert app.bridge_worker is not None
        assert app.bridge_worker.state == WorkerState.SUCCESS  # it ended; the app did not
        assert "the bridge stopped: RuntimeError: the sink thread died" in flat(app.problems.text)
        for _ in range(30):  # the notification is drawn on a later frame (bounded wait)
            if "Bridge stopped" in screen_text(app):
                break
            await pilot.pause(0.1)
        assert "Bridge stopped" in screen_text(app)
        refreshes = app.refreshes
        await pilot.pause(0.3)
        assert app.is_running
        assert app.refreshes > refreshes


async def test_a_failing_snapshot_is_shown_in_the_headline(app: ConsoleApp, host: FakeHost) -> None:
    """If the host cannot give a snapshot, the headline says so; the next good one clears it."""

    def broken() -> None:
        raise KeyError("pacer")

    async with app.run_test(size=SIZE) as pilot:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(host, "snapshot", broken)
            app.refresh_panels()
            await pilot.pause()
            assert "NO SNAPSHOT: KeyError: 'pacer'" in screen_text(app)
        app.refresh_panels()
        await pilot.pause()
        assert "CONNECTED" in screen_text(app)


async def test_devices_prompts_controls_and_output(app: ConsoleApp, host: FakeHost) -> None:
    """Failed devices in red, weights with the scene, takeover hints, a running
    transition with its progress, the output's budget and rate."""
    base = host.snapshot()
    host.fixed = dataclasses.replace(
        base,
        transition="running",
        transition_progress=0.5,
        controls=(
            ControlView("m1", "apc ch1 cc48", "prompt.city.weight", "0.20", "turn up to pick up"),
        ),
    )
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        devices = app.panels["devices"]
        failed = next(line for line in devices.lines if line.plain.startswith("ndi"))
        assert "failed" in failed.plain
        assert str(failed.style) == "red"
        assert str(devices.lines[0].style) != "red"
        prompts = app.prompts.text
        assert "forest 1.00" in prompts
        assert "ocean  0.30" in prompts
        assert "┃" in prompts
        assert "transition" in prompts
        assert " 50%" in prompts
        assert "turn up to pick up" in app.panels["controls"].text
        output = app.panels["output"].text
        assert "in flight 0/1" in output
        assert "chunks 1.30 Hz" in output


async def test_inputs_monitor_filter_and_pause(app: ConsoleApp, host: FakeHost) -> None:
    """/ filters the monitor (Enter hands the keys back); p freezes the list only."""
    async with app.run_test(size=SIZE) as pilot:
        inputs = app.inputs
        assert "apc ch1 cc48=100" in inputs.text
        assert "td /fader1 0.5" in inputs.text
        assert "bad OSC 3" in inputs.text
        await pilot.press("slash", "t", "d", "enter")
        app.refresh_panels()
        await pilot.pause()
        assert "td /fader1" in inputs.text
        assert "apc ch1" not in inputs.text
        await pilot.press("n")  # the filter box gave the keys back
        await pilot.press("p")
        host.bridge.submit(ev.OscMessage(host.bridge.clock(), "td", "/late", (1,)))
        app.refresh_panels()
        await pilot.pause()
        assert "PAUSED" in screen_text(app)
        assert "/late" not in inputs.text  # frozen while paused
        await pilot.press("p")
        app.refresh_panels()
        await pilot.pause()
        assert "td /late 1" in inputs.text
    assert [e.action for e in host.submitted] == ["next_scene"]


def test_a_calm_panel_lets_urgent_changes_through_and_ticks_the_rest_slowly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [100.0]
    monkeypatch.setattr("bridge.console.app.widgets.panel.time.monotonic", lambda: now[0])
    calm = Calm(0.5)
    assert calm.due("connected")  # the first draw
    now[0] += 0.1
    assert not calm.due("connected")  # only a number ticked
    assert calm.due("reconnecting")  # a state change shows at once
    now[0] += 0.4
    assert not calm.due("reconnecting")
    now[0] += 0.1
    assert calm.due("reconnecting")  # half a second on: the numbers catch up


async def test_output_shows_drops_where_the_server_counts_them(
    app: ConsoleApp, host: FakeHost
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        assert "drops n/a  ≤ 1 of 8 queued" in app.panels["output"].text
        host.extra["scope_drops"] = 3
        await asyncio.sleep(0.35)  # the panel's numbers tick at most every 0.3 s
        app.refresh_panels()
        await pilot.pause()
        assert "drops 3  stand-in's count" in app.panels["output"].text


async def test_rest_control_says_whether_scope_has_a_session(
    app: ConsoleApp, host: FakeHost
) -> None:
    """REST control is "ready" only with a session open; without one the headline and the
    Connection panel say that nothing is applied, and how to get a session."""
    base = host.snapshot()
    rest = {
        "url": "http://127.0.0.1:8000",
        "transport": "rest",
        "ready": False,
        "state": "no session",
        "session": None,
        "headless": False,
        "fps_recent": 0.0,
        "frames_total": 0,
        "pipeline_id": "controller-viz",
        "server_version": "0.2.4",
        "last_error": "No Scope session is open: updates would apply to nothing.",
    }
    host.fixed = dataclasses.replace(base, connection=rest)
    async with app.run_test(size=SIZE) as pilot:
        app.refresh_panels()
        await pilot.pause()
        assert "REST: NO SCOPE SESSION OPEN" in screen_text(app)
        panel = flat(app.panels["connection"].text)
        assert "none open: nothing is applied" in panel
        assert "start_session = true" in panel
        ready = {**rest, "ready": True, "state": "ready", "session": "s1", "headless": True}
        host.fixed = dataclasses.replace(base, connection={**ready, "fps_recent": 55.0})
        app.refresh_panels()
        await pilot.pause()
        await asyncio.sleep(0.6)  # the headline's calm
        app.refresh_panels()
        await pilot.pause()
        assert "REST CONTROL · 55.0 fps" in screen_text(app)
        assert "session  headless" in app.panels["connection"].text


async def test_the_connection_panel_is_rebuilt_for_its_real_width(
    host: FakeHost, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first build comes before the first layout (a default width, where the URL fits
    beside its label); at 80x24 the panel is narrower, and the URL must go on its own row
    at once, however long the panel's calm interval (here a minute, so that the old
    behaviour, waiting the interval out, cannot pass by luck)."""
    monkeypatch.setattr(ConnectionPanel, "CALM_S", 60.0)
    url = str((host.snapshot().connection or {})["url"])
    app = ConsoleApp(host, refresh_hz=0.01)
    async with app.run_test(size=(80, 24)) as pilot:
        text = await settled(pilot)
    assert url in text, text
