"""Quantised scene changes at Scope's output, end to end over aiortc against the stand-in.

The stand-in's tempo sync runs its own clock; the bridge follows it (Scope leads) and holds
scene changes for its beats. The stand-in logs when the first frame showing each update left
it, so each change's landing against its beat is exact. Chunks are 0.2 s (4 frames at 20 fps):
the nearest call start is at most 100 ms from a beat, one frame is 50 ms.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import statistics
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bridge.config.load import load_show
from bridge.core.events import TempoBeat, UiAction
from bridge.running.runtime import Runtime
from bridge.sim.server import ScopeSim
from tests.sim.simkit import FAST, running_sim, wait_for

CHUNK_S = FAST["chunk_frames"] / FAST["fps"]
FRAME_S = 1.0 / FAST["fps"]
SHOW = """
[scope]
url = "{url}"
frames_per_chunk = 4
[transition]
num_steps = 4
quantize = "beat"
[tempo]
quantize_by = "{by}"
[[prompts]]
id = "a"
text = "a field"
[[prompts]]
id = "b"
text = "a city"
weight = 0.0
[[scenes]]
name = "one"
weights = {{ a = 1.0 }}
[[scenes]]
name = "two"
weights = {{ b = 1.0 }}
"""
GAPS = (1.13, 1.37, 1.21, 1.44, 1.29)


@contextlib.asynccontextmanager
async def bridged(tmp_path: Path, url: str, by: str = "bridge") -> AsyncIterator[Runtime]:
    (tmp_path / "show.toml").write_text(SHOW.format(url=url, by=by))
    runtime = Runtime(load_show(tmp_path / "show.toml"))
    task = asyncio.create_task(runtime.run())
    try:
        link = runtime.link
        assert link is not None
        await wait_for(lambda: bool(link.fps_measured), 20.0, "frames from the stand-in")
        yield runtime
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def scene_changes(runtime: Runtime) -> None:
    bridge = runtime.bridge
    for k, gap in enumerate(GAPS):
        await asyncio.sleep(gap)
        scene = "two" if k % 2 == 0 else "one"
        bridge.submit(UiAction(bridge.clock(), "test", "select_scene", scene))
    await asyncio.sleep(1.2)


def landings(sim: ScopeSim) -> list[float]:
    """Each scene change's first frame at the stand-in's output against its nearest beat."""
    clock = sim.tempo.current()
    assert clock is not None
    beat_s = 60.0 / clock.bpm
    out = []
    for update in sim.stats.log:
        if "transition" in update.payload and update.shown_t is not None:
            beat = round(clock.beat(update.shown_t))
            out.append(update.shown_t - clock.anchor_t - (beat - clock.anchor_beat) * beat_s)
    return [x * 1000.0 for x in out]


async def enable_tempo(url: str) -> None:
    async with httpx.AsyncClient(base_url=url) as http:
        answer = await http.post("/api/v1/tempo/enable", json={"source": "link", "bpm": 120})
        assert answer.status_code == 200


async def test_a_quantised_change_shows_on_the_call_nearest_its_beat(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Sent early by the predicted latency, each change shows within half a chunk and a frame
    of its beat (the old fixed 375 ms sent them 175 to 375 ms early here); the console's
    estimate of the last landing agrees with the stand-in's exact figure within a chunk, and
    the log says each landing."""
    caplog.set_level(logging.INFO, logger="bridge")
    async with running_sim(**FAST) as (sim, url):
        await enable_tempo(url)
        async with bridged(tmp_path, url) as runtime:
            await wait_for(lambda: runtime.bridge.tempo is not None, 10.0, "Scope's tempo")
            await asyncio.sleep(1.0)
            await scene_changes(runtime)
            view = runtime.tempo.view()
        errors = landings(sim)
    assert len(errors) == len(GAPS), errors
    assert statistics.median(abs(e) for e in errors) <= 1000.0 * CHUNK_S / 2, errors
    assert max(abs(e) for e in errors) <= 1000.0 * (CHUNK_S / 2 + FRAME_S) + 30.0, errors
    assert view["leader"] == "scope"
    assert abs(view["landed_ms"] - errors[-1]) <= 1000.0 * CHUNK_S + 30.0, (view, errors)
    said = [r.getMessage() for r in caplog.records if "quantised change landed" in r.getMessage()]
    assert len(said) == len(GAPS), said


async def test_scope_schedules_the_change_when_the_show_asks_it_to(tmp_path: Path) -> None:
    """``quantize_by = "scope"``: the change goes at once, marked ``_quantized``; Scope's
    scheduler holds it (``change_scheduled``), applies it (``change_applied``) by the
    lookahead the bridge told it, and it shows near its beat."""
    async with running_sim(**FAST) as (sim, url):
        await enable_tempo(url)
        async with bridged(tmp_path, url, "scope") as runtime:
            await wait_for(lambda: runtime.tempo.scheduling == "scope", 10.0, "Scope's clock")
            await asyncio.sleep(1.0)
            await scene_changes(runtime)
            view = runtime.tempo.view()
            (_, session), *_ = sim.sessions.items()
            scheduler = session.processor.scheduler
        errors = landings(sim)
    assert scheduler.scheduled == len(GAPS)
    assert scheduler.applied == len(GAPS)
    assert scheduler.mode == "beat"
    assert 0.0 < scheduler.lookahead_ms < 1000.0 * CHUNK_S * 3
    assert view["quantize_by"] == "Scope schedules quantised changes"
    assert view["scope_change"].startswith("Scope applied a change")
    assert len(errors) == len(GAPS), errors
    assert statistics.median(abs(e) for e in errors) <= 1000.0 * CHUNK_S / 2, errors


async def test_without_scopes_clock_the_bridge_quantises_and_says_so(tmp_path: Path) -> None:
    """Scope v0.1.4 has no clock and no scheduler: with ``quantize_by = "scope"`` the bridge
    holds the change for its own beat (another source's), never sends ``_quantized``, and
    the console says why."""
    async with running_sim(**FAST, version="0.1.4") as (sim, url):
        async with bridged(tmp_path, url, "scope") as runtime:
            bridge = runtime.bridge
            start = bridge.clock()

            async def beats() -> None:
                n = 0
                while True:
                    t = start + n * 0.5
                    await asyncio.sleep(max(t - bridge.clock(), 0.0))
                    bridge.submit(TempoBeat(t, "audio", 120.0, 0.0, 0.0, beat=True))
                    n += 1

            ticking = asyncio.create_task(beats())
            try:
                await asyncio.sleep(1.3)
                pressed = bridge.clock()
                bridge.submit(UiAction(pressed, "test", "select_scene", "two"))
                assert bridge.engine.beat_clock.waiting  # held by the bridge, not sent
                await asyncio.sleep(1.5)
            finally:
                ticking.cancel()
            view = runtime.tempo.view()
        applied: list[Any] = [u for u in sim.stats.log if "transition" in u.payload]
    assert runtime.tempo.scheduling == "bridge"
    assert "the bridge quantises" in view["quantize_by"]
    assert len(applied) == 1
    assert "_quantized" not in applied[0].payload
    assert all("_quantized" not in u.payload for u in sim.stats.log)
    beat = start + 0.5 * round((applied[0].shown_t - start) / 0.5)
    assert abs(applied[0].shown_t - beat) <= CHUNK_S / 2 + FRAME_S + 0.03
