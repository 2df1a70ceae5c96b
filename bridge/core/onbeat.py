"""Beat-true at Scope's output: how early to send a quantised change so it shows on the beat.

An update sent to Scope becomes visible only at the start of a pipeline call (Scope takes one
update per call), after the updates already waiting in its queue have each taken a call, and
after the frame delay (from a call taking an update to its first frame leaving Scope). The
call grid's phase is unknown to the bridge (frames arrive late and in bursts), but it does not
need to be: sent half a call period before the latency it can predict, an update lands on the
call start nearest the beat, whatever the phase. That is as close as Scope's chunking allows,
within half a call period either side.

Rules of this module:
- the lead (how long before the beat to release a change) is the pacer's wait before it may
  send, the transport, one call per update ahead in Scope's queue, half a call period, and
  the frame delay; each part is a number the pacer or the show gives;
- a lead is never negative and never non-finite (a meaningless part counts as 0, none is
  longer than `MAX_PART_S`, no more than `MAX_AHEAD` updates are ever ahead);
- `landing` is the model the lead is built on (used by the tests and the benchmark's
  explanation, never by the control path): the first call start at or after the update's
  arrival, plus the calls ahead, plus the frame delay.

Pure: numbers in, numbers out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

MAX_PART_S = 60.0
"""No part of the latency is longer than this (a meaningless figure is not a day's wait)."""
MAX_AHEAD = 8
"""Scope's queue holds 8: no more can be ahead of a change."""


def _part(x: float) -> float:
    return min(x, MAX_PART_S) if math.isfinite(x) and x > 0.0 else 0.0


@dataclass(frozen=True, slots=True)
class Latency:
    """What the pacer knows, now, of the way from the bridge to Scope's output."""

    chunk_s: float
    """Scope's pipeline call period (frames per call ÷ frame rate)."""
    ahead: int = 0
    """Updates in Scope's queue that will each take a call before this one."""
    wait_s: float = 0.0
    """How long until the pacer may send again (its rate ceiling)."""
    frame_delay_s: float = 0.0
    """From Scope taking an update to the first frame that shows it leaving Scope."""
    transport_s: float = 0.0
    """The data channel's one-way trip."""

    def lead(self) -> float:
        """Seconds before the beat to release a change, so it lands on the nearest call."""
        chunk = _part(self.chunk_s)
        ahead = min(max(self.ahead, 0), MAX_AHEAD)
        return (
            _part(self.wait_s)
            + _part(self.transport_s)
            + ahead * chunk
            + chunk / 2.0
            + _part(self.frame_delay_s)
        )


def landing(
    sent: float, latency: Latency, first_call: float, *, transport_s: float | None = None
) -> float:
    """When an update released at ``sent`` first shows at Scope's output, given that a call
    starts at ``first_call`` and every ``chunk_s`` after (the model `Latency.lead` assumes).
    ``transport_s`` overrides the latency's own (a real trip differs from the predicted)."""
    trip = latency.transport_s if transport_s is None else transport_s
    arrives = sent + _part(latency.wait_s) + _part(trip)
    chunk = latency.chunk_s
    calls = math.ceil((arrives - first_call) / chunk - 1e-9)
    ahead = min(max(latency.ahead, 0), MAX_AHEAD)
    return first_call + (calls + ahead) * chunk + _part(latency.frame_delay_s)


@dataclass(slots=True)
class LandingWatch:
    """How far from its beat the last quantised change showed, as the frames coming back say.

    The pacer's model gives the call that takes a message (``taken``, in its units of calls
    seen); the first frame of that call is the first to show the change. When the frames
    counted pass the start of that call, the change has landed: the time then against the beat it
    was meant for. An estimate: exact to within the trip of a frame and one call when a call had
    started but none of its frames had arrived as the message left. The frames are counted
    as they arrive, so the landing is as seen at the bridge, after Scope's frame delay.
    """

    boundary: float | None = None
    """The beat the change in flight is meant to show on."""
    start_call: float = 0.0
    """The pacer's call count at which the call that takes it starts."""
    landed_ms: float | None = None
    """The last change's landing against its beat (positive: after it)."""
    landings: int = 0

    def sent(self, boundary: float, taken: float, delay_calls: int = 0) -> None:
        """A message carrying the change left; the pacer models it taken at call ``taken``.
        ``delay_calls``: calls Scope computes before a call's frames leave (its frame delay
        in calls; the pacer counts calls by their frames)."""
        self.boundary = boundary
        self.start_call = math.ceil(taken - 1.0 - 1e-9) + max(delay_calls, 0)

    def frames(self, calls: float, now: float) -> float | None:
        """Calls seen so far (``calls``) at ``now``: the landing in ms when this was it."""
        if self.boundary is None or not calls > self.start_call + 1e-9:
            return None
        self.landed_ms = (now - self.boundary) * 1000.0
        self.boundary = None
        self.landings += 1
        return self.landed_ms
