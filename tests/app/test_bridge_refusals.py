"""The bridge's own edge: audio, tempo, console and clock events with NaN or inf are refused
before anyone reads them, counted by source and reason, and the count survives a reload."""

from __future__ import annotations

from bridge.core import events as ev
from bridge.running.bridge import Bridge
from tests.app.test_bridge import FakeTransport
from tests.core.showkit import hostile_show

NAN, INF = float("nan"), float("inf")


async def test_listeners_never_see_a_non_finite_number() -> None:
    """An audio frame reaches the listeners (the status's audio meters) without its NaN
    feature; a NaN tempo, a console value of inf and a NaN tick reach nobody."""
    bridge = Bridge(hostile_show(), FakeTransport())
    seen: list[ev.Event] = []
    bridge.on_event.append(seen.append)
    bridge.submit(ev.AudioFeatures(1.0, "mic", {"level": 0.5, "bass": NAN}))
    bridge.submit(ev.TempoBeat(1.0, "clock", NAN, 0.0, 0.0, beat=True))
    bridge.submit(ev.UiAction(1.0, "ui", "set_value", "prompt.p1.weight", INF))
    bridge.submit(ev.Tick(NAN))
    assert seen == [ev.AudioFeatures(1.0, "mic", {"level": 0.5})]
    assert bridge.event_count == 1
    assert dict(bridge.refused) == {("mic", "nan"): 1, ("clock", "nan"): 2, ("ui", "inf"): 1}


async def test_refusals_are_kept_across_a_reload() -> None:
    """The engine a reload builds counts into the same tally."""
    bridge = Bridge(hostile_show(), FakeTransport())
    bridge.submit(ev.OscMessage(1.0, "host", "/scene", (NAN,)))
    bridge.swap_show(hostile_show())
    bridge.submit(ev.OscMessage(2.0, "host", "/scene", (INF,)))
    assert dict(bridge.refused) == {("host", "nan"): 1, ("host", "inf"): 1}
