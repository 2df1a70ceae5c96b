"""Small hand-written sinks and frames for router tests (no mocks)."""

from __future__ import annotations

import threading
import time
from typing import Any

import av
import numpy as np

from bridge.sim import framecode
from bridge.sinks.base import PixelFormat, SinkFrame


def stamped(counter: int, width: int = 576, height: int = 320) -> Any:
    """An ``av.VideoFrame`` in yuv420p (as WebRTC decodes) carrying ``counter``."""
    rgb = np.full((height, width, 3), 90, np.uint8)
    framecode.stamp(rgb, counter)
    return av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format="yuv420p")


class RecordingSink:
    """Keeps every frame it is sent; optionally slow."""

    kind = "fake"
    unavailable_reason: str | None = None

    def __init__(
        self, name: str = "rec", pixel_format: PixelFormat = "rgba", delay: float = 0.0
    ) -> None:
        self.name = name
        self.pixel_format: PixelFormat = pixel_format
        self.delay = delay
        self.frames: list[SinkFrame] = []
        self.closed = 0
        self.got = threading.Event()

    def send(self, frame: SinkFrame) -> None:
        if self.delay:
            time.sleep(self.delay)
        self.frames.append(frame)
        self.got.set()

    def close(self) -> None:
        self.closed += 1


class BrokenSink:
    """Raises on every frame until ``healed``."""

    kind = "fake"
    pixel_format: PixelFormat = "rgba"
    unavailable_reason: str | None = None

    def __init__(self, name: str = "broken") -> None:
        self.name = name
        self.calls = 0
        self.closed = 0
        self.healed = False

    def send(self, frame: SinkFrame) -> None:
        self.calls += 1
        if not self.healed:
            raise OSError("device went away\nsecond line of detail")

    def close(self) -> None:
        self.closed += 1
