"""Syphon and Spout adapters against small hand-written fakes of their Python APIs.

The fakes are real modules put in ``sys.modules``; they record what the adapter asked for,
with the call shapes of syphon-python 0.1.x and SpoutGL.
"""

from __future__ import annotations

import sys
import types
from fractions import Fraction
from typing import Any, ClassVar

import numpy as np
import pytest

from bridge.errors import SinkError
from bridge.sim import framecode
from bridge.sinks.base import PixelFormat, SinkFrame, UnavailableSink
from bridge.sinks.factory import build_sink
from bridge.sinks.pending import PendingFrame
from bridge.sinks.spout import GL_BGRA, SpoutSink
from bridge.sinks.syphon import SyphonSink
from tests.sinks.fakes import stamped


def frame(counter: int, layout: PixelFormat, width: int = 576, height: int = 320) -> SinkFrame:
    return PendingFrame(stamped(counter, width, height), counter, 0.0, Fraction(30)).converted(
        layout
    )


class FakeTexture:
    def __init__(self, width: int, height: int) -> None:
        self.size = (width, height)
        self.data = b""


class FakeSyphonServer:
    instances: ClassVar[list[FakeSyphonServer]] = []

    def __init__(self, name: str) -> None:
        self.name = name
        self.device = object()
        self.published: list[bytes] = []
        self.stopped = False
        FakeSyphonServer.instances.append(self)

    def publish_frame_texture(self, texture: FakeTexture) -> None:
        self.published.append(texture.data)

    def stop(self) -> None:
        self.stopped = True


@pytest.fixture
def fake_syphon(monkeypatch: pytest.MonkeyPatch) -> list[FakeTexture]:
    """Install fake ``syphon`` and ``syphon.utils.raw`` modules; returns the textures made."""
    textures: list[FakeTexture] = []
    FakeSyphonServer.instances = []
    syphon = types.ModuleType("syphon")
    syphon.SyphonMetalServer = FakeSyphonServer  # type: ignore[attr-defined]
    raw = types.ModuleType("syphon.utils.raw")

    def create_mtl_texture(device: object, width: int, height: int) -> FakeTexture:
        textures.append(FakeTexture(width, height))
        return textures[-1]

    def copy_bytes_to_mtl_texture(data: memoryview, texture: FakeTexture) -> None:
        assert len(data) == texture.size[0] * texture.size[1] * 4
        texture.data = bytes(data)

    raw.create_mtl_texture = create_mtl_texture  # type: ignore[attr-defined]
    raw.copy_bytes_to_mtl_texture = copy_bytes_to_mtl_texture  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "syphon", syphon)
    monkeypatch.setitem(sys.modules, "syphon.utils", types.ModuleType("syphon.utils"))
    monkeypatch.setitem(sys.modules, "syphon.utils.raw", raw)
    return textures


def test_syphon_publishes_rgba_and_remakes_texture_on_resize(
    fake_syphon: list[FakeTexture],
) -> None:
    """One server, one texture per size, every frame published with its pixels."""
    sink = SyphonSink("syphon", "Scope")
    sink.send(frame(1, "rgba"))
    sink.send(frame(2, "rgba"))
    sink.send(frame(3, "rgba", 640, 384))
    (server,) = FakeSyphonServer.instances
    assert server.name == "Scope"
    assert [t.size for t in fake_syphon] == [(576, 320), (640, 384)]
    pixels = np.frombuffer(server.published[1], np.uint8).reshape(320, 576, 4)
    assert framecode.read(pixels) == 2
    sink.close()
    assert server.stopped


def test_syphon_via_factory_on_macos(
    fake_syphon: list[FakeTexture], monkeypatch: pytest.MonkeyPatch
) -> None:
    """On macOS with the package present the factory builds a real SyphonSink."""
    monkeypatch.setattr(sys, "platform", "darwin")
    assert isinstance(build_sink("syphon", "out", {"server_name": "S"}), SyphonSink)


class FakeSpoutSender:
    instances: ClassVar[list[FakeSpoutSender]] = []

    def __init__(self) -> None:
        self.name = ""
        self.images: list[tuple[bytes, int, int, int, bool, int]] = []
        self.syncs: list[str] = []
        self.released = False
        self.accept = True
        FakeSpoutSender.instances.append(self)

    def setSenderName(self, name: str) -> None:  # noqa: N802  (SpoutGL's spelling)
        self.name = name

    def sendImage(  # noqa: N802
        self, buffer: Any, width: int, height: int, gl_format: int, invert: bool, fbo: int
    ) -> bool:
        self.images.append((bytes(buffer), width, height, gl_format, invert, fbo))
        return self.accept

    def setFrameSync(self, name: str) -> None:  # noqa: N802
        self.syncs.append(name)

    def releaseSender(self) -> None:  # noqa: N802
        self.released = True


@pytest.fixture
def fake_spout(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Install fake ``SpoutGL`` and ``glfw`` modules; returns the glfw calls made."""
    calls: list[str] = []
    FakeSpoutSender.instances = []
    spout = types.ModuleType("SpoutGL")
    spout.SpoutSender = FakeSpoutSender  # type: ignore[attr-defined]
    glfw = types.ModuleType("glfw")
    glfw.VISIBLE, glfw.FALSE = 0x20004, 0  # type: ignore[attr-defined]

    def record(name: str, result: object = None) -> Any:
        def call(*args: object) -> object:
            calls.append(name)
            return result

        return call

    glfw.init = record("init", True)  # type: ignore[attr-defined]
    glfw.window_hint = record("window_hint")  # type: ignore[attr-defined]
    glfw.create_window = record("create_window", "window")  # type: ignore[attr-defined]
    glfw.make_context_current = record("make_context_current")  # type: ignore[attr-defined]
    glfw.destroy_window = record("destroy_window")  # type: ignore[attr-defined]
    glfw.terminate = record("terminate")  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "SpoutGL", spout)
    monkeypatch.setitem(sys.modules, "glfw", glfw)
    return calls


def test_spout_shares_bgra_with_a_gl_context_and_frame_sync(fake_spout: list[str]) -> None:
    """A GL context is made current before the sender; each frame is sent then synced."""
    sink = SpoutSink("spout", "Scope")
    sink.send(frame(5, "bgra"))
    (sender,) = FakeSpoutSender.instances
    assert fake_spout[:4] == ["init", "window_hint", "create_window", "make_context_current"]
    assert sender.name == "Scope"
    data, width, height, gl_format, invert, fbo = sender.images[0]
    assert (width, height, gl_format, invert, fbo) == (576, 320, GL_BGRA, False, 0)
    assert framecode.read(np.frombuffer(data, np.uint8).reshape(320, 576, 4)) == 5
    assert sender.syncs == ["Scope"]
    sender.accept = False
    with pytest.raises(SinkError, match="could not share a frame"):
        sink.send(frame(6, "bgra"))
    sink.close()
    assert sender.released
    assert fake_spout[-2:] == ["destroy_window", "terminate"]


def test_spout_and_syphon_are_unavailable_on_linux_in_one_line() -> None:
    """Here (Linux) the factory returns unavailable sinks that say why."""
    for kind, platform_name in (("spout", "Windows"), ("syphon", "macOS")):
        sink = build_sink(kind, kind, {})
        assert isinstance(sink, UnavailableSink)
        assert (
            sink.unavailable_reason == f"{kind.capitalize()} output only runs on {platform_name}."
        )


def test_missing_spout_package_on_windows_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """On Windows without SpoutGL the reason names the package to install."""
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setitem(sys.modules, "SpoutGL", None)
    sink = build_sink("spout", "out", {})
    assert sink.unavailable_reason is not None
    assert sink.unavailable_reason.startswith("Spout output needs the SpoutGL and glfw packages")
