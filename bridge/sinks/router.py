"""The frame router: video from Scope to every enabled sink, without ever holding up the loop.

Rules of this module:
- ``push`` runs on the asyncio loop and only stamps the frame and drops it in each active
  sink's latest-frame slot (microseconds); each sink has its own thread, which converts the
  frame to the layout it wants (once per layout, shared: see ``pending``) and sends it;
- a newer frame replaces one a sink thread has not taken yet, and that counts as a skip, so
  a slow sink skips frames and never delays the loop or the other sinks;
- a sink that raises ``max_errors`` times in a row is marked failed with one line, closed,
  and tried again ``retry_after`` seconds later; nothing a sink does stops the router.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable
from fractions import Fraction
from typing import Any

from bridge.errors import SinkError
from bridge.sinks.base import FrameSink, SinkStatus
from bridge.sinks.pending import PendingFrame
from bridge.sinks.rate import RateMeter
from bridge.sinks.worker import SinkWorker

log = logging.getLogger(__name__)

_POLL = 0.25
"""How often idle sink threads look at their stop flag (s); a stop also wakes them at once."""

_JOIN_S = 10.0
"""How long closing waits for a sink thread: a recorder flushing its encoder on a busy machine
takes seconds, and leaving it early leaves a file without its index."""


class FrameRouter:
    """Fans decoded video frames out to sinks; see the module rules. Threads start at once."""

    def __init__(
        self,
        sinks: Iterable[FrameSink],
        *,
        max_errors: int = 5,
        retry_after: float = 5.0,
        default_fps: Fraction = Fraction(30),
    ) -> None:
        self._workers: dict[str, SinkWorker] = {}
        for sink in sinks:
            if sink.name in self._workers:
                raise SinkError(f"Two frame outputs are both named {sink.name!r}.")
            self._workers[sink.name] = SinkWorker(sink, max_errors, retry_after, _POLL)
        self._rate = RateMeter(default_fps)
        self._index = 0
        self._closing = False
        for worker in self._workers.values():
            worker.start()

    @property
    def input_fps(self) -> float:
        """The measured rate of pushed frames (0 when none came for a while)."""
        return self._rate.current(time.perf_counter())

    def push(self, frame: Any) -> None:
        """Hand over one ``av.VideoFrame`` (loop thread). Returns at once; never raises."""
        if self._closing:
            return
        now = time.perf_counter()
        self._rate.tick(now)
        self._index += 1
        pending = PendingFrame(frame, self._index, now, self._rate.nominal, self._rate.known)
        for worker in self._workers.values():
            if worker.accepting:
                worker.offer(pending)

    def status(self) -> tuple[SinkStatus, ...]:
        """A snapshot of every sink, in the order they were given."""
        now = time.perf_counter()
        return tuple(worker.status(now) for worker in self._workers.values())

    def set_enabled(self, name: str, enabled: bool) -> None:
        """Start or stop sending to one sink; a disabled sink releases its device."""
        worker = self._workers.get(name)
        if worker is None:
            known = ", ".join(self._workers) or "none"
            raise SinkError(f"There is no frame output named {name!r} (outputs: {known}).")
        worker.set_enabled(enabled)

    async def close(self) -> None:
        """Stop every thread and close every sink (a recording finishes its file), without
        blocking the loop. The sinks stay in ``status`` until they are closed."""
        self._closing = True
        for worker in self._workers.values():
            worker.stop()
        await asyncio.to_thread(self._join)

    def _join(self) -> None:
        for worker in self._workers.values():
            if not worker.join(timeout=_JOIN_S):
                log.warning(
                    "Frame output %r did not stop within %.0f s; leaving it.", worker.name, _JOIN_S
                )
