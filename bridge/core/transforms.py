"""A mapping's filter chain: stateless shaping plus the two stages that need time.

Rules of this module:
- every value between stages is normalised to 0..1; the chain never leaves that range;
- interpolation is ``lo*(1-t) + hi*t`` then clamped, so endpoints are exact;
- the clamps send NaN to the low end: the engine refuses non-finite inputs before they get
  here, and the clamps make sure none can come out whatever a stage computes;
- smoothing and slew are the only stages with state; they take ``now`` as data and report
  whether they have settled, so the engine knows when to stop re-running the chain.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

from bridge.core.bindings import Transform


def clamp01(x: float) -> float:
    # "not x >= 0" rather than "x < 0": NaN fails every comparison, so it lands on 0, not out
    return 0.0 if not x >= 0.0 else 1.0 if x > 1.0 else x


def lerp(lo: float, hi: float, t: float) -> float:
    value = lo * (1.0 - t) + hi * t
    # comparisons, not min/max calls: this runs for every mapped value
    a, b = (lo, hi) if lo <= hi else (hi, lo)
    return a if not value >= a else b if value > b else value


def normalise(raw: float, lo: float, hi: float) -> float:
    """Map ``raw`` from [lo, hi] to 0..1 (lo > hi inverts), clamped."""
    if hi == lo:
        return 0.0
    return clamp01((raw - lo) / (hi - lo))


def curve(x: float, t: Transform) -> float:
    if t.shape == "exponential":
        # (e^(k x) - 1) / (e^k - 1): fine control at the bottom of the travel
        k = t.amount
        return clamp01(math.expm1(k * x) / math.expm1(k))
    if t.shape == "logarithmic":
        k = t.amount
        return clamp01(math.log1p(math.expm1(k) * x) / k)
    if t.shape == "scurve":
        # a logistic curve rescaled so that 0 → 0 and 1 → 1 exactly
        k = t.amount * 2.0
        lo, hi = 1 / (1 + math.exp(k / 2)), 1 / (1 + math.exp(-k / 2))
        return clamp01((1 / (1 + math.exp(-k * (x - 0.5))) - lo) / (hi - lo))
    if t.shape == "points":
        pts = t.points
        if x <= pts[0][0]:
            return pts[0][1]
        for (x0, y0), (x1, y1) in itertools.pairwise(pts):
            if x <= x1:
                return clamp01(lerp(y0, y1, (x - x0) / (x1 - x0)))
        return pts[-1][1]
    return x


def shape(x: float, t: Transform) -> float:
    """One stateless stage."""
    if t.kind == "range":
        return normalise(x, t.lo, t.hi)
    if t.kind == "invert":
        return 1.0 - x
    if t.kind == "curve":
        return curve(x, t)
    if t.kind == "deadzone":
        # a dead zone at each end of the travel, so the ends are reachable on worn hardware
        w = t.width
        return clamp01((x - w) / (1.0 - 2.0 * w)) if w < 0.5 else float(x >= 0.5)
    if t.kind == "quantize":
        return clamp01(round(x / t.step) * t.step)
    return x


@dataclass(slots=True)
class Temporal:
    """Smoothing (a one-pole low-pass with a time constant) or a slew-rate limit."""

    spec: Transform
    current: float | None = None
    target: float = 0.0
    last_t: float = 0.0

    def advance(self, now: float) -> None:
        if self.current is None:
            return
        dt = max(0.0, now - self.last_t)
        self.last_t = now
        gap = self.target - self.current
        if self.spec.kind == "smooth":
            alpha = 1.0 - math.exp(-dt * 1000.0 / self.spec.ms)
            self.current += gap * alpha
            if abs(self.target - self.current) < 1e-4:
                self.current = self.target
        else:
            limit = self.spec.per_s * dt
            self.current += max(-limit, min(limit, gap))

    def feed(self, x: float, now: float) -> float:
        if self.current is None:
            self.current, self.last_t = x, now
        else:
            self.advance(now)
        self.target = x
        return self.current

    @property
    def settled(self) -> bool:
        return self.current is None or self.current == self.target


class Chain:
    """An ordered list of stages; temporal stages keep their own state."""

    __slots__ = ("stages",)

    def __init__(self, transforms: tuple[Transform, ...]) -> None:
        self.stages: list[Transform | Temporal] = [
            Temporal(t) if t.kind in ("smooth", "slew") else t for t in transforms
        ]

    def run(self, x: float, now: float) -> float:
        for stage in self.stages:
            x = stage.feed(x, now) if isinstance(stage, Temporal) else shape(x, stage)
        return clamp01(x)

    @property
    def temporal(self) -> bool:
        return any(isinstance(s, Temporal) for s in self.stages)

    @property
    def settled(self) -> bool:
        return all(s.settled for s in self.stages if isinstance(s, Temporal))
