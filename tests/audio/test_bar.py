"""Bar (downbeat) finding: low accents and harmony changes place the bar; it holds steady."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from bridge.core.events import TempoBeat
from bridge.features import AudioAnalyser
from bridge.features.bar import BarFinder
from bridge.features.beat import BeatClock
from bridge.features.config import Floats

from .signals import BLOCK, SR, clicks, feed

BPB = 4
FRAMES_PER_BEAT = 6


def play(
    finder: BarFinder,
    beats: range,
    low: Callable[[int], float],
    profile: Callable[[int], Floats] | None = None,
) -> list[int]:
    """Feed cues beat by beat (a low onset on the beat, spectral frames through it); return
    the downbeat slot after each beat."""
    slots = []
    for i in beats:
        finder.low_onset(float(i), low(i))
        if profile is not None:
            for k in range(FRAMES_PER_BEAT):
                finder.harmony(i + (k + 0.5) / FRAMES_PER_BEAT, profile(i))
        finder.low_onset(i + 0.5, 0.0)
        slots.append(finder.slot)
    return slots


def accent_on(slot: int, loud: float = 1.0, soft: float = 0.2) -> Callable[[int], float]:
    return lambda i: loud if i % BPB == slot else soft


def test_low_accent_places_the_bar_within_three_bars() -> None:
    """A louder low hit on the third beat of every bar becomes the downbeat within 3 bars."""
    slots = play(BarFinder(BPB), range(40), accent_on(2))
    assert slots[3 * BPB :] == [2] * (40 - 3 * BPB)


def test_one_ghost_accent_does_not_move_the_bar_but_a_lasting_one_does() -> None:
    """One ghost accent, however loud, leaves the bar alone; accents that keep coming on
    another beat move it within a few bars."""
    finder = BarFinder(BPB)
    play(finder, range(32), accent_on(2))
    assert finder.slot == 2
    ghost_at = 33  # beat 1 of a bar

    def with_ghost(i: int) -> float:
        return 20.0 if i == ghost_at else accent_on(2)(i)

    assert set(play(finder, range(32, 64), with_ghost)) == {2}
    moved = play(finder, range(64, 100), accent_on(1))
    assert moved[-1] == 1
    assert moved.index(1) <= 5 * BPB


def test_harmony_change_places_the_bar_despite_a_drum_pattern() -> None:
    """With even kicks, the beat where the chord changes is the downbeat, even though the
    drums sound different on every beat of the bar."""
    rng = np.random.default_rng(3)
    drums = [rng.uniform(0.0, 1.0, 64) for _ in range(BPB)]
    chords = [rng.uniform(0.0, 1.0, 64) for _ in range(5)]
    bars_start_on = 1  # the clock's count starts mid-bar

    def profile(i: int) -> Floats:
        bar = (i - bars_start_on) // BPB
        noise = rng.uniform(0.0, 0.05, 64)
        mixed: Floats = drums[i % BPB] + chords[bar % len(chords)] + noise
        return mixed

    slots = play(BarFinder(BPB), range(48), lambda i: 1.0, profile)
    assert slots[-5 * BPB :] == [bars_start_on] * (5 * BPB)


def test_beat_count_keeps_its_meaning_through_a_tempo_change() -> None:
    """The music speeds up (100 -> 112 BPM) and the tracker admits it only 3 s later: after
    the clock catches up, each music beat carries the same count offset as before."""
    change, admitted = 10.0, 13.0
    slow, fast = 0.6, 60.0 / 112.0

    def music_beat(t: float) -> float:
        """Music beats since 0 at time t (fractional)."""
        return t / slow if t < change else change / slow + (t - change) / fast

    clock = BeatClock(BPB)
    emitted: list[tuple[float, int]] = []
    step = BLOCK / SR
    for n in range(1, round(24.0 / step)):
        t = n * step
        if n % 12 == 0:
            if t < admitted:  # the tracker still reads the old grid
                clock.steer(100.0, (t / slow) % 1.0)
            else:
                clock.steer(112.0, music_beat(t) % 1.0)
        emitted.extend((b.t, b.index) for b in clock.advance(t))

    def offsets(lo: float, hi: float) -> set[int]:
        return {i - round(music_beat(t)) for t, i in emitted if lo < t < hi}

    before, after = offsets(2.0, change), offsets(admitted + 2.0, 24.0)
    assert len(before) == 1, before
    assert after == before


def kick(seconds: float, starts: list[float]) -> Floats:
    """A low 60 Hz thump at each time."""
    out = np.zeros(round(seconds * SR))
    n = round(0.2 * SR)
    thump = 0.8 * np.sin(2 * np.pi * 60.0 * np.arange(n) / SR) * np.exp(-np.arange(n) / 3000.0)
    for t in starts:
        start = round(t * SR)
        end = min(start + n, out.size)
        out[start:end] += thump[: end - start]
    return out


def test_click_track_downbeats_land_on_the_low_accent() -> None:
    """Clicks on every beat and a kick on each bar start (the track starts mid-bar): the
    downbeats land on the kicks once the bar is found, and a single ghost kick on another
    beat does not move them."""
    bpm, seconds = 120.0, 24.0
    period = 60.0 / bpm
    beats = list(np.arange(0.25, seconds - 0.05, period))
    bar_starts = beats[1::BPB]
    ghost = beats[1 + 6 * BPB + 2]  # the third beat of the 7th bar, at about 12.7 s
    audio = clicks(beats, seconds) + kick(seconds, [*bar_starts, ghost])
    events = feed(AudioAnalyser(SR, BLOCK), audio)
    downbeats = [e.t for e in events if isinstance(e, TempoBeat) and e.downbeat and e.t > 8.0]
    assert len(downbeats) >= int((seconds - 8.5) / (BPB * period))
    for t in downbeats:
        assert min(abs(t - s) for s in bar_starts) < 0.03, t


def test_external_bar_phase_wins_over_the_audio() -> None:
    """While an external clock gives the bar phase, the downbeat follows it, not the kick."""
    bpm, seconds = 120.0, 12.0
    period = 60.0 / bpm
    beats = list(np.arange(0.0, seconds - 0.05, period))
    audio = clicks(beats, seconds) + kick(seconds, beats[0::BPB])
    analyser = AudioAnalyser(SR, BLOCK)
    events = feed(analyser, audio[: 6 * SR])
    for i in range(6 * SR // BLOCK, audio.size // BLOCK):
        t = (i + 1) * BLOCK / SR
        if i % 20 == 0:  # the external bar starts one beat after the kick
            bar = ((t - period) / (BPB * period)) % 1.0
            analyser.set_external_tempo(bpm, (t / period) % 1.0, t, bar_phase=bar)
        events.extend(analyser.process(audio[i * BLOCK : (i + 1) * BLOCK], t))
    late = [e.t for e in events if isinstance(e, TempoBeat) and e.downbeat and e.t > 7.0]
    assert len(late) >= 2
    for t in late:
        bars = (t - period) / (BPB * period)
        assert abs(bars - round(bars)) * BPB * period < 0.03, t
