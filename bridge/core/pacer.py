"""The pacer: decides *when* a message may go to Scope, and sends what is dirty then.

Rules of this module (``architecture.md``, "The pacer"):
- leading edge: with nothing in the way, a change goes out on the poll that sees it;
- otherwise everything pending merges in the show state (latest wins per key);
- never above the ceiling: two messages are at least ``1 / max_rate_hz`` apart (≤ 30 Hz);
- a model of Scope's parameter queue (8 deep, drops the newest, one update taken per
  pipeline call). The model counts in *calls*, not seconds: message *i* is taken at call
  ``max(calls_at_send_i, taken_{i-1}) + 1``, and no message goes while more than
  ``inflight_budget`` would wait, so Scope never drops one;
- the model is clocked by **evidence** that Scope works: the shell reports each pipeline
  call it can see (frames received ÷ frames per call, or ``session/metrics``), with
  `observe_calls`. A stalled server shows nothing, so nothing drains and a stall never
  overfills the queue; a fast pipeline drains as fast as it really runs. Until the first
  evidence arrives (or where none ever does) the calls are estimated from the clock at
  the configured chunk rate;
- ``paused`` is applied by Scope on receipt: a paused change goes at once even when the
  budget is spent, with whatever else is dirty (one message, one queue slot, counted in
  the model), as long as the modelled queue has a free slot;
- frozen (``paused`` sent true), Scope's track repeats its last frame: frames then are no
  evidence of calls (the worker may sit in a stalled call), so nothing drains until frames
  come from the worker again after the unfreeze;
- the final state is always delivered: whatever stays dirty goes at the wake-up time, or
  at the next evidence when the queue is full;
- after a reconnect the queue model starts empty (the full state went as
  ``initialParameters``).
Time is always an argument; this module never reads a clock.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import Any

from bridge.core.payload import PayloadBuilder
from bridge.core.show import IDLE_CHUNK_RATE_HZ, MAX_RATE_HZ
from bridge.core.state import ShowState

QUEUE_SIZE = 8
"""Scope's parameter queue: a ninth waiting update is dropped."""


@dataclass(frozen=True, slots=True)
class Sent:
    """A message the pacer released, with the modelled call at which Scope takes it."""

    t: float
    taken: float
    payload: dict[str, Any]


class Pacer:
    """Sans-IO pacing: call `poll(now)` after every input, at `next_wakeup(now)`, and after
    every `observe_calls`."""

    def __init__(
        self,
        state: ShowState,
        builder: PayloadBuilder,
        max_rate_hz: float = MAX_RATE_HZ,
        inflight_budget: int = 1,
        chunk_rate_hz: float = IDLE_CHUNK_RATE_HZ,
    ) -> None:
        self.state = state
        self.builder = builder
        self.min_gap = 1.0 / min(max_rate_hz, MAX_RATE_HZ)
        self.budget = max(1, inflight_budget)
        self.chunk_period = 1.0 / chunk_rate_hz
        self.last_send = -1e18
        self.calls = 0.0
        """Pipeline calls Scope is known to have run (from evidence, or the clock before)."""
        self.by_evidence = False
        self._clock_at: float | None = None
        self.taken: deque[float] = deque()
        """For each message not yet taken, the call (in `calls` units) that takes it."""
        self.sent_count = 0
        self.last_payload: dict[str, Any] = {}
        self.frozen = bool(state.paused)
        """Scope was last sent ``paused: true``: its frames are repeats, not calls."""

    # -- what Scope is doing ---------------------------------------------------------------
    def set_chunk_rate(self, hz: float, now: float | None = None) -> None:
        """The estimated pipeline calls per second (for transitions, and the clock model
        before any evidence). With ``now``, the clock model's calls so far keep the old rate."""
        if math.isfinite(hz) and hz > 0.0:
            if now is not None:
                self._tick(now)
            self.chunk_period = 1.0 / hz

    def observe_calls(self, calls: float, now: float) -> None:
        """Evidence that Scope ran ``calls`` more pipeline calls (frames seen ÷ frames per
        call). From the first evidence on, only evidence drains the modelled queue."""
        if not (math.isfinite(calls) and calls > 0.0) or self.frozen:
            return
        self.expect_evidence(now)
        self.calls += calls

    def expect_evidence(self, now: float) -> None:
        """Evidence will come (a session whose frames the shell counts): from now on only
        evidence drains the modelled queue, even before the first of it. A pipeline whose
        first call takes long, or a stream paused before its first frame, then holds
        updates back instead of the clock overfilling Scope's queue."""
        if not self.by_evidence:
            self._tick(now)
            self.by_evidence = True

    def _tick(self, now: float) -> None:
        """Before any evidence: the calls the clock says Scope ran at the chunk rate."""
        if self.by_evidence:
            return
        if self._clock_at is not None and now > self._clock_at:
            self.calls += (now - self._clock_at) / self.chunk_period
        if self._clock_at is None or now > self._clock_at:
            self._clock_at = now

    def inflight(self, now: float) -> int:
        """Messages the model says are still waiting in Scope's queue."""
        self._tick(now)
        while self.taken and self.taken[0] <= self.calls + 1e-9:
            self.taken.popleft()
        return len(self.taken)

    def room_in(self, now: float) -> float:
        """Seconds until the modelled queue has room under the budget (0: now), reckoned at
        the chunk period (with evidence pacing the room comes with the frames that prove it)."""
        self.inflight(now)
        excess = len(self.taken) - self.budget
        if excess < 0:
            return 0.0
        return max(self.taken[excess] - self.calls, 0.0) * self.chunk_period

    def _free_at(self, now: float) -> float | None:
        """When the modelled queue will have room under the budget again (None: when the
        next evidence says so)."""
        excess = len(self.taken) - self.budget
        if excess < 0:
            return -1e18
        if self.by_evidence:
            return None
        return now + (self.taken[excess] - self.calls) * self.chunk_period

    # -- sending ----------------------------------------------------------------------------
    def next_wakeup(self, now: float) -> float | None:
        """The earliest time a poll could send something, or None when nothing waits (or
        only evidence of Scope's progress can make room)."""
        if not self.state.dirty:
            return None
        self.inflight(now)
        at = self.last_send + self.min_gap
        if "paused" not in self.state.dirty or len(self.taken) >= QUEUE_SIZE:
            free = self._free_at(now)
            if free is None:
                return None
            at = max(at, free)
        return max(at, now)

    def poll(self, now: float) -> dict[str, Any] | None:
        """The message to send now, or None (nothing dirty, or not allowed yet)."""
        if not self.state.dirty or now < self.last_send + self.min_gap:
            return None
        room = self.inflight(now) < self.budget
        if not room and not ("paused" in self.state.dirty and len(self.taken) < QUEUE_SIZE):
            return None
        keys = self.state.take_dirty()  # a freeze or unfreeze carries what else is waiting
        payload = self.builder.build(self.state, keys, now, self.chunk_period)
        if not payload:
            return None
        if "paused" in payload:
            self.frozen = bool(payload["paused"])
        previous = self.taken[-1] if self.taken else self.calls
        self.taken.append(max(self.calls, previous) + 1.0)
        self.last_send = now
        self.sent_count += 1
        self.last_payload = payload
        return payload

    def reset(self, now: float) -> None:
        """After a (re)connect: Scope's queue is empty and the full state was just sent."""
        self.taken.clear()
        self._tick(now)
        self.last_send = now
        self.frozen = bool(self.state.paused)
