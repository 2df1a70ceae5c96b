"""One pushed frame on its way to the sinks, converted lazily and at most once per layout.

The first sink thread that wants a layout converts the frame; the others that want the same
layout wait for that one conversion and share its array. So conversion happens off the
loop, in whichever sink thread gets there first, with no extra thread hop in between.
"""

from __future__ import annotations

import threading
from fractions import Fraction
from typing import Any

from bridge.sinks.base import PixelFormat, SinkFrame
from bridge.sinks.convert import to_pixels


class PendingFrame:
    """A decoded ``av.VideoFrame`` plus what the router stamped on it."""

    __slots__ = (
        "_converted",
        "_failed",
        "_lock",
        "fps",
        "fps_known",
        "frame",
        "index",
        "pushed_at",
    )

    def __init__(
        self, frame: Any, index: int, pushed_at: float, fps: Fraction, fps_known: bool = True
    ) -> None:
        self.frame = frame
        self.index = index
        self.pushed_at = pushed_at
        self.fps = fps
        self.fps_known = fps_known
        self._lock = threading.Lock()
        self._converted: dict[PixelFormat, SinkFrame] = {}
        self._failed: dict[PixelFormat, ValueError] = {}

    def converted(self, layout: PixelFormat) -> SinkFrame:
        """This frame in ``layout`` (converting it now if no sink has yet); ValueError if not."""
        with self._lock:
            done = self._converted.get(layout)
            if done is not None:
                return done
            failed = self._failed.get(layout)
            if failed is not None:
                raise failed
            try:
                pixels = to_pixels(self.frame, layout)
            except ValueError as exc:
                self._failed[layout] = exc
                raise
            done = SinkFrame(
                index=self.index,
                width=int(self.frame.width),
                height=int(self.frame.height),
                pixel_format=layout,
                pixels=pixels,
                fps=self.fps,
                pushed_at=self.pushed_at,
                fps_known=self.fps_known,
            )
            self._converted[layout] = done
            return done
