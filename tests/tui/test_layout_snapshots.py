"""Layout snapshots of the show console: SVG screenshots compared with accepted ones.

Each test draws the console from a hand-built, fixed `Snapshot` (no clock, no random, a
fixed preview image), lets the layout settle, and compares the screen with the SVG under
``__snapshots__/test_layout_snapshots/``. A change in how any panel looks fails here;
when the change is wanted, look at the report (``snapshot_report.html``) and accept it with
``pytest tests/tui/test_layout_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from textual.pilot import Pilot

from bridge.snapshot import ControlView, DeviceView, OutputView, PromptView, Snapshot
from bridge.tui.app import PREVIEW_EVERY, ConsoleApp
from bridge.tui.host import PreviewImage
from bridge.tui.screens.help import HelpScreen
from bridge.tui.screens.learn import LearnScreen
from tests.tui.conftest import SIZE, FakeHost, connected

SnapCompare = Callable[..., bool]
"""pytest-textual-snapshot's `snap_compare` fixture (the plugin ships no types)."""

NARROW = (80, 24)
SETTLE_ROUNDS = 12
"""Refreshes allowed for the layout to stop changing: fitted panels change their height on
the first refresh, which changes the rows the list panels below them can show."""
STEADY = PREVIEW_EVERY + 1
"""Refreshes in a row that must leave the screen unchanged: the preview is redrawn on every
PREVIEW_EVERY-th refresh only, so fewer could miss a preview still drawn at the width
assumed before the first layout."""
TIMER_OFF_HZ = 0.01
"""The console's own refresh timer, slowed so it never fires during a test: `settle` does
every refresh, so the order of redraws is the same on a fast or a loaded machine."""
THEME = "textual-dark"
"""Pinned, so a TEXTUAL_THEME in the environment cannot change the footer's colours."""


def colour_bars(height: int = 36, width: int = 64) -> PreviewImage:
    """A fixed preview: eight colour bars over a grey ramp, like a broadcast test card."""
    bars = np.array(
        [
            [192, 192, 192],
            [192, 192, 0],
            [0, 192, 192],
            [0, 192, 0],
            [192, 0, 192],
            [192, 0, 0],
            [0, 0, 192],
            [16, 16, 16],
        ],
        dtype=np.uint8,
    )
    image = np.empty((height, width, 3), dtype=np.uint8)
    image[: height * 3 // 4] = bars[np.arange(width) * len(bars) // width]
    ramp = (np.arange(width) * 255 // (width - 1)).astype(np.uint8)
    image[height * 3 // 4 :] = ramp[:, None]
    return image


def live_show(connection: dict[str, Any] | None, problems: tuple[str, ...] = ()) -> Snapshot:
    """A show in full flight: two prompts mid-transition, a control waiting to be picked up,
    a few inputs (and malformed OSC), the pacer's queue model, audio meters and tempo."""
    return Snapshot(
        t=125.0,
        show="mappings/demo.toml",
        scene="forest",
        transition="running",
        transition_progress=0.4,
        prompts=(
            PromptView("forest", "a misty pine forest at dawn, volumetric light", 0.6, 0.72),
            PromptView("city", "a neon city street in the rain, reflections", 0.4, 0.28),
        ),
        controls=(
            ControlView("f1", "apc ch1 cc48", "prompt.forest.weight", "0.72", ""),
            ControlView("f2", "apc ch1 cc49", "prompt.city.weight", "0.28", "turn up to pick up"),
            ControlView("pad", "apc ch1 note36", "scene.next", "", ""),
            ControlView("fx", "td /fader1", "param.noise_scale", "0.50", ""),
            ControlView("lfo", "lfo sine 8s", "prompt.city.weight", "0.12", ""),
        ),
        output=OutputView(
            sent_total=1532,
            per_s=8.0,
            inflight=1,
            budget=2,
            chunk_hz=4.0,
            paused=False,
            last_payload='{"prompts": [{"text": "a misty pine forest", "weight": 0.72}, '
            '{"text": "a neon city street", "weight": 0.28}]}',
        ),
        connection=connection,
        devices=(
            DeviceView("apc", "midi", "connected", "APC mini mk2"),
            DeviceView("td", "osc", "listening", "127.0.0.1:9000"),
            DeviceView("ndi", "sink", "sending", "Scope Bridge"),
        ),
        events=(
            "apc ch1 cc48=92",
            "apc ch1 cc49=12",
            "td /fader1 0.5",
            "apc ch1 note 36 on 127",
            "apc ch1 cc48=93",
        ),
        event_count=4812,
        problems=problems,
        extra={
            "osc_malformed": 2,
            "audio": {
                "level": 0.62,
                "bass": 0.81,
                "mid": 0.44,
                "high": 0.2,
                "bpm": 124.0,
                "beat_phase": 0.1,
            },
        },
    )


def disconnected() -> dict[str, Any]:
    """The Scope server went away: no frames, a countdown to the next try, the last error."""
    return {
        **connected(),
        "webrtc_state": "closed",
        "channel_open": False,
        "fps_recent": 0.0,
        "reconnect_in_s": 3.2,
        "last_error": "ConnectError: Scope at http://127.0.0.1:8000 refused the connection",
    }


@pytest.fixture
def console(host: FakeHost) -> ConsoleApp:
    """The console over a host that always answers the same snapshot and preview."""
    host.fixed = live_show(connected())
    host.image = colour_bars()
    app = ConsoleApp(host, refresh_hz=TIMER_OFF_HZ)
    app.theme = THEME
    return app


@pytest.fixture(autouse=True)
def colour(monkeypatch: pytest.MonkeyPatch) -> None:
    """The snapshots are in colour: a NO_COLOR in the environment must not change them."""
    monkeypatch.delenv("NO_COLOR", raising=False)


async def settle(pilot: Pilot[None]) -> None:
    """Refresh until the screen stops changing (bounded), so no screenshot catches a
    half-done layout whatever the machine's speed."""
    app = pilot.app
    assert isinstance(app, ConsoleApp)
    await pilot.pause()
    before, unchanged = app.export_screenshot(), 0
    for _ in range(SETTLE_ROUNDS):
        app.refresh_panels()
        await pilot.pause()
        now = app.export_screenshot()
        unchanged = unchanged + 1 if now == before else 0
        if unchanged >= STEADY:
            return
        before = now
    raise AssertionError(f"the layout still changed after {SETTLE_ROUNDS} refreshes")


def then(*keys: str, expect: type | None = None) -> Callable[[Pilot[None]], Awaitable[None]]:
    """Settle, press keys, settle again, and check the screen they were meant to open."""

    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        if keys:
            await pilot.press(*keys)
            await settle(pilot)
        if expect is not None:
            assert isinstance(pilot.app.screen, expect), pilot.app.screen

    return run_before


def shoot(
    snap_compare: SnapCompare,
    app: ConsoleApp,
    size: tuple[int, int] = SIZE,
    keys: Iterable[str] = (),
    expect: type | None = None,
) -> bool:
    """One screenshot of the console at this size, after these keys, against its SVG."""
    return snap_compare(app, terminal_size=size, run_before=then(*keys, expect=expect))


def test_full_console_connected(snap_compare: SnapCompare, console: ConsoleApp) -> None:
    """120x40, connected: every panel filled, a transition at 40%, a control to pick up."""
    assert shoot(snap_compare, console)


def test_full_console_reconnecting(
    snap_compare: SnapCompare, console: ConsoleApp, host: FakeHost
) -> None:
    """120x40 with Scope gone: yellow countdown headline, retry line, the error, a problem."""
    host.fixed = live_show(
        disconnected(), problems=("scope: the session dropped; reconnecting with back-off",)
    )
    assert shoot(snap_compare, console)


def test_output_frozen(snap_compare: SnapCompare, console: ConsoleApp, host: FakeHost) -> None:
    """Frozen output: the red banner in the headline and on top of the Output panel."""
    assert host.fixed is not None
    host.fixed = replace(host.fixed, output=replace(host.fixed.output, paused=True))
    assert shoot(snap_compare, console)


def test_narrow_terminal(snap_compare: SnapCompare, console: ConsoleApp) -> None:
    """80x24: the same show squeezed; lists clip with "… n more" instead of scrolling."""
    assert shoot(snap_compare, console, NARROW)


def test_help_screen(snap_compare: SnapCompare, console: ConsoleApp) -> None:
    """? opens every key with its sentence over the dimmed console."""
    assert shoot(snap_compare, console, keys=["question_mark"], expect=HelpScreen)


def test_learn_dialog(snap_compare: SnapCompare, console: ConsoleApp, host: FakeHost) -> None:
    """l, Enter on the first target: the dialog shows the control that moved, in green."""
    host.candidate = "apc ch1 cc50 (moved to 87)"
    assert shoot(snap_compare, console, keys=["l", "enter"], expect=LearnScreen)
