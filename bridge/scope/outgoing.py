"""The video we send Scope: a tiny black picture at a low frame rate.

Scope only starts its output loop once a video track arrives from the client (an offer whose
video m-line is recvonly gets zero frames back). In text mode the pixels are ignored, so the
cheapest valid track does: 64×64 black, 2 fps, paced by deadline so it never drifts or bursts.
"""

from __future__ import annotations

import asyncio
import fractions
import time

import numpy as np
from aiortc import MediaStreamTrack
from aiortc.mediastreams import MediaStreamError
from av import VideoFrame

_CLOCK_RATE = 90_000
_TIME_BASE = fractions.Fraction(1, _CLOCK_RATE)


class BlackTrack(MediaStreamTrack):
    """A black video track at ``fps`` frames per second."""

    kind = "video"

    def __init__(self, fps: float = 2.0, width: int = 64, height: int = 64) -> None:
        super().__init__()
        self._period = 1.0 / fps
        self._pixels = np.zeros((height, width, 3), dtype=np.uint8)
        self._start: float | None = None
        self._count = 0

    async def recv(self) -> VideoFrame:
        if self.readyState != "live":
            raise MediaStreamError
        now = time.monotonic()
        if self._start is None:
            self._start = now
        deadline = self._start + self._count * self._period
        if deadline > now:
            await asyncio.sleep(deadline - now)
        frame = VideoFrame.from_ndarray(self._pixels, format="rgb24")
        frame.pts = round(self._count * self._period * _CLOCK_RATE)
        frame.time_base = _TIME_BASE
        self._count += 1
        return frame
