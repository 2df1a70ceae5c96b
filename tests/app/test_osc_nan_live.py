"""NaN and inf over real UDP into a running show with smoothing, slew and LFO mappings: the
show lives on, every value stays finite, and each refusal is counted and shown."""

from __future__ import annotations

import asyncio
import json
import math
from pathlib import Path

from tests.app.osckit import bundle, message, running_show, send_paced, strict_json
from tests.sim.simkit import wait_for

NAN, INF = float("nan"), float("inf")
MAPPED = ("/a", "/b", "/valid", "/scene", "/steps", "/text")


async def test_nan_and_inf_are_refused_and_the_show_goes_on(tmp_path: Path) -> None:
    """A TouchDesigner CHOP dividing by zero: NaN and ±inf as float and double to every kind
    of mapping, alone and inside a bundle beside a good value."""
    async with running_show(tmp_path) as show:
        bridge = show.runtime.bridge
        await send_paced(show, [message("/a", "f", 0.25), message("/valid", "f", 0.75)])
        await wait_for(lambda: bridge.state.value("prompt.c.weight") == 0.75, 5.0, "/valid")
        hostile = [
            message(address, tags, value)
            for address in MAPPED
            for tags in ("f", "d")
            for value in (NAN, INF, -INF)
        ]
        hostile.append(bundle(message("/a", "d", NAN), message("/valid", "f", 0.5)))
        sent_before = len(show.sent)
        await send_paced(show, hostile)
        await wait_for(lambda: bridge.state.value("prompt.c.weight") == 0.5, 5.0, "the bundle")
        kv_seen = set()
        for _ in range(30):  # the LFOs and the smoothing keep running for half a second
            await asyncio.sleep(1 / 60)
            kv_seen.add(bridge.state.value("kv_cache_attention_bias"))
        assert show.alive(), "the show ended"
        await send_paced(show, [message("/valid", "f", 0.125)])
        await wait_for(lambda: bridge.state.value("prompt.c.weight") == 0.125, 5.0, "after")
        await wait_for(lambda: len(show.sent) > sent_before + 2, 5.0, "updates after the NaN")
        snapshot = show.runtime.snapshot()
        text = snapshot.to_json()
        device = next(d for d in snapshot.devices if d.name == "host")
        assert show.alive(), "the show ended"

    # 6 addresses x 2 types x (NaN, inf, -inf), and the NaN in the bundle
    assert snapshot.extra["refused"] == {"host": {"nan": 13, "inf": 24}}
    osc = snapshot.extra["osc"]["host"]
    assert (osc["refused_total"], osc["malformed_total"], osc["kernel_drops"]) == (37, 0, 0)
    assert "37 refused (inf 24, nan 13)" in device.detail
    strict_json(text)  # the status JSON holds no NaN or Infinity
    for payload in show.sent:
        json.dumps(payload, allow_nan=False)  # nor did anything sent to Scope
    state = bridge.state
    assert all(math.isfinite(v) for v in state.base.values())
    assert state.value("prompt.a.weight") is not None
    assert state.scene == "one"
    assert state.preset is None
    assert state.texts["c"] == "third"
    assert len(kv_seen) > 5, "the LFO stopped"
