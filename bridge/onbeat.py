"""Beat-true at Scope's output, on the running bridge: the quantiser's lead from the pacer, a
sharp timer for each release, and the landing of each quantised change from the frames.

The arithmetic is pure (`bridge.core.onbeat`); this joins it to one `Bridge`: before the
engine runs, the quantiser's lead is set from what the pacer knows now (updates in Scope's
queue, the chunk period, the rate ceiling's wait, the show's frame delay); a held change is
released by a timer at its time, not by the next of the 60 Hz ticks; the message that
carries it starts a `LandingWatch`, which the frames coming back settle.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

from bridge.core.events import Tick
from bridge.core.onbeat import LandingWatch, Latency

if TYPE_CHECKING:
    from bridge.app import Bridge


class OnBeat:
    """The bridge's quantised changes, sent early by the predicted latency."""

    def __init__(self, bridge: Bridge, loop_time: Callable[[float], float]) -> None:
        self.bridge = bridge
        self._loop_time = loop_time
        self._timer: asyncio.TimerHandle | None = None
        self.landing = LandingWatch()
        """How far from its beat the last quantised change showed."""
        self.lead_s: float | None = None
        """The lead last set (None: the show's fixed ``lookahead_ms``)."""
        self.sent_log: deque[tuple[float, float]] = deque(maxlen=256)
        """(when it left, the beat it is meant for) of each message carrying a held change."""

    def latency(self, now: float) -> Latency:
        """What the pacer knows now of the way to Scope's output."""
        bridge = self.bridge
        pacer = bridge.pacer
        return Latency(
            chunk_s=pacer.chunk_period,
            ahead=pacer.inflight(now),
            wait_s=pacer.last_send + pacer.min_gap - now,
            frame_delay_s=bridge.show.tempo.frame_delay_ms / 1000.0,
        )

    def before_feed(self) -> None:
        """The quantiser releases a change this early: predicted, or the show's fixed figure."""
        bridge = self.bridge
        clock = bridge.engine.beat_clock
        if bridge.show.tempo.send_early == "predicted":
            clock.lead = self.lead_s = self.latency(bridge.clock()).lead()
        else:
            clock.lead = self.lead_s = None

    def after_pump(self) -> None:
        """A timer at the next held change's release, sharper than the 60 Hz ticks."""
        at = self.bridge.engine.beat_clock.next_release()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if at is None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._timer = loop.call_at(self._loop_time(max(at, self.bridge.clock())), self._due)

    def _due(self) -> None:
        self._timer = None
        self.bridge.submit(Tick(self.bridge.clock()))

    def sent(self) -> None:
        """A message left: if it carries a released change, watch the frames for its landing."""
        bridge = self.bridge
        released = bridge.engine.beat_clock.take_released()
        pacer = bridge.pacer
        if released:
            self.sent_log.append((bridge.clock(), released[-1][0]))
        if released and pacer.taken and bridge.evidence_pacing:
            chunk = pacer.chunk_period
            delay_s = bridge.show.tempo.frame_delay_ms / 1000.0
            self.landing.sent(released[-1][0], pacer.taken[-1], round(delay_s / chunk))

    def frames(self, now: float) -> None:
        """Frames arrived (the pacer counted their calls): has the change in flight landed?"""
        if self.landing.boundary is not None:
            self.landing.frames(self.bridge.pacer.calls, now)
