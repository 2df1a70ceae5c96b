"""Spout output (Windows) through SpoutGL, imported only when used.

SpoutGL shares through OpenGL, so the sink's thread needs a current GL context: it opens a
hidden glfw window for that when the sender starts. GLFW documents ``init`` as main-thread
only; on Windows a context made on a worker thread is expected to work, but that has not
been verified on a Windows machine yet. Verified here only against fakes of the
SpoutGL and glfw APIs (``SpoutSender``, ``setSenderName``, ``sendImage``, ``setFrameSync``,
``releaseSender``).
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from bridge.errors import SinkError
from bridge.sinks.base import NamedSink, PixelFormat, SinkFrame, import_for, platform_missing

GL_RGBA = 0x1908
GL_BGRA = 0x80E1
_GL_FORMAT: dict[PixelFormat, int] = {"rgba": GL_RGBA, "bgra": GL_BGRA}


def spout_missing() -> str | None:
    """Why Spout cannot run here, or None when it can."""
    return platform_missing("win32", "Spout output only runs on Windows.", _load)


def _load() -> tuple[ModuleType, ...]:
    return import_for(
        "Spout output",
        "the SpoutGL and glfw packages (pip install SpoutGL glfw)",
        "SpoutGL",
        "glfw",
    )


class SpoutSink(NamedSink):
    """Publishes frames as a Spout sender called ``sender_name``."""

    kind = "spout"

    def __init__(self, name: str, sender_name: str, *, pixel_format: PixelFormat = "bgra") -> None:
        if pixel_format not in _GL_FORMAT:
            raise SinkError(f"Spout output {name!r} takes rgba or bgra, not {pixel_format}.")
        super().__init__(name)
        self._sender_name = sender_name or name
        self.pixel_format: PixelFormat = pixel_format
        self._glfw: ModuleType | None = None
        self._window: Any = None
        self._sender: Any = None

    def send(self, frame: SinkFrame) -> None:
        if self._sender is None:
            self._open()
        ok = self._sender.sendImage(
            frame.pixels, frame.width, frame.height, _GL_FORMAT[self.pixel_format], False, 0
        )
        if not ok:
            raise SinkError(f"Spout output {self._name!r} could not share a frame.")
        self._sender.setFrameSync(self._sender_name)

    def close(self) -> None:
        sender, self._sender = self._sender, None
        window, self._window = self._window, None
        if sender is not None:
            sender.releaseSender()
        if window is not None and self._glfw is not None:
            self._glfw.destroy_window(window)
            self._glfw.terminate()

    def _open(self) -> None:
        spout, glfw = _load()
        self._glfw = glfw
        if not glfw.init():
            raise SinkError(f"Spout output {self._name!r} could not start OpenGL (glfw).")
        glfw.window_hint(glfw.VISIBLE, glfw.FALSE)
        window = glfw.create_window(16, 16, f"scope-bridge {self._sender_name}", None, None)
        if not window:
            glfw.terminate()
            raise SinkError(f"Spout output {self._name!r} could not create an OpenGL context.")
        glfw.make_context_current(window)
        self._window = window
        sender = spout.SpoutSender()
        sender.setSenderName(self._sender_name)
        self._sender = sender
