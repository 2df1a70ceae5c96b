"""Frames from the stand-in through aiortc to a recorder declared in the show, switched at run
time, and the file decodes back to the stand-in's frame counters."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import av
import numpy as np

from bridge.config.load import load_show
from bridge.running.runtime import Runtime
from bridge.sim import framecode
from tests.io.jackkit import poll
from tests.sim.simkit import FAST, running_sim

SHOW = """
schema = 1
[scope]
url = "{url}"
[[prompts]]
id = "p"
text = "a forest"
[[sinks]]
kind = "record"
name = "rec"
path = "take.mp4"
"""


async def test_recorder_records_scope_video_and_switches_at_run_time(tmp_path: Path) -> None:
    """Sending, off, on again; then the file's frame counters only go up."""
    async with running_sim(**FAST) as (_, url):
        (tmp_path / "show.toml").write_text(SHOW.format(url=url))
        runtime = Runtime(load_show(tmp_path / "show.toml"))
        task = asyncio.create_task(runtime.run())

        def rec() -> tuple[str, int]:
            status = runtime.router.status()[0]
            return status.state, status.sent

        try:
            assert await poll(lambda: rec()[1] >= 10, 20), rec()
            assert runtime.toggle_sink("rec") == "rec (record) off"
            assert await poll(lambda: rec()[0] == "disabled", 5), rec()
            assert runtime.toggle_sink("rec") == "rec (record) on"
            sent = rec()[1]
            assert await poll(lambda: rec()[1] >= sent + 5, 10), rec()
            assert runtime.toggle_sink("nope") == "There is no frame output named 'nope'."
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    counters = recorded_counters(tmp_path)
    assert len(counters) >= 10
    assert counters == sorted(counters), counters[:20]


def recorded_counters(folder: Path) -> list[int]:
    """Frame counters of take.mp4, then take-2.mp4 (a re-enabled recorder starts a new file)."""
    files = sorted(folder.glob("take*.mp4"), key=lambda p: (len(p.name), p.name))
    assert files, list(folder.iterdir())
    counters = []
    for path in files:
        with av.open(str(path)) as container:
            counters += [
                framecode.read(np.asarray(f.to_ndarray(format="rgb24"), dtype=np.uint8))
                for f in container.decode(video=0)
            ]
    return counters
