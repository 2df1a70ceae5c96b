"""The bridge's change counter for the console (`bridge.console.serve.feed`): what moves while
nothing happens does not make a snapshot new; what a performer watches does."""

from __future__ import annotations

from typing import Any

from bridge.console.serve.feed import Feed
from bridge.console.wire.timing import TEMPO_RUNS_S


def snapshot(t: float, fps: float, tempo: dict[str, Any]) -> dict[str, Any]:
    return {
        "t": t,
        "scene": "day",
        "connection": {"webrtc_state": "connected", "fps_recent": fps},
        "output": {"sent_total": 3, "per_s": 0.0},
        "extra": {"tempo": tempo},
    }


def test_a_running_tempo_moving_its_phase_is_a_change() -> None:
    """The beat light moves with the phase while the tempo is heard: every new phase is a
    new snapshot, not one a second."""
    feed = Feed()
    seen = feed.since(-1, snapshot(1.0, 16.0, {"bpm": 120.0, "beat_phase": 0.1, "age_s": 0.1}))[
        "version"
    ]
    answer = feed.since(seen, snapshot(1.1, 16.0, {"bpm": 120.0, "beat_phase": 0.3, "age_s": 0.2}))
    assert "snapshot" in answer
    assert answer["version"] == seen + 1


def test_clocks_rates_and_a_stale_tempo_are_no_change() -> None:
    """The clock, the frame rate and a tempo no longer heard (its phase still moving on
    paper) tick while nothing happens: the console gets a tiny "no"."""
    feed = Feed()
    old = TEMPO_RUNS_S + 1.0
    first = snapshot(1.0, 16.0, {"bpm": 120.0, "beat_phase": 0.1, "age_s": old})
    seen = feed.since(-1, first)["version"]
    later = snapshot(1.1, 15.9, {"bpm": 120.0, "beat_phase": 0.3, "age_s": old + 0.1})
    assert feed.since(seen, later) == {"version": seen}
    changed = {**later, "scene": "night"}
    assert feed.since(seen, changed)["snapshot"] == changed
