"""Tempo tracking, beat events and the tempo controls (external clock, ×2, ÷2, tap)."""

from __future__ import annotations

import numpy as np
import pytest

from bridge.core.events import AudioFeatures, Event, TempoBeat
from bridge.features import AudioAnalyser
from bridge.features.taps import TapTempo

from .signals import BLOCK, SR, click_track, feed


def beats_of(events: list[Event]) -> list[TempoBeat]:
    return [e for e in events if isinstance(e, TempoBeat)]


def bpm_of(events: list[Event]) -> float:
    features = [e for e in events if isinstance(e, AudioFeatures)]
    assert features, "no AudioFeatures"
    return features[-1].values["bpm"]


@pytest.mark.parametrize("bpm", [84.0, 120.0, 139.0])
def test_click_track_tempo_and_beats(bpm: float) -> None:
    """On a click track the tempo is found within 1 BPM and beats land on the clicks."""
    audio, truth = click_track(bpm, 12.0, offset=0.25)
    events = feed(AudioAnalyser(SR, BLOCK), audio)
    assert abs(bpm_of(events) - bpm) < 1.0
    late = [b.t for b in beats_of(events) if b.t > 6.0]
    assert len(late) >= int(5.5 * bpm / 60.0)
    for t in late:
        nearest = min(truth, key=lambda x: abs(x - t))
        assert abs(t - nearest) < 0.03, (t, nearest)
    downbeats = [b for b in beats_of(events) if b.t > 6.0 and b.downbeat]
    assert 0 < len(downbeats) <= len(late) // 4 + 1


def test_beats_are_never_repeated_or_out_of_order() -> None:
    """Beat times strictly increase and are about one period apart once locked."""
    audio, _ = click_track(128.0, 10.0)
    times = [b.t for b in beats_of(feed(AudioAnalyser(SR, BLOCK), audio))]
    gaps = np.diff([t for t in times if t > 5.0])
    assert np.all(gaps > 0.0)
    assert np.all(np.abs(gaps - 60.0 / 128.0) < 0.03)


def test_double_and_halve() -> None:
    """×2 doubles the reported tempo and the beat rate; ÷2 twice halves it."""
    audio, _ = click_track(100.0, 16.0)
    analyser = AudioAnalyser(SR, BLOCK)
    first = feed(analyser, audio[: 8 * SR])
    assert abs(bpm_of(first) - 100.0) < 1.0
    analyser.double()
    doubled = feed(analyser, audio[8 * SR : 12 * SR], start=8.0)
    assert abs(bpm_of(doubled) - 200.0) < 2.0
    assert 14 <= len(beats_of(doubled)) <= 16  # 4 s at 200 BPM
    analyser.halve()
    analyser.halve()
    halved = feed(analyser, audio[12 * SR :], start=12.0)
    assert abs(bpm_of(halved) - 50.0) < 1.0
    assert 3 <= len(beats_of(halved)) <= 4  # 4 s at 50 BPM


def test_external_tempo_overrides_while_fresh() -> None:
    """An external clock wins over the audio while fresh; the tracker takes over after."""
    audio, _ = click_track(120.0, 14.0)
    analyser = AudioAnalyser(SR, BLOCK)
    feed(analyser, audio[: 6 * SR])
    events: list[Event] = []
    for i in range(6 * SR // BLOCK, 10 * SR // BLOCK):
        t = (i + 1) * BLOCK / SR
        if i % 20 == 0:  # the clock source reports ~5 times a second
            analyser.set_external_tempo(90.0, ((t - 6.0) * 1.5) % 1.0, t)
        events.extend(analyser.process(audio[i * BLOCK : (i + 1) * BLOCK], t))
    assert abs(bpm_of(events) - 90.0) < 0.01
    assert [round(b.confidence, 3) for b in beats_of(events)][-1] == 1.0
    beat_times = [b.t for b in beats_of(events) if b.t > 6.5]
    for t in beat_times:  # external phase 0 at 6.0 s, beats every 2/3 s
        k = round((t - 6.0) / (2.0 / 3.0))
        assert abs(t - (6.0 + k * 2.0 / 3.0)) < 0.02
    after = feed(analyser, audio[10 * SR :], start=10.0)
    assert abs(bpm_of(after) - 120.0) < 1.0


def test_tap_tempo_sets_tempo_and_phase() -> None:
    """Four taps at 95 BPM, made as the audio plays, set the tempo and the beat grid."""
    analyser = AudioAnalyser(SR, BLOCK)
    hum = 0.05 * np.sin(2 * np.pi * 220.0 * np.arange(6 * SR) / SR)  # sound, but no pulse
    period = 60.0 / 95.0
    taps = [1.0 + k * period for k in range(4)]
    events: list[Event] = []
    for i in range(hum.size // BLOCK):
        t = (i + 1) * BLOCK / SR
        events.extend(analyser.process(hum[i * BLOCK : (i + 1) * BLOCK], t))
        while taps and taps[0] <= t:
            analyser.tap(taps.pop(0))
    assert abs(bpm_of(events) - 95.0) < 0.5
    beats = [b.t for b in beats_of(events) if b.t > 1.0 + 3.5 * period]
    assert len(beats) >= 4
    for k, t in enumerate(beats, start=4):
        assert abs(t - (1.0 + k * period)) < 0.015, (k, t)


def test_tap_tempo_outside_the_tracked_octave() -> None:
    """Tapping 180 BPM reports 180, even though the tracker searches 80..160."""
    analyser = AudioAnalyser(SR, BLOCK)
    for k in range(4):
        analyser.tap(k * 60.0 / 180.0)
    hum = 0.05 * np.sin(2 * np.pi * 220.0 * np.arange(2 * SR) / SR)
    assert abs(bpm_of(feed(analyser, hum)) - 180.0) < 0.5


def test_tap_run_resets_after_a_pause() -> None:
    """A gap over two seconds starts a new run; a sloppy tap barely moves the median."""
    taps = TapTempo()
    assert taps.tap(0.0) is None
    assert taps.tap(0.5) == pytest.approx(120.0)
    assert taps.tap(5.0) is None
    for t in (5.6, 6.2, 6.75, 7.4):
        result = taps.tap(t)
    assert result is not None
    assert abs(result - 100.0) < 3.0
