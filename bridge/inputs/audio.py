"""Audio inputs: a live device through PortAudio (sounddevice) and a WAV/FLAC file player.

Both feed an ``AudioAnalyser`` block by block and hand its events to ``emit`` on the loop.
The PortAudio callback thread only copies samples into a preallocated ring and pokes the loop;
analysis runs in the input's asyncio task. When the loop falls behind, every onset and beat is
still emitted, and only the newest AudioFeatures of a catch-up burst (features are states).
A live input that stops delivering (device unplugged, stream ended) is closed, reported in one
line and reopened by name about once a second; the analyser keeps its state across the gap.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import numpy.typing as npt

from bridge.aio import wait_set
from bridge.core.events import AudioFeatures, Event
from bridge.errors import DeviceError
from bridge.features.analyser import AudioAnalyser
from bridge.features.config import AnalyserConfig
from bridge.protocols import Emit

log = logging.getLogger(__name__)

Samples = npt.NDArray[np.float32]
RING_SECONDS = 2.0
STALL_S = 2.0
"""A live stream that delivers nothing for this long counts as lost."""
RETRY_S = 1.0
"""How often a lost live input is looked for again."""
FILE_CHUNK_BLOCKS = 64
"""Blocks read from disk per worker-thread call (about 0.7 s at 48 kHz)."""
FAST_YIELD_BLOCKS = 32
"""As-fast-as-possible file playback yields to the loop this often."""


class BlockRing:
    """Single-producer, single-consumer sample ring: the device thread writes, the loop reads.

    The producer copies data first and publishes ``(frames written, time)`` last as one tuple,
    so the reader never sees a count whose samples are not there yet. If the reader falls a
    whole ring behind, the oldest samples are dropped and counted.
    """

    def __init__(self, capacity: int, channels: int) -> None:
        self._data = np.zeros((capacity, channels), dtype=np.float32)
        self._capacity = capacity
        self.published: tuple[int, float] = (0, 0.0)
        self._read = 0
        self.dropped = 0

    def write(self, frames: Samples, t: float) -> None:
        """Copy ``frames`` (frames × channels) in; ``t`` is the time of the last frame."""
        written = self.published[0]
        n = min(len(frames), self._capacity)
        frames = frames[len(frames) - n :]
        start = written % self._capacity
        first = min(n, self._capacity - start)
        self._data[start : start + first] = frames[:first]
        self._data[: n - first] = frames[first:]
        self.published = (written + len(frames), t)

    def blocks(self, size: int, sample_rate: float) -> Iterator[tuple[Samples, float]]:
        """Yield every complete block not yet read, each with the time of its last frame."""
        written, t_last = self.published
        if written - self._read > self._capacity - size:
            skip = written - self._read - (self._capacity - size)
            self._read += skip
            self.dropped += skip
        while written - self._read >= size:
            start = self._read % self._capacity
            idx = np.arange(start, start + size) % self._capacity
            block = self._data[idx]
            self._read += size
            yield block, t_last - (written - self._read) / sample_rate


def portaudio() -> ModuleType:
    """The sounddevice module with PortAudio initialised (taken again after
    `release_portaudio`); a DeviceError says what is missing."""
    try:
        import sounddevice  # lazily: loading it loads libportaudio
    except OSError as exc:
        raise DeviceError(
            "audio input needs the PortAudio library (install libportaudio2)"
        ) from exc
    except ImportError as exc:
        raise DeviceError("audio input needs the sounddevice package") from exc
    if not sounddevice._initialized:  # released by release_portaudio(); take it again
        sounddevice._initialize()
    module: ModuleType = sounddevice
    return module


OPEN_TIMEOUT_S = 5.0
"""Longest wait for PortAudio to start a stream. A stuck audio server (JACK in synchronous
mode) can hold Pa_StartStream for a long time: then this open fails with a sentence and is
retried by name, and quitting never waits for it."""


class StartTimeout(DeviceError):
    """The stream was found and opened but never started: retried, not given up on."""


async def _open_with_deadline(
    loop: asyncio.AbstractEventLoop, open_stream: Callable[[], Any], name: str
) -> Any:
    """Run ``open_stream`` on a daemon thread and wait at most OPEN_TIMEOUT_S for it.

    The thread cannot be interrupted. Abandoned (timed out, or the caller cancelled), it
    closes whatever it opens later itself; being a daemon, it never holds up the exit.
    """
    done: asyncio.Future[Any] = loop.create_future()
    abandoned = threading.Event()

    def settle(stream: Any, error: BaseException | None) -> None:
        if done.done():  # given up on meanwhile: what it opened is nobody's
            if stream is not None:
                threading.Thread(target=_close, args=(stream,), daemon=True).start()
        elif error is not None:
            done.set_exception(error)
        else:
            done.set_result(stream)

    def opener() -> None:
        try:
            stream = open_stream()
        except BaseException as exc:
            with contextlib.suppress(RuntimeError):  # the loop is gone
                loop.call_soon_threadsafe(settle, None, exc)
            return
        if abandoned.is_set():
            _close(stream)
            return
        try:
            loop.call_soon_threadsafe(settle, stream, None)
        except RuntimeError:
            _close(stream)

    threading.Thread(target=opener, name=f"audio-open-{name}", daemon=True).start()
    try:
        async with asyncio.timeout(OPEN_TIMEOUT_S):
            return await asyncio.shield(done)
    except TimeoutError:
        abandoned.set()
        done.cancel()
        raise StartTimeout(
            f"audio input {name} did not start within {OPEN_TIMEOUT_S:g} s "
            "(the audio server is not answering)"
        ) from None
    except asyncio.CancelledError:
        abandoned.set()
        if not done.cancel() and not done.cancelled() and done.exception() is None:
            threading.Thread(target=_close, args=(done.result(),), daemon=True).start()
        raise


def release_portaudio() -> None:
    """Let go of PortAudio (and so of its JACK client) until audio input is used again.

    Call before stopping a JACK server this process used: PortAudio closing its client after
    the server is gone aborts the interpreter (an assertion in its JACK host API).
    """
    sounddevice = sys.modules.get("sounddevice")
    if sounddevice is not None:
        while sounddevice._initialized:
            sounddevice._terminate()


def find_input_device(
    sd: Any, name: str | None, hostapi: str | None = None, *, rescan: bool = False
) -> int | None:
    """Index of the first input device whose name (and host API) contains the given text.

    None and no host API means PortAudio's default input. Matching ignores case. If nothing
    matches, PortAudio is re-scanned once (a JACK server may have started since); ``rescan``
    re-scans first (after a device was lost PortAudio's list may still show it). Re-scanning
    ends every PortAudio stream of this process.
    """
    if name is None and hostapi is None:
        return None
    if rescan:
        sd._terminate()
        sd._initialize()
    for attempt in range(2):
        apis = [a["name"] for a in sd.query_hostapis()]
        inputs = [d for d in sd.query_devices() if d["max_input_channels"] > 0]
        for device in inputs:
            if name is not None and name.lower() not in device["name"].lower():
                continue
            if hostapi is not None and hostapi.lower() not in apis[device["hostapi"]].lower():
                continue
            return int(device["index"])
        if attempt == 0:
            sd._terminate()  # documented way to make PortAudio re-scan its devices
            sd._initialize()
    listed = ", ".join(f"{d['name']!r}" for d in inputs) or "none"
    wanted = " on ".join(repr(x) for x in (name, hostapi) if x is not None)
    raise DeviceError(f"no audio input matches {wanted} (inputs: {listed})")


def _emit_all(emit: Emit, events: list[Event], keep_features: bool) -> None:
    for event in events:
        if keep_features or not isinstance(event, AudioFeatures):
            emit(event)


class LiveAudioInput:
    """Captures from a PortAudio input device and emits the analyser's events.

    ``device`` and ``hostapi`` are case-insensitive name substrings (None: the default).
    ``analyser`` is public so the app can call ``tap``, ``double``, ``halve`` and
    ``set_external_tempo`` on it from the loop thread. ``status`` is a one-line summary for
    UIs; ``reconnects`` counts recoveries from a lost device.
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
        self.status = "stopped"
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
                self.status = f"waiting for {self.name}: {exc}"
                await self._reopen(sd, loop, wake)
            while True:
                reason = await self._capture(loop, wake, emit)
                log.warning(
                    "audio input %s lost (%s): closed, retrying every %g s",
                    self.name,
                    reason,
                    self.retry_s,
                )
                self.status = f"lost ({reason}); retrying"
                await self._close_stream()
                await self._reopen(sd, loop, wake)
                self.reconnects += 1
                log.warning("audio input %s is back", self.name)
        finally:
            self.status = "stopped"
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

        stream = await _open_with_deadline(loop, open_stream, self.name)
        self._stream = stream
        self._ended = ended
        self._opened_at = loop.time()
        self.status = f"capturing from {stream.device!r}"

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
                self.status = f"waiting for {self.name}: {exc}"
                continue
            self._gap = True
            return

    async def _close_stream(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            # Stopping joins PortAudio's thread: do it off the loop, even when cancelled.
            await asyncio.shield(asyncio.to_thread(_close, stream))

    def _drain(self, emit: Emit) -> None:
        pending = list(self.ring.blocks(self.block_size, self.sample_rate))
        for i, (block, t) in enumerate(pending):
            if self._gap:
                # The device was away: no beats for the time it was gone.
                self._gap = False
                self.analyser.skip(t - self.block_size / self.sample_rate)
            self.blocks += 1
            events = self.analyser.process(block, t)
            _emit_all(emit, events, keep_features=i == len(pending) - 1)


def _close(stream: Any) -> None:
    stream.stop()
    stream.close()


class FileAudioInput:
    """Plays a WAV/FLAC file through the analyser, paced in real time or as fast as possible.

    In real time, block ``n`` is analysed at its deadline ``start + n·block/rate`` (no drift);
    event times are the loop's clock. As fast as possible, event times are file time plus
    ``start_time``. With ``repeat`` the file loops until cancelled.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        realtime: bool = True,
        repeat: bool = False,
        block_size: int = 512,
        config: AnalyserConfig | None = None,
        start_time: float = 0.0,
    ) -> None:
        self.path = Path(path)
        self.realtime = realtime
        self.repeat = repeat
        self.block_size = block_size
        self.config = config
        self.start_time = start_time
        self.analyser: AudioAnalyser | None = None
        self.blocks = 0

    async def run(self, emit: Emit) -> None:
        """Play the file (again and again with ``repeat``). Raises DeviceError if unreadable."""
        try:
            import soundfile  # lazily: loading it loads libsndfile
        except (ImportError, OSError) as exc:
            raise DeviceError("audio file input needs the soundfile package") from exc
        try:
            handle = await asyncio.to_thread(soundfile.SoundFile, str(self.path))
        except (soundfile.LibsndfileError, RuntimeError, OSError) as exc:
            raise DeviceError(f"audio file {self.path} cannot be read: {exc}") from exc
        with handle:
            rate = int(handle.samplerate)
            if self.analyser is None:
                self.analyser = AudioAnalyser(rate, self.block_size, self.config)
            loop = asyncio.get_running_loop()
            start = loop.time() if self.realtime else self.start_time
            index = 0
            while True:
                chunk = await asyncio.to_thread(_read_chunk, handle, self.block_size)
                if chunk is None:
                    if not self.repeat:
                        return
                    await asyncio.to_thread(handle.seek, 0)
                    continue
                for block in chunk:
                    index += 1
                    t = start + index * self.block_size / rate
                    if self.realtime:
                        await asyncio.sleep(max(0.0, t - loop.time()))
                    elif index % FAST_YIELD_BLOCKS == 0:
                        await asyncio.sleep(0)
                    self.blocks += 1
                    _emit_all(emit, self.analyser.process(block, t), keep_features=True)


def _read_chunk(handle: Any, block_size: int) -> list[Samples] | None:
    """Read up to FILE_CHUNK_BLOCKS blocks (the last one zero-padded); None at the end."""
    data = handle.read(FILE_CHUNK_BLOCKS * block_size, dtype="float32", always_2d=True)
    if len(data) == 0:
        return None
    blocks = math.ceil(len(data) / block_size)
    padded = np.zeros((blocks * block_size, data.shape[1]), dtype=np.float32)
    padded[: len(data)] = data
    return [padded[i * block_size : (i + 1) * block_size] for i in range(blocks)]


__all__ = [
    "BlockRing",
    "FileAudioInput",
    "LiveAudioInput",
    "find_input_device",
    "release_portaudio",
]
