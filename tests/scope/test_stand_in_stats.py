"""The stand-in's counters as the bridge polls them (every 2 s, for the whole show): small and
the same size an hour in as a minute in, whatever the stand-in has logged meanwhile."""

from __future__ import annotations

import json

import httpx

from bridge.scope.client import ScopeClient
from bridge.sim.params import LOG_LIMIT, AppliedUpdate
from tests.sim.simkit import running_sim

PAYLOAD = {"prompts": [{"text": "a misty pine forest at dawn, volumetric light", "weight": 1.0}]}


async def test_the_polled_counters_do_not_grow_with_the_applied_log() -> None:
    async with running_sim() as (sim, base), ScopeClient(base) as client:
        early = await client.stand_in_stats()
        sim.stats.log.extend(AppliedUpdate(n, n + 0.5, PAYLOAD) for n in range(LOG_LIMIT))
        sim.stats.dropped = 3
        late = await client.stand_in_stats()
        async with httpx.AsyncClient() as http:
            full = (await http.get(f"{base}/sim/stats")).json()
    assert early is not None
    assert late is not None
    assert late["dropped"] == 3
    assert len(json.dumps(late)) <= len(json.dumps(early)) + 16  # the counters' digits
    # tests and benchmarks still read the whole log
    assert len(full["applied_log"]) == LOG_LIMIT
