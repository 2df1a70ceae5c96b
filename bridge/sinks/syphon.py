"""Syphon output (macOS) through syphon-python's Metal server, imported only when used.

Each frame is copied into one Metal texture (made again when the size changes) and published.
Verified here only against a fake of syphon-python's API; the calls follow syphon-python
0.1.x (``SyphonMetalServer``, ``utils.raw.create_mtl_texture`` / ``copy_bytes_to_mtl_texture``).
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType
from typing import Any

from bridge.errors import SinkError
from bridge.sinks.base import PixelFormat, SinkFrame


def syphon_missing() -> str | None:
    """Why Syphon cannot run here, or None when it can."""
    if sys.platform != "darwin":
        return "Syphon output only runs on macOS."
    try:
        _load()
    except SinkError as exc:
        return str(exc)
    return None


def _load() -> tuple[ModuleType, ModuleType]:
    try:
        return importlib.import_module("syphon"), importlib.import_module("syphon.utils.raw")
    except ImportError as exc:
        raise SinkError(
            f"Syphon output needs the syphon-python package (pip install syphon-python): {exc}"
        ) from exc


class SyphonSink:
    """Publishes frames as a Syphon server called ``server_name``."""

    kind = "syphon"
    pixel_format: PixelFormat = "rgba"

    def __init__(self, name: str, server_name: str) -> None:
        self._name = name
        self._server_name = server_name or name
        self._server: Any = None
        self._raw: ModuleType | None = None
        self._texture: Any = None
        self._size: tuple[int, int] | None = None

    @property
    def name(self) -> str:
        return self._name

    @property
    def unavailable_reason(self) -> str | None:
        return None

    def send(self, frame: SinkFrame) -> None:
        if self._server is None:
            syphon, self._raw = _load()
            self._server = syphon.SyphonMetalServer(self._server_name)
        raw = self._raw
        assert raw is not None
        if self._size != (frame.width, frame.height):
            self._texture = raw.create_mtl_texture(self._server.device, frame.width, frame.height)
            self._size = (frame.width, frame.height)
        raw.copy_bytes_to_mtl_texture(frame.pixels.data.cast("B"), self._texture)
        self._server.publish_frame_texture(self._texture)

    def close(self) -> None:
        server, self._server = self._server, None
        self._texture = None
        self._size = None
        if server is not None:
            server.stop()
