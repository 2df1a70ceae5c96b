"""The pacer: decides *when* a message may go to Scope, and sends what is dirty then.

Rules of this module (``architecture.md``, "The pacer"):
- leading edge: with nothing in the way, a change goes out on the poll that sees it;
- otherwise everything pending merges in the show state (latest wins per key);
- never above the ceiling: two messages are at least ``1 / max_rate_hz`` apart (≤ 30 Hz);
- a model of Scope's parameter queue (8 deep, drops the newest, one update taken per chunk):
  message *i* is modelled as taken at ``max(sent_i, taken_{i-1}) + chunk_period`` — a bound
  that is never earlier than the real server — and no message goes while that would put
  more than ``inflight_budget`` in the queue, so Scope never drops one;
- ``paused`` is applied by Scope on receipt: a paused change goes at once, alone if the
  budget is spent (it still counts in the model, since it takes a queue slot);
- the final state is always delivered: whatever stays dirty has a wake-up time;
- after a reconnect the queue model starts empty (the full state went as
  ``initialParameters``).
Time is always an argument; this module never reads a clock.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

from bridge.core.payload import PayloadBuilder
from bridge.core.state import ShowState

MAX_RATE_HZ = 30.0


@dataclass(frozen=True, slots=True)
class Sent:
    """A message the pacer released, with the modelled time Scope takes it off its queue."""

    t: float
    taken: float
    payload: dict[str, Any]


class Pacer:
    """Sans-IO pacing: call `poll(now)` after every input and at `next_wakeup(now)`."""

    def __init__(
        self,
        state: ShowState,
        builder: PayloadBuilder,
        max_rate_hz: float = MAX_RATE_HZ,
        inflight_budget: int = 1,
        chunk_rate_hz: float = 1.3,
    ) -> None:
        self.state = state
        self.builder = builder
        self.min_gap = 1.0 / min(max_rate_hz, MAX_RATE_HZ)
        self.budget = max(1, inflight_budget)
        self.chunk_period = 1.0 / chunk_rate_hz
        self.last_send = -1e18
        self.taken: deque[float] = deque()
        self.sent_count = 0
        self.last_payload: dict[str, Any] = {}

    def set_chunk_rate(self, hz: float) -> None:
        """Update the estimated rate at which Scope takes updates (chunks per second)."""
        if hz > 0.0:
            self.chunk_period = 1.0 / hz

    def inflight(self, now: float) -> int:
        while self.taken and self.taken[0] <= now:
            self.taken.popleft()
        return len(self.taken)

    def _free_at(self) -> float:
        """When the modelled queue will have room under the budget again."""
        excess = len(self.taken) - self.budget
        return self.taken[excess] if excess >= 0 else -1e18

    def next_wakeup(self, now: float) -> float | None:
        """The earliest time a poll could send something, or None when nothing waits."""
        if not self.state.dirty:
            return None
        self.inflight(now)
        at = self.last_send + self.min_gap
        if "paused" not in self.state.dirty:
            at = max(at, self._free_at())
        return max(at, now)

    def poll(self, now: float) -> dict[str, Any] | None:
        """The message to send now, or None (nothing dirty, or not allowed yet)."""
        if not self.state.dirty or now < self.last_send + self.min_gap:
            return None
        room = self.inflight(now) < self.budget
        if room:
            keys = self.state.take_dirty()
        elif "paused" in self.state.dirty:
            self.state.dirty.discard("paused")
            keys = {"paused"}
        else:
            return None
        payload = self.builder.build(self.state, keys, now, self.chunk_period)
        if not payload:
            return None
        previous = self.taken[-1] if self.taken else now
        self.taken.append(max(now, previous) + self.chunk_period)
        self.last_send = now
        self.sent_count += 1
        self.last_payload = payload
        return payload

    def reset(self, now: float) -> None:
        """After a (re)connect: Scope's queue is empty and the full state was just sent."""
        self.taken.clear()
        self.last_send = now
