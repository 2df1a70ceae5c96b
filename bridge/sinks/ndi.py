"""NDI output through cyndilib (which ships the NDI runtime), imported only when used.

The sender is made with the size, layout and frame rate of the stream and made again when one
of them changes (cyndilib fixes them when a sender opens). Remaking it makes every receiver
reconnect, a visible freeze of about a second, so the sender first opens once the router has
measured the input rate (the first two seconds of a stream are not sent: the first is a
burst) rather than announcing a guess and correcting it, and the announced rate moves only
for a change of more than 20 % (``bridge.sinks.rate``). Frames go out with
``write_video_async``: cyndilib copies them into its own buffers and NDI compresses in the
background, so a send costs about one memory copy.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from types import ModuleType
from typing import Any

from bridge.errors import SinkError
from bridge.sinks.base import NamedSink, PixelFormat, SinkFrame, import_for

_FOURCC: dict[PixelFormat, str] = {
    "yuv420p": "I420",
    "uyvy": "UYVY",
    "rgba": "RGBA",
    "bgra": "BGRA",
}


def load_cyndilib() -> ModuleType:
    """Import cyndilib, or say in one line what is missing."""
    try:
        (cyndilib,) = import_for(
            "NDI output", "the cyndilib package (pip install cyndilib)", "cyndilib"
        )
    except OSError as exc:  # the bundled NDI runtime failed to load
        raise SinkError(f"NDI output cannot load the NDI runtime: {exc}") from exc
    return cyndilib


class NdiSink(NamedSink):
    """Publishes frames as an NDI source called ``source_name``."""

    kind = "ndi"

    def __init__(
        self,
        name: str,
        source_name: str,
        *,
        pixel_format: PixelFormat = "yuv420p",
        groups: str = "",
        on_handoff: Callable[[SinkFrame], None] | None = None,
    ) -> None:
        """``on_handoff`` is called just before each frame goes to NDI (used by the bench)."""
        if not source_name.strip():
            raise SinkError(f"NDI output {name!r} needs a source name.")
        super().__init__(name)
        self._source_name = source_name
        self.pixel_format: PixelFormat = pixel_format
        self._groups = groups
        self._on_handoff = on_handoff
        self._lib: ModuleType | None = None
        self._sender: Any = None
        self._shape: tuple[int, int, PixelFormat, Fraction] | None = None
        self.opens = 0
        """How many times the sender opened (each after the first froze receivers ~1 s)."""

    @property
    def announced_fps(self) -> Fraction | None:
        """The frame rate receivers were told (None while closed)."""
        return None if self._shape is None else self._shape[3]

    @property
    def announced(self) -> str | None:
        """The full NDI name receivers see (``HOST (source name)``) while open."""
        return None if self._sender is None else str(self._sender.name)

    def send(self, frame: SinkFrame) -> None:
        if self._sender is None and not frame.fps_known:
            return  # see the module docstring: open once, with the measured rate
        shape = (frame.width, frame.height, frame.pixel_format, frame.fps)
        if self._sender is None or shape != self._shape:
            self.close()
            self._open(shape)
        if self._on_handoff is not None:
            self._on_handoff(frame)
        if not self._sender.write_video_async(frame.pixels.reshape(-1)):
            raise SinkError(f"NDI output {self._name!r} refused a frame (sender not running).")

    def close(self) -> None:
        sender, self._sender = self._sender, None
        self._shape = None
        if sender is not None:
            sender.close()

    def _open(self, shape: tuple[int, int, PixelFormat, Fraction]) -> None:
        if self._lib is None:
            self._lib = load_cyndilib()
        lib = self._lib
        width, height, pixel_format, fps = shape
        frame = lib.VideoSendFrame()
        frame.set_resolution(width, height)
        frame.set_fourcc(getattr(lib.FourCC, _FOURCC[pixel_format]))
        frame.set_frame_rate(fps)
        # Our frames already arrive at the stream's pace; NDI's own clocking would only add
        # waiting to every send.
        sender = lib.Sender(self._source_name, ndi_groups=self._groups, clock_video=False)
        sender.set_video_frame(frame)
        try:
            sender.open()
        except Exception as exc:
            raise SinkError(f"NDI output {self._name!r} could not start: {exc}") from exc
        self._sender = sender
        self._shape = shape
        self.opens += 1
