"""The stand-in's pipeline processor: one loop per session that takes updates and makes frames.

Each turn is one pipeline call, as in Scope's ``process_chunk``: take at most one queued update,
then (unless the pipeline is paused) generate ``frames_per_call`` frames, due one frame period
apart from the call's start; the next call starts when they are done. Paused, it takes one
update every 10 ms and makes nothing. A stall (the ``stall_ms`` fault) stops both taking and
making until it ends. ``pipeline_fps`` is measured the way Scope measures it: frames over the
time between call starts, over the last 10 calls, within 1–60, 60 before the first call.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from bridge.sim.catalog import ChunkModel
from bridge.sim.faults import Faults
from bridge.sim.params import ParameterEngine
from bridge.sim.render import FrameView

PAUSED_POLL_S = 0.01  # Scope's SLEEP_TIME: how often a paused pipeline looks at its queue
MAX_LATE_S = 1.0  # further behind than this, start the next call now instead of catching up
MIN_FPS, MAX_FPS = 1.0, 60.0
FPS_SAMPLES = 10


@dataclass(frozen=True, slots=True)
class Emitted:
    """One generated frame: what it shows, its stamped counter, and when it is due."""

    view: FrameView
    counter: int
    due: float


class ThroughputMeter:
    """``pipeline_fps``: frames per second over the last calls, Scope's way."""

    def __init__(self) -> None:
        self._samples: deque[tuple[int, float]] = deque(maxlen=FPS_SAMPLES)
        self._last: float | None = None
        self.fps = MAX_FPS  # Scope starts high "to prevent initial queue buildup"

    def call(self, frames: int, now: float, nominal_s: float) -> None:
        interval = now - self._last if self._last is not None else nominal_s
        self._last = now
        if interval > 0:
            self._samples.append((frames, interval))
            total = sum(t for _, t in self._samples)
            self.fps = min(MAX_FPS, max(MIN_FPS, sum(n for n, _ in self._samples) / total))

    def gap(self) -> None:
        """A pause: the next interval must not span it."""
        self._last = None


class PipelineWorker:
    """Runs one session's pipeline; ``emit`` receives each frame as it falls due."""

    def __init__(
        self,
        engine: ParameterEngine,
        chunk: ChunkModel,
        faults: Faults,
        view: Callable[[], FrameView],
        emit: Callable[[Emitted], None],
    ) -> None:
        self.engine = engine
        self.chunk = chunk
        self.faults = faults
        self.meter = ThroughputMeter()
        self.generated = 0
        self.started_at: float | None = None
        self._view = view
        self._emit = emit

    async def run(self) -> None:
        period = 1.0 / self.chunk.fps
        frames = self.chunk.frames_per_call
        self.started_at = time.monotonic()
        next_call: float | None = None
        while True:
            now = time.monotonic()
            if next_call is not None and next_call > now:
                await asyncio.sleep(next_call - now)
                now = time.monotonic()
            stalled = self.faults.stalled_for(now)
            if stalled > 0:
                await asyncio.sleep(stalled)
                next_call = None  # resume from now: a stalled pipeline does not catch up
                continue
            applied = self.engine.take(now)
            if self.engine.worker_paused:
                self.meter.gap()
                next_call = None
                await asyncio.sleep(PAUSED_POLL_S)
                continue
            self.engine.generate()
            start = now if next_call is None or now - next_call > MAX_LATE_S else next_call
            self.meter.call(frames, start, frames * period)
            view = self._view()
            for index in range(frames):
                due = start + index * period
                now = time.monotonic()
                if due > now:
                    await asyncio.sleep(due - now)
                stalled = self.faults.stalled_for(time.monotonic())
                if stalled > 0:  # a stall mid-call holds the rest of its frames back
                    await asyncio.sleep(stalled)
                    start = time.monotonic() - index * period
                    due = start + index * period
                self.generated += 1
                self._emit(Emitted(view, self.generated, due))
                if applied is not None and applied.shown_t is None:
                    applied.shown_t = time.monotonic()  # the first frame showing it is out
            next_call = start + frames * period
