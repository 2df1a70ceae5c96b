"""A running show asks for the stand-in's counters once, and polls them only from the stand-in.

Against a real Scope (here: the stand-in with its /sim endpoints hidden, so its web UI answers
there as a normal install's does) the runtime asked /sim/stats every 2 s forever; now it asks
once, hears a web page, and stops. The pipeline check still reads the schemas.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import pytest

from bridge.config.load import load_show
from bridge.running.runtime import Runtime
from tests.sim.simkit import FAST, running_sim, wait_for

SHOW = """
schema = 1
[scope]
url = "{url}"
[[prompts]]
id = "a"
text = "first"
"""
STATS = ("GET", "/sim/stats")


@pytest.mark.parametrize("stand_in", [False, True])
async def test_sim_stats_is_polled_only_from_the_stand_in(tmp_path: Path, stand_in: bool) -> None:
    path = tmp_path / "show.toml"
    async with running_sim(sim_endpoints=stand_in, **FAST) as (sim, url):
        path.write_text(SHOW.format(url=url), encoding="utf-8")
        runtime = Runtime(load_show(path))
        task = asyncio.create_task(runtime.run())
        try:
            await wait_for(lambda: runtime.pipeline_notes is not None, 10.0, "the pipeline check")
            await wait_for(lambda: sim.requests[STATS] >= 1, 5.0, "the first question")
            await asyncio.sleep(4.5)  # two polling periods
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    assert runtime.pipeline_notes == []
    if stand_in:
        assert sim.requests[STATS] >= 3
        assert runtime.scope_drops == 0
    else:
        assert sim.requests[STATS] == 1
        assert runtime.scope_drops is None
        assert [p for p in runtime.bridge.problems if p.where == "pipeline"] == []
