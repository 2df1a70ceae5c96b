"""Scope's clock as a tempo source, end to end: the stand-in's tempo sync on, its
``tempo_update`` over the real data channel leads the bridge's tempo (no other source), on
Scope's beat; with a MIDI clock leading instead, the console says how far Scope's beat is."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import httpx

from bridge.config.load import load_show
from bridge.core.tempo_lead import wrap
from bridge.running.runtime import Runtime
from tests.sim.simkit import FAST, running_sim, wait_for

SHOW = """
[scope]
url = "{url}"
[[prompts]]
id = "a"
text = "a field"
"""


async def test_scopes_clock_leads_the_bridge_on_its_beat(tmp_path: Path) -> None:
    async with running_sim(**FAST) as (sim, url):
        async with httpx.AsyncClient(base_url=url) as http:
            enabled = await http.post("/api/v1/tempo/enable", json={"source": "link", "bpm": 97})
            assert enabled.status_code == 200
        (tmp_path / "show.toml").write_text(SHOW.format(url=url))
        runtime = Runtime(load_show(tmp_path / "show.toml"))
        bridge = runtime.bridge
        task = asyncio.create_task(runtime.run())
        try:
            await wait_for(lambda: bridge.tempo is not None, 15.0, "Scope's tempo")
            await asyncio.sleep(0.5)
            tempo = bridge.tempo
            assert tempo is not None
            assert (tempo.source, tempo.bpm) == ("scope", 97.0)
            clock = sim.tempo.current()
            assert clock is not None
            off = wrap(tempo.beat_phase - clock.beat(tempo.t)) * 60_000.0 / 97.0
            assert abs(off) < 5.0, off  # the data channel on one machine, and 4-digit phases
            assert runtime.snapshot().extra["tempo"]["leader"] == "scope"
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
