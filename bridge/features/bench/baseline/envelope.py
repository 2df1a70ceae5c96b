"""Smoothing pieces shared by every feature: an attack/release follower and a slow auto-gain."""

from __future__ import annotations

import math


def smoothing_coefficient(time_constant_s: float, step_s: float) -> float:
    """Per-step weight of the old value for a one-pole filter with this time constant."""
    if time_constant_s <= 0.0:
        return 0.0
    return math.exp(-step_s / time_constant_s)


class Follower:
    """One-pole follower that rises with one time constant and falls with another."""

    __slots__ = ("_down", "_up", "value")

    def __init__(self, attack_s: float, release_s: float, step_s: float) -> None:
        self._up = smoothing_coefficient(attack_s, step_s)
        self._down = smoothing_coefficient(release_s, step_s)
        self.value = 0.0

    def update(self, x: float) -> float:
        """Move toward ``x`` by one step and return the new value."""
        a = self._up if x > self.value else self._down
        self.value = a * self.value + (1.0 - a) * x
        return self.value


class AutoGain:
    """Scales a level by a reference that jumps to new peaks and forgets them slowly.

    The floor keeps near-silence from being amplified into full-scale noise.
    """

    __slots__ = ("_decay", "_floor", "reference")

    def __init__(self, release_s: float, step_s: float, floor: float) -> None:
        self._decay = smoothing_coefficient(release_s, step_s)
        self._floor = floor
        self.reference = floor

    def update(self, x: float, floor: float = 0.0) -> float:
        """Feed one level; return it divided by the reference, clamped to 0..1.

        ``floor`` raises the reference for this call only (bands pass a share of the loudest
        band's reference, so a band holding only leakage does not read full scale).
        """
        self.reference = max(x, self.reference * self._decay, self._floor)
        return min(x / max(self.reference, floor), 1.0)
