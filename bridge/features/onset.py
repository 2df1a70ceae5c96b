"""Onset picking on the onset-strength function: an adaptive threshold, fired on the rising edge.

Rules: decide in the block the strength crosses the threshold (no waiting for the peak, which
would cost a block of latency). The threshold is the largest of two local ones over the last
0.4 s (a multiple of the median plus the mean: a busy stretch raises it; the median plus a
multiple of the median absolute deviation: a noisy stretch, whose flux jitters, raises it
by as much as it jitters) and a share of the loudest recent strength (the decay of a big hit
stays quiet; that peak fades over seconds and a little at every onset that fires). Onsets
are at least ``refractory_s`` apart.
"""

from __future__ import annotations

from collections import deque

from bridge.features.envelope import smoothing_coefficient

MEDIAN_WINDOW_S = 0.4
SPREAD = 7.0
"""Median absolute deviations above the median a strength must rise to fire: noise at 20 dB
under the music jitters the flux, and its peaks stay under this."""
PEAK_RELEASE_S = 4.0
FLOOR_OF_PEAK = 0.08
"""Strength below this share of the recent peak never fires (keeps decays of big hits quiet)."""
FORGET = 0.8
"""Share of the floor's peak kept at each onset: after a few hits a loud one no longer holds
quiet ones down (ghost notes in a busy pattern), while sparse music, with few onsets to pass,
keeps its floor for seconds (a pad's wobble stays quiet)."""
ABSOLUTE_FLOOR = 0.02
"""Strength below this never fires at all (far under any audible hit)."""


class OnsetDetector:
    """Feed one flux value per block; learn whether an onset starts in it and how strong."""

    def __init__(self, frame_rate: float, threshold: float, refractory_s: float) -> None:
        # A plain deque: sorting two dozen floats in Python is cheaper than a numpy call.
        size = max(3, round(MEDIAN_WINDOW_S * frame_rate))
        self._history: deque[float] = deque([0.0] * size, maxlen=size)
        self._threshold = threshold
        self._refractory = max(1, round(refractory_s * frame_rate))
        self._since = self._refractory
        self._peak_decay = smoothing_coefficient(PEAK_RELEASE_S, 1.0 / frame_rate)
        self.peak = ABSOLUTE_FLOOR
        self._floor_peak = ABSOLUTE_FLOOR
        """The loudest recent strength for the floor: like ``peak``, and lowered at onsets."""
        self.strength = 0.0
        """Flux relative to the recent peak, 0..1, for the continuous ``onset`` feature."""

    def update(self, flux: float) -> float | None:
        """Feed this block's onset strength; return the relative strength (0..1) if an onset
        fires in this block, else None."""
        history = self._history
        ordered = sorted(history)
        median = _median(ordered)
        spread = _median(sorted(abs(v - median) for v in ordered))
        local = max(
            self._threshold * median + sum(history) / len(history), median + SPREAD * spread
        )
        history.append(flux)
        self.peak = max(flux, self.peak * self._peak_decay, ABSOLUTE_FLOOR)
        self._floor_peak = max(flux, self._floor_peak * self._peak_decay, ABSOLUTE_FLOOR)
        self.strength = min(flux / self.peak, 1.0)
        self._since += 1
        limit = max(local, FLOOR_OF_PEAK * self._floor_peak, ABSOLUTE_FLOOR)
        if flux > limit and self._since >= self._refractory:
            self._since = 0
            self._floor_peak = max(self._floor_peak * FORGET, flux)
            return self.strength
        return None

    def quiet(self) -> None:
        """A silent block: nothing fires and the continuous strength falls to 0."""
        self.hold()
        self._history.append(0.0)

    def hold(self) -> None:
        """A block of a dropout: nothing fires, and the threshold keeps what it knew of the
        music before the cut (it does not learn the gap's silence, so the music coming back
        is judged against the music, not against nothing)."""
        self.strength = 0.0
        self._since += 1


def _median(ordered: list[float]) -> float:
    """Median of an already sorted list."""
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else 0.5 * (ordered[mid - 1] + ordered[mid])
