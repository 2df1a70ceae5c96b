"""The sample ring between PortAudio's callback thread and the loop.

The callback thread must not block or allocate, so it only copies into a ring preallocated
for about two seconds; the input's asyncio task reads whole analyser blocks out of it.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import numpy.typing as npt

Samples = npt.NDArray[np.float32]


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
