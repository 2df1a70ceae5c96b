"""Recording the output to a video file with PyAV: H.264 in .mp4/.mov/.mkv, VP8 in .webm.

Frames are stamped with the time they arrived (milliseconds), so the file plays at the real,
possibly varying, rate. A change of frame size closes the file and goes on in a numbered
sibling (``show.mp4``, then ``show-2.mp4``): an encoder cannot change size mid-stream.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import av

from bridge.errors import SinkError
from bridge.sinks.base import NamedSink, PixelFormat, SinkFrame

_CODECS = {".mp4": "libx264", ".mov": "libx264", ".mkv": "libx264", ".webm": "libvpx"}
_OPTIONS = {
    # Encoding shares the CPU with the show: the fastest settings, quality from the bit rate.
    "libx264": {"preset": "ultrafast", "tune": "zerolatency", "crf": "20"},
    "libvpx": {"deadline": "realtime", "cpu-used": "8"},
}
_MS = Fraction(1, 1000)


def codec_for(path: Path) -> str:
    """The encoder for a file name, or a SinkError naming the suffixes we can write."""
    codec = _CODECS.get(path.suffix.lower())
    if codec is None:
        known = ", ".join(sorted(_CODECS))
        raise SinkError(f"Cannot record to {path.name}: use one of {known}.")
    return codec


class RecorderSink(NamedSink):
    """Writes every frame it gets to ``path`` (and numbered siblings after a size change)."""

    kind = "record"
    pixel_format: PixelFormat = "yuv420p"

    def __init__(self, name: str, path: str | Path, *, bit_rate: int = 8_000_000) -> None:
        super().__init__(name)
        self._path = Path(path)
        self._codec = codec_for(self._path)
        self._bit_rate = bit_rate
        self._container: Any = None
        self._stream: Any = None
        self._size: tuple[int, int] | None = None
        self._part = 0
        self._t0 = 0.0
        self._last_pts = -1
        self.files: list[Path] = []
        """Every file this sink has started, in order."""

    def send(self, frame: SinkFrame) -> None:
        if self._container is None or self._size != (frame.width, frame.height):
            self.close()
            self._open(frame)
        video = av.VideoFrame.from_ndarray(frame.pixels, format="yuv420p")
        # Presentation times must rise strictly, even if two frames share a millisecond.
        pts = max(round((frame.pushed_at - self._t0) * 1000), self._last_pts + 1)
        self._last_pts = pts
        video.pts = pts
        video.time_base = _MS
        try:
            for packet in self._stream.encode(video):
                self._container.mux(packet)
        except (OSError, av.FFmpegError) as exc:
            raise SinkError(f"Recording to {self.files[-1]} failed: {exc}") from exc

    def close(self) -> None:
        """Flush the encoder and finish the file, so it plays."""
        container, self._container = self._container, None
        stream, self._stream = self._stream, None
        self._size = None
        if container is None:
            return
        try:
            for packet in stream.encode():
                container.mux(packet)
        finally:
            container.close()

    def _next_path(self) -> Path:
        self._part += 1
        if self._part == 1:
            return self._path
        return self._path.with_name(f"{self._path.stem}-{self._part}{self._path.suffix}")

    def _open(self, frame: SinkFrame) -> None:
        path = self._next_path()
        if not path.parent.is_dir():
            raise SinkError(f"Cannot record to {path}: the folder {path.parent} does not exist.")
        try:
            container = av.open(str(path), "w")
        except (OSError, av.FFmpegError) as exc:
            raise SinkError(f"Cannot record to {path}: {exc}") from exc
        stream: Any = container.add_stream(self._codec, rate=frame.fps)
        stream.width = frame.width
        stream.height = frame.height
        stream.pix_fmt = "yuv420p"
        stream.bit_rate = self._bit_rate
        stream.time_base = _MS
        stream.codec_context.time_base = _MS
        stream.options = dict(_OPTIONS[self._codec])
        self._container = container
        self._stream = stream
        self._size = (frame.width, frame.height)
        self._t0 = frame.pushed_at
        self._last_pts = -1
        self.files.append(path)
