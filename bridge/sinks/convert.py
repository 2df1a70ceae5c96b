"""Turn a decoded ``av.VideoFrame`` into the pixel layout a sink wants, with libswscale.

Runs on the router's converter thread, once per frame and layout. Several sinks may share
one array: they read it and never write to it. (It is not flagged read only because
cyndilib's typed memoryviews refuse read-only buffers.)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from bridge.sinks.base import PixelFormat


def to_pixels(frame: Any, pixel_format: PixelFormat) -> npt.NDArray[np.uint8]:
    """Convert ``frame`` (an ``av.VideoFrame`` of any format) to ``pixel_format``.

    Shapes: rgba/bgra ``(H, W, 4)``, uyvy ``(H, W*2)``, yuv420p ``(H*3/2, W)`` (I420 planes
    stacked; needs an even width and height).
    """
    if pixel_format == "uyvy":
        # PyAV cannot hand out packed 4:2:2 as an array: read the plane, dropping row padding.
        packed = frame.reformat(format="uyvy422")
        plane = packed.planes[0]
        rows = np.frombuffer(plane, np.uint8).reshape(packed.height, plane.line_size)
        pixels: npt.NDArray[np.uint8] = np.ascontiguousarray(rows[:, : packed.width * 2])
    else:
        if pixel_format == "yuv420p" and (frame.width % 2 or frame.height % 2):
            raise ValueError(
                f"yuv420p needs an even size, the frame is {frame.width}x{frame.height}"
            )
        # A view here keeps its frame (and so the frame's refcounted buffer) alive: no copy.
        pixels = np.asarray(frame.to_ndarray(format=pixel_format), dtype=np.uint8)
    return pixels
