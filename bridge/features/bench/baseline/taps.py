"""Tap tempo: the tempo of a run of presses, robust to one sloppy tap."""

from __future__ import annotations

import itertools
import statistics

RESET_AFTER_S = 2.0
"""A gap longer than this starts a new run of taps."""
KEEP = 8


class TapTempo:
    """Collects tap times; ``tap`` returns the run's tempo once there are two taps."""

    def __init__(self) -> None:
        self._times: list[float] = []

    def tap(self, t: float) -> float | None:
        """Register a press at ``t``; return the tempo in BPM, or None after a first tap."""
        if self._times and not 0.0 < t - self._times[-1] <= RESET_AFTER_S:
            self._times.clear()
        self._times.append(t)
        del self._times[:-KEEP]
        if len(self._times) < 2:
            return None
        gaps = [b - a for a, b in itertools.pairwise(self._times)]
        return 60.0 / statistics.median(gaps)
