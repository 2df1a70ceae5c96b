"""Where OSC packets go when they are not applied, over real UDP on 127.0.0.1: NaN and inf
refused and counted, allow-list refusals apart from malformed packets (and named in the log),
and the kernel's own receive-buffer drops read from the socket."""

from __future__ import annotations

import contextlib
import logging
import socket
import struct
from collections.abc import AsyncIterator

import pytest

from bridge.core.events import Event, OscMessage
from bridge.feedback.osc_out import build_message
from bridge.inputs.osc import OscInput, OscInputConfig
from bridge.inputs.osc_losses import kernel_drops
from bridge.inputs.osc_parse import PacketParser
from tests.io.jackkit import poll

NAN, INF = float("nan"), float("inf")


def message(address: str, tags: str, *values: float | int) -> bytes:
    """A message with exact wire types (python-osc's builder picks its own)."""

    def padded(text: str) -> bytes:
        raw = text.encode() + b"\x00"
        return raw + b"\x00" * (-len(raw) % 4)

    return padded(address) + padded("," + tags) + struct.pack(">" + tags, *values)


def bundle(*elements: bytes) -> bytes:
    body = b"".join(struct.pack(">i", len(e)) + e for e in elements)
    return b"#bundle\x00" + struct.pack(">Q", 1) + body


@contextlib.asynccontextmanager
async def listening(**options: object) -> AsyncIterator[tuple[OscInput, list[Event]]]:
    events: list[Event] = []
    osc = OscInput(OscInputConfig("td", 0, **options), events.append)  # type: ignore[arg-type]
    await osc.start()
    try:
        yield osc, events
    finally:
        osc.close()


def test_non_finite_floats_and_doubles_are_refused_by_reason() -> None:
    """NaN and ±inf, as float32 or double, on the remembered fast path and on the full parser,
    alone or beside good arguments: the message is left out and counted; a bundle's other
    messages still go."""
    parser = PacketParser()
    good = message("/a", "f", 0.5)
    assert [m.args for m in parser.parse(good, 1.0, "td")] == [(0.5,)]  # now remembered
    for data in (
        message("/a", "f", NAN),  # fast path (header remembered)
        message("/a", "f", -INF),
        message("/a", "d", INF),  # full parser, then remembered
        message("/a", "d", NAN),
        message("/a", "if", 3, NAN),
        b"/a\x00\x00,fs\x00" + struct.pack(">f", NAN) + b"x\x00\x00\x00",  # beside a string
    ):
        assert parser.parse(data, 1.0, "td") == []
    mixed = bundle(message("/a", "f", NAN), message("/b", "i", 7), message("/a", "f", 0.25))
    assert [(m.address, m.args) for m in parser.parse(mixed, 1.0, "td")] == [
        ("/b", (7,)),
        ("/a", (0.25,)),
    ]
    assert parser.refused == {"nan": 5, "inf": 2}


def test_huge_finite_numbers_pass() -> None:
    """The largest float and double are numbers, not refusals (the mapping clamps them)."""
    parser = PacketParser()
    for data in (message("/a", "f", 3.4e38), message("/a", "d", -1.7e308)):
        (msg,) = parser.parse(data, 1.0, "td")
        assert isinstance(msg.args[0], float)
    assert parser.refused == {}


async def test_refusals_over_udp_are_counted_apart_from_bad_packets() -> None:
    """Sent over real UDP: refused messages are not bad packets, and every datagram is
    accounted for."""
    async with listening() as (osc, events):
        assert osc.address is not None
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as out:
            for data in (
                message("/a", "f", NAN),
                message("/a", "d", -INF),
                message("/a", "f", 0.75),
                b"garbage",
            ):
                out.sendto(data, osc.address)
        assert await poll(lambda: osc.stats["packets"] == 4, 5), osc.stats
        losses = osc.losses()
    assert [e.args for e in events if isinstance(e, OscMessage)] == [(0.75,)]
    assert losses.refused == {"nan": 1, "inf": 1}
    assert losses.malformed == {"not_osc": 1}
    assert (losses.messages, losses.not_allowed, losses.kernel_drops) == (1, 0, 0)
    assert "2 refused (inf 1, nan 1)" in losses.detail()
    assert "1 bad packets (not_osc 1)" in losses.detail()


async def test_allow_list_refusals_are_apart_and_name_the_sender(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A sender outside the allow list is counted as not allowed (not malformed), named in
    the device's counts, and logged once at first, then at most once per 10 s."""
    now = [100.0]
    events: list[Event] = []
    config = OscInputConfig("td", 0, allow_from=("10.0.0.0/8",))
    osc = OscInput(config, events.append, clock=lambda: now[0])
    await osc.start()
    caplog.set_level(logging.WARNING, logger="bridge")
    try:
        assert osc.address is not None
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as out:
            out.bind(("127.0.0.1", 0))
            sender = f"127.0.0.1:{out.getsockname()[1]}"
            for _ in range(50):
                out.sendto(build_message("/x", [1]), osc.address)
            assert await poll(lambda: osc.stats["not_allowed"] == 50, 5), osc.stats
            now[0] += 10.0
            out.sendto(build_message("/x", [1]), osc.address)
            assert await poll(lambda: osc.stats["not_allowed"] == 51, 5), osc.stats
        losses = osc.losses()
    finally:
        osc.close()
    assert events == []
    assert (losses.not_allowed, losses.last_not_allowed, losses.malformed) == (51, sender, {})
    assert f"51 not allowed (last from {sender})" in losses.detail()
    lines = [r.getMessage() for r in caplog.records if "allow list" in r.getMessage()]
    assert lines == [
        f"OSC input td: ignored 1 packet from {sender}: not in its allow list",
        f"OSC input td: ignored 50 packets from {sender}: not in its allow list",
    ]


async def test_an_unpaced_burst_overflowing_a_small_buffer_is_counted_exactly() -> None:
    """A real burst into a 4 KiB receive buffer, sent while the loop cannot read: the kernel
    drops most of it, the input reads the count from the socket, and sent = received +
    kernel drops, to the datagram."""
    sent = 3000
    async with listening(receive_buffer=4096) as (osc, events):
        assert osc.address is not None
        assert osc.kernel_drops() == 0
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as out:
            for i in range(sent):  # no await: the loop reads nothing until the burst is over
                out.sendto(message("/n", "i", i), osc.address)
        drops = osc.kernel_drops()
        assert drops is not None
        assert drops > 0
        assert await poll(lambda: osc.stats["packets"] + drops == sent, 5), (osc.stats, drops)
        losses = osc.losses()
    values = [e.args[0] for e in events if isinstance(e, OscMessage)]
    assert all(isinstance(v, int) for v in values)
    assert values == sorted(values, key=lambda v: v if isinstance(v, int) else -1)  # in order
    assert losses.kernel_drops == drops
    assert losses.messages + losses.kernel_drops == sent
    assert f"{drops} lost in the kernel" in losses.detail()
    assert osc.kernel_drops() == drops  # still known after the socket closed


def test_kernel_drops_of_a_socket_nobody_filled_are_zero() -> None:
    """A fresh socket reports 0 drops on Linux; a closed one cannot tell (None)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    assert kernel_drops(sock) == 0
    sock.close()
    assert kernel_drops(sock) is None
