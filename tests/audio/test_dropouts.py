"""Dropouts (issue #14): audio cut to digital zero and coming back is not a new sound, wherever
the cut falls in the music, and what really starts after it is still heard."""

from __future__ import annotations

import numpy as np

from bridge.core.events import AudioOnset, Event
from bridge.features import AudioAnalyser
from bridge.features.config import Floats

from .signals import BLOCK, SR, clicks, feed, sine

CLICKS = [0.25 + 0.5 * k for k in range(16)]
GAPS = [(1.5, 0.3), (3.0, 0.55), (4.5, 0.8), (6.5, 1.05)]
"""(start, length) of each cut: each starts half way between two clicks and ends between two
others, so the music comes back in the middle of the held chord."""


def onset_times(events: list[Event]) -> Floats:
    return np.array([e.t for e in events if isinstance(e, AudioOnset)])


def clicks_over_a_quiet_chord(seconds: float) -> Floats:
    """Loud clicks on every beat over a chord held 30 dB under them: between two clicks the
    music is quiet but never silent."""
    chord = sine(220.0, seconds, 0.01) + sine(277.0, seconds, 0.008) + sine(330.0, seconds, 0.008)
    return clicks(CLICKS, seconds) + chord


def cut(audio: Floats, gaps: list[tuple[float, float]]) -> Floats:
    out = audio.copy()
    for start, length in gaps:
        out[round(start * SR) : round((start + length) * SR)] = 0.0
    return out


def heard_clicks(found: Floats, gaps: list[tuple[float, float]]) -> list[float]:
    return [c for c in CLICKS if not any(s <= c < s + n for s, n in gaps)]


def test_no_onset_as_music_comes_back_after_a_cut_in_a_quiet_moment() -> None:
    """The cut falls where only the quiet chord sounds (a tenth of the loud level or less):
    it is still a cut, and neither it nor the chord coming back fires. Every click that
    is not inside a gap still fires."""
    audio = cut(clicks_over_a_quiet_chord(8.0), GAPS)
    found = onset_times(feed(AudioAnalyser(SR, BLOCK), audio))
    clicks_left = heard_clicks(found, GAPS)
    stray = [round(t, 3) for t in found if t > 0.1 and min(abs(t - c) for c in clicks_left) > 0.05]
    assert stray == []
    assert all(np.any(np.abs(found - c) <= 0.05) for c in clicks_left)


def test_the_detector_does_not_relearn_the_music_from_the_gap() -> None:
    """A dropout is no evidence about the music: after it, quiet hits that fired before it
    fire again at once and nothing else does (the threshold does not start from the
    silence of the gap, and the bands are not boosted for having been still)."""
    seconds = 8.0
    taps = [0.1 + 0.25 * k for k in range(32)]
    audio = clicks(taps, seconds, amp=0.1) + clicks(taps[::4], seconds, amp=0.8)
    audio += sine(110.0, seconds, 0.05)
    gaps = [(2.18, 0.5), (5.2, 0.9)]
    audio = cut(audio, gaps)
    found = onset_times(feed(AudioAnalyser(SR, BLOCK), audio))
    heard = [t for t in taps if not any(s - 0.03 <= t < s + n for s, n in gaps)]
    stray = [round(t, 3) for t in found if t > 0.05 and min(abs(t - c) for c in heard) > 0.05]
    assert stray == []
    after = [t for t in heard if any(s + n + 0.05 < t < s + n + 0.6 for s, n in gaps)]
    assert after
    assert all(np.any(np.abs(found - t) <= 0.05) for t in after)


def test_a_sound_that_dies_away_before_the_silence_leaves_the_next_hit_alone() -> None:
    """A long note fading to digital zero is an end, not a cut: the hit right after the
    silence fires."""
    note = sine(440.0, 1.0, 0.4) * np.linspace(1.0, 0.0, SR)
    audio = np.concatenate([note, np.zeros(SR // 5), clicks([0.0], 1.0)])
    found = onset_times(feed(AudioAnalyser(SR, BLOCK), audio))
    assert np.any(np.abs(found - 1.2) <= 0.03), found


def test_quiet_notes_that_fade_under_the_gate_are_not_cut() -> None:
    """Notes 40 dB down that ring under the gate before the next one (a quiet line): the
    sound never stops in digital zero, so it was not cut, and every next note fires."""
    seconds, every = 6.0, 0.6
    starts = [0.1 + every * k for k in range(9)]
    t = np.arange(round(every * SR)) / SR
    note = 0.01 * np.sin(2 * np.pi * 440.0 * t) * np.exp(-t / 0.1)
    audio = np.zeros(round(seconds * SR))
    for s in starts:
        audio[round(s * SR) : round(s * SR) + note.size] += note
    found = onset_times(feed(AudioAnalyser(SR, BLOCK), audio))
    missed = [s for s in starts if not np.any(np.abs(found - s) <= 0.05)]
    assert missed == []


def test_drum_samples_that_end_without_a_fade_are_not_cuts() -> None:
    """A drum machine's tom sample stops hard at 0.35 s, about 7% of its peak, into digital
    zero: it ended on its own, well under the music's usual level, so it was no dropout and
    the next tom fires on time."""
    starts = [0.2 + 0.5 * k for k in range(12)]
    t = np.arange(round(0.35 * SR)) / SR
    tom = 0.8 * np.sin(2 * np.pi * 220.0 * t) * np.exp(-t / 0.13)
    audio = np.zeros(7 * SR)
    for s in starts:
        audio[round(s * SR) : round(s * SR) + tom.size] += tom
    found = onset_times(feed(AudioAnalyser(SR, BLOCK), audio))
    late = [s for s in starts if not np.any(np.abs(found - s - 0.01) <= 0.01)]
    assert late == []
