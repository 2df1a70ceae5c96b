"""The rest of the benchmark corpus: tempi outside 84..140, tempo steps and ramps, and the
conditions of a real room (noise, a quiet line, a gain that rides, dropouts, no music at all).

Why: the clean tracks in ``tracks`` say how the analyser hears a studio mix; a venue adds
hiss, a low input level and cables that drop out, and music runs from 60 to 180 BPM. Every
condition here keeps the exact truth of the track it degrades (onsets inside a dropout are
removed from it, since there is nothing left to hear).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np

from bridge.features.config import Floats
from scripts.harness.audio_bench import instruments as ins
from scripts.harness.audio_bench.tracks import BREAK, FOUR, HALF, PULSE, SR, Track, _render

QUIET_DB = -30.0


# -- clean tracks at the edges of the tempo range ---------------------------------------------


def fast_four(seconds: float, seed: int) -> Track:
    return _render("fast_four_174", seconds, seed, [(174.0, FOUR, 1.0)])


def fast_break(seconds: float, seed: int) -> Track:
    return _render("fast_break_160", seconds, seed, [(160.0, BREAK, 1.0)], pad=True)


def fast_half_time(seconds: float, seed: int) -> Track:
    """Drum and bass felt in half time: the snare on 3, the hats still on every eighth."""
    return _render("fast_half_time_168", seconds, seed, [(168.0, HALF, 1.0)])


def slow_four(seconds: float, seed: int) -> Track:
    return _render("slow_four_72", seconds, seed, [(72.0, FOUR, 1.0)], pad=True)


def slow_pulse(seconds: float, seed: int) -> Track:
    return _render("slow_pulse_64", seconds, seed, [(64.0, PULSE, 1.0)])


def slow_break(seconds: float, seed: int) -> Track:
    return _render("slow_break_78", seconds, seed, [(78.0, BREAK, 1.0)])


WIDE: tuple[Callable[[float, int], Track], ...] = (
    fast_four,
    fast_break,
    fast_half_time,
    slow_four,
    slow_pulse,
    slow_break,
)


# -- tempo changes ----------------------------------------------------------------------------


def _step(
    name: str,
    seconds: float,
    seed: int,
    before: float,
    after: float,
    pattern: dict[str, tuple[int, ...]],
) -> Track:
    bars = max(1, int(seconds * 0.45 * before / 240.0))
    return _render(name, seconds, seed, [(before, pattern, 1.0)] * bars + [(after, pattern, 1.0)])


def step_up(seconds: float, seed: int) -> Track:
    return _step("step_up_8pct", seconds, seed, 124.0, 134.0, FOUR)


def step_down(seconds: float, seed: int) -> Track:
    return _step("step_down_8pct", seconds, seed, 140.0, 129.0, BREAK)


def step_fast(seconds: float, seed: int) -> Track:
    return _step("step_fast", seconds, seed, 160.0, 172.0, FOUR)


def ramp(seconds: float, seed: int) -> Track:
    """A tempo that climbs bar by bar from 110 to 130 BPM, then holds."""
    bars = [(110.0 + 2.0 * k, FOUR, 1.0) for k in range(11)]
    return replace(_render("ramp_110_130", seconds, seed, bars), steady=False)


STEPS: tuple[Callable[[float, int], Track], ...] = (step_up, step_down, step_fast)


# -- conditions applied to a clean track ------------------------------------------------------


def with_noise(track: Track, snr_db: float, pink: bool, seed: int) -> Track:
    """The track with white or pink noise added at ``snr_db`` under its RMS."""
    rng = np.random.default_rng(seed)
    audio = track.audio.astype(np.float64)
    noise = ins.pink_noise(audio.size, rng) if pink else rng.standard_normal(audio.size)
    rms = float(np.sqrt(np.mean(audio**2)))
    mixed = audio + noise * rms * 10.0 ** (-snr_db / 20.0)
    mixed *= 0.9 / float(np.max(np.abs(mixed)))
    kind = "pink" if pink else "white"
    return replace(track, name=f"{track.name}+{kind}{snr_db:g}dB", audio=mixed.astype(np.float32))


def with_gain(track: Track, db: float) -> Track:
    """The whole track played ``db`` lower (a quiet line input)."""
    audio = track.audio * np.float32(10.0 ** (db / 20.0))
    return replace(track, name=f"{track.name}{db:+g}dB", audio=audio)


def with_gain_ride(track: Track, period_s: float = 20.0, depth_db: float = 30.0) -> Track:
    """The level drifts slowly between 0 and ``-depth_db`` (a fader or a gain stage riding)."""
    t = np.arange(track.audio.size) / SR
    db = -0.5 * depth_db * (1.0 - np.cos(2.0 * np.pi * t / period_s))
    audio = track.audio * (10.0 ** (db / 20.0)).astype(np.float32)
    return replace(track, name=f"{track.name}+ride", audio=audio)


def dropouts(track: Track, seed: int) -> tuple[Track, list[tuple[float, float]]]:
    """Hard cuts to digital zero, 0.2..1.2 s long, every 3..6 s; returns the gaps as well."""
    rng = np.random.default_rng(seed)
    audio = track.audio.copy()
    length = audio.size / SR
    gaps: list[tuple[float, float]] = []
    t = float(rng.uniform(3.0, 6.0))
    while t < length - 2.0:
        end = t + float(rng.uniform(0.2, 1.2))
        gaps.append((t, end))
        audio[round(t * SR) : round(end * SR)] = 0.0
        t = end + float(rng.uniform(3.0, 6.0))
    onsets = np.array([o for o in track.onsets if not _inside(o, gaps)])
    beats = np.array([b for b in track.beats if not _inside(b, gaps)])
    downbeats = np.array([b for b in track.downbeats if not _inside(b, gaps)])
    out = replace(
        track,
        name=f"{track.name}+dropouts",
        audio=audio,
        onsets=onsets,
        beats=beats,
        downbeats=downbeats,
    )
    return out, gaps


def _inside(t: float, gaps: list[tuple[float, float]]) -> bool:
    return any(a - 0.005 <= t < b for a, b in gaps)


def inside(times: Floats, gaps: list[tuple[float, float]]) -> Floats:
    """The times that fall in no gap."""
    return np.array([t for t in times if not _inside(float(t), gaps)])


def pure_noise(seconds: float, seed: int, pink: bool) -> Track:
    """Noise alone at -20 dBFS RMS: no onset, no beat, no tempo in truth."""
    rng = np.random.default_rng(seed)
    n = round(seconds * SR)
    noise = ins.pink_noise(n, rng) if pink else rng.standard_normal(n)
    audio = (0.1 * noise).astype(np.float32)
    empty = np.zeros(0)
    name = "pink_noise" if pink else "white_noise"
    return Track(name, audio, empty, empty, empty, ((0.0, 0.0),), False)


def silence(seconds: float, seed: int) -> Track:
    """A line with nothing on it: digital zero, then -90 dBFS hiss (a quiet interface)."""
    rng = np.random.default_rng(seed)
    n = round(seconds * SR)
    audio = np.zeros(n)
    audio[n // 2 :] = 10.0 ** (-90.0 / 20.0) * rng.standard_normal(n - n // 2)
    empty = np.zeros(0)
    return Track("silence", audio.astype(np.float32), empty, empty, empty, ((0.0, 0.0),), False)


def click_track(seconds: float, bpm: float) -> Track:
    """Identical clicks on every beat: nothing tells one beat of the bar from another, so the
    downbeat can only be a guess (truth: beats, no bars)."""
    n = round(seconds * SR)
    audio = np.zeros(n)
    blip = np.sin(2 * np.pi * 2000.0 * np.arange(960) / SR) * np.exp(-np.arange(960) / 150.0)
    beats = np.arange(0.25, seconds - 0.05, 60.0 / bpm)
    for b in beats:
        start = round(b * SR)
        end = min(start + blip.size, n)
        audio[start:end] += 0.8 * blip[: end - start]
    empty = np.zeros(0)
    return Track("click_track", audio.astype(np.float32), beats, beats, empty, ((0.0, bpm),), True)
