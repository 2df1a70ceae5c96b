"""OSC input's batch draining over real UDP on 127.0.0.1, its transport fallback, and the
parser's header memory (a repeat must read exactly what the full decoder reads)."""

from __future__ import annotations

import asyncio
import socket
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bridge.core.events import Event, OscMessage
from bridge.feedback.osc_out import build_message
from bridge.inputs.osc import OscInput
from bridge.inputs.osc_parse import PacketError, PacketParser
from tests.io.jackkit import poll
from tests.io.test_osc_in import listening, udp_send


def values(events: list[Event]) -> list[object]:
    return [e.args[0] for e in events if isinstance(e, OscMessage)]


async def test_one_wake_up_reads_at_most_a_batch_in_order() -> None:
    """600 queued datagrams: each drain reads BATCH of them, in order, then what is left."""
    packets = [build_message("/f", [i]) for i in range(600)]
    async with listening() as (osc, events):
        assert osc.address is not None
        # No await between sending and draining: the loop cannot read in between, and
        # loopback UDP is queued on the receiving socket before sendto returns.
        udp_send(osc.address[1], *packets)
        counts = [osc.drain() for _ in range(4)]
    assert counts == [OscInput.BATCH, OscInput.BATCH, 600 - 2 * OscInput.BATCH, 0]
    assert values(events) == list(range(600))
    assert osc.stats["packets"] == osc.stats["messages"] == 600


async def test_flood_is_drained_by_the_loop_with_counts_intact() -> None:
    """A queued flood mixed with bad packets: every good message arrives once, in order;
    every bad one is counted by reason."""
    good = [build_message("/f", [i]) for i in range(1500)]
    bad = [b"junk", b"/x\x00\x00,i\x00\x00\x00"]
    async with listening(max_packet=512) as (osc, events):
        assert osc.address is not None
        udp_send(osc.address[1], *good[:700], *bad, bytes(600), *good[700:])
        assert await poll(lambda: osc.stats["packets"] == 1503, 5), osc.stats
    assert values(events) == list(range(1500))
    assert osc.dropped == {"not_osc": 1, "malformed": 1, "oversized": 1}


async def test_close_releases_the_port_and_stops_reading() -> None:
    """After close the port is free again, a second close is harmless, drain reads nothing."""
    async with listening() as (osc, _):
        assert osc.address is not None
        port = osc.address[1]
    osc.close()
    assert osc.drain() == 0
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as again:
        again.bind(("127.0.0.1", port))


async def test_loops_without_readers_fall_back_to_the_transport(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Where add_reader is missing (Windows' proactor loop), asyncio's transport delivers."""

    def no_readers(*_: object) -> None:
        raise NotImplementedError

    monkeypatch.setattr(asyncio.get_running_loop(), "add_reader", no_readers)
    async with listening(max_packet=64) as (osc, events):
        assert osc.address is not None
        assert osc.drain() == 0  # not reading itself
        udp_send(osc.address[1], build_message("/a", [1.5]), bytes(100))
        assert await poll(lambda: osc.stats["packets"] == 2, 5), osc.stats
    assert values(events) == [1.5]
    assert osc.dropped == {"oversized": 1}


def outcome(parser: PacketParser, data: bytes) -> object:
    try:
        return repr(parser.parse(data, 1.0, "td"))  # repr: NaN never compares equal
    except PacketError as exc:
        return exc.reason


simple_args = st.lists(
    st.integers(-(2**31), 2**31 - 1) | st.floats(width=32),
    min_size=1,
    max_size=5,
)


@given(
    address=st.from_regex(r"/[a-z0-9]{1,9}(/[a-z0-9]{1,5}){0,2}", fullmatch=True),
    args=simple_args,
    extra=st.binary(max_size=12),
    cut=st.integers(0, 8),
)
def test_remembered_headers_read_what_the_full_decoder_reads(
    address: str, args: list[float], extra: bytes, cut: int
) -> None:
    """After a header is remembered, the same header with other bytes after it (longer,
    shorter, garbage) reads exactly as a parser that never saw it."""
    data = build_message(address, args)
    warm = PacketParser()
    assert outcome(warm, data) == outcome(PacketParser(), data)  # miss, then remembered
    assert outcome(warm, data) == outcome(PacketParser(), data)  # hit
    for variant in (data + extra, data[: max(1, len(data) - cut)]):
        assert outcome(warm, variant) == outcome(PacketParser(), variant)


def test_header_memory_stays_bounded() -> None:
    """A sender inventing addresses cannot grow the memory past its size."""
    parser = PacketParser()
    for i in range(PacketParser.CACHE_SIZE * 2 + 5):
        (msg,) = parser.parse(build_message(f"/n{i}", [i]), 1.0, "td")
        assert msg.args == (i,)
    assert len(parser._headers) <= PacketParser.CACHE_SIZE


def test_bundled_simple_messages_use_the_same_reading() -> None:
    """Messages inside a bundle read the same whether their header is new or remembered."""
    element = build_message("/layer/1/opacity", [0.25])
    packet = b"#bundle\x00" + struct.pack(">Q", 1) + struct.pack(">i", len(element)) + element
    parser = PacketParser()
    first, second = parser.parse(packet, 1.0, "td"), parser.parse(packet, 2.0, "td")
    assert [(m.address, m.args, m.timetag) for m in first + second] == [
        ("/layer/1/opacity", (0.25,), None)
    ] * 2
