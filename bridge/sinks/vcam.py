"""A Linux virtual camera: frames written to a v4l2loopback device (/dev/videoN).

Browsers, OBS and video-call apps then see the Scope output as a webcam. Needs the
v4l2loopback kernel module (``modprobe v4l2loopback exclusive_caps=1``); where it is not
loaded, :func:`loopback_missing` says so in one line and the sink is built unavailable.
Frames go out as I420 (fourcc ``YU12``) with one ``write`` each, after one ``VIDIOC_S_FMT``.
"""

from __future__ import annotations

import ctypes
import fcntl
import os
from pathlib import Path

from bridge.errors import SinkError
from bridge.sinks.base import NamedSink, PixelFormat, SinkFrame

_V4L2_BUF_TYPE_VIDEO_OUTPUT = 2
_V4L2_FIELD_NONE = 1
_V4L2_COLORSPACE_SRGB = 8


def fourcc(code: str) -> int:
    """A V4L2 pixel format code from its four letters."""
    a, b, c, d = (ord(ch) for ch in code)
    return a | (b << 8) | (c << 16) | (d << 24)


class _PixFormat(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_uint32)
        for name in (
            *("width", "height", "pixelformat", "field", "bytesperline", "sizeimage"),
            *("colorspace", "priv", "flags", "ycbcr_enc", "quantization", "xfer_func"),
        )
    ]


class _FormatUnion(ctypes.Union):
    # The kernel's union holds pointers, so it is pointer-aligned: _align reproduces that.
    _fields_ = [
        ("pix", _PixFormat),
        ("raw_data", ctypes.c_uint8 * 200),
        ("_align", ctypes.c_void_p),
    ]


class V4l2Format(ctypes.Structure):
    """``struct v4l2_format`` (208 bytes on 64-bit Linux)."""

    _fields_ = [("type", ctypes.c_uint32), ("fmt", _FormatUnion)]


def vidioc_s_fmt() -> int:
    """The ``VIDIOC_S_FMT`` ioctl number: ``_IOWR('V', 5, struct v4l2_format)``."""
    return (3 << 30) | (ctypes.sizeof(V4l2Format) << 16) | (ord("V") << 8) | 5


def i420_format(width: int, height: int) -> V4l2Format:
    """The output format for a frame of this size in I420."""
    fmt = V4l2Format()
    fmt.type = _V4L2_BUF_TYPE_VIDEO_OUTPUT
    pix = fmt.fmt.pix
    pix.width = width
    pix.height = height
    pix.pixelformat = fourcc("YU12")
    pix.field = _V4L2_FIELD_NONE
    pix.bytesperline = width
    pix.sizeimage = width * height * 3 // 2
    pix.colorspace = _V4L2_COLORSPACE_SRGB
    return fmt


def loopback_missing(device: str, sys_root: Path = Path("/sys")) -> str | None:
    """Why ``device`` cannot be used as a virtual camera here, or None when it can."""
    if not (sys_root / "module" / "v4l2loopback").exists():
        return (
            "No virtual camera: the v4l2loopback kernel module is not loaded "
            "(sudo modprobe v4l2loopback exclusive_caps=1)."
        )
    node = sys_root / "class" / "video4linux" / Path(device).name
    if not node.exists():
        return f"No virtual camera: {device} does not exist."
    if "/virtual/" not in str(node.resolve()):
        return f"No virtual camera: {device} is a real camera, not a v4l2loopback device."
    return None


def find_loopback(sys_root: Path = Path("/sys")) -> str | None:
    """The first v4l2loopback device (``/dev/videoN``), or None."""
    folder = sys_root / "class" / "video4linux"
    if not folder.is_dir():
        return None
    for node in sorted(folder.iterdir()):
        if "/virtual/" in str(node.resolve()):
            return f"/dev/{node.name}"
    return None


class V4l2Sink(NamedSink):
    """Writes frames to a v4l2loopback device."""

    kind = "v4l2"
    pixel_format: PixelFormat = "yuv420p"

    def __init__(self, name: str, device: str) -> None:
        super().__init__(name)
        self._device = device
        self._fd: int | None = None
        self._size: tuple[int, int] | None = None

    def send(self, frame: SinkFrame) -> None:
        if self._fd is None or self._size != (frame.width, frame.height):
            self.close()
            self._open(frame.width, frame.height)
        assert self._fd is not None
        os.write(self._fd, frame.pixels.data)

    def close(self) -> None:
        fd, self._fd = self._fd, None
        self._size = None
        if fd is not None:
            os.close(fd)

    def _open(self, width: int, height: int) -> None:
        try:
            fd = os.open(self._device, os.O_WRONLY)
        except OSError as exc:
            raise SinkError(f"Cannot open the virtual camera {self._device}: {exc}") from exc
        try:
            fcntl.ioctl(fd, vidioc_s_fmt(), i420_format(width, height))
        except OSError as exc:
            os.close(fd)
            raise SinkError(f"{self._device} refused {width}x{height} I420: {exc}") from exc
        self._fd = fd
        self._size = (width, height)
