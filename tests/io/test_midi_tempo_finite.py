"""MIDI clock into tempo: a tick with a stamp no clock gives, or ticks too close together to
measure, never make a NaN or infinite BPM."""

from __future__ import annotations

import math

from bridge.core.events import MidiClock
from bridge.inputs.midi_assembly import ClockTempo


def tick(t: float) -> MidiClock:
    return MidiClock(t, "clk", "tick")


def test_ticks_too_close_to_measure_give_no_bpm() -> None:
    """Two ticks 5e-324 s apart would make an infinite BPM: no estimate instead."""
    tempo = ClockTempo("clk")
    tempo.feed(MidiClock(0.0, "clk", "start"))
    beats = tempo.feed(tick(0.0)) + tempo.feed(tick(5e-324))
    assert tempo.bpm is None
    assert all(math.isfinite(b.bpm) for b in beats)


def test_a_non_finite_stamp_is_not_a_tick() -> None:
    """NaN and inf stamps are ignored; the estimate from real ticks stands."""
    tempo = ClockTempo("clk")
    tempo.feed(MidiClock(0.0, "clk", "start"))
    out = []
    for i in range(48):
        out += tempo.feed(tick(i * 0.5 / 24))  # 120 BPM
        out += tempo.feed(tick(float("nan"))) + tempo.feed(tick(float("inf")))
    assert tempo.bpm is not None
    assert abs(tempo.bpm - 120.0) < 1e-6
    assert out
    assert all(math.isfinite(b.bpm) and math.isfinite(b.t) for b in out)
