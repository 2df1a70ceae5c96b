"""The frame router with fake sinks: fan-out, skips, failures, enable/disable, push cost."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from fractions import Fraction

import pytest

from bridge.errors import SinkError
from bridge.sim import framecode
from bridge.sinks.base import FrameSink, SinkStatus, UnavailableSink
from bridge.sinks.router import FrameRouter
from scripts.harness.loopcheck import feed, percentile
from tests.sinks.fakes import BrokenSink, RecordingSink, stamped

RouterFactory = Callable[..., FrameRouter]


@pytest.fixture
async def make_router() -> AsyncIterator[RouterFactory]:
    """Build routers that are always closed at the end of the test."""
    routers: list[FrameRouter] = []

    def make(sinks: list[FrameSink], **kwargs: object) -> FrameRouter:
        router = FrameRouter(sinks, **kwargs)  # type: ignore[arg-type]
        routers.append(router)
        return router

    yield make
    for router in routers:
        await router.close()


async def until(check: Callable[[], bool]) -> None:
    """Wait (at most 5 s) until ``check()`` is true."""
    deadline = time.monotonic() + 5.0
    while not check():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.01)


def by_name(router: FrameRouter, name: str) -> SinkStatus:
    return next(s for s in router.status() if s.name == name)


async def test_frames_reach_every_sink_converted_once_per_layout(
    make_router: RouterFactory,
) -> None:
    """Two RGBA sinks share one converted array; a yuv420p sink gets its own layout."""
    a, b = RecordingSink("a"), RecordingSink("b")
    c = RecordingSink("c", pixel_format="yuv420p")
    router = make_router([a, b, c])
    router.push(stamped(7))
    await until(lambda: all(s.frames for s in (a, b, c)))
    assert a.frames[0].pixels is b.frames[0].pixels
    assert a.frames[0].pixels.shape == (320, 576, 4)
    assert c.frames[0].pixels.shape == (480, 576)
    assert framecode.read(a.frames[0].pixels) == 7
    assert (a.frames[0].width, a.frames[0].height, a.frames[0].index) == (576, 320, 1)
    assert [s.sent for s in router.status()] == [1, 1, 1]


async def test_slow_sink_skips_and_fast_sink_gets_everything(make_router: RouterFactory) -> None:
    """A 50 ms sink keeps only the newest frames; the fast sink and the loop are not delayed."""
    slow, fast = RecordingSink("slow", delay=0.05), RecordingSink("fast")
    router = make_router([slow, fast])
    push_times = await feed(router, 576, 320, 30.0, 1.5)
    await until(lambda: len(fast.frames) == 45)
    await asyncio.sleep(0.1)
    slow_status, fast_status = by_name(router, "slow"), by_name(router, "fast")
    assert fast_status.skipped == 0
    assert 15 <= slow_status.sent <= 40
    assert slow_status.sent + slow_status.skipped == 45
    indices = [f.index for f in slow.frames]
    assert indices == sorted(indices)
    assert indices[-1] == 45, "the newest frame must still get through"
    # Loose sanity bounds: pushing is a slot swap, not a send.
    assert percentile(push_times, 0.5) < 0.001
    assert max(push_times) < 0.025


async def test_raising_sink_fails_in_one_line_and_others_continue(
    make_router: RouterFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """After max_errors in a row the sink is failed (one log line), closed, retried later."""
    # at debug: in a running show the Problems entry is the line a person reads
    caplog.set_level(logging.DEBUG, logger="bridge.sinks")
    broken, good = BrokenSink(), RecordingSink("good")
    router = make_router([broken, good], max_errors=3, retry_after=0.3)
    push_times: list[float] = []
    for n in range(1, 31):
        frame = stamped(n)
        began = time.perf_counter()
        router.push(frame)
        push_times.append(time.perf_counter() - began)
        await asyncio.sleep(1 / 60)
    await until(lambda: len(good.frames) >= 25)
    status = by_name(router, "broken")
    assert status.state == "failed"
    assert status.last_error == "OSError: device went away"
    assert status.sent == 0
    assert broken.closed >= 1
    failures = [r for r in caplog.records if "failed" in r.getMessage()]
    assert len(failures) == 1, "one line when it fails, not one per frame"
    assert by_name(router, "good").state == "sending"
    assert percentile(push_times, 0.5) < 0.001

    # Healed: the next retry sends, and the state recovers.
    broken.healed = True
    deadline = time.monotonic() + 3
    while by_name(router, "broken").sent == 0:
        assert time.monotonic() < deadline, "the failed sink was never retried"
        router.push(stamped(99))
        await asyncio.sleep(0.05)
    assert by_name(router, "broken").state == "sending"


async def test_failed_sink_is_not_hammered_between_retries(make_router: RouterFactory) -> None:
    """While waiting to retry, the failed sink is not called at all."""
    broken = BrokenSink()
    router = make_router([broken], max_errors=2, retry_after=10.0)
    for n in range(20):
        router.push(stamped(n))
        await asyncio.sleep(0.01)
    await until(lambda: by_name(router, "broken").state == "failed")
    calls = broken.calls
    for n in range(10):
        router.push(stamped(n))
        await asyncio.sleep(0.01)
    assert broken.calls == calls == 2


async def test_disable_releases_the_sink_and_enable_resumes(make_router: RouterFactory) -> None:
    """A disabled sink gets nothing and is closed; enabling it again resumes sending."""
    sink = RecordingSink()
    router = make_router([sink])
    router.push(stamped(1))
    await until(lambda: len(sink.frames) == 1)
    router.set_enabled("rec", False)
    await until(lambda: sink.closed == 1)
    for n in range(5):
        router.push(stamped(n))
    await asyncio.sleep(0.1)
    assert len(sink.frames) == 1
    assert by_name(router, "rec").state == "disabled"
    router.set_enabled("rec", True)
    router.push(stamped(42))
    await until(lambda: len(sink.frames) == 2)
    assert framecode.read(sink.frames[-1].pixels) == 42
    with pytest.raises(SinkError, match="no frame output named 'nope'"):
        router.set_enabled("nope", True)


async def test_unavailable_sink_is_reported_and_never_called(make_router: RouterFactory) -> None:
    """A sink that cannot run here shows 'unavailable' with its reason."""
    missing = UnavailableSink("cam", "v4l2", "No virtual camera: module not loaded.")
    router = make_router([missing])
    router.push(stamped(1))
    router.set_enabled("cam", True)
    await asyncio.sleep(0.05)
    (status,) = router.status()
    assert status == SinkStatus(
        "cam", "v4l2", "unavailable", 0.0, 0, 0, "No virtual camera: module not loaded."
    )


async def test_duplicate_names_are_refused() -> None:
    """Two outputs with one name would make set_enabled ambiguous."""
    with pytest.raises(SinkError, match="both named 'x'"):
        FrameRouter([RecordingSink("x"), RecordingSink("x")])


async def test_close_closes_every_sink(make_router: RouterFactory) -> None:
    """close() stops the threads and releases each device."""
    a, b = RecordingSink("a"), RecordingSink("b", delay=0.05)
    router = FrameRouter([a, b])
    router.push(stamped(1))
    await until(lambda: bool(a.frames))
    await router.close()
    assert (a.closed, b.closed) == (1, 1)


class SlowClosingSink(RecordingSink):
    """A recorder finishing its file: closing takes longer than a moment."""

    def __init__(self, close_s: float) -> None:
        super().__init__("rec")
        self.close_s = close_s
        self.finished = False

    def close(self) -> None:
        time.sleep(self.close_s)
        self.finished = True
        super().close()


async def test_close_waits_for_a_slow_close_and_ignores_frames_meanwhile() -> None:
    """A sink that takes 3 s to close (an encoder flushing on a busy machine) is waited for,
    not left half-written; frames pushed while closing go nowhere and the loop stays free."""
    sink = SlowClosingSink(3.0)
    router = FrameRouter([sink])
    router.push(stamped(1))
    await until(lambda: bool(sink.frames))
    closing = asyncio.create_task(router.close())
    await asyncio.sleep(0.1)
    router.push(stamped(2))  # must not raise, must not reach the sink
    assert [s.name for s in router.status()] == ["rec"], "a closing sink stays on screen"
    await closing
    assert sink.finished
    assert sink.closed == 1
    assert len(sink.frames) == 1


async def test_announced_rate_follows_the_input_rate(make_router: RouterFactory) -> None:
    """At 15 fps input the sinks are told 15 fps after the first measured second."""
    sink = RecordingSink()
    router = make_router([sink], default_fps=Fraction(30))
    await feed(router, 576, 320, 15.0, 2.2)
    await until(lambda: sink.frames[-1].index == 33)
    assert (sink.frames[0].fps, sink.frames[0].fps_known) == (Fraction(30), False)
    assert (sink.frames[-1].fps, sink.frames[-1].fps_known) == (Fraction(15), True)
    assert 13.0 < router.input_fps < 17.0
    assert 13.0 < by_name(router, "rec").fps < 17.0
