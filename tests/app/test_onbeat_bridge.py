"""The running bridge's quantiser, with a transport that records: the lead follows the pacer,
and nothing else leaves within a call of a held change's release (it goes with the change)."""

from __future__ import annotations

from pathlib import Path

from bridge.config.load import load_show
from bridge.core import events as ev
from bridge.running.bridge import Bridge
from tests.app.test_bridge import FakeTransport

SHOW = """
[scope]
chunk_rate_hz = 5
[transition]
quantize = "beat"
[[prompts]]
id = "a"
text = "a field"
[[prompts]]
id = "b"
text = "a city"
weight = 0.0
[[scenes]]
name = "one"
weights = { a = 1.0 }
[[scenes]]
name = "two"
weights = { b = 1.0 }
"""


def bridge_at(tmp_path: Path, now: list[float]) -> tuple[Bridge, FakeTransport]:
    (tmp_path / "show.toml").write_text(SHOW)
    transport = FakeTransport()
    bridge = Bridge(load_show(tmp_path / "show.toml"), transport, clock=lambda: now[0])
    bridge.connected()
    return bridge, transport


def at(now: list[float], t: float, bridge: Bridge, event: ev.Event | None = None) -> None:
    now[0] = t
    bridge.submit(event if event is not None else ev.Tick(t))


async def test_a_knob_moved_just_before_a_release_goes_with_the_change(tmp_path: Path) -> None:
    """Beats at 120 BPM, calls every 0.2 s: a scene chosen at 1.1 s is held for the beat at
    1.5 s and leaves half a call early (1.4 s). A knob moved at 1.25 s would fill Scope's
    queue and push the change a call late: it waits, and leaves in the same message."""
    now = [0.0]
    bridge, transport = bridge_at(tmp_path, now)
    for k in range(3):
        at(now, 0.5 * k, bridge, ev.TempoBeat(0.5 * k, "audio", 120.0, 0.0, 0.0, beat=True))
    at(now, 1.1, bridge, ev.UiAction(1.1, "t", "select_scene", "two"))
    assert bridge.engine.beat_clock.waiting
    assert bridge.engine.beat_clock.next_release() == 1.4
    sent = len(transport.sent)
    at(now, 1.25, bridge, ev.UiAction(1.25, "t", "set_value", "kv_cache_attention_bias", 0.6))
    assert len(transport.sent) == sent  # kept for the change
    at(now, 1.39, bridge)
    assert len(transport.sent) == sent
    at(now, 1.4, bridge)
    (_, payload), *more = transport.sent[sent:]
    assert not more
    assert "transition" in payload
    assert payload["kv_cache_attention_bias"] == 0.6


async def test_an_update_in_flight_makes_the_change_leave_a_call_earlier(tmp_path: Path) -> None:
    """With the budget spent (one update in Scope's queue, taken 0.2 s from now) the change
    waits for room too: the lead grows by that wait."""
    now = [0.0]
    bridge, transport = bridge_at(tmp_path, now)
    for k in range(3):
        at(now, 0.5 * k, bridge, ev.TempoBeat(0.5 * k, "audio", 120.0, 0.0, 0.0, beat=True))
    at(now, 1.0, bridge, ev.UiAction(1.0, "t", "set_value", "kv_cache_attention_bias", 0.6))
    assert [p["kv_cache_attention_bias"] for _, p in transport.sent] == [0.6]  # in flight
    at(now, 1.05, bridge, ev.UiAction(1.05, "t", "select_scene", "two"))
    lead = bridge.onbeat.lead_s
    assert lead is not None
    assert abs(lead - (0.15 + 0.1)) < 1e-6  # room at 1.2 s, then half a call
    assert bridge.engine.beat_clock.next_release() == 1.5 - lead
