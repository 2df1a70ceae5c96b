"""Scope's ``tempo_update`` to tempo events (pure): its phase as of arrival, a beat when the
count moves on, nothing from a stopped clock once it played or from a meaningless field."""

from __future__ import annotations

from typing import Any

from bridge.inputs.scope_tempo import ScopeTempo


def update(beat: float, bpm: float = 120.0, playing: bool = True) -> dict[str, Any]:
    return {
        "type": "tempo_update",
        "bpm": bpm,
        "beat_phase": round(beat % 1.0, 4),
        "bar_position": round(beat % 4.0, 4),
        "beat_count": int(beat),
        "is_playing": playing,
    }


def test_a_beat_is_marked_when_the_count_moves_on() -> None:
    scope = ScopeTempo()
    first = scope.feed(update(3.8), 10.0)
    assert [(e.source, e.bpm, e.beat_phase, e.beat) for e in first] == [
        ("scope", 120.0, 0.8, False)
    ]
    (second,) = scope.feed(update(4.05), 10.125)
    assert second.beat
    assert second.downbeat
    assert abs(second.bar_phase - 0.05 / 4) < 1e-9
    (third,) = scope.feed(update(4.3), 10.25)
    assert not third.beat


def test_a_stopped_clock_gives_nothing_once_it_played() -> None:
    scope = ScopeTempo()
    assert scope.feed(update(1.0, playing=False), 1.0)  # never played: a tempo all along
    assert scope.feed(update(1.5, playing=True), 1.25)
    assert scope.feed(update(2.0, playing=False), 1.5) == []


def test_a_meaningless_field_gives_nothing() -> None:
    scope = ScopeTempo()
    for bad in ({"bpm": "fast"}, {"bpm": float("nan")}, {"bpm": 0.0}, {"beat_count": True}):
        assert scope.feed({**update(1.0), **bad}, 1.0) == []
    assert scope.feed({"type": "tempo_update"}, 1.0) == []
