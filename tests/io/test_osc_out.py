"""OSC feedback output over real UDP on 127.0.0.1, read by liblo's ``oscdump`` and by our
own listener (which counts datagrams, so bundling is visible)."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
from collections.abc import AsyncIterator

import pytest

from bridge.core.events import Event, OscMessage
from bridge.feedback.osc_out import OscOutput, OscTarget, build_bundles, build_message
from bridge.inputs.osc import OscInput, OscInputConfig
from tests.io.jackkit import poll, stop_process


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.asynccontextmanager
async def oscdump() -> AsyncIterator[tuple[int, asyncio.subprocess.Process]]:
    """liblo's oscdump on a free loopback port; stopped by its PID afterwards."""
    if shutil.which("oscdump") is None:
        pytest.fail("oscdump is missing: install liblo-tools (apt-get install liblo-tools)")
    port = free_udp_port()
    # oscdump cannot bind one address (a host in its URL means a multicast group), so it
    # listens on every interface; we only ever send to it on 127.0.0.1.
    proc = await asyncio.create_subprocess_exec(
        "oscdump", "-L", str(port), stdout=asyncio.subprocess.PIPE
    )
    try:
        await asyncio.sleep(0.2)  # let it bind before anything is sent
        yield port, proc
    finally:
        await stop_process(proc)


async def read_lines(proc: asyncio.subprocess.Process, count: int) -> list[str]:
    """The next ``count`` lines oscdump prints, without its timestamp column."""
    assert proc.stdout is not None
    lines = []
    async with asyncio.timeout(5):
        for _ in range(count):
            line = (await proc.stdout.readline()).decode().strip()
            lines.append(line.split(" ", 1)[1])
    return lines


async def test_plain_target_sends_each_message_at_once() -> None:
    """A non-bundling host gets every message as its own datagram, typed from Python."""
    async with oscdump() as (port, dump):
        out = OscOutput([OscTarget("127.0.0.1", port)])
        await out.start()
        try:
            out.send("/fader1", [0.5])
            out.send("/led", [1, "on", True, None])
            lines = await read_lines(dump, 2)
        finally:
            out.close()
    assert lines == ["/fader1 f 0.500000", '/led isTN 1 "on" #T Nil']
    assert out.stats["datagrams"] == 2


async def test_bundling_target_gets_one_coalesced_bundle_per_flush() -> None:
    """Sends between flushes become one bundle, latest value per address."""
    events: list[Event] = []
    listener = OscInput(OscInputConfig("host", 0), events.append)
    await listener.start()
    assert listener.address is not None
    async with oscdump() as (port, dump):
        out = OscOutput(
            [
                OscTarget("127.0.0.1", listener.address[1], bundles=True),
                OscTarget("127.0.0.1", port),
            ]
        )
        await out.start()
        try:
            out.send("/a", [1])
            out.send("/b", [2.0])
            out.send("/a", [3])
            assert listener.stats["packets"] == 0
            out.flush()
            out.flush()  # nothing new: nothing sent
            assert await poll(lambda: len(events) == 2, 5)
            plain = await read_lines(dump, 3)
        finally:
            out.close()
            listener.close()
    assert listener.stats["packets"] == 1
    assert [(e.address, e.args) for e in events if isinstance(e, OscMessage)] == [
        ("/b", (2.0,)),
        ("/a", (3,)),
    ]
    assert plain == ["/a i 1", "/b f 2.000000", "/a i 3"]


async def test_large_flush_splits_into_bundles_that_fit() -> None:
    """A flush bigger than max_bundle goes out as several bundles, nothing lost."""
    events: list[Event] = []
    listener = OscInput(OscInputConfig("host", 0), events.append)
    await listener.start()
    assert listener.address is not None
    out = OscOutput([OscTarget("127.0.0.1", listener.address[1], bundles=True)], max_bundle=200)
    await out.start()
    try:
        for n in range(40):
            out.send(f"/led/{n}", [n])
        out.flush()
        assert await poll(lambda: len(events) == 40, 5)
    finally:
        out.close()
        listener.close()
    assert listener.stats["packets"] > 1
    assert all(len(b) <= 200 for b in build_bundles([build_message("/x", [1])] * 40, 200))


async def test_trouble_is_counted_never_raised() -> None:
    """Nobody listening and unsendable arguments are counted; send never raises."""
    out = OscOutput([OscTarget("127.0.0.1", free_udp_port())])
    await out.start()
    try:
        for _ in range(3):
            out.send("/x", [1])
            await asyncio.sleep(0.02)
        out.send("/bad", [object()])  # type: ignore[list-item]
    finally:
        out.close()
    assert out.stats["bad_message"] == 1
    assert out.stats["messages"] == 3
    assert out.stats["errors"] >= 1  # ICMP port unreachable on loopback
    out.send("/closed", [1])
    assert out.stats["messages"] == 4
