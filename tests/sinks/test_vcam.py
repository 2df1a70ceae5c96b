"""The v4l2loopback virtual camera: unavailable here in one line; its kernel struct layout."""

from __future__ import annotations

import ctypes
from pathlib import Path

from bridge.sinks.base import UnavailableSink
from bridge.sinks.factory import build_sink
from bridge.sinks.vcam import (
    V4l2Format,
    find_loopback,
    fourcc,
    i420_format,
    loopback_missing,
    vidioc_s_fmt,
)


def test_unavailable_on_this_machine_in_one_line() -> None:
    """No v4l2loopback module here: the factory says so and the sink is unavailable."""
    sink = build_sink("v4l2", "cam", {})
    assert isinstance(sink, UnavailableSink)
    assert sink.unavailable_reason is not None
    assert "\n" not in sink.unavailable_reason
    assert "v4l2loopback" in sink.unavailable_reason


def fake_sys(root: Path, *, loaded: bool, devices: dict[str, bool]) -> Path:
    """A /sys tree: the module flag and video nodes, virtual (loopback) or not."""
    if loaded:
        (root / "module" / "v4l2loopback").mkdir(parents=True)
    cls = root / "class" / "video4linux"
    cls.mkdir(parents=True)
    for name, virtual in devices.items():
        target = root / "devices" / ("virtual" if virtual else "pci0000:00") / name
        target.mkdir(parents=True)
        (cls / name).symlink_to(target)
    return root


def test_loopback_detection(tmp_path: Path) -> None:
    """Module missing, device missing, real camera, and a loopback device each read right."""
    assert "not loaded" in (loopback_missing("/dev/video0", tmp_path) or "")
    root = fake_sys(tmp_path / "s", loaded=True, devices={"video0": False, "video4": True})
    assert "is a real camera" in (loopback_missing("/dev/video0", root) or "")
    assert "does not exist" in (loopback_missing("/dev/video9", root) or "")
    assert loopback_missing("/dev/video4", root) is None
    assert find_loopback(root) == "/dev/video4"


def test_format_struct_matches_the_kernel_abi() -> None:
    """struct v4l2_format is 208 bytes on 64-bit; VIDIOC_S_FMT is 0xC0D05605 there."""
    if ctypes.sizeof(ctypes.c_void_p) == 8:
        assert ctypes.sizeof(V4l2Format) == 208
        assert vidioc_s_fmt() == 0xC0D05605
    fmt = i420_format(576, 320)
    assert fmt.type == 2
    assert fmt.fmt.pix.pixelformat == fourcc("YU12") == 0x32315559
    assert fmt.fmt.pix.sizeimage == 576 * 320 * 3 // 2
    assert V4l2Format.fmt.offset == ctypes.alignment(ctypes.c_void_p)
