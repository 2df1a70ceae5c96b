"""Tempo and beat phase from the onset-strength history (autocorrelation and comb templates).

Rules: one tempo octave is searched (``bpm_min`` .. ``2·bpm_min``), so every tempo has exactly
one answer and half/double-time confusions cannot flip the output; ``×2`` and ``÷2`` on the
beat clock move between octaves. A candidate must repeat before it replaces a held tempo, so
a breakdown or a fill does not drag the tempo away. All times are in frames (one per block).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bridge.features.bench.baseline.config import Floats

GRID_STEP_BPM = 0.25
MULTIPLES = 8
"""Lags k·period (k = 1..8) scored per candidate: far multiples sharpen the estimate."""
MIN_HISTORY_S = 1.8
CONFIDENT = 0.25
"""Candidates below this confidence neither lock nor move the tempo."""
AGREE = 0.025
"""Relative distance within which two tempo readings are the same tempo."""
SWITCH_AFTER = 6
"""Consecutive agreeing readings a new tempo needs to replace a held one."""
PHASE_BEATS = 16
"""Beats of history the phase comb looks back over, newest weighted most."""
PHASE_DECAY = 0.9


@dataclass(frozen=True, slots=True)
class TempoReading:
    """The tracker's view after one update: tempo, phase and how sure it is."""

    bpm: float
    phase: float
    """Beats since the last beat at the newest frame, 0..1 (before latency correction)."""
    confidence: float


class TempoEstimator:
    """Keeps the onset history; ``estimate()`` returns a held tempo and the current phase."""

    def __init__(self, frame_rate: float, bpm_min: float, window_s: float) -> None:
        self._rate = frame_rate
        self._size = round(window_s * frame_rate)
        # Doubled rings, so the newest window is always one slice. ``_accents`` holds the
        # low-band flux: it places the beat, while the full flux (with hats) finds the tempo.
        self._history = np.zeros(2 * self._size)
        self._accents = np.zeros(2 * self._size)
        self._count = 0
        self._min_frames = round(MIN_HISTORY_S * frame_rate)
        self._grid = np.arange(bpm_min, 2.0 * bpm_min, GRID_STEP_BPM)
        periods = 60.0 * frame_rate / self._grid
        self._lags = periods[:, None] * np.arange(1, MULTIPLES + 1)[None, :]
        self._prior = np.exp(-0.5 * (np.log2(self._grid / 120.0) / 1.0) ** 2)
        self.bpm = 0.0
        self.confidence = 0.0
        self._challenger = 0.0
        self._challenges = 0

    @property
    def locked(self) -> bool:
        """True once a tempo has been accepted."""
        return self.bpm > 0.0

    def push(self, flux: float, accent: float) -> None:
        """Append one frame: full-band flux and low-band flux."""
        i = self._count % self._size
        self._history[i] = self._history[i + self._size] = flux
        self._accents[i] = self._accents[i + self._size] = accent
        self._count += 1

    def recent(self, ring: Floats | None = None) -> Floats:
        """The newest frames of a ring (default: the flux), oldest first."""
        n = min(self._count, self._size)
        end = self._count % self._size + self._size
        return (self._history if ring is None else ring)[end - n : end]

    def seed(self, bpm: float) -> None:
        """Take a tempo from outside (tap tempo) as the held tempo."""
        self.bpm = bpm
        self.confidence = max(self.confidence, CONFIDENT)
        self._challenges = 0

    def fade(self, factor: float) -> None:
        """Lower the confidence (silence)."""
        self.confidence *= factor

    def estimate(self) -> TempoReading | None:
        """Re-estimate tempo (with hysteresis) and phase; None until enough history."""
        if self._count < self._min_frames:
            return None
        env = self.recent()
        bpm, confidence = self._tempo(env)
        self._hold(bpm, confidence)
        if not self.locked:
            return None
        phase = self._phase(self.recent(self._accents), 60.0 * self._rate / self.bpm)
        return TempoReading(self.bpm, phase, self.confidence)

    def _tempo(self, env: Floats) -> tuple[float, float]:
        n = env.size
        x = env - env.mean()
        spectrum = np.fft.rfft(x, 2 * n)
        acf = np.fft.irfft(spectrum * np.conj(spectrum))[:n]
        if acf[0] <= 1e-12:
            return 0.0, 0.0
        acf = acf / (acf[0] * (n - np.arange(n)) / n)  # unbiased: long lags are not penalised
        usable = self._lags < 0.7 * n
        idx = np.minimum(self._lags.astype(np.intp), n - 2)
        frac = self._lags - idx
        values = acf[idx] * (1.0 - frac) + acf[idx + 1] * frac
        counts = usable.sum(axis=1)
        score = np.where(usable, values, 0.0).sum(axis=1) / np.maximum(counts, 1)
        weighted = score * self._prior
        best = int(np.argmax(weighted))
        bpm = float(self._grid[best])
        if 0 < best < self._grid.size - 1:  # parabolic refinement between grid points
            a, b, c = weighted[best - 1], weighted[best], weighted[best + 1]
            denom = a - 2.0 * b + c
            if denom < 0.0:
                bpm += GRID_STEP_BPM * 0.5 * float(a - c) / float(denom)
        spread = float(score.std())
        peak = float(score[best]) - float(np.median(score))
        confidence = float(np.clip(peak / (4.0 * spread + 1e-9), 0.0, 1.0)) if spread > 0 else 0.0
        return bpm, confidence

    def _hold(self, bpm: float, confidence: float) -> None:
        if confidence < CONFIDENT:
            self.confidence = 0.9 * self.confidence + 0.1 * confidence
            self._challenges = 0
            return
        self.confidence = 0.8 * self.confidence + 0.2 * confidence
        if self.locked and abs(bpm - self.bpm) <= AGREE * self.bpm:
            self.bpm += 0.3 * (bpm - self.bpm)
            self._challenges = 0
            return
        if self._challenges and abs(bpm - self._challenger) <= AGREE * bpm:
            self._challenges += 1
            self._challenger = 0.5 * (self._challenger + bpm)
        else:
            self._challenger, self._challenges = bpm, 1
        if self._challenges >= (2 if not self.locked else SWITCH_AFTER):
            self.bpm = self._challenger
            self._challenges = 0

    def _phase(self, env: Floats, period: float) -> float:
        """Frames since the last beat, as a fraction of the period, from a decaying comb."""
        n = env.size
        beats = min(PHASE_BEATS, int((n - 1) / period))
        offsets = np.arange(0.0, period, 0.5)
        back = offsets[:, None] + period * np.arange(beats)[None, :]
        pos = (n - 1) - back
        idx = pos.astype(np.intp)
        frac = pos - idx
        nxt = np.minimum(idx + 1, n - 1)
        values = env[idx] * (1.0 - frac) + env[nxt] * frac
        weights = PHASE_DECAY ** np.arange(beats)
        score = values @ weights
        best = int(np.argmax(score))
        return float(offsets[best] / period)
