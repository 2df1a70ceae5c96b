"""Pacing by evidence, end to end: a fader storm over real UDP, a real aiortc peer, the stand-in.

The stand-in runs ``controller-viz`` (one frame per pipeline call, ~56 calls a second) at
128x64 and counts the updates its 8-deep queue drops (``/sim/stats``). Frames received are the
bridge's only evidence that Scope took an update: a fast pipeline gets fast updates, a stall
stops them, and a freeze holds them until the unfreeze. The same stall with the pace forced to
the clock (``chunk_rate_hz``) drops updates: the test can fail.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx

from bridge.config.load import load_show
from bridge.core.payload import prompt_list
from bridge.running.runtime import Runtime
from tests.app.osckit import free_udp_port, message
from tests.sim.simkit import running_sim, wait_for

SHOW = """
schema = 1
[scope]
url = "{url}"
pipeline = "controller-viz"
width = 128
height = 64
{extra}
[[prompts]]
id = "a"
text = "first"
[[prompts]]
id = "b"
text = "second"
weight = 0.5
[devices.osc.host]
port = {port}
[[mappings]]
source = {{ osc = "host", address = "/a" }}
target = "prompt.a.weight"
[[mappings]]
source = {{ osc = "host", address = "/freeze" }}
target = "paused"
"""


def write_show(path: Path, url: str, port: int, extra: str = "") -> None:
    path.write_text(SHOW.format(url=url, port=port, extra=extra), encoding="utf-8")


@contextlib.asynccontextmanager
async def live(path: Path, extra: str = "") -> AsyncIterator[tuple[Runtime, str, int]]:
    """The show (written to ``path``) streaming from the stand-in's controller-viz; yields
    the runtime, the stand-in's URL and the show's OSC port."""
    async with running_sim(load_time_s=0.05) as (_sim, url):
        port = free_udp_port()
        write_show(path, url, port, extra)
        runtime = Runtime(load_show(path))
        task = asyncio.create_task(runtime.run())
        try:
            link = runtime.link
            assert link is not None
            await wait_for(lambda: link.status().frames_total > 20, 20.0, "frames from Scope")
            yield runtime, url, port
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def stats(url: str) -> dict[str, Any]:
    async with httpx.AsyncClient() as http:
        data: dict[str, Any] = (await http.get(f"{url}/sim/stats")).json()
        return data


async def stall(url: str, ms: int) -> None:
    async with httpx.AsyncClient() as http:
        (await http.post(f"{url}/sim/faults", json={"stall_ms": ms})).raise_for_status()


async def storm(port: int, seconds: float, hz: float = 200.0, address: str = "/a") -> None:
    """A fader sweeping up and down at ``hz`` messages a second, over UDP."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as out:
        start = time.monotonic()
        i = 0
        while (now := time.monotonic()) - start < seconds:
            value = abs(((now - start) * 1.7) % 2.0 - 1.0)  # a triangle, 0..1
            out.sendto(message(address, "f", value), ("127.0.0.1", port))
            i += 1
            await asyncio.sleep(max(0.0, start + i / hz - time.monotonic()))


async def osc(port: int, address: str, value: float) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as out:
        out.sendto(message(address, "f", value), ("127.0.0.1", port))
    await asyncio.sleep(0.05)


def applied_prompts(data: dict[str, Any]) -> list[dict[str, Any]]:
    return list(data["parameters"][0]["prompts"])


async def test_a_fader_storm_on_a_fast_pipeline_gets_fast_updates_and_no_drop(
    tmp_path: Path,
) -> None:
    """controller-viz takes ~56 updates a second: a 200 msg/s OSC storm goes out at ≥ 15/s
    (a 12-frame guess would give ~5), and Scope drops none."""
    async with live(tmp_path / "show.toml") as (runtime, url, port):
        bridge = runtime.bridge
        assert bridge.frames_per_call == 1
        before, sent = (await stats(url))["dropped"], bridge.pacer.sent_count
        started = time.monotonic()
        await storm(port, 3.0)
        rate = (bridge.pacer.sent_count - sent) / (time.monotonic() - started)
        await asyncio.sleep(0.5)
        data = await stats(url)
        assert rate >= 15.0, f"{rate:.1f} sends/s"
        assert data["dropped"] - before == 0
        assert applied_prompts(data) == prompt_list(bridge.state, 0.01)


async def stalled_storm_drops(path: Path, extra: str = "") -> tuple[int, int]:
    """Storm for 4 s with a 1.5 s stall in the middle: (updates dropped, updates sent)."""
    async with live(path, extra) as (runtime, url, port):
        before, sent = (await stats(url))["dropped"], runtime.bridge.pacer.sent_count
        fader = asyncio.create_task(storm(port, 4.0))
        await asyncio.sleep(1.0)
        await stall(url, 1500)
        await fader
        await asyncio.sleep(2.0)  # the stall is over and the last value lands
        data = await stats(url)
        if not extra:
            assert applied_prompts(data) == prompt_list(runtime.bridge.state, 0.01)
        return data["dropped"] - before, runtime.bridge.pacer.sent_count - sent


async def test_a_stall_drops_nothing_with_evidence_and_drops_with_a_clock(tmp_path: Path) -> None:
    """Scope stops for 1.5 s mid-storm. Paced by its frames, the bridge waits it out: 0 drops.
    Paced by a clock at the pipeline's own rate (56 calls/s), the queue overflows."""
    dropped, sent = await stalled_storm_drops(tmp_path / "evidence.toml")
    assert sent > 30, sent  # it did send through the storm, around the stall
    assert dropped == 0
    clock_dropped, _ = await stalled_storm_drops(tmp_path / "clock.toml", "chunk_rate_hz = 56")
    assert clock_dropped > 0


async def test_after_freeze_storm_unfreeze_scope_has_the_bridges_state(tmp_path: Path) -> None:
    """Freeze, move the fader hard for 3 s, unfreeze: nothing dropped, and Scope's prompts
    are what the bridge shows (the issue saw 0.52 in Scope against 0.94 on screen)."""
    async with live(tmp_path / "show.toml") as (runtime, url, port):
        bridge = runtime.bridge
        before = (await stats(url))["dropped"]
        await osc(port, "/freeze", 1.0)
        await wait_for(lambda: bridge.state.paused, 2.0, "the freeze")
        await storm(port, 3.0)
        await osc(port, "/a", 0.94)
        await osc(port, "/freeze", 0.0)
        await wait_for(lambda: not bridge.state.paused, 2.0, "the unfreeze")
        await asyncio.sleep(1.0)
        data = await stats(url)
        assert data["dropped"] - before == 0
        assert data["paused"] == [False]
        assert applied_prompts(data) == prompt_list(bridge.state, 0.01)
        assert {"text": "first", "weight": 0.94} in applied_prompts(data)


async def test_frozen_before_the_first_frame_the_link_waits_instead_of_reconnecting(
    tmp_path: Path,
) -> None:
    """Scope sends no frame while frozen before its first one; the link must not call that
    a dead server (it would reconnect every few seconds, for as long as the freeze lasts)."""
    async with running_sim(load_time_s=1.0) as (sim, url):
        port = free_udp_port()
        path = tmp_path / "show.toml"
        write_show(path, url, port)
        runtime = Runtime(load_show(path))
        link = runtime.link
        assert link is not None
        link.first_frame_s = 1.0
        task = asyncio.create_task(runtime.run())
        try:
            await wait_for(lambda: runtime.devices.osc["host"].address is not None, 10.0, "OSC")
            await osc(port, "/freeze", 1.0)
            await wait_for(lambda: runtime.bridge.state.paused, 2.0, "the freeze")
            await wait_for(lambda: link.ready, 20.0, "the session")
            await asyncio.sleep(3.0)  # three times first_frame_s, frozen
            status = link.status()
            assert (status.connects, status.frames_total, status.last_error) == (1, 0, None)
            await osc(port, "/freeze", 0.0)
            await wait_for(lambda: link.status().frames_total > 10, 10.0, "frames after thaw")
            assert link.status().connects == 1
            assert len(sim.offers) == 1
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def test_a_stall_while_frozen_drops_nothing(tmp_path: Path) -> None:
    """Frozen, Scope repeats its last picture at the frame rate even while its pipeline is
    stuck in a call: those frames are no evidence of a call that took an update. Paced by
    them, a storm during a frozen stall would overfill the queue."""
    async with live(tmp_path / "show.toml") as (runtime, url, port):
        bridge = runtime.bridge
        before = (await stats(url))["dropped"]
        fader = asyncio.create_task(storm(port, 3.0))
        await asyncio.sleep(0.5)
        await stall(url, 2000)
        await osc(port, "/freeze", 1.0)
        await fader
        await osc(port, "/freeze", 0.0)
        await wait_for(lambda: not bridge.state.paused, 2.0, "the unfreeze")
        await asyncio.sleep(1.5)
        data = await stats(url)
        assert data["dropped"] - before == 0
        assert applied_prompts(data) == prompt_list(bridge.state, 0.01)
