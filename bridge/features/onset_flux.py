"""The onset detection function: level-relative log-band flux, whitened band by band.

Rules: one value per spectral frame, computed only from the past (no look-ahead, so no added
latency). Three ideas make quiet percussion stand out from loud hits and from noise:
- log compression relative to the recent loudest band, so the same mix reads the same at
  any playback level and leakage far below the music (window side lobes) stays silent;
- each band's rise is divided by that band's own recent typical rise (adaptive whitening):
  a band full of noise or a beating pad speaks softly, a band that is usually still (where
  hi-hats live) speaks loudly when it moves;
- bands reach up to 22 kHz, where cymbals and hats carry most of their energy;
- each band counts by how many FFT bins it averages (the square root of its effective bin
  count, as the noise of a mean falls with it): at the low end a band is a single bin,
  whose magnitude follows the phases of the partials around it (a detuned pad, a bass
  note's leakage) rather than their level, and must not speak as loudly as a band that
  averages a hundred bins.
"""

from __future__ import annotations

import numpy as np

from bridge.features.config import Floats
from bridge.features.envelope import smoothing_coefficient

BANDS = 24
LOW_HZ = 40.0
HIGH_HZ = 22000.0
RELATIVE_FLOOR = 1e-3
"""Band levels this far under the recent loudest band (−60 dB) hardly move the log."""
LEVEL_RELEASE_S = 8.0
"""How fast the loudest-band reference forgets a loud passage."""
WHITEN_S = 1.0
"""Time constant of each band's typical rise."""
WHITEN_FLOOR = 0.1
"""Added to the typical rise (log units): a band that never moves is not boosted without end."""
SILENT_LEVEL = 1e-9


class OnsetFlux:
    """Turns magnitude spectra (one per block) into an onset-strength value per block."""

    def __init__(self, freqs: Floats, frame_rate: float) -> None:
        high = min(HIGH_HZ, float(freqs[-1]) * 0.95)
        self._bank = band_bank(freqs, BANDS, LOW_HZ, high)
        bands = self._bank.shape[0]
        bins = 1.0 / (self._bank * self._bank).sum(axis=1)  # effective bins of each band
        self._weights = np.sqrt(bins) / float(np.sqrt(bins).sum())
        self._previous = np.zeros(bands)
        self._older = np.zeros(bands)
        self._typical = np.zeros(bands)
        self._level = SILENT_LEVEL
        step = 1.0 / frame_rate
        self._level_decay = smoothing_coefficient(LEVEL_RELEASE_S, step)
        self._whiten = 1.0 - smoothing_coefficient(WHITEN_S, step)

    def process(self, mag: Floats, learn: bool = True) -> float:
        """Onset strength of this frame (0 when nothing rises; unbounded above). With
        ``learn`` false (a dropout) the bands' typical rise is left as it was: a band is not
        boosted for having been still through a gap, nor calmed by the jump back."""
        levels = self._bank @ mag
        self._level = max(float(levels.max()), self._level * self._level_decay, SILENT_LEVEL)
        logs = np.log1p(levels / (RELATIVE_FLOOR * self._level))
        # Rise against the louder of the two previous frames: a hit that straddles a block
        # edge, or a tremolo, does not rise twice.
        rise = logs - np.maximum(self._previous, self._older)
        np.maximum(rise, 0.0, out=rise)
        self._older = self._previous
        self._previous = logs
        value = float((rise / (self._typical + WHITEN_FLOOR)) @ self._weights)
        # Updated after use, so a hit is judged against the bands' past, not against itself.
        if learn:
            self._typical += self._whiten * (rise - self._typical)
        return value


def band_bank(freqs: Floats, bands: int, low: float, high: float) -> Floats:
    """Triangular filters on a log axis, unit sum each; at the low end, where bands are
    narrower than an FFT bin and fall back to the nearest bin, each bin is kept once."""
    centres = np.geomspace(low, high, bands + 2)
    rows: list[Floats] = []
    for i in range(bands):
        lo, mid, hi = centres[i], centres[i + 1], centres[i + 2]
        tri = np.clip(np.minimum((freqs - lo) / (mid - lo), (hi - freqs) / (hi - mid)), 0.0, None)
        if tri.sum() == 0.0:
            tri[int(np.argmin(np.abs(freqs - mid)))] = 1.0
        tri /= tri.sum()
        if not rows or not np.array_equal(rows[-1], tri):
            rows.append(tri)
    return np.stack(rows)
