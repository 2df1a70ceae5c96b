"""Soft takeover: keep a knob from making the value jump when it no longer matches it.

Rules of this module:
- values are in target units; the knob's *candidate* is what it would set if engaged;
- a knob is engaged while the target holds the value it last set; anything else that moves
  the target (a scene, another control, a reload) disengages it;
- pick-up engages when the candidate *crosses* the current value between two moves (a fast
  sweep past it counts), or lands within a tiny epsilon; tolerant pick-up also within
  ``tolerance``; catch-up moves the value toward the knob in proportion, so both meet at
  the end of the travel, then engages when they meet.
"""

from __future__ import annotations

from dataclasses import dataclass

from bridge.core.bindings import TOLERANCE, TakeoverMode

EPSILON = 0.005


@dataclass(slots=True)
class Takeover:
    mode: TakeoverMode
    lo: float
    hi: float
    tolerance: float = TOLERANCE
    engaged: bool = False
    last_candidate: float | None = None
    last_set: float | None = None

    def _norm(self, v: float) -> float:
        span = self.hi - self.lo
        return (v - self.lo) / span if span else 0.0

    def filter(self, candidate: float, current: float) -> float | None:
        """What to set given the knob's candidate and the target's current value, or None."""
        if self.mode == "off":
            return self._set(candidate)
        if self.last_set is None or abs(current - self.last_set) > 1e-9:
            self.engaged = False
        previous, self.last_candidate = self.last_candidate, candidate
        if self.engaged:
            return self._set(candidate)
        c, t = self._norm(candidate), self._norm(current)
        near = EPSILON if self.mode == "pickup" else max(EPSILON, self.tolerance)
        crossed = previous is not None and (self._norm(previous) - t) * (c - t) <= 0
        if abs(c - t) <= near or crossed:
            self.engaged = True
            return self._set(candidate)
        if self.mode == "catchup" and previous is not None:
            p = self._norm(previous)
            if c > p and t > c and p < 1.0:
                t += (c - p) * (1.0 - t) / (1.0 - p)
            elif c < p and t < c and p > 0.0:
                t -= (p - c) * t / p
            else:
                return None
            return self._set(self.lo + (self.hi - self.lo) * t)
        return None

    def _set(self, value: float) -> float:
        self.last_set = value
        return value

    def hint(self, current: float) -> str:
        """What the performer should do to pick the value up: 'up', 'down' or ''."""
        if self.mode == "off" or self.engaged or self.last_candidate is None:
            return ""
        return "up" if self.last_candidate < current else "down"
