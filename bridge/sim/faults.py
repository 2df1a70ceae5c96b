"""Fault switches for the stand-in, set with ``POST /sim/faults`` so tests can break things.

``{"http_status": 503}`` answers every Scope endpoint with that status; ``{"delay_ms": 800}``
delays every Scope answer; ``{"frames": false}`` stops sending frames (the track stays up);
``{"close_after_s": 1.5}`` closes every open peer connection that many seconds from now;
``{"load_error": "CUDA out of memory"}`` makes the next pipeline load fail;
``{"stall_ms": 400}`` stalls every pipeline from now for that long: no update is taken and no
frame is made, as when a real GPU hiccups (the fps a client sees drops, the queue keeps
filling). ``{}`` changes nothing; ``{"reset": true}`` clears everything.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(slots=True)
class Faults:
    """The switches in force (mutable on purpose: tests flip them while streams run)."""

    http_status: int | None = None
    delay_ms: int = 0
    frames: bool = True
    load_error: str | None = None
    stall_until: float = 0.0
    """``time.monotonic()`` until which pipelines are stalled."""
    stalls: int = 0

    def stalled_for(self, now: float) -> float:
        """Seconds the stall still lasts at ``now`` (0 when not stalled)."""
        return max(0.0, self.stall_until - now)

    def update(self, body: Mapping[str, Any]) -> float | None:
        """Apply a ``/sim/faults`` body; returns ``close_after_s`` when one was asked for."""
        if body.get("reset"):
            self.http_status, self.delay_ms, self.frames, self.load_error = None, 0, True, None
            self.stall_until = 0.0
        if "http_status" in body:
            status = body["http_status"]
            self.http_status = int(status) if status else None
        if "delay_ms" in body:
            self.delay_ms = max(0, int(body["delay_ms"] or 0))
        if "frames" in body:
            self.frames = bool(body["frames"])
        if "load_error" in body:
            error = body["load_error"]
            self.load_error = str(error) if error else None
        stall = body.get("stall_ms")
        if _positive(stall):
            assert isinstance(stall, int | float)
            self.stall_until = max(self.stall_until, time.monotonic() + stall / 1000)
            self.stalls += 1
        close_after = body.get("close_after_s")
        return float(close_after) if close_after is not None else None

    def to_json(self) -> dict[str, Any]:
        return {
            "http_status": self.http_status,
            "delay_ms": self.delay_ms,
            "frames": self.frames,
            "load_error": self.load_error,
            "stalled_ms": round(self.stalled_for(time.monotonic()) * 1000),
            "stalls": self.stalls,
        }


def _positive(value: object) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value) and value > 0
