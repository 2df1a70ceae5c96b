"""Beat-quantised changes: hold a scene change until the next beat or bar.

Rules of this module:
- the tempo comes from `TempoBeat` events (the audio tracker, MIDI clock or a host over
  OSC); a tempo is trusted while its confidence is at least ``MIN_CONFIDENCE`` and its last
  beat is recent — otherwise changes pass at once (a performer never waits on a guess);
- a held change waits for its boundary and is released ``lead`` before it, so that after
  Scope's latency the transition shows on the beat. The lead is ``lookahead`` unless the
  bridge sets it from what its pacer predicts (`bridge.core.onbeat`); it is read when the
  change is due, so a queue that filled meanwhile sends the change earlier;
- only scene changes are held: knobs and pauses always go at once;
- when Scope schedules them (``by_scope``, its tempo sync on), nothing is held here: a scene
  change goes at once and ``scope_marked`` says the next message must ask Scope to quantise;
- a tempo outside ``TRUSTED_BPM`` or with a non-finite field is no tempo: holding a change
  for a bar of 0.001 BPM would hold it for days.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from bridge.core import events as ev
from bridge.core.state import Change

MIN_CONFIDENCE = 0.5
TRUSTED_BPM = (20.0, 999.0)
HELD_TARGETS = frozenset({"scene", "scene.next", "scene.prev"})


@dataclass(slots=True)
class BeatClock:
    mode: str
    lookahead: float
    lead: float | None = None
    """Seconds before the boundary to release (None: ``lookahead``, the show's fixed figure)."""
    bpm: float = 0.0
    confidence: float = 0.0
    last_beat: float | None = None
    last_downbeat: float | None = None
    waiting: list[tuple[float, Change]] = field(default_factory=list)
    """Held changes with the boundary each is meant to show on."""
    by_scope: bool = False
    """Scope's scheduler quantises (``_quantized``): pass scene changes, mark them."""
    scope_marked: bool = False
    """A scene change passed for Scope to quantise, not yet sent (the bridge clears it)."""
    released: list[tuple[float, float]] = field(default_factory=list)
    """(boundary, release time) of changes released and not yet taken (`take_released`)."""

    @property
    def lead_s(self) -> float:
        lead = self.lookahead if self.lead is None else self.lead
        return lead if math.isfinite(lead) and lead > 0.0 else 0.0

    def observe(self, beat: ev.TempoBeat) -> None:
        if (beat.t - beat.t) or (beat.bpm - beat.bpm) or (beat.confidence - beat.confidence):
            return  # NaN or ±inf somewhere (x - x is NaN, which is truthy): not a tempo
        self.bpm, self.confidence = beat.bpm, beat.confidence
        # a beat mark may come a little after the beat (the leading source's next event
        # after the bridge's beat crossed a whole one): its phase says how long after
        since = beat.beat_phase * 60.0 / beat.bpm if beat.bpm > 0.0 else 0.0
        if beat.beat:
            self.last_beat = beat.t - since
        if beat.downbeat:
            self.last_downbeat = beat.t - since

    def trusted(self, now: float) -> bool:
        lo, hi = TRUSTED_BPM
        if self.last_beat is None or not lo <= self.bpm <= hi or now - now:
            return False
        if not self.confidence >= MIN_CONFIDENCE:
            return False
        window = 2.0 * 60.0 / self.bpm + 0.25
        return -window <= now - self.last_beat <= window  # a beat far ahead is no better

    def boundary_after(self, t: float) -> float:
        """The first beat (or bar) at or after ``t``, from the last one heard."""
        assert self.last_beat is not None
        period = 60.0 / self.bpm
        anchor = self.last_beat
        if self.mode == "bar":
            period *= 4.0
            if self.last_downbeat is not None:
                anchor = self.last_downbeat
        return anchor + math.ceil((t - anchor) / period - 1e-9) * period

    def hold(self, changes: list[Change], now: float) -> list[Change]:
        """Pass what goes now; keep scene changes for their boundary."""
        if not any(c.target in HELD_TARGETS for c in changes):
            return changes
        if self.by_scope:
            self.scope_marked = True
            return changes
        if not self.trusted(now):
            return changes
        boundary = self.boundary_after(now + self.lead_s)
        self.waiting += [(boundary, c) for c in changes if c.target in HELD_TARGETS]
        return [c for c in changes if c.target not in HELD_TARGETS]

    def due(self, now: float) -> list[Change]:
        lead = self.lead_s
        ready = [(b, c) for b, c in self.waiting if b - lead <= now]
        if not ready:
            return []
        self.waiting = [(b, c) for b, c in self.waiting if b - lead > now]
        self.released += [(b, now) for b in sorted({b for b, _ in ready})]
        del self.released[:-8]
        return [c for _, c in ready]

    def next_release(self) -> float | None:
        lead = self.lead_s
        return min((b - lead for b, _ in self.waiting), default=None)

    def take_released(self) -> list[tuple[float, float]]:
        taken, self.released = self.released, []
        return taken
