"""The file player: a WAV/FLAC file through the analyser, for rehearsals and tests."""

from __future__ import annotations

import asyncio
import math
from pathlib import Path
from typing import Any

import numpy as np

from bridge.errors import DeviceError
from bridge.features.analyser import AudioAnalyser
from bridge.features.config import AnalyserConfig
from bridge.inputs.audio.delivery import emit_all
from bridge.inputs.audio.ring import Samples
from bridge.protocols import Emit

FILE_CHUNK_BLOCKS = 64
"""Blocks read from disk per worker-thread call (about 0.7 s at 48 kHz)."""
FAST_YIELD_BLOCKS = 32
"""As-fast-as-possible file playback yields to the loop this often."""


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
                    emit_all(emit, self.analyser.process(block, t), keep_features=True)


def _read_chunk(handle: Any, block_size: int) -> list[Samples] | None:
    """Read up to FILE_CHUNK_BLOCKS blocks (the last one zero-padded); None at the end."""
    data = handle.read(FILE_CHUNK_BLOCKS * block_size, dtype="float32", always_2d=True)
    if len(data) == 0:
        return None
    blocks = math.ceil(len(data) / block_size)
    padded = np.zeros((blocks * block_size, data.shape[1]), dtype=np.float32)
    padded[: len(data)] = data
    return [padded[i * block_size : (i + 1) * block_size] for i in range(blocks)]
