"""Onset picking on spectral flux: an adaptive threshold that fires on the rising edge.

Rules: decide in the block the flux crosses the threshold (no waiting for the peak, which would
cost a block of latency); the threshold is a multiple of the recent median plus a floor that
follows the loudest recent flux, so a steady noise bed does not fire and quiet passages still do.
"""

from __future__ import annotations

import numpy as np

from bridge.features.envelope import smoothing_coefficient

MEDIAN_WINDOW_S = 0.25
PEAK_RELEASE_S = 4.0
FLOOR_OF_PEAK = 0.1
"""Flux below this share of the recent peak never fires (keeps decays of big hits quiet)."""
ABSOLUTE_FLOOR = 0.02
"""Flux below this never fires at all (log-band units; far under any audible hit)."""


class OnsetDetector:
    """Feed one flux value per block; learn whether an onset starts in it and how strong."""

    def __init__(self, frame_rate: float, threshold: float, refractory_s: float) -> None:
        self._history = np.zeros(max(3, round(MEDIAN_WINDOW_S * frame_rate)))
        self._index = 0
        self._threshold = threshold
        self._refractory = max(1, round(refractory_s * frame_rate))
        self._since = self._refractory
        self._peak_decay = smoothing_coefficient(PEAK_RELEASE_S, 1.0 / frame_rate)
        self.peak = ABSOLUTE_FLOOR
        self.strength = 0.0
        """Flux relative to the recent peak, 0..1, for the continuous ``onset`` feature."""

    def update(self, flux: float) -> float | None:
        """Return the onset strength (0..1) if an onset fires in this block, else None."""
        median = float(np.median(self._history))
        self._history[self._index] = flux
        self._index = (self._index + 1) % self._history.size
        self.peak = max(flux, self.peak * self._peak_decay, ABSOLUTE_FLOOR)
        self.strength = min(flux / self.peak, 1.0)
        self._since += 1
        limit = max(self._threshold * median, FLOOR_OF_PEAK * self.peak, ABSOLUTE_FLOOR)
        if flux > limit and self._since >= self._refractory:
            self._since = 0
            return self.strength
        return None

    def quiet(self) -> None:
        """A silent block: nothing fires and the continuous strength falls to 0."""
        self.strength = 0.0
        self._since += 1
        self._history[self._index] = 0.0
        self._index = (self._index + 1) % self._history.size
