"""The running bridge on a real asyncio loop, with a small fake transport."""

from __future__ import annotations

import asyncio
import contextlib
import time
from pathlib import Path
from typing import Any

from bridge.config.load import load_show
from bridge.core import events as ev
from bridge.errors import ScopeError
from bridge.protocols import Payload
from bridge.running.bridge import Bridge
from bridge.watch.snapshot import take
from tests.conftest import REPO
from tests.core.showkit import core_show


class FakeTransport:
    """Records what it is sent; can be made not ready or failing."""

    def __init__(self) -> None:
        self.ready = True
        self.fail = False
        self.sent: list[tuple[float, dict[str, Any]]] = []

    def send(self, payload: Payload) -> None:
        if self.fail:
            raise ScopeError("Scope is not connected: the update was not sent.")
        self.sent.append((time.monotonic(), dict(payload)))


def cc(value: int) -> ev.ControlChange:
    return ev.ControlChange(time.monotonic(), "ctl", 1, 1, value)


async def test_leading_edge_sends_inside_submit() -> None:
    """With nothing in flight, the payload goes out before submit returns."""
    transport = FakeTransport()
    bridge = Bridge(core_show(), transport)
    bridge.submit(cc(64))
    assert len(transport.sent) == 1
    assert transport.sent[0][1]["prompts"][0]["weight"] == 0.5


async def test_the_final_state_follows_by_timer() -> None:
    """A burst during the in-flight window is merged and its last value sent when allowed."""
    transport = FakeTransport()
    show = core_show()
    bridge = Bridge(show, transport)
    bridge.pacer.set_chunk_rate(10.0)  # 100 ms chunks
    for value in (10, 20, 30, 127):
        bridge.submit(cc(value))
    assert len(transport.sent) == 1
    await asyncio.sleep(0.25)
    assert len(transport.sent) == 2
    assert transport.sent[1][1]["prompts"][0]["weight"] == 1.0
    gap = transport.sent[1][0] - transport.sent[0][0]
    assert 0.09 <= gap <= 0.2


async def test_nothing_is_sent_while_disconnected_and_all_of_it_after() -> None:
    """Not ready: changes wait. The reconnect sends the full state as initial parameters."""
    transport = FakeTransport()
    transport.ready = False
    bridge = Bridge(core_show(), transport)
    bridge.submit(cc(0))
    bridge.submit(ev.NoteOn(0.0, "ctl", 1, 37, 100))  # scene b
    assert transport.sent == []
    params = bridge.initial_parameters()
    assert params["pipeline_ids"] == ["longlive"]
    assert [p["text"] for p in params["prompts"]] == ["two", "three"]
    transport.ready = True
    bridge.connected()
    assert transport.sent == []  # the full state went with the offer; nothing is left dirty


async def test_a_failing_send_is_reported_not_raised() -> None:
    """A transport error becomes a problem line; the bridge goes on."""
    transport = FakeTransport()
    transport.fail = True
    bridge = Bridge(core_show(), transport)
    bridge.submit(cc(5))
    assert any("not connected" in p.message for p in bridge.problems)


async def test_a_mapping_bug_does_not_stop_the_show() -> None:
    """An exception inside the engine is reported and later events still work."""
    transport = FakeTransport()
    bridge = Bridge(core_show(), transport)

    def broken(event: ev.Event) -> list[Any]:
        raise ZeroDivisionError("boom")

    bridge.engine._handlers[ev.OscMessage] = broken
    bridge.submit(ev.OscMessage(0.0, "host", "/p2", (0.3,)))
    assert any("boom" in p.message for p in bridge.problems)
    bridge.submit(cc(10))
    assert transport.sent


async def test_lfo_ticks_drive_output_while_running() -> None:
    """The tick task moves an LFO show by itself; cancelling run() stops cleanly."""
    transport = FakeTransport()
    bridge = Bridge(load_show(REPO / "mappings" / "demo.toml"), transport)
    bridge.pacer.set_chunk_rate(20.0)
    task = asyncio.create_task(bridge.run())
    await asyncio.sleep(0.5)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert len(transport.sent) >= 3
    snap = take(bridge)
    assert snap.output.sent_total == len(transport.sent)
    assert snap.scene == "dawn"
    assert snap.controls[0].source == "lfo sine 7s"


async def test_reload_keeps_live_values_and_takes_the_files_changes(tmp_path: Path) -> None:
    """A knob's value and the scene survive a reload; an edited prompt text goes out."""
    source = (REPO / "tests" / "core" / "core-show.toml").read_text()
    path = tmp_path / "show.toml"
    path.write_text(source)
    transport = FakeTransport()
    bridge = Bridge(load_show(path), transport)
    bridge.submit(ev.NoteOn(0.0, "ctl", 1, 37, 100))  # scene b
    bridge.submit(ev.ControlChange(time.monotonic(), "ctl", 1, 3, 127))  # p3 → 1.0
    await asyncio.sleep(0)
    path.write_text(source.replace('text = "two"', 'text = "two, rewritten"'))
    bridge.pacer.reset(bridge.clock())  # Scope's queue is empty again
    bridge.swap_show(load_show(path))
    await asyncio.sleep(0.1)
    assert bridge.state.scene == "b"
    assert bridge.state.value("prompt.p3.weight") == 1.0
    assert bridge.state.texts["p2"] == "two, rewritten"
    last = transport.sent[-1][1]
    assert "transition" in last
    assert {p["text"] for p in last["transition"]["target_prompts"]} == {
        "two, rewritten",
        "three",
    }
