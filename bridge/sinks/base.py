"""What a frame sink is: the converted frame it receives, the protocol it keeps, its status.

A sink lives on its own worker thread (the router owns it). ``send`` may block for as long as
the device takes; ``close`` releases the device and the next ``send`` opens it again. A sink
whose library or runtime is missing is an :class:`UnavailableSink`, so the app can show why.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from types import ModuleType
from typing import Literal, Protocol

import numpy as np
import numpy.typing as npt

from bridge.errors import SinkError

PixelFormat = Literal["rgba", "bgra", "uyvy", "yuv420p"]
"""Pixel layouts the router can hand to a sink.

``yuv420p`` is what the WebRTC decoder already produces (I420, planes stacked: an
``(H*3/2, W)`` array), so a sink that takes it costs no conversion at all.
"""

PIXEL_FORMATS: tuple[PixelFormat, ...] = ("rgba", "bgra", "uyvy", "yuv420p")

SinkState = Literal["sending", "idle", "failed", "disabled", "unavailable"]


@dataclass(frozen=True, slots=True)
class SinkFrame:
    """One video frame converted for a sink. ``pixels`` is shared between sinks: never write it.

    ``pixels`` is ``(H, W, 4)`` for rgba/bgra, ``(H, W*2)`` for uyvy, ``(H*3/2, W)`` for
    yuv420p. ``fps`` is the measured input rate, held steady (it only changes when the input
    rate really changes), so a sink may announce it; until the first second has been
    measured it is the router's default and ``fps_known`` is False. ``pushed_at`` is the
    ``time.perf_counter()`` when the frame reached the router; ``index`` counts pushes.
    """

    index: int
    width: int
    height: int
    pixel_format: PixelFormat
    pixels: npt.NDArray[np.uint8]
    fps: Fraction
    pushed_at: float
    fps_known: bool = True


class FrameSink(Protocol):
    """A place frames go: NDI, Syphon, Spout, a file, a virtual camera."""

    @property
    def name(self) -> str:
        """The name the user gave this output (unique within a router)."""
        ...

    @property
    def kind(self) -> str:
        """``ndi``, ``syphon``, ``spout``, ``record``, ``v4l2`` or ``unavailable``."""
        ...

    @property
    def pixel_format(self) -> PixelFormat:
        """The layout this sink wants from the router."""
        ...

    @property
    def unavailable_reason(self) -> str | None:
        """One sentence saying why this sink can never send here, or None when it can."""
        ...

    def send(self, frame: SinkFrame) -> None:
        """Send one frame (worker thread only). Opens the device on first use; may block."""
        ...

    def close(self) -> None:
        """Release the device (worker thread only); a later ``send`` reopens it."""
        ...


@dataclass(frozen=True, slots=True)
class SinkStatus:
    """What a person sees about one sink: is it working, how fast, what went wrong last."""

    name: str
    kind: str
    state: SinkState
    fps: float
    sent: int
    skipped: int
    last_error: str | None


class UnavailableSink:
    """Stands in for a sink that cannot run here (missing library, wrong platform, no device)."""

    pixel_format: PixelFormat = "rgba"

    def __init__(self, name: str, kind: str, reason: str) -> None:
        self._name = name
        self._kind = kind
        self._reason = reason

    @property
    def name(self) -> str:
        return self._name

    @property
    def kind(self) -> str:
        return self._kind

    @property
    def unavailable_reason(self) -> str | None:
        return self._reason

    def send(self, frame: SinkFrame) -> None:
        """Never called by the router; refuses loudly if something else calls it."""
        raise RuntimeError(self._reason)

    def close(self) -> None:
        """Nothing was opened."""


class NamedSink:
    """What every sink that can run shares: the name the user gave it, nothing unavailable."""

    def __init__(self, name: str) -> None:
        self._name = name

    @property
    def name(self) -> str:
        return self._name

    @property
    def unavailable_reason(self) -> str | None:
        return None


def import_for(what: str, install: str, *modules: str) -> tuple[ModuleType, ...]:
    """Import a sink's optional packages, or say in one line which to install."""
    try:
        return tuple(importlib.import_module(m) for m in modules)
    except ImportError as exc:
        raise SinkError(f"{what} needs {install}: {exc}") from exc


def platform_missing(platform: str, elsewhere: str, load: Callable[[], object]) -> str | None:
    """Why a platform-only sink cannot run here: ``elsewhere`` on another system, the
    missing package from ``load``; None when it can."""
    if sys.platform != platform:
        return elsewhere
    try:
        load()
    except SinkError as exc:
        return str(exc)
    return None
