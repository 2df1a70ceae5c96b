"""What the console says is true: the events count matches the list, a steps knob shows
whole steps, the show's own mappings come first, tempo says where it comes from, a reload
from a file edit is said like ctrl+r's, and anything wrong puts a badge in the headline."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from bridge.config.load import load_show
from bridge.console.app.app import ConsoleApp
from bridge.core import events as ev
from bridge.running.bridge import Bridge
from bridge.running.runtime import Runtime
from bridge.watch.snapshot import describe_event, take
from tests.console.conftest import DEMO, SIZE, FakeHost, screen_text, settled


def test_clock_ticks_are_not_events_and_do_not_push_inputs_out() -> None:
    """The demo's LFOs tick 60 times a second: the monitor still shows the last OSC input,
    and the count says how many inputs came, not how many ticks."""
    bridge = Bridge(load_show(DEMO))
    bridge.submit(ev.OscMessage(bridge.clock(), "td", "/fader1", (0.5,)))
    for _ in range(600):
        bridge.submit(ev.Tick(bridge.clock()))
    snap = take(bridge)
    assert snap.event_count == 1
    assert snap.events == ("td /fader1 0.5",)


def test_tempo_events_have_a_readable_name() -> None:
    beat = ev.TempoBeat(1.0, "resolume", 140.0, 0.0, 0.0, beat=True)
    assert describe_event(beat) == "resolume tempo 140.0 bpm beat"
    assert describe_event(dataclasses.replace(beat, downbeat=True)) == (
        "resolume tempo 140.0 bpm downbeat"
    )


SHOW = """
schema = 1
include = ["profile.toml"]
[[prompts]]
id = "p"
text = "t"
[devices.osc.td]
port = 9000
[[mappings]]
id = "my-steps"
source = {{ osc = "td", address = "/steps" }}
target = "transition.num_steps"
[[mappings]]
id = "my-freeze"
source = {{ osc = "td", address = "/freeze" }}
target = "paused"
"""
PROFILE = """
[[mappings]]
id = "profile-fader"
source = { osc = "td", address = "/fader" }
target = "prompt.p.weight"
"""


def test_whole_steps_frozen_or_live_and_own_mappings_first(tmp_path: Path) -> None:
    (tmp_path / "profile.toml").write_text(PROFILE)
    (tmp_path / "show.toml").write_text(SHOW.format())
    bridge = Bridge(load_show(tmp_path / "show.toml"))
    bridge.submit(ev.OscMessage(bridge.clock(), "td", "/steps", (0.063,)))  # 64 x 0.063
    bridge.submit(ev.OscMessage(bridge.clock(), "td", "/freeze", (1.0,)))
    controls = {c.id: c for c in take(bridge).controls}
    assert [c.id for c in take(bridge).controls] == ["my-steps", "my-freeze", "profile-fader"]
    assert controls["my-steps"].value == "4"
    assert controls["my-freeze"].value == "frozen"


async def test_tempo_from_a_host_reaches_the_status_json(tmp_path: Path) -> None:
    """Resolume's tempo with no audio in the show: source and BPM in the snapshot that
    `scope-bridge status` prints."""
    (tmp_path / "show.toml").write_text(
        'schema = 1\n[[prompts]]\nid = "p"\ntext = "t"\n[devices.osc.resolume]\nport = 7001\n'
        'tempo = "resolume"\n'
    )
    runtime = Runtime(load_show(tmp_path / "show.toml"))
    runtime.bridge.submit(ev.TempoBeat(runtime.bridge.clock(), "resolume", 140.0, 0.0, 0.0))
    status = json.loads(runtime.snapshot().to_json())
    tempo = status["extra"]["tempo"]
    assert (tempo["source"], tempo["bpm"]) == ("resolume", 140.0)
    assert 0.0 <= tempo["beat_phase"] < 1.0


async def test_the_audio_panel_shows_a_host_tempo_without_audio(
    app: ConsoleApp, host: FakeHost
) -> None:
    host.extra["tempo"] = {"source": "resolume", "bpm": 140.0, "beat_phase": 0.1, "age_s": 0.2}
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        text = app.panels["audio"].text
    assert text.splitlines()[0] == "tempo 140.0 bpm resolume"
    assert "no audio input" in text
    assert "no audio or tempo" not in text


async def test_a_reload_from_a_file_edit_is_said(app: ConsoleApp, host: FakeHost) -> None:
    host.extra["reloads"] = 0
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settled(pilot)
        host.extra["reloads"] = 1  # the runtime reloaded: the file changed on disk
        app.refresh_panels()
        await pilot.pause()
        assert "Show reloaded: its file changed on disk." in screen_text(app)


async def test_the_headline_wears_a_badge_while_anything_is_wrong(
    app: ConsoleApp, host: FakeHost
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        assert "⚠" not in await settled(pilot)
        host.fixed = dataclasses.replace(
            host.snapshot(), problems=("midi apc: not plugged in", "ndi: runtime missing")
        )
        app.refresh_panels()
        await pilot.pause()
        assert "⚠ 2 problems" in screen_text(app)
        host.fixed = dataclasses.replace(host.fixed, problems=())
        app.refresh_panels()
        await pilot.pause()
        assert "⚠" not in screen_text(app)


def test_the_headless_summary_names_the_tempo_and_its_source() -> None:
    from bridge.watch.headless import summary_line

    bridge = Bridge(load_show(DEMO))
    snap = take(bridge)
    assert "tempo" not in summary_line(snap)
    snap = dataclasses.replace(snap, extra={"tempo": {"source": "resolume", "bpm": 140.0}})
    assert " · tempo 140.0 bpm (resolume) · " in summary_line(snap)
