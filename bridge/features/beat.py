"""The beat clock: a running beat position that sources steer, the beats it crosses, and
which of them start a bar.

Rules: each beat is emitted once, when the position crosses it; a correction that moves the
position back re-arms only the beats it moved back over. Sources (the audio tracker, an
external clock, taps) only set a rate and a target phase; the clock pulls toward the target
(gently for the tracker, at once for an external clock), which keeps beat events regular
even when a reading jitters. ×2 / ÷2 scale the output. Beats are counted (``Beat.index``)
and the count keeps its meaning through corrections and tempo changes, because the bar is
found and held per count: ``BarFinder`` places the downbeat from what the audio does on
each beat of the bar.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

from bridge.features.bar import BarFinder
from bridge.features.config import Floats

TRACKER_GAIN = 0.25
"""Share of a tracker phase error corrected per reading (a first-order phase-locked loop)."""
RESYNC_ERROR = 0.2
RESYNC_AFTER = 8
"""This many readings in a row off by more than RESYNC_ERROR beats jump straight to the target."""
RESYNC_AFTER_SWITCH = 3
SWITCH_READINGS = 16
"""For this many readings after the tempo changed, RESYNC_AFTER_SWITCH misses are enough: the
old grid is known to be wrong, and every beat on it is a beat lost."""
LATE_BEAT = 0.15
"""A forward jump consumes, without emitting, beats it leaves further behind than this."""
TEMPO_SWITCH = 0.02
"""A tracked tempo moving by more than this share at once is a tempo change, not a drift."""
MULTIPLIERS = (0.25, 0.5, 1.0, 2.0, 4.0)
EARLY_CUES_S = 8.0
"""Cues kept from before the first tempo, to place the bar as soon as the tempo is known."""


@dataclass(frozen=True, slots=True)
class Beat:
    """A beat the clock crossed: when, and whether it starts a bar."""

    t: float
    downbeat: bool
    bar_phase: float
    index: int
    """The clock's count of this beat: consecutive beats have consecutive indices."""


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
        self._since_switch = SWITCH_READINGS
        self._drift: float | None = None
        self._early: deque[tuple[float, float, Floats | None]] = deque()
        self.bars = BarFinder(beats_per_bar)
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
        bar = (self.position - self.bars.slot) / self._bpb
        return bar - math.floor(bar)

    def scale(self, factor: float) -> None:
        """×2 (factor 2) or ÷2 (factor 0.5), within ¼..4 of the tracked tempo."""
        wanted = self._multiplier * factor
        if MULTIPLIERS[0] <= wanted <= MULTIPLIERS[-1]:
            self._multiplier = wanted
            self.bpm *= factor
            self.bars.doubt()  # a bar of output beats is now a different stretch of music

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
        previous = self.bpm / self._multiplier
        self.bpm = tracked_bpm * self._multiplier
        if not first and abs(tracked_bpm - previous) > TEMPO_SWITCH * previous:
            # A new tempo is adopted only after the music has played at it for a while, so
            # the music is already ahead (faster) or behind (slower) of the old grid.
            self._drift = math.copysign(0.5, tracked_bpm - previous)
            self._since_switch = 0
        self._since_switch += 1
        # Where a tracked beat falls in output beats: every tracked beat is an output beat
        # (×1, ×2, ×4) or every 2nd/4th one is (÷2, ÷4, keeping the current alignment).
        candidates = range(max(1, round(1.0 / self._multiplier)))
        error = min(
            (wrap((tracked_phase + j) * self._multiplier - self.position) for j in candidates),
            key=abs,
        )
        if hard or first:
            self._move(error)
            self._misses, self._drift = 0, None
            if not first and abs(error) > RESYNC_ERROR:
                self.bars.doubt()  # a tap moved the grid: the beat count may have slipped
            if self._t is not None:
                while self._early:
                    self._place(self._t, *self._early.popleft())
            return
        if abs(error) > RESYNC_ERROR:
            if self._drift is not None:
                # Follow the error past ±½ beat while it drifts, so the jump lands on the
                # beat the music is really on: beat counts, and with them the bar, keep
                # their meaning across a tempo change.
                unwrapped = error + round(self._drift - error)
                error = unwrapped if abs(unwrapped) < 1.0 else error
            self._drift = error
            self._misses += 1
            switched = self._since_switch <= SWITCH_READINGS
            if self._misses >= (RESYNC_AFTER_SWITCH if switched else RESYNC_AFTER):
                self._move(error)
                self._misses, self._drift = 0, None
                self.bars.doubt()
            return
        self._misses, self._drift = 0, None
        self._move(TRACKER_GAIN * error)

    def _move(self, delta: float) -> None:
        # Moving back over a beat already emitted re-arms it, so it sounds once, at the
        # corrected time, instead of being lost or sounding twice in one block. Jumping
        # forward well past a beat consumes it: its moment is gone, and a late beat would
        # mislead more than a missing one (its count still advances, so the bar holds).
        self.position += delta
        self._last_beat = min(self._last_beat, math.floor(self.position))
        if delta > 0.0:
            self._last_beat = max(self._last_beat, math.floor(self.position - LATE_BEAT))

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
            in_bar = (index - self.bars.slot) % self._bpb
            beats.append(Beat(at, in_bar == 0, in_bar / self._bpb, index))
        self._last_beat = max(self._last_beat, math.floor(self.position))
        return beats

    def skip(self, t: float) -> None:
        """Run the clock to ``t`` without emitting beats (silence keeps the flywheel turning)."""
        self.advance(t)

    def align_bar(self, bar_phase: float) -> None:
        """Place the downbeat so that the bar phase now is ``bar_phase`` (external clock)."""
        self.bars.align(round(self.position - bar_phase * self._bpb) % self._bpb)

    def low_onset(self, strength: float, lag_s: float) -> None:
        """Low-band (kick, bass) onset strength of the sound heard ``lag_s`` before now."""
        self._cue(lag_s, strength, None)

    def harmony(self, profile: Floats, lag_s: float) -> None:
        """A spectral profile (non-negative, any length) of the sound centred ``lag_s`` ago."""
        self._cue(lag_s, 0.0, profile)

    def _cue(self, lag_s: float, low: float, profile: Floats | None) -> None:
        if self._t is None:
            return
        at = self._t - lag_s
        if self.bpm > 0.0:
            self._place(self._t, at, low, profile)
            return
        # Before the first tempo, cues wait: once it comes, the bar is found from what was
        # already heard instead of from scratch.
        early = self._early
        early.append((at, low, profile))
        while early[0][0] < at - EARLY_CUES_S:
            early.popleft()

    def _place(self, now: float, at: float, low: float, profile: Floats | None) -> None:
        position = self.position - (now - at) * self.bpm / 60.0
        if profile is None:
            self.bars.low_onset(position, low)
        else:
            self.bars.harmony(position, profile)
