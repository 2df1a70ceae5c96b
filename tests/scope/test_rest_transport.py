"""The control-only transport over REST session parameters."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from bridge.errors import ScopeError
from bridge.scope.client import ScopeClient
from bridge.scope.health import Backoff
from bridge.scope.rest_transport import RestParamTransport
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
