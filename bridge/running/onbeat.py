"""Beat-true at Scope's output, on the running bridge: the quantiser's lead from the pacer, a
sharp timer for each release, and the landing of each quantised change from the frames.

The arithmetic is pure (`bridge.core.onbeat`); this joins it to one `Bridge`: before the
engine runs, the quantiser's lead is set from what the pacer knows now (updates in Scope's
queue, the chunk period, the wait for room under the budget or for the rate ceiling, the
show's frame delay); a held change is released by a timer at its time, not by the next of
the 60 Hz ticks; within one call of that release nothing else is sent (it would fill the
queue after the lead was reckoned), so what is dirty then goes with the change; the message
that carries it starts a `LandingWatch`, which the frames coming back settle.

With ``[tempo] quantize_by = "scope"`` and Scope's clock live (its ``tempo_update`` heard
lately: v0.1.8+ with tempo sync on), Scope's own scheduler holds the change instead: the
quantiser passes it, the message carrying it goes with ``_quantized: true``, and Scope is
told its ``quantize_mode`` and a ``lookahead_ms`` (the predicted latency from the moment it
queues the update) in a message of their own before, whenever they changed and nothing is
pending there (setting either cancels a pending change in Scope). Otherwise the bridge
quantises, as on every Scope version.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from bridge.core.events import Tick
from bridge.core.onbeat import LandingWatch, Latency
from bridge.errors import BridgeError

if TYPE_CHECKING:
    from bridge.running.bridge import Bridge

log = logging.getLogger("bridge")


class OnBeat:
    """The bridge's quantised changes, sent early by the predicted latency."""

    def __init__(self, bridge: Bridge) -> None:
        self.bridge = bridge
        self._timer: asyncio.TimerHandle | None = None
        self.landing = LandingWatch()
        """How far from its beat the last quantised change showed."""
        self.lead_s: float | None = None
        """The lead last set (None: the show's fixed ``lookahead_ms``)."""
        self.sent_log: deque[tuple[float, float]] = deque(maxlen=256)
        """(when it left, the beat it is meant for) of each message carrying a held change."""
        self.scope_settings: tuple[str, int] | None = None
        """(quantize_mode, lookahead_ms) Scope was last told in this session."""
        self.scope_pending = False
        """Scope said ``change_scheduled`` and not yet ``change_applied``."""
        self.quantised_sent = 0
        """Messages sent with ``_quantized`` (Scope's scheduler holds them)."""

    def latency(self, now: float) -> Latency:
        """What the pacer knows now of the way to Scope's output."""
        bridge = self.bridge
        pacer = bridge.pacer
        # with the budget spent the change waits for room, and then only what the budget
        # leaves is ahead of it in Scope's queue
        room = pacer.room_in(now)
        return Latency(
            chunk_s=pacer.chunk_period,
            ahead=min(pacer.inflight(now), pacer.budget - 1) if room > 0.0 else len(pacer.taken),
            wait_s=max(pacer.last_send + pacer.min_gap - now, room),
            frame_delay_s=bridge.show.tempo.frame_delay_ms / 1000.0,
        )

    def by_scope(self, on: bool) -> None:
        """Scope's scheduler quantises (True) or the bridge does."""
        clock = self.bridge.engine.beat_clock
        clock.by_scope = on
        if not on:
            clock.scope_marked = False

    def connected(self) -> None:
        """A new session: Scope's scheduler starts in mode ``none``, nothing pending."""
        self.scope_settings = None
        self.scope_pending = False

    def outgoing(self, payload: dict[str, Any]) -> dict[str, Any]:
        """The message as it must go: marked ``_quantized`` when it carries a scene change
        for Scope to schedule (Scope's settings sent before it when they changed)."""
        bridge = self.bridge
        clock = bridge.engine.beat_clock
        if not (clock.by_scope and clock.scope_marked) or "paused" in payload:
            return payload  # a pause is never quantised: the change goes with the next one
        if "prompts" not in payload and "transition" not in payload:
            return payload
        clock.scope_marked = False
        now = bridge.clock()
        latency = self.latency(now)  # the pacer already counts this message in Scope's queue
        queued = replace(latency, ahead=latency.ahead - 1, wait_s=0.0, transport_s=0.0)
        settings = (bridge.show.quantize, round(queued.lead() * 1000.0))
        transport = bridge.transport
        if settings != self.scope_settings and not self.scope_pending and transport is not None:
            try:
                transport.send({"quantize_mode": settings[0], "lookahead_ms": settings[1]})
            except BridgeError:
                pass  # the change itself fails the same way next, and the bridge says so
            else:
                self.scope_settings = settings
        self.quantised_sent += 1
        return {**payload, "_quantized": True}

    def scope_applied(self) -> None:
        """Scope's scheduler queued a change now, its lookahead before the beat: watch the
        frames for its landing (taken after what the pacer models in Scope's queue)."""
        self.scope_pending = False
        bridge = self.bridge
        pacer = bridge.pacer
        if self.scope_settings is None or not bridge.evidence_pacing:
            return
        now = bridge.clock()
        pacer.inflight(now)
        taken = max(pacer.calls, pacer.taken[-1] if pacer.taken else pacer.calls) + 1.0
        self.landing.sent(now + self.scope_settings[1] / 1000.0, taken)

    def before_feed(self) -> None:
        """The quantiser releases a change this early: predicted, or the show's fixed figure."""
        bridge = self.bridge
        clock = bridge.engine.beat_clock
        if bridge.show.tempo.send_early == "predicted":
            clock.lead = self.lead_s = self.latency(bridge.clock()).lead()
        else:
            clock.lead = self.lead_s = None

    def holding(self, now: float) -> bool:
        """Whether to keep what is dirty for a held change due within one call: a knob's
        update sent just before would fill Scope's queue after the lead was reckoned and
        push the change a call late; kept, it goes in the same message (a pause never waits)."""
        bridge = self.bridge
        if bridge.show.tempo.send_early != "predicted" or "paused" in bridge.lane().state.dirty:
            return False
        at = bridge.engine.beat_clock.next_release()
        return at is not None and 0.0 < at - now <= bridge.pacer.chunk_period

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
        now = self.bridge.clock()
        self._timer = loop.call_at(loop.time() + max(at - now, 0.0), self._due)

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
            landed = self.landing.frames(self.bridge.pacer.calls, now)
            if landed is not None:
                log.info("tempo: a quantised change landed %+.0f ms from its beat", landed)
