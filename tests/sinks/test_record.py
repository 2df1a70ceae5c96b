"""The recorder writes files PyAV can decode back to the frames that were sent."""

from __future__ import annotations

import asyncio
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from bridge.errors import SinkError
from bridge.sim import framecode
from bridge.sinks.factory import build_sink
from bridge.sinks.pending import PendingFrame
from bridge.sinks.record import RecorderSink
from bridge.sinks.router import FrameRouter
from tests.sinks.fakes import stamped


def decoded_counters(path: Path) -> tuple[list[int], tuple[int, int]]:
    with av.open(str(path)) as container:
        frames = list(container.decode(video=0))
    size = (frames[0].width, frames[0].height) if frames else (0, 0)
    pictures = [np.asarray(f.to_ndarray(format="rgb24"), dtype=np.uint8) for f in frames]
    return [framecode.read(picture) for picture in pictures], size


@pytest.mark.parametrize("suffix", [".mp4", ".webm"])
async def test_recording_decodes_to_the_frames_sent(tmp_path: Path, suffix: str) -> None:
    """Every frame the recorder got is in the file, in order, with its counter."""
    sink = build_sink("record", "rec", {"path": str(tmp_path / f"show{suffix}")})
    assert isinstance(sink, RecorderSink)
    router = FrameRouter([sink])
    try:
        for n in range(1, 31):
            router.push(stamped(n))
            await asyncio.sleep(1 / 30)
        await asyncio.sleep(0.2)
        status = router.status()[0]
    finally:
        await router.close()
    counters, size = decoded_counters(tmp_path / f"show{suffix}")
    assert size == (576, 320)
    # VP8 may be slow enough on 2 shared cores to skip a few frames: that is the design.
    assert len(counters) == status.sent >= 15
    assert status.sent + status.skipped == 30
    assert counters == sorted(counters)
    assert counters[-1] == 30


def test_size_change_continues_in_a_numbered_file(tmp_path: Path) -> None:
    """An encoder cannot change size mid-stream: the recorder rolls over to show-2.mp4."""
    sink = RecorderSink("rec", tmp_path / "show.mp4")
    frames = [stamped(1), stamped(2), stamped(3, 640, 384), stamped(4, 640, 384)]
    for n, frame in enumerate(frames):
        sink.send(PendingFrame(frame, n, n / 30, Fraction(30)).converted("yuv420p"))
    sink.close()
    assert sink.files == [tmp_path / "show.mp4", tmp_path / "show-2.mp4"]
    assert decoded_counters(tmp_path / "show.mp4") == ([1, 2], (576, 320))
    assert decoded_counters(tmp_path / "show-2.mp4") == ([3, 4], (640, 384))


def test_unknown_suffix_and_missing_folder_are_one_line(tmp_path: Path) -> None:
    """The user's mistakes come back as SinkError sentences."""
    with pytest.raises(SinkError, match=r"Cannot record to show\.avi: use one of"):
        RecorderSink("rec", "show.avi")
    sink = RecorderSink("rec", tmp_path / "missing" / "show.mp4")
    frame = PendingFrame(stamped(1), 1, 0.0, Fraction(30)).converted("yuv420p")
    with pytest.raises(SinkError, match="Cannot record to"):
        sink.send(frame)
