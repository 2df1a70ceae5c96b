"""A hand-written console host over a real `Bridge` (demo show, no transport), and its app.

The host records every command, serves real snapshots taken from the bridge (so keys that
change the show change what the console draws), and lets a test set the connection dict,
the devices, the extras, the preview image and what reload/learn answer.
"""

from __future__ import annotations

import asyncio
import html
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from textual.pilot import Pilot

from bridge.config.load import load_show
from bridge.console.app.app import ConsoleApp
from bridge.console.wire.host import PreviewImage
from bridge.core import events as ev
from bridge.running.bridge import Bridge
from bridge.watch.snapshot import DeviceView, Snapshot, take

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "mappings" / "demo.toml"
SIZE = (120, 40)
BRIDGE_STEPS = 60_000
"""The fake bridge loop's bound: 10 ms steps, far longer than any test."""


def connected() -> dict[str, Any]:
    """A connection dict the way the Scope link reports a healthy session."""
    return {
        "url": "http://127.0.0.1:8000",
        "server_version": "0.1.4",
        "pipeline_id": "longlive",
        "width": 576,
        "height": 320,
        "load_state": "loaded",
        "webrtc_state": "connected",
        "channel_open": True,
        "fps_recent": 16.0,
        "fps_measured": 16.0,
        "frames_total": 1234,
        "connects": 1,
        "reconnect_in_s": None,
        "last_error": None,
    }


def gradient(height: int = 36, width: int = 64) -> PreviewImage:
    """A test card: red rises left to right, green top to bottom."""
    y, x = np.mgrid[0:height, 0:width]
    image = np.zeros((height, width, 3), dtype=np.uint8)
    image[..., 0] = x * 255 // (width - 1)
    image[..., 1] = y * 255 // (height - 1)
    image[..., 2] = 40
    return image


class FakeHost:
    """A ConsoleHost for tests: real snapshots, recorded calls, scripted answers."""

    def __init__(self, bridge: Bridge) -> None:
        self.bridge = bridge
        self.calls: list[tuple[str, Any]] = []
        self.submitted: list[ev.UiAction] = []
        self.connection: dict[str, Any] | None = connected()
        self.devices: list[DeviceView] = [
            DeviceView("apc", "midi in", "connected", "APC mini mk2"),
            DeviceView("ndi", "sink", "failed", "NDI runtime missing"),
        ]
        self.extra: dict[str, Any] = {"osc_malformed": 3, "sinks": ["ndi", "rec"]}
        self.fixed: Snapshot | None = None
        self.snapshots = 0
        self.reload_error: str | None = None
        self.targets = ["prompt.forest.weight", "prompt.city.weight", "scene.next"]
        self.candidate: str | None = None
        self.conflicts: list[str] = []
        self.image: PreviewImage | None = gradient()
        self.bridge_steps = 0
        self.bridge_running = False
        self.bridge_raises: Exception | None = None

    # -- ConsoleHost ---------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        self.snapshots += 1
        if self.fixed is not None:
            return self.fixed
        return take(
            self.bridge,
            connection=lambda: self.connection,
            devices=[lambda: self.devices],
            extra=lambda: dict(self.extra),
        )

    def submit(self, event: ev.Event) -> None:
        assert isinstance(event, ev.UiAction), event
        self.submitted.append(event)
        self.bridge.submit(event)

    def reload(self) -> str | None:
        self.calls.append(("reload", None))
        return self.reload_error

    def reconnect(self) -> None:
        self.calls.append(("reconnect", None))

    def save(self) -> str:
        self.calls.append(("save", None))
        return "Saved the show to /tmp/show.toml."

    def toggle_sink(self, name: str) -> str:
        self.calls.append(("toggle_sink", name))
        return f"{name} off"

    def learn_targets(self) -> list[str]:
        self.calls.append(("learn_targets", None))
        return list(self.targets)

    def learn_start(self, target: str) -> None:
        self.calls.append(("learn_start", target))

    def learn_candidate(self) -> str | None:
        return self.candidate

    def learn_conflicts(self) -> list[str]:
        return list(self.conflicts) if self.candidate is not None else []

    def learn_confirm(self, move: bool = False) -> str:
        self.calls.append(("learn_move" if move else "learn_confirm", self.candidate))
        return f"{'Moved' if move else 'Learned'} {self.candidate}."

    def learn_cancel(self) -> None:
        self.calls.append(("learn_cancel", None))

    async def run_bridge(self) -> None:
        self.bridge_running = True
        try:
            for _ in range(BRIDGE_STEPS):
                if self.bridge_raises is not None:
                    raise self.bridge_raises
                self.bridge_steps += 1
                await asyncio.sleep(0.01)
        finally:
            self.bridge_running = False

    def preview(self) -> PreviewImage | None:
        return self.image

    # -- test helpers --------------------------------------------------------------------
    def named(self, name: str) -> list[Any]:
        return [arg for call, arg in self.calls if call == name]


@pytest.fixture
def bridge() -> Bridge:
    """The demo show with no transport, and a couple of real input events in its history."""
    b = Bridge(load_show(DEMO))
    b.submit(ev.ControlChange(b.clock(), "apc", 1, 48, 100))
    b.submit(ev.OscMessage(b.clock(), "td", "/fader1", (0.5,)))
    return b


@pytest.fixture
def host(bridge: Bridge) -> FakeHost:
    return FakeHost(bridge)


@pytest.fixture
def app(host: FakeHost) -> ConsoleApp:
    return ConsoleApp(host)


def screen_text(app: ConsoleApp) -> str:
    """What a person sees: the screen's text from Textual's own SVG export."""
    svg = app.export_screenshot()
    text = re.sub(r"<[^>]+>", "", svg.split("<g", 1)[1] if "<g" in svg else svg)
    return html.unescape(text).replace("\xa0", " ")


SETTLE_ROUNDS = 20
"""Refreshes allowed for the console's layout to settle (bounded, whatever the machine)."""


async def settled(pilot: Pilot[None]) -> str:
    """What a person sees once the layout stopped changing: a panel's height follows its
    content one refresh later, so one pause can catch a half-done screen on a busy machine.
    Refreshes (and pauses) until two screens in a row agree, then returns that screen."""
    app = pilot.app
    assert isinstance(app, ConsoleApp)
    await pilot.pause()
    before = screen_text(app)
    for _ in range(SETTLE_ROUNDS):
        app.refresh_panels()
        await pilot.pause()
        now = screen_text(app)
        if now == before:
            return now
        before = now
    raise AssertionError(f"the screen still changed after {SETTLE_ROUNDS} refreshes")
