"""A pure model of Scope's parameter queue, to check the pacer against (no I/O, no clock).

What it models (scope-protocol.md §3): a queue of 8 that drops the *newest* update when
full; the worker takes one update per chunk, at chunk boundaries ``phase + k·period``;
``paused`` applies on receipt while the message still takes its queue slot; a transition's
target becomes the prompts once applied (the model keeps final states, not blends).
"""

from __future__ import annotations

from collections import deque
from typing import Any


class ScopeQueue:
    def __init__(self, period: float, phase: float = 0.0) -> None:
        self.period = period
        self.next_boundary = phase
        self.queue: deque[tuple[float, dict[str, Any]]] = deque()
        self.params: dict[str, Any] = {}
        self.paused = False
        self.dropped = 0
        self.resets = 0
        self.applied: list[tuple[float, float, dict[str, Any]]] = []

    def advance(self, t: float) -> None:
        while self.next_boundary <= t:
            if self.queue:
                received, payload = self.queue.popleft()
                self._apply(payload)
                self.applied.append((received, self.next_boundary, payload))
            self.next_boundary += self.period

    def receive(self, t: float, payload: dict[str, Any]) -> int:
        """Take a message at time t; returns the queue length it found."""
        self.advance(t)
        found = len(self.queue)
        if "paused" in payload:
            self.paused = bool(payload["paused"])
        if found >= 8:
            self.dropped += 1
        else:
            self.queue.append((t, payload))
        return found

    def _apply(self, payload: dict[str, Any]) -> None:
        for key, value in payload.items():
            if key == "transition":
                self.params["prompts"] = value["target_prompts"]
            elif key == "reset_cache":
                self.resets += 1
            else:
                self.params[key] = value

    def initial(self, params: dict[str, Any]) -> None:
        self.params = dict(params)
        self.paused = bool(params.get("paused", False))
