"""Syphon output (macOS) through syphon-python's Metal server, imported only when used.

Each frame is copied into one Metal texture (made again when the size changes) and published.
Verified here only against a fake of syphon-python's API; the calls follow syphon-python
0.1.x (``SyphonMetalServer``, ``utils.raw.create_mtl_texture`` / ``copy_bytes_to_mtl_texture``).
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from bridge.sinks.base import NamedSink, PixelFormat, SinkFrame, import_for, platform_missing


def syphon_missing() -> str | None:
    """Why Syphon cannot run here, or None when it can."""
    return platform_missing("darwin", "Syphon output only runs on macOS.", _load)


def _load() -> tuple[ModuleType, ...]:
    return import_for(
        "Syphon output",
        "the syphon-python package (pip install syphon-python)",
        "syphon",
        "syphon.utils.raw",
    )


class SyphonSink(NamedSink):
    """Publishes frames as a Syphon server called ``server_name``."""

    kind = "syphon"
    pixel_format: PixelFormat = "rgba"

    def __init__(self, name: str, server_name: str) -> None:
        super().__init__(name)
        self._server_name = server_name or name
        self._server: Any = None
        self._raw: ModuleType | None = None
        self._texture: Any = None
        self._size: tuple[int, int] | None = None

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
