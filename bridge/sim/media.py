"""One stand-in WebRTC session: the client's data channel in, the pipeline's VP8 frames out.

Like Scope, output starts only when the client's video track arrives (a recvonly offer gets
none) and only if ``initialParameters`` named ``pipeline_ids``; the pipeline (``processor``)
starts when the track is first read. The track plays the frames the pipeline makes as they
fall due; paused, it repeats the last frame at the same rate, as Scope's track does, so the
stream stays alive while the pipeline keeps taking (and merging) updates. Paused before its
first frame, it sends nothing until thawed (Scope's track has no last frame to repeat).
"""

from __future__ import annotations

import asyncio
import fractions
import json
import logging
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

import numpy as np
import numpy.typing as npt
from aiortc import MediaStreamTrack, RTCDataChannel, RTCPeerConnection
from aiortc.mediastreams import MediaStreamError
from av import VideoFrame

from bridge.aio import wait_set
from bridge.sim.faults import Faults
from bridge.sim.params import SimStats
from bridge.sim.processor import FrameProcessor, StreamSettings
from bridge.sim.render import render
from bridge.sim.tempo import TempoClock
from bridge.sim.worker import Emitted

log = logging.getLogger(__name__)

_CLOCK_RATE = 90_000
_TIME_BASE = fractions.Fraction(1, _CLOCK_RATE)
_STALE_S = 0.5  # a frame this far past due (made while the output was frozen) is skipped
_OUTPUT_FRAMES = 4  # frames waiting for the track; older ones give way (Scope drops too)


class SimSession:
    """State of one peer: its frame processor, data channel, output track and helper tasks."""

    def __init__(
        self,
        session_id: str,
        pc: RTCPeerConnection,
        initial: Mapping[str, Any],
        settings: StreamSettings,
        stats: SimStats,
        faults: Faults,
        tempo: Callable[[], TempoClock | None] = lambda: None,
    ) -> None:
        self.id = session_id
        self.pc = pc
        self.settings = settings
        self.stats = stats
        self.faults = faults
        self.track = SimVideoTrack(self)
        self.processor = FrameProcessor(
            initial, settings, stats, faults, tempo=tempo, notify=self.notify, emit=self.track.push
        )
        self.engine = self.processor.engine
        self.has_pipeline_ids = bool(initial.get("pipeline_ids"))
        self.output_started = asyncio.Event()
        self.channel: RTCDataChannel | None = None
        self.candidates_added = 0
        self.notifications_sent = 0
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def live(self) -> bool:
        """Counts for Scope's "active session" (metrics, GET parameters, broadcasts)."""
        return self.pc.connectionState not in ("closed", "failed")

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
        # Text mode ignores input pixels (Scope counts none in frames_in), but unread frames
        # would pile up in aiortc's queue.
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
        self.processor.receive(payload, time.monotonic())

    def notify(self, message: Mapping[str, Any]) -> None:
        """Send a server notification (e.g. ``parameters_updated``) if the channel is open."""
        if self.channel is not None and self.channel.readyState == "open":
            self.channel.send(json.dumps(message))
            self.notifications_sent += 1

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
        await self.processor.stop()
        self.track.stop()
        # Shielded: a cancelled waiter would cancel aiortc's shared "closed" future and make
        # its own internal close task fail.
        await asyncio.shield(self.pc.close())


class SimVideoTrack(MediaStreamTrack):
    """The stand-in's output: the pipeline's frames, played as they fall due."""

    kind = "video"

    def __init__(self, session: SimSession) -> None:
        super().__init__()
        self._session = session
        self._period = 1.0 / session.settings.chunk.fps
        self._pending: deque[Emitted] = deque(maxlen=_OUTPUT_FRAMES)
        self._arrived = asyncio.Event()
        self._start: float | None = None
        self._last_pts = -1
        self._shown: Emitted | None = None
        self._pixels: npt.NDArray[np.uint8] | None = None
        self._drawn_paused = False

    def push(self, frame: Emitted) -> None:
        """The pipeline made a frame (called by the worker when it falls due)."""
        self._pending.append(frame)
        self._arrived.set()

    async def _next(self) -> Emitted | None:
        """The next fresh frame, or None after one frame period without one."""
        if not self._pending:
            self._arrived.clear()
            if not await wait_set(self._arrived, self._period):
                return None
        now = time.monotonic()
        while self._pending:
            frame = self._pending.popleft()
            if frame.due >= now - _STALE_S:
                return frame
        return None

    async def recv(self) -> VideoFrame:
        session = self._session
        await session.output_started.wait()
        session.processor.start()
        while True:
            if self.readyState != "live":
                raise MediaStreamError
            if session.engine.paused:
                await asyncio.sleep(self._period)
                if not session.engine.paused or self._shown is None:
                    continue  # frozen before a first frame: Scope has nothing to repeat
                if not self._drawn_paused:  # frozen picture, same counter: only PAUSED is new
                    self._pixels = render(
                        replace(self._shown.view, paused=True), self._shown.counter
                    )
                    self._drawn_paused = True
                due = time.monotonic()
            else:
                frame = await self._next()
                if frame is None:
                    continue
                self._shown, self._drawn_paused, due = frame, False, frame.due
                self._pixels = render(frame.view, frame.counter)
            if not session.faults.frames or self._pixels is None:
                continue  # the frames fault: made, never sent
            return self._output(self._pixels, due)

    def _output(self, pixels: npt.NDArray[np.uint8], due: float) -> VideoFrame:
        if self._start is None:
            self._start = due
        frame = VideoFrame.from_ndarray(pixels, format="rgb24")
        pts = max(round((due - self._start) * _CLOCK_RATE), self._last_pts + 1)
        frame.pts, frame.time_base = pts, _TIME_BASE
        self._last_pts = pts
        self._session.stats.frames_sent += 1
        self._session.processor.frames_out += 1
        return frame
