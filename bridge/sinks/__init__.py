"""Frames out: the router that fans Scope's video to sinks (NDI, Syphon, Spout, file, v4l2).

Wire-up: ``FrameRouter([build_sink(kind, name, options), ...])``, then ``router.push(frame)``
for every ``av.VideoFrame`` from the Scope video track, ``router.status()`` for the UI,
``router.set_enabled(name, on)``, and ``await router.close()`` at the end.
"""

from bridge.sinks.base import FrameSink, SinkFrame, SinkStatus
from bridge.sinks.factory import SINK_KINDS, build_sink
from bridge.sinks.router import FrameRouter

__all__ = ["SINK_KINDS", "FrameRouter", "FrameSink", "SinkFrame", "SinkStatus", "build_sink"]
