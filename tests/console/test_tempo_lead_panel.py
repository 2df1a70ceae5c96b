"""The console says who leads the tempo, the last change and Link's peers; so does the
headless summary."""

from __future__ import annotations

import dataclasses

from bridge.config.load import load_show
from bridge.console.app.app import ConsoleApp
from bridge.running.bridge import Bridge
from bridge.watch.headless import summary_line
from bridge.watch.snapshot import take
from tests.console.conftest import DEMO, SIZE, FakeHost, settled


async def test_the_audio_panel_says_who_leads_and_links_peers(
    app: ConsoleApp, host: FakeHost
) -> None:
    host.extra["tempo"] = {
        "source": "link",
        "bpm": 128.0,
        "beat_phase": 0.25,
        "age_s": 0.01,
        "leader": "link",
        "change": "link leads (was deck; the beat moves 0.20 beat onto it)",
        "link_peers": 2,
    }
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        lines = app.panels["audio"].text.splitlines()
    assert lines[0] == "tempo 128.0 bpm link"
    assert (
        lines[2] == "lead  link leads (was deck; the beat moves 0.20 beat onto it) · link 2 peers"
    )


def test_the_headless_summary_shows_links_peers_and_the_phase() -> None:
    snap = take(Bridge(load_show(DEMO)))
    tempo = {"source": "link", "bpm": 128.0, "beat_phase": 0.25, "link_peers": 2}
    line = summary_line(dataclasses.replace(snap, extra={"tempo": tempo}))
    assert " · tempo 128.0 bpm (link, phase 0.25, 2 peers) · " in line
    alone = {"leader": None, "link_peers": 0}
    line = summary_line(dataclasses.replace(snap, extra={"tempo": alone}))
    assert " · tempo none (link, 0 peers)" in line
    gone = {"source": "link", "bpm": 128.0, "beat_phase": 0.5, "leader": None, "link_peers": 1}
    line = summary_line(dataclasses.replace(snap, extra={"tempo": gone}))
    assert " · tempo 128.0 bpm (link, silent, 1 peer) · " in line


async def test_the_audio_panel_says_how_far_scopes_beat_is(app: ConsoleApp, host: FakeHost) -> None:
    host.extra["tempo"] = {"source": "deck", "bpm": 120.0, "leader": "deck", "scope_off_ms": -12.4}
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        lines = app.panels["audio"].text.splitlines()
    assert "lead  scope -12 ms" in lines


async def test_the_audio_panel_says_where_the_last_quantised_change_landed(
    app: ConsoleApp, host: FakeHost
) -> None:
    host.extra["tempo"] = {
        "source": "scope",
        "bpm": 120.0,
        "leader": "scope",
        "landed_ms": 23.6,
        "lead_ms": 140,
        "quantize_by": "Scope schedules quantised changes",
        "scope_change": "Scope applied a change (412 ms after it was sent)",
    }
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        text = app.panels["audio"].text
    assert "onbeat last landed +24 ms · sent 140 ms early" in text
    assert "Scope schedules quantised changes" in text
    assert "Scope applied a change (412 ms after it was sent)" in text
