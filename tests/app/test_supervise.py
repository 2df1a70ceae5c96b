"""Supervision: a long-lived task that fails, or returns, is restarted with backoff and shown.

A real `Bridge` on a real loop with a small fake transport; the failing tasks are plain
coroutines that raise. The show keeps sending through all of it.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import AsyncIterator, Callable

from bridge.core import events as ev
from bridge.core.show import Show
from bridge.running.bridge import Bridge
from bridge.scope.health import Backoff
from tests.app.test_bridge import FakeTransport
from tests.core.showkit import core_show
from tests.sim.simkit import wait_for

QUICK = Backoff(first_s=0.05, cap_s=0.4, healthy_s=30.0)

LFO_SHOW = """
schema = 1
[[prompts]]
id = "a"
text = "a forest"
[[prompts]]
id = "b"
text = "a city"
weight = 0.0
[[mappings]]
source = { lfo = "sine", period_s = 1.0 }
target = "prompt.b.weight"
"""


@contextlib.asynccontextmanager
async def running(bridge: Bridge) -> AsyncIterator[asyncio.Task[None]]:
    task = asyncio.create_task(bridge.run())
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def cc(value: int) -> ev.ControlChange:
    return ev.ControlChange(time.monotonic(), "ctl", 1, 1, value)


def messages(bridge: Bridge, where: str) -> list[str]:
    return [p.message for p in bridge.problems if p.where == where]


async def test_a_task_that_keeps_failing_is_restarted_later_each_time_and_shown() -> None:
    """Five failures: five restarts, each gap longer (up to the cap), one problem entry;
    knob moves still go out meanwhile."""
    transport = FakeTransport()
    bridge = Bridge(core_show(), transport, restarts=QUICK)
    bridge.pacer.set_chunk_rate(1000.0)  # nothing held back by the pacer in this test
    starts: list[float] = []

    async def flaky() -> None:
        starts.append(time.monotonic())
        await asyncio.sleep(0)
        raise RuntimeError(f"boom {len(starts)}")

    bridge.add_task("flaky", flaky)
    async with running(bridge) as task:
        sent = len(transport.sent)
        for value in range(0, 120, 10):
            bridge.submit(cc(value))
            await asyncio.sleep(0.08)
        await wait_for(lambda: len(starts) >= 6, 5.0, "six starts")
        assert not task.done(), "a failing task must not end the bridge"
        assert len(transport.sent) > sent + 5, "the show kept sending"
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert gaps[0] >= 0.04
    for before, after in itertools.pairwise(gaps[:4]):  # 0.05, 0.1, 0.2, 0.4 (the cap)
        assert after > before * 1.5, f"the delay should grow: {gaps}"
    assert max(gaps) < 0.4 * 2.5, f"the delay is capped: {gaps}"
    (problem,) = [p for p in bridge.problems if p.where == "flaky"]
    assert "RuntimeError: boom" in problem.message
    assert "restarting in" in problem.message
    assert problem.count >= 5, "one entry, reported again at each failure"


async def test_a_task_that_returns_is_reported_and_started_again() -> None:
    """A task meant to run forever that simply returns is a fault too; one that may finish
    (forever=False) just ends, silently."""
    bridge = Bridge(core_show(), FakeTransport(), restarts=QUICK)
    runs = {"forever": 0, "once": 0}

    async def returns() -> None:
        runs["forever"] += 1

    async def finishes() -> None:
        runs["once"] += 1

    bridge.add_task("listener", returns)
    bridge.add_task("setup", finishes, forever=False)
    async with running(bridge):
        await wait_for(lambda: runs["forever"] >= 3, 5.0, "three runs")
        await asyncio.sleep(0.2)
    assert runs["once"] == 1
    assert messages(bridge, "setup") == []
    (message,) = messages(bridge, "listener")
    assert message.startswith("stopped by itself; restarting in")


async def test_the_problem_clears_once_the_restarted_task_keeps_running() -> None:
    """Fails twice (a port in use, say), then works: the entry goes away by itself."""
    bridge = Bridge(core_show(), FakeTransport(), restarts=QUICK)
    attempts: list[int] = []

    async def binds() -> None:
        attempts.append(1)
        if len(attempts) <= 2:
            raise OSError(98, "Address already in use")
        await asyncio.Event().wait()

    bridge.add_task("osc-td", binds)
    async with running(bridge):
        await wait_for(lambda: len(attempts) == 3, 5.0, "the third attempt")
        assert messages(bridge, "osc-td"), "shown while it was failing"
        await wait_for(lambda: not messages(bridge, "osc-td"), 3.0, "the entry to clear")
        assert len(attempts) == 3


async def test_a_failing_tick_does_not_end_the_show(show_from: Callable[[str], Show]) -> None:
    """The tick task (LFOs) is supervised like the rest: a listener that raises on a Tick
    makes it fail, it is restarted, and knob moves and ticks keep going out."""
    transport = FakeTransport()
    bridge = Bridge(show_from(LFO_SHOW), transport, restarts=QUICK)
    ticks_failed: list[float] = []

    def fragile(event: ev.Event) -> None:
        if isinstance(event, ev.Tick) and len(ticks_failed) < 3:
            ticks_failed.append(event.t)
            raise ValueError("a listener bug")

    bridge.on_event.append(fragile)
    async with running(bridge) as task:
        await wait_for(lambda: len(ticks_failed) == 3, 5.0, "three failed ticks")
        assert any("ValueError: a listener bug" in m for m in messages(bridge, "ticks"))
        sent = len(transport.sent)
        await wait_for(lambda: len(transport.sent) > sent + 3, 5.0, "LFO updates again")
        assert not task.done()
        await wait_for(lambda: not messages(bridge, "ticks"), 3.0, "the entry to clear")


async def test_stopping_a_task_takes_its_problem_with_it() -> None:
    """A device removed by a reload while it was failing leaves no entry behind."""
    bridge = Bridge(core_show(), FakeTransport(), restarts=QUICK)

    async def broken() -> None:
        raise RuntimeError("no such device")

    bridge.add_task("osc-old", broken)
    async with running(bridge):
        await wait_for(lambda: bool(messages(bridge, "osc-old")), 5.0, "the entry")
        await bridge.stop_tasks(["osc-old"])
        assert messages(bridge, "osc-old") == []
