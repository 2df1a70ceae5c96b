"""The beat clock: a running beat position that sources steer, and the beats it crosses.

Rules: each beat is emitted once, when the position crosses it; a correction that moves the
position back re-arms only the beats it moved back over. Sources (the audio tracker, an
external clock, taps) only set a rate and a target phase; the clock pulls toward the target
(gently for the tracker, at once for an external clock), which keeps beat events regular
even when a reading jitters. ×2 / ÷2 scale the output.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

TRACKER_GAIN = 0.25
"""Share of a tracker phase error corrected per reading (a first-order phase-locked loop)."""
RESYNC_ERROR = 0.2
RESYNC_AFTER = 8
"""This many readings in a row off by more than RESYNC_ERROR beats jump straight to the target."""
MULTIPLIERS = (0.25, 0.5, 1.0, 2.0, 4.0)
DOWNBEAT_MEMORY = 0.9
DOWNBEAT_SWITCH = 1.25


@dataclass(frozen=True, slots=True)
class Beat:
    """A beat the clock crossed: when, and whether it starts a bar."""

    t: float
    downbeat: bool
    bar_phase: float


def wrap(x: float) -> float:
    """Wrap a phase difference into -0.5..0.5."""
    return x - math.floor(x + 0.5)


class BeatClock:
    """Output beat position (in output beats) advanced per block and steered by readings."""

    def __init__(self, beats_per_bar: int) -> None:
        self.bpm = 0.0
        """Output tempo (after ×2/÷2); 0 until some source set it."""
        self.position = 0.0
        self._bpb = beats_per_bar
        self._t: float | None = None
        self._multiplier = 1.0
        self._misses = 0
        self._slots = [0.0] * beats_per_bar
        self._downbeat_slot = 0
        self._last_beat = math.floor(self.position)

    @property
    def multiplier(self) -> float:
        """Output tempo ÷ tracked tempo."""
        return self._multiplier

    @property
    def time(self) -> float | None:
        """Time of the last ``advance``, or None before the first block."""
        return self._t

    @property
    def beat_phase(self) -> float:
        """0..1 through the current output beat."""
        return self.position - math.floor(self.position)

    @property
    def bar_phase(self) -> float:
        """0..1 through the current bar."""
        bar = (self.position - self._downbeat_slot) / self._bpb
        return bar - math.floor(bar)

    def scale(self, factor: float) -> None:
        """×2 (factor 2) or ÷2 (factor 0.5), within ¼..4 of the tracked tempo."""
        wanted = self._multiplier * factor
        if MULTIPLIERS[0] <= wanted <= MULTIPLIERS[-1]:
            self._multiplier = wanted
            self.bpm *= factor

    def set_multiplier(self, multiplier: float) -> None:
        """Set the output/tracked ratio directly (tap tempo outside the tracked octave)."""
        self.bpm *= multiplier / self._multiplier
        self._multiplier = multiplier

    def steer(self, tracked_bpm: float, tracked_phase: float, hard: bool = False) -> None:
        """Follow a source: ``tracked_phase`` is where a beat of the *tracked* grid is now.

        ``hard`` (external clock, taps, first lock) jumps to the target; otherwise a fraction
        of the error is corrected, and only a persistent large error causes a jump.
        """
        first = self.bpm == 0.0
        self.bpm = tracked_bpm * self._multiplier
        # Where a tracked beat falls in output beats: every tracked beat is an output beat
        # (×1, ×2, ×4) or every 2nd/4th one is (÷2, ÷4, keeping the current alignment).
        candidates = range(max(1, round(1.0 / self._multiplier)))
        error = min(
            (wrap((tracked_phase + j) * self._multiplier - self.position) for j in candidates),
            key=abs,
        )
        if hard or first:
            self._move(error)
            self._misses = 0
            return
        if abs(error) > RESYNC_ERROR:
            self._misses += 1
            if self._misses >= RESYNC_AFTER:
                self._move(error)
                self._misses = 0
            return
        self._misses = 0
        self._move(TRACKER_GAIN * error)

    def _move(self, delta: float) -> None:
        # Moving back over a beat already emitted re-arms it, so it sounds once, at the
        # corrected time, instead of being lost or sounding twice in one block.
        self.position += delta
        self._last_beat = min(self._last_beat, math.floor(self.position))

    def advance(self, t: float) -> list[Beat]:
        """Run the clock to time ``t``; return the beats crossed since the last call."""
        previous_t, self._t = self._t, t
        if previous_t is None or self.bpm <= 0.0 or t <= previous_t:
            return []
        start = self.position
        self.position = start + (t - previous_t) * self.bpm / 60.0
        beats: list[Beat] = []
        for index in range(self._last_beat + 1, math.floor(self.position) + 1):
            frac = (index - start) / (self.position - start)
            at = previous_t + max(0.0, frac) * (t - previous_t)
            in_bar = (index - self._downbeat_slot) % self._bpb
            beats.append(Beat(at, in_bar == 0, in_bar / self._bpb))
        self._last_beat = max(self._last_beat, math.floor(self.position))
        return beats

    def skip(self, t: float) -> None:
        """Run the clock to ``t`` without emitting beats (silence keeps the flywheel turning)."""
        self.advance(t)

    def align_bar(self, bar_phase: float) -> None:
        """Place the downbeat so that the bar phase now is ``bar_phase`` (external clock)."""
        self._downbeat_slot = round(self.position - bar_phase * self._bpb) % self._bpb

    def accent(self, strength: float) -> None:
        """Credit low-frequency onset strength to the beat slot nearest now (finds downbeats)."""
        slot = round(self.position) % self._bpb
        self._slots = [s * DOWNBEAT_MEMORY ** (1.0 / self._bpb) for s in self._slots]
        self._slots[slot] += strength
        best = max(range(self._bpb), key=self._slots.__getitem__)
        if self._slots[best] > DOWNBEAT_SWITCH * self._slots[self._downbeat_slot]:
            self._downbeat_slot = best
