"""OSC input: our own asyncio UDP endpoint, python-osc's parsers, typed events out.

python-osc's own asyncio server is avoided on purpose: its dispatcher may sleep until a
bundle's timetag inside the loop. Here a bundle becomes one ``OscMessage`` per contained
message at once, with the bundle's timetag carried as data. Bad packets are counted by reason
and dropped; nothing a sender does can raise into the loop. Also here: ``OscRouter`` (address
patterns compiled once) and the Resolume tempo scale.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import logging
import re
import socket
import struct
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from pythonosc.osc_message import OscMessage as ParsedOscMessage
from pythonosc.parsing import osc_types

from bridge.core.events import OscArg, OscMessage
from bridge.errors import BridgeError
from bridge.protocols import Emit

log = logging.getLogger(__name__)

BUNDLE_PREFIX = b"#bundle\x00"
MAX_BUNDLE_DEPTH = 8
RECEIVE_BUFFER = 4 * 1024 * 1024  # unpaced bursts overflow the default buffer (testing.md)
NTP_EPOCH = datetime(1900, 1, 1)
# Types python-osc parses, plus three it does not whose wire format matches one it does:
# symbol (S) is a string, char (c) is an int32, impulse/infinitum (I) carries no data.
PARSED_TYPES = frozenset("ihfdsbrmtTFN[]")
ALIASED_TYPES = bytes.maketrans(b"ScI", b"siN")


class PacketError(Exception):
    """A datagram that is not valid OSC; ``reason`` is the counter it goes to."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def parse_packet(data: bytes, t: float, source: str) -> list[OscMessage]:
    """Every message of one datagram (bundles flattened), or PacketError; nothing else raises."""
    out: list[OscMessage] = []
    try:
        _walk(data, None, 0, t, source, out)
    except PacketError:
        raise
    except Exception as exc:  # python-osc raises ParseError, IndexError, UnicodeError, ...
        raise PacketError("malformed") from exc
    return out


def _walk(
    data: bytes, timetag: float | None, depth: int, t: float, source: str, out: list[OscMessage]
) -> None:
    if data.startswith(BUNDLE_PREFIX):
        if depth >= MAX_BUNDLE_DEPTH:
            raise PacketError("too_deep")
        if len(data) < 16:
            raise PacketError("malformed")
        (raw,) = struct.unpack(">Q", data[8:16])
        tag = None if raw == 1 else raw / 2**32  # 1 means "immediately"
        i = 16
        while i < len(data):
            if i + 4 > len(data):
                raise PacketError("malformed")
            (size,) = struct.unpack(">i", data[i : i + 4])
            i += 4
            if size <= 0 or size % 4 or i + size > len(data):
                raise PacketError("malformed")
            _walk(data[i : i + size], tag, depth + 1, t, source, out)
            i += size
    elif data.startswith(b"/"):
        address, args = _message(data)
        out.append(OscMessage(t, source, address, args, timetag))
    else:
        raise PacketError("not_osc")


# Fast path for what controllers and hosts send nearly always: a few int32/float32/double
# arguments. The layout is fixed, so one struct call reads them (python-osc for the rest).
_SIMPLE = {"i": "i", "f": "f", "d": "d"}


@functools.lru_cache(maxsize=256)
def _simple_format(tags: str) -> struct.Struct | None:
    codes = tags[1:]
    if not codes or any(c not in _SIMPLE for c in codes):
        return None
    return struct.Struct(">" + "".join(_SIMPLE[c] for c in codes))


def _message(data: bytes) -> tuple[str, tuple[OscArg, ...]]:
    address, index = osc_types.get_string(data, 0)
    chars: list[int] = []
    if index < len(data):
        tags, end = osc_types.get_string(data, index)
        simple = _simple_format(tags)
        if simple is not None and len(data) - end == simple.size:
            return address, simple.unpack_from(data, end)
        if not tags.startswith(","):
            raise PacketError("malformed")
        unknown = set(tags[1:]) - PARSED_TYPES - {"S", "c", "I"}
        if unknown:
            raise PacketError("unsupported_type")
        if any(c in "ScI" for c in tags):
            chars = [i for i, c in enumerate(c for c in tags[1:] if c not in "[]") if c == "c"]
            data = data[:index] + data[index:end].translate(ALIASED_TYPES) + data[end:]
    parsed = ParsedOscMessage(data)
    args = _flatten(parsed.params)
    for i in chars:  # chars travelled as int32
        code = args[i]
        args[i] = chr(code) if isinstance(code, int) and 0 <= code < 0x110000 else code
    return parsed.address, tuple(args)


def _flatten(params: Iterable[Any]) -> list[OscArg]:
    """Arrays are flattened (argument indices then count their elements); time tags become
    seconds since 1900 like bundle timetags."""
    out: list[OscArg] = []
    for p in params:
        if isinstance(p, list):
            out.extend(_flatten(p))
        elif isinstance(p, tuple) and len(p) == 2 and isinstance(p[0], datetime):
            out.append((p[0] - NTP_EPOCH).total_seconds() + p[1] / 2**32)
        else:
            out.append(p)
    return out


@dataclass(frozen=True, slots=True)
class OscInputConfig:
    """One OSC listener of the show. ``name`` is every event's ``source``.

    ``host`` is 127.0.0.1 unless the show opens it up ("0.0.0.0" listens on every interface).
    ``allow_from``: source addresses or networks ("192.168.1.20", "10.0.0.0/24"); empty
    allows every sender. ``port`` 0 takes a free port (tests).
    """

    name: str
    port: int
    host: str = "127.0.0.1"
    allow_from: tuple[str, ...] = ()
    max_packet: int = 32768
    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        try:
            nets = tuple(ipaddress.ip_network(a, strict=False) for a in self.allow_from)
        except ValueError as exc:
            raise BridgeError(f"OSC input {self.name}: bad allow_from entry: {exc}") from exc
        object.__setattr__(self, "networks", nets)


class OscInput(asyncio.DatagramProtocol):
    """A UDP OSC listener. ``run()`` listens until cancelled; ``stats`` counts packets."""

    def __init__(
        self, config: OscInputConfig, emit: Emit, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.config = config
        self._emit = emit
        self._clock = clock
        self.stats: Counter[str] = Counter()
        self._transport: asyncio.DatagramTransport | None = None
        self.address: tuple[str, int] | None = None
        self.receive_buffer = 0

    async def start(self) -> None:
        """Bind the socket (BridgeError with one sentence when the port cannot be used)."""
        c = self.config
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(c.host, c.port, type=socket.SOCK_DGRAM)
            family = infos[0][0]
            sock = socket.socket(family, socket.SOCK_DGRAM)
        except OSError as exc:
            raise BridgeError(f"OSC input {c.name}: cannot resolve {c.host!r}: {exc}") from exc
        try:
            _grow_receive_buffer(sock)
            sock.bind(infos[0][4])
            sock.setblocking(False)
        except OSError as exc:
            sock.close()
            raise BridgeError(
                f"OSC input {c.name}: cannot listen on {c.host}:{c.port}: {exc.strerror or exc}"
            ) from exc
        self.receive_buffer = sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
        await loop.create_datagram_endpoint(lambda: self, sock=sock)
        host, port = sock.getsockname()[:2]
        self.address = (host, port)

    async def run(self) -> None:
        """Listen until cancelled."""
        await self.start()
        try:
            await asyncio.Event().wait()
        finally:
            self.close()

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # Typed as BaseTransport; asyncio's datagram transport does not subclass
        # DatagramTransport on every Python version, so no isinstance check.
        self._transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        stats = self.stats
        stats["packets"] += 1
        if len(data) > self.config.max_packet:
            stats["oversized"] += 1
            return
        if self.config.networks and not self._allowed(addr[0]):
            stats["not_allowed"] += 1
            return
        try:
            messages = parse_packet(data, self._clock(), self.config.name)
        except PacketError as exc:
            stats[exc.reason] += 1
            return
        stats["messages"] += len(messages)
        for message in messages:
            self._emit(message)

    def error_received(self, exc: Exception) -> None:
        self.stats["socket_error"] += 1

    def _allowed(self, host: str) -> bool:
        try:
            ip = ipaddress.ip_address(host.split("%", 1)[0])
        except ValueError:
            return False
        return any(ip in net for net in self.config.networks)

    @property
    def dropped(self) -> Mapping[str, int]:
        """Counts of dropped packets by reason (for a status line)."""
        return {k: v for k, v in self.stats.items() if k not in ("packets", "messages")}


def _grow_receive_buffer(sock: socket.socket) -> None:
    # SO_RCVBUFFORCE passes the system cap (rmem_max) when we may; otherwise take what we get.
    force = getattr(socket, "SO_RCVBUFFORCE", None)
    if force is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, force, RECEIVE_BUFFER)
            return
        except OSError:
            pass
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)


def compile_osc_pattern(pattern: str) -> re.Pattern[str]:
    """An OSC address pattern (``*``, ``?``, ``[a-z]``, ``[!a-z]``, ``{foo,bar}``) as a regex.

    Wildcards never cross a ``/``. ValueError with the reason when the pattern is invalid.
    """
    if not pattern.startswith("/"):
        raise ValueError(f"OSC address pattern {pattern!r} must start with '/'")
    out: list[str] = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            end = pattern.find("]", i + 2)  # "]" right after "[" is a member, not the end
            if end < 0:
                raise ValueError(f"OSC address pattern {pattern!r}: '[' is never closed")
            body = pattern[i + 1 : end]
            negate = body.startswith("!")
            body = body[1:] if negate else body
            members = "".join("-" if ch == "-" else re.escape(ch) for ch in body)
            out.append(f"[{'^/' if negate else ''}{members}]")
            i = end
        elif c == "{":
            end = pattern.find("}", i)
            if end < 0:
                raise ValueError(f"OSC address pattern {pattern!r}: '{{' is never closed")
            words = pattern[i + 1 : end].split(",")
            out.append("(?:" + "|".join(re.escape(w) for w in words) + ")")
            i = end
        elif c in "]}":
            raise ValueError(f"OSC address pattern {pattern!r}: unmatched {c!r}")
        else:
            out.append(re.escape(c))
        i += 1
    try:
        return re.compile("".join(out))
    except re.error as exc:  # e.g. a reversed range [z-a]
        raise ValueError(f"OSC address pattern {pattern!r}: {exc}") from exc


class OscRouter:
    """Address → the ids of every route whose pattern matches, in route order.

    Patterns compile once; results are cached per address because hosts repeat addresses.
    """

    CACHE_SIZE = 4096

    def __init__(self, routes: Iterable[tuple[str, str]]) -> None:
        """``routes``: (route id, OSC address pattern) pairs."""
        self._routes = [(rid, compile_osc_pattern(p)) for rid, p in routes]
        self._cache: dict[str, tuple[str, ...]] = {}

    def match(self, address: str) -> tuple[str, ...]:
        hit = self._cache.get(address)
        if hit is None:
            ids = dict.fromkeys(rid for rid, rx in self._routes if rx.fullmatch(address))
            hit = tuple(ids)
            if len(self._cache) >= self.CACHE_SIZE:
                self._cache.clear()
            self._cache[address] = hit
        return hit


RESOLUME_TEMPO_ADDRESS = "/composition/tempocontroller/tempo"
RESOLUME_BPM_MIN = 20.0
RESOLUME_BPM_MAX = 500.0


def resolume_bpm(normalised: float) -> float:
    """BPM from Resolume's tempo parameter (0..1 over 20..500 BPM, clamped)."""
    x = min(1.0, max(0.0, normalised))
    return RESOLUME_BPM_MIN * (1.0 - x) + RESOLUME_BPM_MAX * x


def resolume_normalised(bpm: float) -> float:
    """The 0..1 value that sets Resolume to ``bpm`` (clamped to 20..500)."""
    span = RESOLUME_BPM_MAX - RESOLUME_BPM_MIN
    return min(1.0, max(0.0, (bpm - RESOLUME_BPM_MIN) / span))
