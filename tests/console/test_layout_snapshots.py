"""Layout snapshots of the show console: SVG screenshots compared with accepted ones.

Each test draws the console from a hand-built, fixed `Snapshot` (no clock, no random, a
fixed preview image), lets the layout settle, and compares the screen with the SVG under
``__snapshots__/test_layout_snapshots/``. A change in how any panel looks fails here;
when the change is wanted, look at the report (``snapshot_report.html``) and accept it with
``pytest tests/console/test_layout_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from textual.pilot import Pilot

from bridge.console.app.app import PREVIEW_EVERY, ConsoleApp
from bridge.console.app.screens.confirm import ConfirmScreen
from bridge.console.app.screens.help import HelpScreen
from bridge.console.app.screens.learn import LearnScreen
from bridge.console.wire.host import PreviewImage
from bridge.watch.snapshot import ControlView, DeviceView, OutputView, PromptView, Snapshot
from tests.console.conftest import SIZE, FakeHost, connected

SnapCompare = Callable[..., bool]
"""pytest-textual-snapshot's `snap_compare` fixture (the plugin ships no types)."""

NARROW = (80, 24)
MEDIUM = (100, 30)
SIZES = [NARROW, MEDIUM, SIZE]
SIZE_IDS = ["80x24", "100x30", "120x40"]
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
            DeviceView("apc", "midi in", "connected", "APC mini mk2"),
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


def crowded_show() -> Snapshot:
    """A show written from scratch for a Launch Control XL and Resolume: long device, OSC and
    target names, more mappings than any screen holds, a controller that is not plugged in,
    a problem, tempo from Resolume, and Scope behind a long RunPod URL."""
    base = live_show(
        {**connected(), "url": "https://a1b2c3d4e5f6g7-8000.proxy.runpod.net"},
        problems=(
            "midi lcxl-left-hand: no MIDI input matches 'Launch Control XL*' (ports seen: "
            "Midi Through Port-0)",
        ),
    )
    controls = [
        ControlView(
            f"fader-{n}",
            f"lcxl-left-hand ch9 cc{76 + n}",
            f"prompt.{slot}.weight",
            f"{0.1 * n:.2f}",
            "turn down to pick up" if n == 2 else "",
        )
        for n, slot in enumerate(("forest_at_dawn", "neon_city_rain", "ocean_violet"), start=1)
    ]
    controls += [
        ControlView(
            f"pad-{n}",
            "resolume /composition/layers/1/clips/" + str(n) + "/connect",
            "scene.next" if n % 2 else "scene",
            "" if n % 2 else "sunrise-over-the-harbour",
            "",
        )
        for n in range(1, 9)
    ]
    controls += [
        ControlView("steps", "lcxl-left-hand ch9 cc13", "transition.num_steps", "4", ""),
        ControlView("bias", "td /kv_cache", "kv_cache_attention_bias", "0.30", ""),
        ControlView("my-own-pad", "apc ch1 note 36", "prompt.forest_at_dawn.text", "dusk", ""),
    ]
    return replace(
        base,
        prompts=(
            PromptView("forest_at_dawn", "a misty pine forest at dawn, volumetric light", 0.6, 0.7),
            PromptView("neon_city_rain", "a neon city street in the rain, reflections", 0.3, 0.3),
            PromptView(
                "ocean_violet", "deep ocean waves under a violet sky, long exposure", 0.0, 0.1
            ),
        ),
        scene="sunrise-over-the-harbour",
        controls=tuple(controls),
        devices=(
            DeviceView("lcxl-left-hand", "midi in", "missing", "Launch Control XL*"),
            DeviceView("lcxl-left-hand", "midi out", "missing", "Launch Control XL*"),
            DeviceView("resolume", "osc in", "listening", "127.0.0.1:7001 tempo resolume"),
            DeviceView("td", "osc in", "listening", "127.0.0.1:9000"),
            DeviceView("rec", "sink", "sending", "recordings/set-2026-12-02-2130.mkv"),
        ),
        events=(
            "resolume /composition/layers/1/clips/2/connect 1",
            "resolume /composition/tempocontroller/tempo 0.4375",
            "td /kv_cache 0.3",
        ),
        extra={**base.extra, "audio": {}, "tempo": {"bpm": 140.0, "beat_phase": 0.5}},
    )


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


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_demo(snap_compare: SnapCompare, console: ConsoleApp, size: tuple[int, int]) -> None:
    """Connected, every panel filled, a transition at 40%, a control to pick up: all nine
    numbered panels and the footer's Help and Quit at every size."""
    assert shoot(snap_compare, console, size)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_crowded_show(
    snap_compare: SnapCompare, console: ConsoleApp, host: FakeHost, size: tuple[int, int]
) -> None:
    """Long names shortened in the middle (never the URL), Controls scrolling, the missing
    controller and its problem kept on screen first."""
    host.fixed = crowded_show()
    assert shoot(snap_compare, console, size)


def test_full_console_reconnecting(
    snap_compare: SnapCompare, console: ConsoleApp, host: FakeHost
) -> None:
    """120x40 with Scope gone: yellow countdown headline, retry line, the error, a problem."""
    host.fixed = live_show(
        disconnected(), problems=("scope: the session dropped; reconnecting with back-off",)
    )
    assert shoot(snap_compare, console)


def test_output_frozen(snap_compare: SnapCompare, console: ConsoleApp, host: FakeHost) -> None:
    """Frozen output: the red banner in the headline and on top of the Output panel, and
    the frame count saying the picture repeats."""
    assert host.fixed is not None
    host.fixed = replace(host.fixed, output=replace(host.fixed.output, paused=True))
    assert shoot(snap_compare, console)


@pytest.mark.parametrize("size", [NARROW, SIZE], ids=["80x24", "120x40"])
def test_help_screen(snap_compare: SnapCompare, console: ConsoleApp, size: tuple[int, int]) -> None:
    """? opens every key with its sentence over the dimmed console; at 80x24 it scrolls."""
    assert shoot(snap_compare, console, size, keys=["question_mark"], expect=HelpScreen)


def test_help_screen_scrolled_to_its_end(snap_compare: SnapCompare, console: ConsoleApp) -> None:
    """80x24, End: the last keys, ctrl+p and the marks' legend come into view."""
    assert shoot(snap_compare, console, NARROW, keys=["question_mark", "end"], expect=HelpScreen)


def test_learn_dialog(snap_compare: SnapCompare, console: ConsoleApp, host: FakeHost) -> None:
    """l, Enter on the first target: the dialog shows the control that moved, in green."""
    host.candidate = "apc ch1 cc50 (moved to 87)"
    assert shoot(snap_compare, console, keys=["l", "enter"], expect=LearnScreen)


def test_save_question_at_80x24(snap_compare: SnapCompare, console: ConsoleApp) -> None:
    """ctrl+s over the shipped demo: the file, what is written, the warning, both buttons."""
    assert shoot(snap_compare, console, NARROW, keys=["ctrl+s"], expect=ConfirmScreen)
