"""The live input: a PortAudio device captured, analysed, and reopened by name when lost.

The PortAudio callback thread only copies samples into the ring and pokes the loop; analysis
runs in the input's asyncio task. A live input that stops delivering (device unplugged,
stream ended) is closed, reported in one line and reopened by name about once a second; the
analyser keeps its state across the gap.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from typing import Any

from bridge.aio import wait_set
from bridge.errors import DeviceError
from bridge.features.analyser import AudioAnalyser
from bridge.features.config import AnalyserConfig
from bridge.inputs.audio.delivery import emit_all
from bridge.inputs.audio.devices import find_input_device, portaudio
from bridge.inputs.audio.opening import StartTimeout, close_stream, open_with_deadline
from bridge.inputs.audio.ring import BlockRing, Samples
from bridge.inputs.audio.status import AudioStatus
from bridge.protocols import Emit

log = logging.getLogger(__name__)

RING_SECONDS = 2.0
STALL_S = 2.0
"""A live stream that delivers nothing for this long counts as lost."""
RETRY_S = 1.0
"""How often a lost live input is looked for again."""


class LiveAudioInput:
    """Captures from a PortAudio input device and emits the analyser's events.

    ``device`` and ``hostapi`` are case-insensitive name substrings (None: the default).
    ``analyser`` is public so the app can call ``tap``, ``double``, ``halve`` and
    ``set_external_tempo`` on it from the loop thread. ``status`` says what it is doing (an
    ``AudioStatus``; UIs make the words); ``reconnects`` counts recoveries from a lost device.
    """

    def __init__(
        self,
        device: str | None = None,
        *,
        hostapi: str | None = None,
        sample_rate: int = 48000,
        block_size: int = 512,
        channels: int = 1,
        config: AnalyserConfig | None = None,
        stall_s: float = STALL_S,
        retry_s: float = RETRY_S,
    ) -> None:
        self.device = device
        self.hostapi = hostapi
        self.sample_rate = sample_rate
        self.block_size = block_size
        self.channels = channels
        self.stall_s = stall_s
        self.retry_s = retry_s
        self.analyser = AudioAnalyser(sample_rate, block_size, config)
        capacity = max(4 * block_size, math.ceil(RING_SECONDS * sample_rate))
        self.ring = BlockRing(capacity, channels)
        self.overflows = 0
        """Times PortAudio reported an input overflow (samples lost before we saw them)."""
        self.blocks = 0
        self.reconnects = 0
        self.status = AudioStatus()
        self._stream: Any = None
        """The open PortAudio stream (None while closed); tests may end it to simulate loss."""
        self._gap = False
        self._ended = asyncio.Event()
        """Set (on the loop) when PortAudio says the current stream has finished."""
        self._opened_at = 0.0

    @property
    def name(self) -> str:
        """The device as the user named it, for messages."""
        return repr(self.device) if self.device else "default"

    async def run(self, emit: Emit) -> None:
        """Capture until cancelled, reopening a lost device by name.

        Raises DeviceError (one sentence) if capture can't start at all; a device lost later
        is a log line and a status, never an exception.
        """
        sd = portaudio()
        loop = asyncio.get_running_loop()
        wake = asyncio.Event()
        try:
            try:
                await self._open(sd, loop, wake)
            except StartTimeout as exc:  # the device exists; its server is stuck for now
                log.warning("%s; retrying every %g s", exc, self.retry_s)
                self.status = AudioStatus.waiting(self.name, exc)
                await self._reopen(sd, loop, wake)
            while True:
                reason = await self._capture(loop, wake, emit)
                log.warning(
                    "audio input %s lost (%s): closed, retrying every %g s",
                    self.name,
                    reason,
                    self.retry_s,
                )
                self.status = AudioStatus.lost(reason)
                await self._close_stream()
                await self._reopen(sd, loop, wake)
                self.reconnects += 1
                log.warning("audio input %s is back", self.name)
        finally:
            self.status = AudioStatus()
            await self._close_stream()

    async def _open(
        self,
        sd: Any,
        loop: asyncio.AbstractEventLoop,
        wake: asyncio.Event,
        rescan: bool = False,
    ) -> None:
        """Find the device by name and start a stream on it (off the loop: PortAudio blocks)."""
        ended = asyncio.Event()

        def poke() -> None:
            wake.set()

        def finished() -> None:
            ended.set()
            wake.set()

        def callback(indata: Samples, frames: int, time_info: Any, status: Any) -> None:
            # PortAudio's thread: copy, stamp, poke the loop. Nothing else.
            self.ring.write(indata, loop.time())
            if status.input_overflow:
                self.overflows += 1
            with contextlib.suppress(RuntimeError):  # the loop closed while stopping
                loop.call_soon_threadsafe(poke)

        def on_finished() -> None:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(finished)

        def open_stream() -> Any:
            try:
                index = find_input_device(sd, self.device, self.hostapi, rescan=rescan)
            except sd.PortAudioError as exc:
                raise DeviceError(f"audio devices cannot be listed: {exc}") from exc
            try:
                stream = sd.InputStream(
                    device=index,
                    channels=self.channels,
                    samplerate=self.sample_rate,
                    blocksize=self.block_size,
                    dtype="float32",
                    callback=callback,
                    finished_callback=on_finished,
                )
            except (sd.PortAudioError, ValueError) as exc:
                raise DeviceError(f"audio input {self.name} cannot open: {exc}") from exc
            try:
                stream.start()
            except sd.PortAudioError as exc:
                stream.close()
                raise DeviceError(f"audio input {self.name} cannot start: {exc}") from exc
            return stream

        stream = await open_with_deadline(loop, open_stream, self.name)
        self._stream = stream
        self._ended = ended
        self._opened_at = loop.time()
        self.status = AudioStatus.capturing(stream.device)

    async def _capture(
        self, loop: asyncio.AbstractEventLoop, wake: asyncio.Event, emit: Emit
    ) -> str:
        """Analyse blocks as they arrive; return why the stream counts as lost."""
        while True:
            await wait_set(wake, self.stall_s / 4.0)  # bridge.aio: never asyncio.wait_for
            wake.clear()
            self._drain(emit)
            if self._ended.is_set():
                return "the stream ended"
            last = max(self.ring.published[1], self._opened_at)
            if loop.time() - last > self.stall_s:
                return f"no audio for {self.stall_s:g} s"

    async def _reopen(self, sd: Any, loop: asyncio.AbstractEventLoop, wake: asyncio.Event) -> None:
        """Try to open the device by name every ``retry_s`` until it works."""
        while True:
            await asyncio.sleep(self.retry_s)
            try:
                await self._open(sd, loop, wake, rescan=True)
            except DeviceError as exc:
                self.status = AudioStatus.waiting(self.name, exc)
                continue
            self._gap = True
            return

    async def _close_stream(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            # Stopping joins PortAudio's thread: do it off the loop, even when cancelled.
            await asyncio.shield(asyncio.to_thread(close_stream, stream))

    def _drain(self, emit: Emit) -> None:
        pending = list(self.ring.blocks(self.block_size, self.sample_rate))
        for i, (block, t) in enumerate(pending):
            if self._gap:
                # The device was away: no beats for the time it was gone.
                self._gap = False
                self.analyser.skip(t - self.block_size / self.sample_rate)
            self.blocks += 1
            events = self.analyser.process(block, t)
            emit_all(emit, events, keep_features=i == len(pending) - 1)
