"""One tempo in the running bridge: of two sources the engine hears only the leader's, and
the log says who leads and when that changes (one line each)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bridge.config.load import load_show
from bridge.core import events as ev
from bridge.running.bridge import Bridge
from bridge.running.tempo import TempoSources
from bridge.watch.headless import tempo_part
from bridge.watch.snapshot import take

SHOW = """
[[prompts]]
id = "a"
text = "a field"
[transition]
quantize = "beat"
[tempo]
order = [{order}]
[devices.midi.deck]
port = "deck"
clock = true
[devices.osc.live]
port = 9124
tempo = "ableton"
"""


def bridge_for(tmp_path: Path, order: str) -> Bridge:
    (tmp_path / "show.toml").write_text(SHOW.format(order=order))
    return Bridge(load_show(tmp_path / "show.toml"))


def feed_both(bridge: Bridge, until: float, deck_until: float, start: float = 0.0) -> set[float]:
    """The deck's clock at 120 BPM, the host's beats at 90 BPM, time passing; the tempi the
    engine's beat clock held along the way."""
    held: set[float] = set()
    t = start
    while t < until:
        if t < deck_until and (round(t * 1000) % 125) == 0:  # 4 events a beat at 120
            beats = t * 2.0
            bridge.submit(
                ev.TempoBeat(t, "deck", 120.0, beats % 1.0, (beats % 4) / 4, beat=beats % 1.0 == 0)
            )
        if (round(t * 1000) % 666) == 0:  # a beat every 2/3 s: 90 BPM
            bridge.submit(ev.TempoBeat(t, "live", 90.0, 0.0, 0.0, beat=True))
        bridge.submit(ev.Tick(t))
        held.add(bridge.engine.beat_clock.bpm)
        t = round(t + 0.001, 3)
    return held


async def test_the_engine_hears_the_leader_only_and_the_log_says_who_leads(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    bridge = bridge_for(tmp_path, '"midi", "osc"')
    sources = TempoSources(bridge.show, bridge)
    sources.start()
    caplog.set_level(logging.INFO, logger="bridge")
    assert feed_both(bridge, 3.0, deck_until=10.0) == {120.0}  # never the host's 90
    assert bridge.tempo is not None
    assert bridge.tempo.source == "deck"
    assert sources.view()["leader"] == "deck"
    # the deck stops: the host takes over once the deck has been silent long enough
    assert feed_both(bridge, 8.0, deck_until=3.0, start=3.0) == {120.0, 90.0}
    assert bridge.engine.beat_clock.bpm == 90.0
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("tempo:")]
    assert lines[0] == "tempo: deck leads"
    assert lines[1].startswith("tempo: live leads (was deck")
    assert len(lines) == 2
    snap = take(bridge, extra=lambda: {"tempo": {"bpm": 90.0, "source": "live", "beat_phase": 0.5}})
    assert tempo_part(snap) == " · tempo 90.0 bpm (live, phase 0.50)"


async def test_the_declared_order_decides(tmp_path: Path) -> None:
    bridge = bridge_for(tmp_path, '"osc", "midi"')
    assert feed_both(bridge, 3.0, deck_until=10.0) == {90.0}
    assert bridge.tempo is not None
    assert bridge.tempo.source == "live"
    assert bridge.engine.beat_clock.bpm == 90.0


async def test_scopes_clock_is_checked_against_the_leader(tmp_path: Path) -> None:
    """A MIDI clock leads; Scope's clock runs a tenth of a beat ahead: 50 ms at 120 BPM."""
    bridge = bridge_for(tmp_path, '"midi", "scope"')
    sources = TempoSources(bridge.show, bridge)
    sources.start()
    now = bridge.clock()
    for k in range(8):
        beats = k / 4
        bridge.submit(ev.TempoBeat(now + k * 0.125, "deck", 120.0, beats % 1.0, (beats % 4) / 4))
    bridge.clock = lambda: now + 0.9  # Scope's message arrives at 0.9 s, beat 1.8 + 0.1
    sources.scope_update(
        {"bpm": 120.0, "beat_phase": 0.9, "bar_position": 1.9, "beat_count": 1, "is_playing": True}
    )
    assert sources.view()["leader"] == "deck"
    assert sources.view()["scope_off_ms"] == 50.0


async def test_problems_says_when_scopes_clock_parts_from_the_leaders(tmp_path: Path) -> None:
    """50 ms apart for three readings in a row: one Problem naming both clocks; when they
    agree again it clears. One reading apart is no news."""
    bridge = bridge_for(tmp_path, '"midi", "scope"')
    sources = TempoSources(bridge.show, bridge)
    sources.start()
    now = bridge.clock()
    for k in range(8):
        beats = k / 4
        bridge.submit(ev.TempoBeat(now + k * 0.125, "deck", 120.0, beats % 1.0, (beats % 4) / 4))

    def scope_at(t: float, ahead_beats: float) -> None:
        bridge.clock = lambda: now + t
        beats = t * 2.0 + ahead_beats
        body = {"bpm": 120.0, "beat_phase": beats % 1.0, "bar_position": beats % 4.0}
        sources.scope_update({**body, "beat_count": int(beats), "is_playing": True})

    scope_at(0.88, 0.1)
    scope_at(0.9, 0.0)
    assert not [p for p in bridge.problems if p.where == "tempo"]
    for t in (0.9, 0.92, 0.94):
        scope_at(t, 0.1)
    (problem,) = [p for p in bridge.problems if p.where == "tempo"]
    assert problem.message.startswith("Scope's beat is +50 ms from deck's, which leads")
    scope_at(0.96, 0.0)
    assert not [p for p in bridge.problems if p.where == "tempo"]


TWO_TARGETS = """
[scope.targets.left]
url = "http://127.0.0.1:18101"
[scope.targets.right]
url = "http://127.0.0.1:18102"
[[prompts]]
id = "a"
text = "a field"
[transition]
quantize = "beat"
[tempo]
quantize_by = "scope"
"""


async def test_with_several_targets_the_bridge_quantises_and_says_why(tmp_path: Path) -> None:
    """One Scope's scheduler cannot hold a change for the others: with two targets the
    bridge keeps the quantiser even while Scope's clock is heard, and the console says why."""
    (tmp_path / "show.toml").write_text(TWO_TARGETS)
    bridge = Bridge(load_show(tmp_path / "show.toml"))
    sources = TempoSources(bridge.show, bridge)
    sources.start()
    now = bridge.clock()
    for k in range(4):
        at = now + k * 0.5
        bridge.clock = lambda at=at: at  # type: ignore[misc]
        sources.scope_update(
            {
                "bpm": 120.0,
                "beat_phase": 0.0,
                "bar_position": float(k % 4),
                "beat_count": k,
                "is_playing": True,
            }
        )
        bridge.submit(ev.Tick(at))
    assert sources.scope_heard is not None  # Scope's clock is heard
    assert sources.scheduling == "targets"
    assert not bridge.engine.beat_clock.by_scope
    assert "several Scope targets" in sources.view()["quantize_by"]
