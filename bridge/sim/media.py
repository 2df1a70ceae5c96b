"""One stand-in WebRTC session: the client's data channel in, paced VP8 frames out.

Like Scope, output starts only when the client's video track arrives (a recvonly offer gets
none) and only if ``initialParameters`` named ``pipeline_ids``. Frames are paced by deadline
(start + n·period); every ``chunk_frames`` frames the engine takes one queued update. Paused
repeats the last frame at the same rate, as Scope's track does, so the stream stays alive.
"""

from __future__ import annotations

import asyncio
import fractions
import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from aiortc import MediaStreamTrack, RTCDataChannel, RTCPeerConnection
from aiortc.mediastreams import MediaStreamError
from av import VideoFrame

from bridge.sim.faults import Faults
from bridge.sim.params import ParameterEngine, SimStats
from bridge.sim.render import FrameView, render

log = logging.getLogger(__name__)

_CLOCK_RATE = 90_000
_TIME_BASE = fractions.Fraction(1, _CLOCK_RATE)
_MAX_LATE_S = 1.0  # further behind than this, re-anchor instead of bursting frames


@dataclass(frozen=True, slots=True)
class StreamSettings:
    """How one session's pipeline runs."""

    width: int
    height: int
    fps: float
    chunk_frames: int
    queue_size: int


class SimSession:
    """State of one peer: its engine, data channel, output track and helper tasks."""

    def __init__(
        self,
        session_id: str,
        pc: RTCPeerConnection,
        initial: Mapping[str, Any],
        settings: StreamSettings,
        stats: SimStats,
        faults: Faults,
    ) -> None:
        self.id = session_id
        self.pc = pc
        self.settings = settings
        self.stats = stats
        self.faults = faults
        self.engine = ParameterEngine(initial, stats, settings.queue_size)
        self.has_pipeline_ids = bool(initial.get("pipeline_ids"))
        self.output_started = asyncio.Event()
        self.channel: RTCDataChannel | None = None
        self.track = SimVideoTrack(self)
        self.candidates_added = 0
        self._tasks: set[asyncio.Task[None]] = set()

    def on_datachannel(self, channel: RTCDataChannel) -> None:
        self.channel = channel
        channel.on("message", self.on_message)

    def on_client_track(self, track: MediaStreamTrack) -> None:
        if track.kind != "video":
            return
        task = asyncio.get_running_loop().create_task(self._drain(track), name="sim-input")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        if self.has_pipeline_ids:
            self.output_started.set()
        else:
            log.warning("No pipeline IDs provided: session %s will get no frames", self.id)

    async def _drain(self, track: MediaStreamTrack) -> None:
        # Text mode ignores input pixels, but unread frames would pile up in aiortc's queue.
        while True:
            try:
                await track.recv()
            except MediaStreamError:
                return

    def on_message(self, message: str | bytes) -> None:
        try:
            payload = json.loads(message)
        except (json.JSONDecodeError, UnicodeDecodeError):
            self.stats.invalid += 1
            return
        if not isinstance(payload, dict):
            self.stats.invalid += 1
            return
        self.engine.receive(payload, time.monotonic())

    def notify(self, message: Mapping[str, Any]) -> None:
        """Send a server notification (e.g. ``parameters_updated``) if the channel is open."""
        if self.channel is not None and self.channel.readyState == "open":
            self.channel.send(json.dumps(message))

    def close_later(self, delay_s: float) -> None:
        """Close the peer connection ``delay_s`` from now (the close_after_s fault)."""
        task = asyncio.get_running_loop().create_task(self._close_after(delay_s), name="sim-kill")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _close_after(self, delay_s: float) -> None:
        await asyncio.sleep(delay_s)
        await asyncio.shield(self.pc.close())

    async def close(self) -> None:
        tasks = [task for task in self._tasks if task is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self.track.stop()
        # Shielded: a cancelled waiter would cancel aiortc's shared "closed" future and make
        # its own internal close task fail.
        await asyncio.shield(self.pc.close())


class SimVideoTrack(MediaStreamTrack):
    """The stand-in's output: frames that draw what the engine applied."""

    kind = "video"

    def __init__(self, session: SimSession) -> None:
        super().__init__()
        self._session = session
        self._period = 1.0 / session.settings.fps
        self._start: float | None = None
        self._slot = 0  # frame slots elapsed (pts)
        self._generated = 0  # frames the pipeline generated (the stamped counter)
        self._pixels: npt.NDArray[np.uint8] | None = None
        self._drawn_paused = False

    def _view(self) -> FrameView:
        session = self._session
        engine = session.engine
        transition = engine.transition
        return FrameView(
            width=session.settings.width,
            height=session.settings.height,
            prompts=engine.prompts,
            target=transition.target if transition else None,
            progress=transition.progress if transition else None,
            paused=engine.paused,
            chunks=session.stats.chunks,
            applied=session.stats.applied,
            resets=session.stats.reset_cache,
        )

    async def _next_slot(self) -> None:
        while True:
            if self.readyState != "live":
                raise MediaStreamError
            now = time.monotonic()
            if self._start is None:
                self._start = now
            deadline = self._start + self._slot * self._period
            if deadline > now:
                await asyncio.sleep(deadline - now)
            elif now - deadline > _MAX_LATE_S:
                self._start = now - self._slot * self._period
            self._slot += 1
            if self._session.faults.frames:
                return

    async def recv(self) -> VideoFrame:
        session = self._session
        await session.output_started.wait()
        await self._next_slot()
        engine = session.engine
        if not engine.paused:
            if self._generated % session.settings.chunk_frames == 0:
                engine.chunk(time.monotonic())
            self._generated += 1
            self._pixels = render(self._view(), self._generated)
        elif self._pixels is None or not self._drawn_paused:
            # Frozen picture, same counter: only the PAUSED label is new.
            self._pixels = render(self._view(), self._generated)
        self._drawn_paused = engine.paused
        frame = VideoFrame.from_ndarray(self._pixels, format="rgb24")
        frame.pts = round((self._slot - 1) * self._period * _CLOCK_RATE)
        frame.time_base = _TIME_BASE
        session.stats.frames_sent += 1
        return frame
