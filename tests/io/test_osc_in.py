"""OSC input over real UDP on 127.0.0.1: liblo's ``oscsend`` as an independent sender,
hand-built bundles, every argument type, the allow-list, and fuzzed packets."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import struct
from collections.abc import AsyncIterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.core.events import Event, OscMessage
from bridge.errors import BridgeError
from bridge.feedback.osc_out import build_bundles, build_message
from bridge.inputs.osc import OscInput, OscInputConfig
from bridge.inputs.osc_address import RESOLUME_TEMPO_ADDRESS, resolume_bpm
from bridge.inputs.osc_parse import PacketError, parse_packet
from tests.io.jackkit import poll


@contextlib.asynccontextmanager
async def listening(**options: object) -> AsyncIterator[tuple[OscInput, list[Event]]]:
    events: list[Event] = []
    osc = OscInput(OscInputConfig("td", 0, **options), events.append)  # type: ignore[arg-type]
    await osc.start()
    try:
        yield osc, events
    finally:
        osc.close()


async def oscsend(port: int, address: str, types: str = "", *values: str) -> None:
    if shutil.which("oscsend") is None:
        pytest.fail("oscsend is missing: install liblo-tools (apt-get install liblo-tools)")
    proc = await asyncio.create_subprocess_exec(
        "oscsend", "127.0.0.1", str(port), address, types, *values
    )
    assert await proc.wait() == 0


def udp_send(port: int, *packets: bytes) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for packet in packets:
            sock.sendto(packet, ("127.0.0.1", port))


def bundle(timetag: int, *elements: bytes) -> bytes:
    body = b"".join(struct.pack(">i", len(e)) + e for e in elements)
    return b"#bundle\x00" + struct.pack(">Q", timetag) + body


async def test_every_oscsend_type_arrives() -> None:
    """liblo's types, including the ones python-osc does not know (S, c, I), arrive typed."""
    async with listening() as (osc, events):
        assert osc.address is not None
        port = osc.address[1]
        await oscsend(
            port,
            "/a/b",
            "ihfdsScTFNIm",
            "1",
            "-5000000000",
            "0.5",
            "0.25",
            "hi",
            "sym",
            "x",
            "00903c7f",
        )
        await oscsend(port, "/empty")
        assert await poll(lambda: len(events) == 2, 5), osc.stats
    first, second = events
    assert isinstance(first, OscMessage)
    assert first.source == "td"
    assert first.address == "/a/b"
    assert first.timetag is None
    assert first.args == (
        1,
        -5000000000,
        0.5,
        0.25,
        "hi",
        "sym",
        "x",
        True,
        False,
        None,
        None,
        (0, 0x90, 0x3C, 0x7F),
    )
    assert second == OscMessage(second.t, "td", "/empty", ())
    assert osc.stats["messages"] == 2
    assert osc.receive_buffer >= 1 << 20  # asked for 4 MB (Linux reports double)


async def test_bundles_flatten_with_their_timetag() -> None:
    """Each message of a (nested) bundle arrives at once, carrying the bundle's timetag."""
    at = (3_900_000_000 << 32) | (1 << 31)  # NTP seconds + half a second
    inner = bundle(1, build_message("/c", [3]))
    packet = bundle(at, build_message("/a", [1.5]), build_message("/b", ["x", b"\x01\x02"]), inner)
    async with listening() as (osc, events):
        assert osc.address is not None
        udp_send(osc.address[1], packet)
        assert await poll(lambda: len(events) == 3, 5), osc.stats
    assert [(e.address, e.args, e.timetag) for e in events if isinstance(e, OscMessage)] == [
        ("/a", (1.5,), 3_900_000_000.5),
        ("/b", ("x", b"\x01\x02"), 3_900_000_000.5),
        ("/c", (3,), None),  # "immediately"
    ]


def test_python_osc_only_types_parse() -> None:
    """Blob, RGBA, time tag, 64-bit values and arrays (flattened) from python-osc's builder."""
    from pythonosc.osc_message_builder import OscMessageBuilder

    b = OscMessageBuilder("/all")
    b.add_arg(b"\x00\xff", "b")
    b.add_arg(0x11223344, "r")
    b.add_arg(2**40, "h")
    b.add_arg(1.25, "d")
    b.add_arg([1, "two"])
    (msg,) = parse_packet(b.build().dgram, 1.0, "td")
    assert msg.args == (b"\x00\xff", 0x11223344, 2**40, 1.25, 1, "two")
    tag = b"/t\x00\x00,t\x00\x00" + struct.pack(">Q", (100 << 32) | (1 << 30))
    assert parse_packet(tag, 1.0, "td")[0].args == (100.25,)


async def test_resolume_tempo_from_oscsend() -> None:
    """Resolume's normalised tempo reads back as BPM (0.2083 ≈ 120 BPM)."""
    async with listening() as (osc, events):
        assert osc.address is not None
        await oscsend(osc.address[1], RESOLUME_TEMPO_ADDRESS, "f", str(100 / 480))
        assert await poll(lambda: len(events) == 1, 5)
    (msg,) = events
    assert isinstance(msg, OscMessage)
    assert isinstance(msg.args[0], float)
    assert resolume_bpm(msg.args[0]) == pytest.approx(120.0, abs=0.01)


async def test_bad_packets_are_counted_not_raised() -> None:
    """Garbage, oversized and unknown-type packets are counted by reason; good ones pass."""
    async with listening(max_packet=256) as (osc, events):
        assert osc.address is not None
        udp_send(
            osc.address[1],
            b"hello",
            b"/x\x00\x00,i\x00\x00\x00",  # int argument cut short
            b"/x\x00\x00,q\x00\x00",  # unknown type
            b"/big\x00\x00\x00\x00,b\x00\x00" + struct.pack(">i", 400) + bytes(400),
            bundle(1, b"/x\x00\x00,i\x00\x00" + bytes(4))[:-2],
            build_message("/ok", [1]),
        )
        assert await poll(lambda: osc.stats["packets"] == 6, 5), osc.stats
    assert [e.address for e in events if isinstance(e, OscMessage)] == ["/ok"]
    assert osc.dropped == {"not_osc": 1, "malformed": 2, "unsupported_type": 1, "oversized": 1}


async def test_allow_list_drops_other_senders() -> None:
    """Only listed sources are heard; others are counted."""
    async with listening(allow_from=("10.0.0.0/8",)) as (osc, events):
        assert osc.address is not None
        udp_send(osc.address[1], build_message("/x", [1]))
        assert await poll(lambda: osc.stats["not_allowed"] == 1, 5)
    assert events == []
    async with listening(allow_from=("127.0.0.1",)) as (osc, events):
        assert osc.address is not None
        udp_send(osc.address[1], build_message("/x", [1]))
        assert await poll(lambda: len(events) == 1, 5)


async def test_port_in_use_is_one_clear_error() -> None:
    """A taken port is a BridgeError naming the input and the address."""
    async with listening() as (osc, _):
        assert osc.address is not None
        clash = OscInput(OscInputConfig("td2", osc.address[1]), lambda e: None)
        with pytest.raises(BridgeError, match=r"^OSC input td2: cannot listen on 127\.0\.0\.1"):
            await clash.start()
    with pytest.raises(BridgeError, match="allow_from"):
        OscInputConfig("x", 0, allow_from=("not an ip",))


async def test_burst_of_paced_messages_all_arrive() -> None:
    """A burst of 2000 messages fits the enlarged receive buffer (loose check: ≥ 99%)."""
    packets = [build_message("/f", [i]) for i in range(2000)]
    async with listening() as (osc, events):
        assert osc.address is not None
        udp_send(osc.address[1], *packets)
        await poll(lambda: len(events) == 2000, 5)
    assert len(events) >= 1980


osc_args = st.one_of(
    st.integers(-(2**31), 2**31 - 1),
    st.floats(width=32, allow_nan=False, allow_infinity=False),
    st.text(max_size=20).filter(lambda s: "\x00" not in s),
    st.binary(min_size=1, max_size=20),  # python-osc cannot build an empty blob
    st.booleans(),
    st.none(),
)
addresses = st.from_regex(r"/[a-z0-9_]{1,8}(/[a-z0-9_]{1,8}){0,3}", fullmatch=True)


@given(address=addresses, args=st.lists(osc_args, max_size=6))
def test_built_messages_parse_back(address: str, args: list[object]) -> None:
    """What our builder writes, the parser reads back unchanged."""
    (msg,) = parse_packet(build_message(address, args), 1.0, "td")  # type: ignore[arg-type]
    assert msg.address == address
    assert msg.args == tuple(args)


def check_packet(packet: bytes) -> None:
    """Parse directly and through the protocol: never raises; a drop is counted exactly once
    with a known reason, otherwise every message is emitted."""
    reason = None
    try:
        parsed: list[OscMessage] | None = parse_packet(packet, 1.0, "td")
    except PacketError as exc:
        parsed, reason = None, exc.reason
    assert reason in {None, "malformed", "not_osc", "unsupported_type", "too_deep"}
    emitted: list[Event] = []
    osc = OscInput(OscInputConfig("td", 0, max_packet=4096), emitted.append, clock=lambda: 1.0)
    osc.datagram_received(packet, ("127.0.0.1", 9))
    assert osc.stats["packets"] == 1
    assert sum(osc.dropped.values()) == (1 if parsed is None else 0)
    assert repr(emitted) == repr(parsed or [])  # repr: NaN arguments never compare equal


@settings(max_examples=300)
@given(packet=st.binary(max_size=2048))
def test_random_bytes_never_raise(packet: bytes) -> None:
    """Random datagrams: never an exception; each is messages or one counted drop."""
    check_packet(packet)


@settings(max_examples=300)
@given(prefix=st.sampled_from([b"/", b"#bundle\x00"]), rest=st.binary(max_size=512))
def test_plausible_prefixes_never_raise(prefix: bytes, rest: bytes) -> None:
    """Random bytes that start like OSC reach the deeper parsers."""
    check_packet(prefix + rest)


@settings(max_examples=300)
@given(
    args=st.lists(osc_args, max_size=4),
    cuts=st.lists(st.tuples(st.integers(0, 200), st.integers(0, 255)), min_size=1, max_size=4),
    truncate=st.integers(0, 300),
    wrap=st.booleans(),
)
def test_mutated_valid_packets_never_raise(
    args: list[object], cuts: list[tuple[int, int]], truncate: int, wrap: bool
) -> None:
    """Valid packets with bytes changed or cut: parsed or counted, never raised."""
    data = build_message("/m/x", args)  # type: ignore[arg-type]
    if wrap:
        data = build_bundles([data, data], 4096)[0]
    raw = bytearray(data)
    for index, value in cuts:
        if raw:
            raw[index % len(raw)] = value
    check_packet(bytes(raw[: max(1, truncate)]))


def test_deep_bundle_nesting_is_refused() -> None:
    """Bundles nested past the limit are dropped, not recursed into."""
    packet = build_message("/x", [])
    for _ in range(20):
        packet = bundle(1, packet)
    with pytest.raises(PacketError, match="too_deep"):
        parse_packet(packet, 1.0, "td")
