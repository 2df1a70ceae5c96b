"""10,000 hostile datagrams over real UDP into a running show with smoothing, slew and LFO
mappings, with valid messages between them: the show lives, every valid message is applied
in order, every datagram is accounted for, and memory stays put."""

from __future__ import annotations

import asyncio
import math
from collections import Counter
from pathlib import Path

from bridge.core.events import Event, OscMessage
from bridge.inputs.osc_parse import PacketError, PacketParser
from tests.app.hostile_osc import GENERATORS, Datagram, datagrams
from tests.app.osckit import rss_mb, running_show, send_paced, strict_json

HOSTILE = 10_000
MAX_PACKET = 32768  # the OSC input's default limit
RSS_GROWTH_MB = 16.0


def expected(batch: list[Datagram]) -> tuple[Counter[str], int, Counter[str]]:
    """What the input must count for these datagrams, from the parser run here offline:
    drops by reason, messages handed on, messages refused by reason."""
    parser = PacketParser()
    drops: Counter[str] = Counter()
    messages = 0
    for d in batch:
        if len(d.data) > MAX_PACKET:
            drops["oversized"] += 1
            continue
        try:
            messages += len(parser.parse(d.data, 0.0, "host"))
        except PacketError as exc:
            drops[exc.reason] += 1
    return drops, messages, parser.refused


async def test_hostile_datagrams_never_stop_the_show(tmp_path: Path) -> None:
    """Random bytes, truncated packets, wrong and exotic tags, huge blobs, bad bundles and
    NaN/inf, with a valid message after every eight: all accounted for, nothing lost."""
    warmup = list(datagrams(2000, seed=5))  # fills what is bounded (caches, recent events)
    batch = list(datagrams(HOSTILE))
    kinds = Counter(d.kind for d in batch)
    assert set(kinds) == {*GENERATORS, "valid"}
    assert sum(n for k, n in kinds.items() if k != "valid") == HOSTILE
    drops, messages, refused = expected(batch)
    # each kind of hostility really is there: every reason a packet can be dropped for
    assert set(drops) == {"not_osc", "malformed", "unsupported_type", "too_deep", "oversized"}
    assert refused["nan"] > 100
    assert refused["inf"] > 100

    async with running_show(tmp_path) as show:
        bridge = show.runtime.bridge
        applied: list[tuple[float, float | None]] = []
        seen = [0]

        def record(event: Event) -> None:
            if isinstance(event, OscMessage):
                seen[0] += 1
                if event.address == "/valid":
                    value = event.args[0] if isinstance(event.args[0], float) else math.nan
                    applied.append((value, bridge.state.value("prompt.c.weight")))

        await send_paced(show, (d.data for d in warmup))
        bridge.on_event.append(record)
        osc = show.osc
        before = osc.losses()
        rss_before = rss_mb()
        kv_before = bridge.state.value("kv_cache_attention_bias")
        sent = await send_paced(show, (d.data for d in batch))
        rss_after = rss_mb()
        await asyncio.sleep(0.1)  # a few ticks: LFOs and smoothing after the storm
        after = osc.losses()
        snapshot = show.runtime.snapshot()
        alive = show.alive()
        kv_after = bridge.state.value("kv_cache_attention_bias")

    assert alive, "the show ended"
    # every valid message reached the engine, in order, and set its target
    valid = [d.valid for d in batch if d.valid is not None]
    assert len(valid) == HOSTILE // 8
    assert [value for value, _ in applied] == valid
    assert all(state == value for value, state in applied)
    # the counts add up: sent = read + kernel drops; read = usable + dropped by reason
    assert sent == len(batch)
    assert after.kernel_drops == before.kernel_drops == 0  # paced: the kernel dropped nothing
    assert after.packets - before.packets == sent
    got_drops = Counter(after.malformed) - Counter(before.malformed)
    assert got_drops == drops
    assert after.not_allowed == 0
    assert after.messages - before.messages == messages == seen[0]
    assert Counter(after.refused) - Counter(before.refused) == refused
    # and the status says so, without a NaN anywhere
    status = strict_json(snapshot.to_json())
    assert status["extra"]["osc"]["host"]["malformed"] == dict(after.malformed)
    assert status["extra"]["refused"]["host"] == dict(after.refused)
    assert status["extra"]["osc_malformed"] == after.malformed_total
    assert all(math.isfinite(v) for v in bridge.state.base.values())
    assert kv_before != kv_after, "the LFO stopped"
    print(f"RSS {rss_before:.1f} MB -> {rss_after:.1f} MB")
    assert rss_after - rss_before < RSS_GROWTH_MB, (rss_before, rss_after)
