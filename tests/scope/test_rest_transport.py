"""The control-only transport over REST session parameters."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from bridge.errors import ScopeError
from bridge.scope.client import ScopeClient
from bridge.scope.health import Backoff
from bridge.scope.rest_transport import HeadlessStart, RestParamTransport, resent
from bridge.scope.session import ScopeSession
from tests.sim.simkit import FAST, running_sim, wait_for


@asynccontextmanager
async def running(transport: RestParamTransport) -> AsyncIterator[None]:
    task = asyncio.get_running_loop().create_task(transport.run(), name="rest")
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_updates_reach_every_session_merged_latest_wins() -> None:
    """Sends merge per key while a POST is in flight; a viewer's session receives them."""
    async with running_sim(**FAST) as (sim, base), ScopeClient(base) as client:
        await client.ensure_pipeline("longlive", {"width": 576, "height": 320})
        viewer = ScopeSession(client, "longlive")
        transport = RestParamTransport(client)
        try:
            await viewer.open({"prompts": [{"text": "a cat", "weight": 1.0}]})
            async with running(transport):
                await wait_for(lambda: transport.ready, 3.0, "the transport")
                transport.send({"reset_cache": True, "noise_scale": 0.1})
                transport.send({"noise_scale": 0.2})
                transport.send({"noise_scale": 0.3})
                await wait_for(
                    lambda: sim.rest_parameters.get("noise_scale") == 0.3, 3.0, "the last value"
                )
                await wait_for(lambda: sim.stats.reset_cache == 1, 3.0, "the reset to apply")
        finally:
            await viewer.close()
    assert 1 <= transport.sent <= 3
    assert sim.stats.received == transport.sent


async def test_old_server_is_not_ready_and_says_why() -> None:
    """0.1.4 has no REST parameters: not ready, one sentence, no crash."""
    async with running_sim(version="0.1.4") as (_, base), ScopeClient(base) as client:
        transport = RestParamTransport(client, backoff=Backoff(first_s=5.0))
        async with running(transport):
            await wait_for(lambda: transport.last_error is not None, 3.0, "the refusal")
            assert not transport.ready
            with pytest.raises(ScopeError, match=r"0\.1\.8"):
                transport.send({"paused": True})


async def test_ready_only_while_scope_reports_a_session() -> None:
    """Scope answers a REST update ``ok`` with no session open and applies nothing: the
    transport is ready only while ``session/metrics`` shows a session, and says so."""
    async with running_sim(**FAST) as (sim, base), ScopeClient(base) as client:
        await client.ensure_pipeline("longlive", {"width": 576, "height": 320})
        transport = RestParamTransport(client, poll_s=0.05)
        async with running(transport):
            await wait_for(lambda: transport.state == "no session", 3.0, "the first look")
            assert not transport.ready
            assert transport.last_error is not None
            assert "No Scope session is open" in transport.last_error
            with pytest.raises(ScopeError, match="start_session"):
                transport.send({"noise_scale": 0.2})
            viewer = ScopeSession(client, "longlive")
            try:
                await viewer.open({"prompts": [{"text": "a cat", "weight": 1.0}]})
                await wait_for(lambda: transport.ready, 5.0, "the session to be seen")
                assert transport.state == "ready"
                assert transport.last_error is None
                transport.send({"noise_scale": 0.2})
                await wait_for(lambda: transport.sent == 1, 3.0, "the update")
            finally:
                await viewer.close()
            await wait_for(lambda: not transport.ready, 5.0, "the closed session to be seen")
            assert transport.state == "no session"
        assert sim.stats.received == 1  # nothing was POSTed into the void


async def test_starts_a_headless_session_when_asked_and_paces_by_its_frames() -> None:
    """``start_session``: the pipeline is loaded and a headless session started from the
    show's state; its ``frames_out`` then arrive as evidence, a poll at a time."""
    made: list[int] = []
    async with running_sim(**FAST) as (sim, base), ScopeClient(base) as client:
        plan = HeadlessStart(
            "longlive",
            {"width": 576, "height": 320},
            {"pipeline_ids": ["longlive"], "prompts": [{"text": "a fox", "weight": 1.0}]},
        )
        transport = RestParamTransport(
            client, start=lambda: plan, on_evidence=made.append, poll_s=0.1
        )
        async with running(transport):
            await wait_for(lambda: transport.ready, 5.0, "the headless session")
            headless = sim.session_api.headless
            assert headless is not None
            assert transport.starts == 1
            assert headless.parameters["prompts"] == [{"text": "a fox", "weight": 1.0}]
            await wait_for(lambda: sum(made) >= 20, 5.0, "frames as evidence")
            assert all(n > 0 for n in made)
            assert transport.session is not None
            assert transport.session.headless
            assert transport.pipeline_fps is not None
            transport.send({"noise_scale": 0.4})
            await wait_for(lambda: headless.parameters.get("noise_scale") == 0.4, 3.0, "apply")
        assert sum(made) <= headless.frames_out


async def test_a_server_without_the_session_api_is_said_once_and_left_alone() -> None:
    """v0.1.4: one sentence, and the task ends instead of asking again for ever."""
    async with running_sim(version="0.1.4") as (sim, base), ScopeClient(base) as client:
        transport = RestParamTransport(client, backoff=Backoff(first_s=0.05), poll_s=0.05)
        task = asyncio.get_running_loop().create_task(transport.run())
        await asyncio.wait_for(task, 5.0)  # it returns
        asked = sum(sim.requests.values())
        await asyncio.sleep(0.5)
        assert sum(sim.requests.values()) == asked <= 2
        assert transport.state == "no session API"
        assert transport.last_error == (
            "Scope 0.1.4 has no session API (it came in 0.1.8): REST control is off; "
            'use transport = "webrtc".'
        )


def test_what_scope_would_reset_goes_with_every_update() -> None:
    """Scope puts linear interpolation and a VACE scale of 1.0 into every REST update."""
    assert resent({"prompt_interpolation_method": "linear"}, {}) == {}
    assert resent({"prompt_interpolation_method": "slerp"}, {}) == {
        "prompt_interpolation_method": "slerp"
    }
    assert resent({}, {"vace_context_scale": 0.5, "prompt_interpolation_method": "slerp"}) == {
        "vace_context_scale": 0.5,
        "prompt_interpolation_method": "slerp",
    }
    assert resent({"prompt_interpolation_method": "linear"}, {"vace_context_scale": 1.0}) == {}


async def test_a_headless_start_that_fails_is_said_and_tried_again() -> None:
    """The pipeline fails to load: not ready, the reason in one sentence, another try later
    (the fault clears after one load), and then the session runs."""
    async with running_sim(**FAST) as (sim, base), ScopeClient(base) as client:
        sim.faults.update({"load_error": "CUDA out of memory"})
        plan = HeadlessStart("longlive", {"width": 576, "height": 320}, {})
        transport = RestParamTransport(
            client, start=lambda: plan, poll_s=0.05, backoff=Backoff(first_s=0.3)
        )
        async with running(transport):
            await wait_for(lambda: transport.state == "failing", 5.0, "the failed start")
            assert not transport.ready
            assert transport.last_error is not None
            assert "longlive" in transport.last_error
            sim.faults.update({"reset": True})
            await wait_for(lambda: transport.ready, 10.0, "the second start")
            assert transport.starts == 1
