"""Build a sink from what a show file says: a kind, a name and a few options.

A sink that cannot run on this machine (missing library, wrong platform, no loopback device)
comes back as an :class:`UnavailableSink` carrying one sentence; only options the user got
wrong raise :class:`SinkError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bridge.errors import SinkError
from bridge.sinks.base import PIXEL_FORMATS, FrameSink, PixelFormat, UnavailableSink
from bridge.sinks.ndi import NdiSink, load_cyndilib
from bridge.sinks.record import RecorderSink
from bridge.sinks.spout import SpoutSink, spout_missing
from bridge.sinks.syphon import SyphonSink, syphon_missing
from bridge.sinks.vcam import V4l2Sink, find_loopback, loopback_missing

SINK_KINDS = ("ndi", "syphon", "spout", "record", "v4l2")

_OPTIONS: dict[str, frozenset[str]] = {
    "ndi": frozenset({"source_name", "pixel_format", "groups"}),
    "syphon": frozenset({"server_name"}),
    "spout": frozenset({"sender_name", "pixel_format"}),
    "record": frozenset({"path", "bit_rate"}),
    "v4l2": frozenset({"device"}),
}


def _text(name: str, options: Mapping[str, Any], key: str, default: str) -> str:
    value = options.get(key, default)
    if not isinstance(value, str):
        raise SinkError(f"Frame output {name!r}: {key} must be text, not {value!r}.")
    return value


def _pixel_format(name: str, options: Mapping[str, Any], default: PixelFormat) -> PixelFormat:
    value = _text(name, options, "pixel_format", default)
    if value not in PIXEL_FORMATS:
        raise SinkError(
            f"Frame output {name!r}: pixel_format must be one of {', '.join(PIXEL_FORMATS)}."
        )
    return value


def build_sink(kind: str, name: str, options: Mapping[str, Any]) -> FrameSink:
    """Make the sink for ``kind``; unavailable (with a reason) if it cannot run here."""
    allowed = _OPTIONS.get(kind)
    if allowed is None:
        raise SinkError(
            f"Frame output {name!r}: unknown kind {kind!r} (use {', '.join(SINK_KINDS)})."
        )
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise SinkError(
            f"Frame output {name!r} ({kind}): unknown option {unknown[0]!r} "
            f"(allowed: {', '.join(sorted(allowed))})."
        )
    if kind == "ndi":
        try:
            load_cyndilib()
        except SinkError as exc:
            return UnavailableSink(name, kind, str(exc))
        return NdiSink(
            name,
            _text(name, options, "source_name", name),
            pixel_format=_pixel_format(name, options, "yuv420p"),
            groups=_text(name, options, "groups", ""),
        )
    if kind == "syphon":
        reason = syphon_missing()
        if reason is not None:
            return UnavailableSink(name, kind, reason)
        return SyphonSink(name, _text(name, options, "server_name", name))
    if kind == "spout":
        reason = spout_missing()
        if reason is not None:
            return UnavailableSink(name, kind, reason)
        return SpoutSink(
            name,
            _text(name, options, "sender_name", name),
            pixel_format=_pixel_format(name, options, "bgra"),
        )
    if kind == "record":
        path = options.get("path")
        if not isinstance(path, str | Path) or not str(path):
            raise SinkError(f"Frame output {name!r} (record) needs a path, e.g. show.mp4.")
        bit_rate = options.get("bit_rate", 8_000_000)
        if not isinstance(bit_rate, int) or isinstance(bit_rate, bool) or bit_rate <= 0:
            raise SinkError(f"Frame output {name!r}: bit_rate must be a positive integer.")
        return RecorderSink(name, path, bit_rate=bit_rate)
    device = _text(name, options, "device", "auto")
    if device == "auto":
        device = find_loopback() or "/dev/video0"
    reason = loopback_missing(device)
    if reason is not None:
        return UnavailableSink(name, kind, reason)
    return V4l2Sink(name, device)
