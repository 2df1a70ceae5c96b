"""Seeded benchmark tracks with exact truth: onset times, beat times and the tempo curve.

Each track is built from 16-step patterns on a beat grid; every hit is an onset (hits closer
than ``MERGE_S`` count as one, as a listener would hear them). Tempi stay in 84..140 BPM.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bridge.features.config import Floats
from scripts.harness.audio_bench import instruments as ins

SR = ins.SR
MERGE_S = 0.03
FADE = round(0.01 * SR)
ROOTS = (55.0, 43.65, 49.0, 41.2)  # A1, F1, G1, E1: one bass root per bar
CHORDS = (
    (220.0, 261.6, 329.6),
    (174.6, 220.0, 261.6),
    (196.0, 246.9, 293.7),
    (164.8, 207.7, 246.9),
)


@dataclass(frozen=True, slots=True)
class Track:
    """One benchmark track and its truth."""

    name: str
    audio: npt.NDArray[np.float32]
    onsets: Floats
    beats: Floats
    downbeats: Floats
    """Bar starts (the first beat of each bar); empty for a track without bars."""
    tempo_changes: tuple[tuple[float, float], ...]
    """(time, bpm) from which each tempo holds."""
    steady: bool
    """One tempo throughout: counts toward the tempo accuracy and lock metrics."""

    def bpm_at(self, t: Floats) -> Floats:
        """Truth tempo at each time."""
        starts = np.array([s for s, _ in self.tempo_changes])
        values = np.array([b for _, b in self.tempo_changes])
        return np.asarray(values[np.searchsorted(starts, t, side="right") - 1], dtype=np.float64)


class _Score:
    """Hits placed in time, rendered into one buffer."""

    def __init__(self, seconds: float, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.out = np.zeros(round(seconds * SR) + SR)
        self.onsets: list[float] = []
        self.beats: list[float] = []
        self.downbeats: list[float] = []

    def add(self, t: float, sound: Floats, onset: bool = True) -> None:
        start = round(t * SR)
        end = min(start + sound.size, self.out.size)
        if start >= self.out.size:
            return
        sound = sound[: end - start].copy()
        fade = min(FADE, sound.size)
        sound[sound.size - fade :] *= np.linspace(1.0, 0.0, fade)  # no click where it ends
        self.out[start:end] += sound
        if onset:
            self.onsets.append(start / SR)

    def finish(
        self,
        name: str,
        seconds: float,
        changes: tuple[tuple[float, float], ...],
        steady: bool,
        noise: float = 0.0,
        cutoff_hz: float | None = None,
    ) -> Track:
        n = round(seconds * SR)
        audio = self.out[:n]
        if noise:
            audio = audio + noise * ins.pink_noise(n, self.rng)
        if cutoff_hz is not None:
            audio = ins.low_pass(audio, cutoff_hz)
        audio = audio * (0.9 / float(np.max(np.abs(audio))))
        times = sorted(t for t in self.onsets if t < seconds - 0.05)
        merged: list[float] = []
        for t in times:
            if not merged or t - merged[-1] > MERGE_S:
                merged.append(t)
        beats = np.array([b for b in self.beats if b < seconds])
        downbeats = np.array([b for b in self.downbeats if b < seconds])
        return Track(
            name, audio.astype(np.float32), np.array(merged), beats, downbeats, changes, steady
        )


Pattern = dict[str, tuple[int, ...]]
FOUR = {
    "kick": (0, 4, 8, 12),
    "snare": (4, 12),
    "hat": (2, 6, 10, 14),
    "tick": (0, 4, 8, 12),
    "bass": (2, 6, 10, 14),
}
BREAK = {
    "kick": (0, 10),
    "snare": (4, 12),
    "ghost": (7, 15),
    "hat": (0, 2, 4, 6, 8, 10, 12, 14),
    "bass": (0, 10),
}
HALF = {"kick": (0, 14), "snare": (8,), "hat": (0, 2, 4, 6, 8, 10, 12, 14), "bass": (0,)}
PULSE = {"pluck": (0, 4, 8, 12), "pad": (0,)}


def _bar(
    score: _Score, start: float, bpm: float, bar: int, pattern: Pattern, gain: float = 1.0
) -> None:
    step = 60.0 / bpm / 4.0
    rng = score.rng
    score.downbeats.append(start)
    for beat in range(4):
        score.beats.append(start + beat * 4 * step)
    root = ROOTS[bar % 4]
    for name, steps in pattern.items():
        for s in steps:
            t = start + s * step
            if name == "kick":
                score.add(t, gain * ins.kick(rng))
            elif name == "snare":
                score.add(t, ins.snare(rng, gain))
            elif name == "ghost":
                score.add(t, ins.snare(rng, 0.3 * gain))
            elif name == "hat":
                score.add(t, ins.hat(rng, gain * (0.8 if s % 4 == 2 else 0.5)))
            elif name == "tick":
                score.add(t, ins.hat(rng, 0.3 * gain, decay=0.008))
            elif name == "bass":
                score.add(t, gain * ins.bass(root * (2 if s % 4 == 2 else 1), 2 * step))
            elif name == "pluck":
                score.add(t, ins.pluck(4 * root * (1.5 if s == 8 else 1.0), gain))
            elif name == "pad":
                chord = CHORDS[bar % 4]
                score.add(t, gain * ins.pad(chord, 16 * step, rng, attack=0.03))


def _render(
    name: str,
    seconds: float,
    seed: int,
    sections: list[tuple[float, Pattern, float]],
    noise: float = 0.0,
    pad: bool = False,
    cutoff_hz: float | None = None,
) -> Track:
    """``sections``: (bpm, pattern, gain) per bar, repeated over the last one to fill time."""
    score = _Score(seconds, seed)
    t, bar = 0.0, 0
    changes: list[tuple[float, float]] = []
    while t < seconds:
        bpm, pattern, gain = sections[min(bar, len(sections) - 1)]
        if not changes or changes[-1][1] != bpm:
            changes.append((t, bpm))
        _bar(score, t, bpm, bar, {**pattern, "pad": (0,)} if pad else pattern, gain)
        t += 240.0 / bpm
        bar += 1
    return score.finish(name, seconds, tuple(changes), len(changes) == 1, noise, cutoff_hz)


TrackMaker = Callable[[float, int], Track]


def four_on_the_floor(seconds: float, seed: int) -> Track:
    return _render("four_on_the_floor", seconds, seed, [(124.0, FOUR, 1.0)], pad=True)


def breakbeat(seconds: float, seed: int) -> Track:
    return _render("breakbeat", seconds, seed, [(136.0, BREAK, 1.0)])


def half_time(seconds: float, seed: int) -> Track:
    return _render("half_time", seconds, seed, [(140.0, HALF, 1.0)], pad=True)


def ambient(seconds: float, seed: int) -> Track:
    return _render("ambient_pads", seconds, seed, [(84.0, PULSE, 1.0)])


def breakdown(seconds: float, seed: int) -> Track:
    loud = (128.0, FOUR, 1.0)
    quiet = (128.0, PULSE, 0.08)
    bars = int(seconds * 128.0 / 240.0) + 1
    third = max(1, bars // 3)
    return _render("quiet_breakdown", seconds, seed, [loud] * third + [quiet] * third + [loud])


def tempo_change(seconds: float, seed: int) -> Track:
    bars = int(seconds / 2 * 100.0 / 240.0)
    return _render(
        "tempo_change", seconds, seed, [(100.0, FOUR, 1.0)] * bars + [(112.0, FOUR, 1.0)]
    )


def noisy_mix(seconds: float, seed: int) -> Track:
    return _render("noisy_mix", seconds, seed, [(118.0, FOUR, 1.0)], noise=0.12, pad=True)


def band_limited(seconds: float, seed: int) -> Track:
    """A breakbeat as a lossy file or a radio stream delivers it: nothing above 16 kHz, where
    the synthetic hats carry most of their energy, and a little noise."""
    return _render(
        "band_limited", seconds, seed, [(96.0, BREAK, 1.0)], noise=0.04, cutoff_hz=16000.0
    )


ALL: tuple[TrackMaker, ...] = (
    four_on_the_floor,
    breakbeat,
    half_time,
    ambient,
    breakdown,
    tempo_change,
    noisy_mix,
    band_limited,
)
QUICK: tuple[TrackMaker, ...] = (four_on_the_floor, breakbeat, breakdown)
