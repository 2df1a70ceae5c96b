"""Probing an absent Scope: a killed stand-in is noticed within a second or two, and the link
streams again as soon as a restarted one answers, without waiting out its back-off."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from bridge.scope.client import ScopeClient
from bridge.scope.health import Backoff
from bridge.scope.link import PipelineRequest, ScopeLink
from bridge.scope.probe import Probe
from tests.scope.test_link import Show
from tests.sim.simkit import SimProcess, free_port, running_sim, wait_for

SLOW = Backoff(first_s=6.0, cap_s=6.0, healthy_s=60.0)
"""A back-off longer than any bound below: waiting it out instead of probing fails them."""

ARGS = ("--fps", "20", "--chunk-frames", "4", "--load-time", "0.05")


@asynccontextmanager
async def linked(base: str, show: Show, **kwargs: Any) -> AsyncIterator[ScopeLink]:
    """A running link with the real probe; cancelled and closed on exit."""
    async with ScopeClient(base, timeout_s=2.0) as client:
        kwargs.setdefault("on_connected", show.on_connected)
        link = ScopeLink(client, PipelineRequest(), show.initial, ice_servers=(), **kwargs)
        task = asyncio.get_running_loop().create_task(link.run(), name="link")
        try:
            yield link
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


async def test_a_restarted_stand_in_streams_again_at_once() -> None:
    """SIGKILL, restart on the same port: noticed by the probe (not the 5 s watchdog), back by
    the probe (not the 6 s back-off), with the state changed while Scope was away."""
    port = free_port()
    first, second = SimProcess(port, *ARGS), SimProcess(port, *ARGS)
    show = Show()
    frames: list[float] = []
    try:
        await first.start()
        async with linked(
            first.url,
            show,
            watchdog_s=5.0,
            backoff=SLOW,
            on_frame=lambda _f: frames.append(time.monotonic()),
        ) as link:
            await wait_for(lambda: len(frames) >= 5, 10.0, "frames")
            show.state = {"prompts": [{"text": "a storm", "weight": 0.7}], "noise_scale": 0.4}
            await first.kill()
            await wait_for(lambda: link.status().last_error is not None, 3.0, "the notice")
            assert "refused" in (link.status().last_error or "")
            await second.start()
            answered = time.monotonic()  # at most 0.1 s late: SimProcess polls every 0.1 s
            await wait_for(
                lambda: show.connected == 2 and frames[-1] > answered, 3.0, "frames again"
            )
            async with httpx.AsyncClient() as http:
                stats = (await http.get(f"{second.url}/sim/stats")).json()
    finally:
        await first.kill()
        await second.kill()
    assert stats["offers"][-1]["initialParameters"] == {**show.state, "pipeline_ids": ["longlive"]}


async def test_a_stand_in_killed_right_after_connect_is_noticed() -> None:
    """Killed as the session opens (maybe before its first frame): noticed in seconds, not
    after the first-frame wait (10 s) or the watchdog (5 s here)."""
    stand = SimProcess(free_port(), *ARGS)
    show = Show()
    killed: list[float] = []

    def kill_now() -> None:
        show.on_connected()
        if not killed and stand.proc is not None:
            os.kill(stand.proc.pid, signal.SIGKILL)
            killed.append(time.monotonic())

    try:
        await stand.start()
        async with linked(stand.url, show, on_connected=kill_now, watchdog_s=5.0) as link:
            await wait_for(lambda: bool(killed), 10.0, "the connect")
            await wait_for(lambda: link.status().last_error is not None, 3.0, "the notice")
            await wait_for(lambda: link.status().reconnect_in_s is not None, 1.0, "a retry")
            status = link.status()
    finally:
        await stand.kill()
    assert "refused" in (status.last_error or "")
    assert status.reconnect_in_s is not None
    assert status.reconnect_in_s <= 0.5  # the probe's pace, not the back-off's


async def test_probe_tells_absent_from_failing() -> None:
    """Refused is absent; an answer, even an error status, is not (the back-off handles it)."""
    probe = Probe()
    async with ScopeClient(f"http://127.0.0.1:{free_port()}", timeout_s=2.0) as nobody:
        gone = await probe.absent(nobody)
    assert "refused" in str(gone)
    async with running_sim() as (sim, base), ScopeClient(base, timeout_s=2.0) as client:
        assert await probe.absent(client) is None
        sim.faults.update({"http_status": 503})
        assert await probe.absent(client) is None


async def test_a_failing_server_still_backs_off() -> None:
    """A server answering 503 waits out the back-off (1 s here), not the 0.5 s probe."""
    show = Show()
    backoff = Backoff(first_s=1.0, cap_s=1.0, healthy_s=60.0)
    async with running_sim() as (sim, base):
        sim.faults.update({"http_status": 503})
        async with linked(base, show, backoff=backoff) as link:
            await wait_for(lambda: link.status().reconnect_in_s is not None, 5.0, "a retry")
            wait = link.status().reconnect_in_s
    assert wait is not None
    assert wait > 0.6
    assert show.connected == 0
