"""The link supervisor: connect, watchdog, reconnect with full state, clear errors."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from bridge.scope.client import ScopeClient
from bridge.scope.health import Backoff
from bridge.scope.link import PipelineRequest, ScopeLink
from bridge.scope.probe import Probe
from tests.sim.simkit import FAST, SimProcess, free_port, running_sim, wait_for

QUICK = Backoff(first_s=0.2, cap_s=0.5, healthy_s=60.0)


class Show:
    """A stand-in for the show state: the full parameters, and connect notifications."""

    def __init__(self) -> None:
        self.state: dict[str, Any] = {"prompts": [{"text": "a cat", "weight": 1.0}]}
        self.connected = 0

    def initial(self) -> dict[str, Any]:
        return dict(self.state)

    def on_connected(self) -> None:
        self.connected += 1


@asynccontextmanager
async def supervised(base: str, show: Show, **kwargs: Any) -> AsyncIterator[ScopeLink]:
    """A running link; cancelled and closed on exit."""
    async with ScopeClient(base, timeout_s=2.0) as client:
        link = ScopeLink(
            client,
            PipelineRequest(),
            show.initial,
            on_connected=show.on_connected,
            backoff=QUICK,
            **kwargs,
        )
        task = asyncio.get_running_loop().create_task(link.run(), name="link")
        try:
            yield link
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


async def test_link_connects_reports_status_and_sends() -> None:
    """Status carries what a UI shows; sends reach the stand-in."""
    show = Show()
    async with running_sim(**FAST) as (sim, base), supervised(base, show) as link:
        await wait_for(lambda: link.status().frames_total >= 10, 8.0, "frames through the link")
        status = link.status()
        link.send({"prompts": [{"text": "a dog", "weight": 1.0}]})
        await wait_for(lambda: sim.stats.applied >= 1, 3.0, "the update")
    assert link.ready is False  # closed on the way out
    assert show.connected == 1
    assert status.url == base
    assert (status.server_version, status.pipeline_id, status.width, status.height) == (
        "0.2.4",
        "longlive",
        576,
        320,
    )
    assert (status.load_state, status.webrtc_state, status.channel_open) == (
        "loaded",
        "connected",
        True,
    )
    assert status.fps_recent > 5  # 20 fps sent; loose bound
    assert status.last_error is None
    assert status.reconnect_in_s is None


async def test_a_killed_stand_in_is_noticed_and_the_full_state_resent() -> None:
    """SIGKILL the server: watchdog, refused retries, then a new session with the new state."""
    port = free_port()
    first = SimProcess(port, "--fps", "20", "--chunk-frames", "4", "--load-time", "0.05")
    second = SimProcess(port, "--fps", "20", "--chunk-frames", "4", "--load-time", "0.05")
    show = Show()
    try:
        await first.start()
        async with supervised(first.url, show, watchdog_s=1.0) as link:
            await wait_for(lambda: link.status().frames_total >= 5, 10.0, "frames")
            show.state = {
                "prompts": [
                    {"text": "a storm", "weight": 0.7},
                    {"text": "a lighthouse", "weight": 0.3},
                ],
                "denoising_step_list": [1000, 750, 500, 250],
            }
            await first.kill()
            await wait_for(lambda: link.status().last_error is not None, 5.0, "the watchdog")
            assert not link.ready
            await wait_for(
                lambda: "refused" in (link.status().last_error or ""), 5.0, "a refused reconnect"
            )
            await second.start()
            await wait_for(lambda: show.connected == 2, 15.0, "the reconnect")
            async with httpx.AsyncClient() as http:
                stats = (await http.get(f"{second.url}/sim/stats")).json()
            await wait_for(lambda: link.ready, 5.0, "the link to be ready")
    finally:
        await first.kill()
        await second.kill()
    assert stats["offers"][-1]["initialParameters"] == {**show.state, "pipeline_ids": ["longlive"]}


async def test_watchdog_reconnects_when_frames_stop() -> None:
    """No frame for watchdog_s ends the session and a new one starts."""
    show = Show()
    async with running_sim(**FAST) as (sim, base), supervised(base, show, watchdog_s=0.5) as link:
        await wait_for(
            lambda: show.connected == 1 and link.status().frames_total > 0,
            8.0,
            "the first connection",
        )
        sim.faults.update({"frames": False})
        await wait_for(lambda: "No video" in (link.status().last_error or ""), 5.0, "the watchdog")
        sim.faults.update({"frames": True})
        await wait_for(lambda: show.connected == 2, 8.0, "the reconnect")


async def test_server_errors_are_states_not_crashes() -> None:
    """A 503 on every call shows as last_error with a countdown; fixing it connects."""
    show = Show()
    async with running_sim(**FAST) as (sim, base):
        sim.faults.update({"http_status": 503})
        async with supervised(base, show) as link:
            await wait_for(lambda: link.status().last_error is not None, 5.0, "an error")
            status = link.status()
            assert "HTTP 503" in (status.last_error or "")
            assert "\n" not in (status.last_error or "")
            sim.faults.update({"reset": True})
            await wait_for(lambda: show.connected == 1, 8.0, "the connection")


async def test_a_failed_pipeline_load_is_reported() -> None:
    """The load error from the status becomes last_error (Scope gives no reason in it)."""
    show = Show()
    async with running_sim(**FAST) as (sim, base):
        sim.faults.update({"load_error": "CUDA out of memory"})
        async with supervised(base, show) as link:
            await wait_for(
                lambda: "could not load longlive" in (link.status().last_error or ""),
                5.0,
                "the load error",
            )
            await wait_for(lambda: show.connected == 1, 8.0, "the retry to connect")


async def test_a_reconnect_someone_asked_for_is_no_error_and_waits_for_nothing() -> None:
    """The console's `c` (or a reload's new pipeline): a new session at once, with no
    error shown and no back-off (QUICK's first wait is 0.2 s: seen here as reconnect_in_s)."""
    show = Show()
    async with running_sim(**FAST) as (_, base), supervised(base, show) as link:
        await wait_for(lambda: link.status().frames_total >= 5, 8.0, "frames")
        link.reconnect_now()
        seen: list[tuple[str | None, float | None]] = []

        def second() -> bool:
            status = link.status()
            seen.append((status.last_error, status.reconnect_in_s))
            return show.connected >= 2

        await wait_for(second, 8.0, "the second session")
    assert all(error is None for error, _ in seen), seen
    assert all(wait is None for _, wait in seen), seen


@pytest.mark.parametrize(
    "probe",
    [Probe(every_s=0.0), Probe(every_s=5.0)],
    ids=["backing-off", "probing-an-absent-scope"],
)
async def test_the_supervisor_stops_when_cancelled_mid_wait_as_a_reconnect_is_asked(
    probe: Probe,
) -> None:
    """Nothing listens, so the link waits (a 5 s back-off, or between 5 s probes); the
    console's `c` and a stop land in one loop turn. The loop must end. With the waits on 3.11's
    ``asyncio.wait_for`` it went on reconnecting: the woken wait returned and ate the stop."""
    async with ScopeClient(f"http://127.0.0.1:{free_port()}", timeout_s=1.0) as client:
        link = ScopeLink(
            client,
            PipelineRequest(),
            dict,
            backoff=Backoff(first_s=5.0, cap_s=5.0),
            probe=probe,
        )
        task = asyncio.get_running_loop().create_task(link.run(), name="link")
        try:
            await wait_for(lambda: link.status().reconnect_in_s is not None, 5.0, "the wait")
            await asyncio.sleep(0.05)  # well inside the 5 s wait
            assert link.status().last_error is not None
            link.reconnect_now()
            task.cancel()
            done, _ = await asyncio.wait([task], timeout=2.0)
            assert done, "the link kept running after it was cancelled"
            assert task.cancelled()
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
