"""A pure model of Scope's worker, call by call, to check the evidence-clocked pacer against.

What it models (read from Scope's ``pipeline_processor.py`` and ``tracks.py``, v0.1.4 and
v0.2.4; ``scope-protocol.md`` §3 and §8):
- a parameter queue of 8 that drops the *newest* update when full;
- each pipeline call takes at most one update, at its start, then makes ``frames_per_call``
  frames; calls take whatever time they take (a stall is one very long call);
- the frames of a call reach the bridge ``delay`` seconds after the call ends, spread over
  the call's duration (the server paces its track), and are the bridge's only evidence;
- ``paused`` freezes the video track on receipt: it repeats its last frame at the frame
  rate (so frames keep arriving), or sends nothing before its first frame; the worker
  pauses when it takes the message, and while paused takes one update every 10 ms and
  makes no frames;
- a transition's target becomes the prompts once applied (final states, not blends).
No clock: time only moves through `advance(t)`.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Iterator
from typing import Any

PAUSED_TICK = 0.01
REPEAT_S = 1 / 60
"""Fastest a frozen track repeats its picture: a video track's frame rate, whatever the
pipeline's frames per call (12 frames in a 1/60 s call would be 720 fps, which no track sends
and which made one hypothesis case step through ~50k repeats and time out)."""


class ScopeWorker:
    def __init__(
        self,
        durations: Iterator[float],
        frames_per_call: int,
        delay: float,
        frame_period: float,
        start: float = 0.0,
    ) -> None:
        self.durations = durations
        self.k = frames_per_call
        self.delay = delay
        self.repeat_period = max(frame_period, REPEAT_S)
        self.queue: deque[tuple[float, dict[str, Any]]] = deque()
        self.params: dict[str, Any] = {}
        self.track_paused = False
        self.worker_paused = False
        self.next_step = start
        self.frames: list[float] = []  # arrival times at the bridge (a heap)
        self.repeat_at: float | None = None  # next repeated frame while the track is paused
        self.shown = False  # a frame reached the bridge: a frozen track has one to repeat
        self.dropped = 0
        self.resets = 0
        self.max_found = 0
        self.applied: list[tuple[float, float, dict[str, Any]]] = []  # (received, applied, msg)

    # -- the worker ------------------------------------------------------------------------
    def _take(self, at: float) -> None:
        if not self.queue:
            return
        received, payload = self.queue.popleft()
        self.applied.append((received, at, payload))
        for key, value in payload.items():
            if key == "transition":
                self.params["prompts"] = value["target_prompts"]
            elif key == "reset_cache":
                self.resets += 1
            elif key == "paused":
                self.worker_paused = bool(value)
                self.params[key] = value
            else:
                self.params[key] = value

    def _step(self) -> None:
        at = self.next_step
        self._take(at)
        if self.worker_paused:
            self.next_step = at + PAUSED_TICK
            return
        duration = next(self.durations)
        end = at + duration
        for i in range(self.k):
            heapq.heappush(self.frames, end + self.delay + i * duration / self.k)
        self.next_step = end

    def advance(self, t: float) -> None:
        """Run the worker up to time t (calls that start by then take their update)."""
        while self.next_step <= t:
            self._step()

    # -- what the bridge sees ----------------------------------------------------------------
    def next_frame(self) -> float | None:
        """When the next frame reaches the bridge, or None if none is on its way."""
        times = [
            t for t in (self.frames[0] if self.frames else None, self.repeat_at) if t is not None
        ]
        return min(times) if times else None

    def take_frame(self, t: float) -> bool:
        """Deliver the frame due at t (True if one was due). While the track is paused the
        worker's frames are not shown, and the last one is repeated instead."""
        self.advance(t)
        if self.repeat_at is not None and self.repeat_at <= t:
            self.repeat_at = t + self.repeat_period
            return True
        if self.frames and self.frames[0] <= t:
            heapq.heappop(self.frames)
            if self.track_paused:
                return False
            self.shown = True
            return True
        return False

    def receive(self, t: float, payload: dict[str, Any]) -> None:
        self.advance(t)
        found = len(self.queue)
        self.max_found = max(self.max_found, found)
        if "paused" in payload:
            self.track_paused = bool(payload["paused"])
            repeat = self.track_paused and self.shown
            self.repeat_at = t + self.repeat_period if repeat else None
        if found >= 8:
            self.dropped += 1
        else:
            self.queue.append((t, payload))

    def initial(self, params: dict[str, Any]) -> None:
        self.params = dict(params)
        self.track_paused = self.worker_paused = bool(params.get("paused", False))
        self.repeat_at = None
