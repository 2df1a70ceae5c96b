"""One stand-in session's frame processor: parameters in, worker running, metrics out.

It is what Scope's ``FrameProcessor`` is to a session, for WebRTC and headless sessions alike.
A parameter message is handled as Scope handles it: ``paused`` freezes the output on receipt;
with tempo sync (0.1.8+) a ``_quantized`` message goes to the scheduler; ``quantize_mode``,
``lookahead_ms``, ``modulations``, ``beat_cache_reset_rate``, client beat-state keys and
``node_id`` are settings taken out before the rest is queued for the pipeline. ``parameters``
(what ``GET /api/v1/session/parameters`` shows) merges each message on receipt, not when the
pipeline takes it. ``metrics()`` is one entry of ``GET /api/v1/session/metrics``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bridge.sim.catalog import ChunkModel
from bridge.sim.faults import Faults
from bridge.sim.params import ParameterEngine, SimStats
from bridge.sim.render import Controller, FrameView
from bridge.sim.scheduler import QuantizedScheduler
from bridge.sim.tempo import BEAT_STATE_KEYS, TempoClock
from bridge.sim.worker import Emitted, PipelineWorker

_SETTINGS = ("modulations", "beat_cache_reset_rate", "node_id", *sorted(BEAT_STATE_KEYS))


@dataclass(frozen=True, slots=True)
class StreamSettings:
    """How one session's pipeline runs."""

    pipeline_id: str
    width: int
    height: int
    chunk: ChunkModel
    queue_size: int
    controller: bool = False
    tempo: bool = True
    """Whether this Scope version has tempo sync (``_quantized`` is an ordinary key before)."""


class FrameProcessor:
    """Engine, worker and scheduler of one session; ``start()`` runs the pipeline."""

    def __init__(
        self,
        initial: Mapping[str, Any],
        settings: StreamSettings,
        stats: SimStats,
        faults: Faults,
        *,
        tempo: Callable[[], TempoClock | None],
        notify: Callable[[Mapping[str, Any]], None],
        emit: Callable[[Emitted], None],
    ) -> None:
        self.settings = settings
        self.stats = stats
        self.parameters: dict[str, Any] = dict(initial)
        self.engine = ParameterEngine(
            initial, stats, settings.queue_size, (settings.width, settings.height)
        )
        self.worker = PipelineWorker(self.engine, settings.chunk, faults, self._view, self._emit)
        self.scheduler = QuantizedScheduler(tempo, self.update, notify)
        self.frames_out = 0
        self.frames_in = 0
        self.last: Emitted | None = None
        self._on_emit = emit
        self._task: asyncio.Task[None] | None = None
        self._started_at: float | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Start the pipeline loop (once)."""
        if self._task is None:
            self._started_at = time.time()
            self._task = asyncio.get_running_loop().create_task(
                self.worker.run(), name="sim-pipeline"
            )

    async def stop(self) -> None:
        self.scheduler.cancel()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    def receive(self, payload: dict[str, Any], now: float) -> None:
        """A parameter message from the data channel or a REST broadcast."""
        if "paused" in payload:
            self.engine.paused = bool(payload["paused"])  # never quantised, never queued late
        if self.settings.tempo and payload.pop("_quantized", False):
            self.scheduler.schedule(payload, now)
            return
        self.update(payload)

    def update(self, payload: dict[str, Any]) -> None:
        """Scope's ``update_parameters``: settings out, the rest queued for the pipeline."""
        if self.settings.tempo:
            if "quantize_mode" in payload:
                self.scheduler.set_mode(payload.pop("quantize_mode"))
            if "lookahead_ms" in payload:
                self.scheduler.set_lookahead(payload.pop("lookahead_ms"))
            for key in _SETTINGS:
                payload.pop(key, None)
        self.parameters = {**self.parameters, **payload}
        self.engine.enqueue(payload, time.monotonic())

    def _view(self) -> FrameView:
        engine = self.engine
        transition = engine.transition
        controller = None
        if self.settings.controller:
            x, y = engine.cursor
            controller = Controller(engine.buttons(), (int(x), int(y)))
        return FrameView(
            width=self.settings.width,
            height=self.settings.height,
            prompts=engine.prompts,
            target=transition.target if transition else None,
            progress=transition.progress if transition else None,
            paused=False,
            chunks=self.stats.chunks,
            applied=self.stats.applied,
            resets=self.stats.reset_cache,
            controller=controller,
        )

    def _emit(self, frame: Emitted) -> None:
        self.last = frame
        self._on_emit(frame)

    def metrics(self) -> dict[str, Any]:
        """Scope's ``get_frame_stats()`` for this session."""
        elapsed = time.time() - self._started_at if self._started_at is not None else 0.0
        return {
            "frames_in": self.frames_in,
            "frames_out": self.frames_out,
            "elapsed_seconds": elapsed,
            "fps_in": self.frames_in / elapsed if elapsed > 0 else 0.0,
            "fps_out": self.frames_out / elapsed if elapsed > 0 else 0.0,
            "pipeline_fps": self.worker.meter.fps,
            "output_sinks": {},
            "input_source_enabled": False,
            "input_source_type": "",
            "relay_mode": False,
        }
