"""OSC packets into typed events: python-osc's parsers behind a fast path for the usual case.

Hosts send the same few addresses with one number each, thousands of times a second:
`PacketParser` remembers each such message's header (address and type tags, once the full
parser has accepted it) and decodes a repeat with one `struct` unpack. Everything else goes
through python-osc. A bundle becomes one ``OscMessage`` per contained message, with its
timetag carried as data (never waited for). A bad packet raises `PacketError` naming why.
A message holding a NaN or infinite float or double is refused (left out, counted in
``PacketParser.refused`` by reason) while the rest of its bundle goes on: a TouchDesigner
CHOP dividing by zero must not take a performer's fader with it.
"""

import functools
import logging
import struct
from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import Any, NoReturn

from pythonosc.osc_message import OscMessage as ParsedOscMessage
from pythonosc.parsing import osc_types

from bridge.core.events import OscArg, OscMessage
from bridge.core.finite import first_refusal
from bridge.errors import MessageError

log = logging.getLogger(__name__)

BUNDLE_PREFIX = b"#bundle\x00"
MAX_BUNDLE_DEPTH = 8
NTP_EPOCH = datetime(1900, 1, 1)
# Types python-osc parses, plus three it does not whose wire format matches one it does:
# symbol (S) is a string, char (c) is an int32, impulse/infinitum (I) carries no data.
PARSED_TYPES = frozenset("ihfdsbrmtTFN[]")
ALIASED_TYPES = bytes.maketrans(b"ScI", b"siN")


class PacketError(MessageError):
    """A datagram that is not valid OSC; ``reason`` is the counter it goes to."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def parse_packet(data: bytes, t: float, source: str) -> list[OscMessage]:
    """Every message of one datagram (bundles flattened), or PacketError; nothing else raises."""
    return _SHARED_PARSER.parse(data, t, source)


# Fast path for what controllers and hosts send nearly always: a few int32/float32/double
# arguments. The layout is fixed, so one struct call reads them (python-osc for the rest).
_SIMPLE = {"i": "i", "f": "f", "d": "d"}


@functools.lru_cache(maxsize=256)
def _simple_format(tags: str) -> struct.Struct | None:
    codes = tags[1:]
    if not codes or any(c not in _SIMPLE for c in codes):
        return None
    return struct.Struct(">" + "".join(_SIMPLE[c] for c in codes))


class PacketParser:
    """``parse_packet`` with a memory of message headers (address + type tags).

    Hosts repeat a handful of addresses thousands of times a second, so the header bytes of a
    simple message (see ``_simple_format``) map straight to its decoded address and argument
    layout: a repeat costs two ``find`` calls, a dict lookup and one ``struct`` unpack instead
    of decoding both strings again. Only headers the full decoder accepted are remembered,
    so a hit reads exactly what the full decoder would.
    """

    CACHE_SIZE = 1024

    def __init__(self) -> None:
        # header → (address, layout, which arguments can hold NaN or inf: see _float_check)
        self._headers: dict[bytes, tuple[str, struct.Struct, int]] = {}
        self.refused: Counter[str] = Counter()
        """Well-formed messages left out for a non-finite number, by reason (nan, inf)."""

    def parse(self, data: bytes, t: float, source: str) -> list[OscMessage]:
        """Every message of one datagram (bundles flattened), or PacketError."""
        out: list[OscMessage] = []
        try:
            self._walk(data, None, 0, t, source, out)
        except PacketError:
            raise
        except Exception as exc:  # python-osc raises ParseError, IndexError, UnicodeError, ...
            raise PacketError("malformed") from exc
        return out

    def _walk(
        self,
        data: bytes,
        timetag: float | None,
        depth: int,
        t: float,
        source: str,
        out: list[OscMessage],
    ) -> None:
        if data.startswith(b"/"):
            try:  # free unless raised (Python 3.11): the check costs nothing per message
                address, args = self._message(data)
            except _Refused:
                return
            out.append(OscMessage(t, source, address, args, timetag))
        elif data.startswith(BUNDLE_PREFIX):
            if depth >= MAX_BUNDLE_DEPTH:
                raise PacketError("too_deep")
            if len(data) < 16:
                raise PacketError("malformed")
            (raw,) = struct.unpack_from(">Q", data, 8)
            tag = None if raw == 1 else raw / 2**32  # 1 means "immediately"
            i = 16
            while i < len(data):
                if i + 4 > len(data):
                    raise PacketError("malformed")
                (size,) = struct.unpack_from(">i", data, i)
                i += 4
                if size <= 0 or size % 4 or i + size > len(data):
                    raise PacketError("malformed")
                self._walk(data[i : i + size], tag, depth + 1, t, source, out)
                i += size
        else:
            raise PacketError("not_osc")

    def _message(self, data: bytes) -> tuple[str, tuple[OscArg, ...]]:
        """The message's address and arguments; _Refused (counted) for a non-finite number."""
        # Both strings start on a multiple of 4 and end padded to the next one.
        end = data.find(0, (data.find(0) & ~3) + 4) & ~3
        head = data[: end + 4] if end >= 0 else b""
        hit = self._headers.get(head)
        if hit is not None and len(data) - len(head) == hit[1].size:
            args = hit[1].unpack_from(data, len(head))
            check = hit[2]
            if check:  # x - x is 0 for a finite number, NaN (truthy) for NaN and ±inf
                x = args[0]  # the usual fader's one float: no loop
                if x - x or (check > 1 and first_refusal(args)):  # 2: several to check
                    self._refuse(args)
            return hit[0], args
        address, args, simple, args_at = _full_message(data)
        if simple is not None and args_at == len(head):
            if len(self._headers) >= self.CACHE_SIZE:
                self._headers.clear()  # a sender inventing addresses: start over, stay bounded
            self._headers[head] = (address, simple, _float_check(simple))
        if first_refusal(args) is not None:
            self._refuse(args)
        return address, args

    def _refuse(self, args: tuple[OscArg, ...]) -> NoReturn:
        self.refused[first_refusal(args) or "nan"] += 1
        raise _Refused


class _Refused(Exception):
    """A message left out for a non-finite number (already counted)."""


def _float_check(layout: struct.Struct) -> int:
    """What a remembered layout needs checked: 0 nothing (integers only), 1 its one float
    argument, 2 every argument."""
    codes = layout.format.lstrip(">")
    if codes in ("f", "d"):
        return 1
    return 2 if "f" in codes or "d" in codes else 0


# parse_packet's memory: bounded, and only ever a function of the bytes it has seen.
_SHARED_PARSER = PacketParser()


def _full_message(
    data: bytes,
) -> tuple[str, tuple[OscArg, ...], struct.Struct | None, int]:
    """Decode one message: address, arguments, and (for a simple message) its layout and
    where its arguments start."""
    address, index = osc_types.get_string(data, 0)
    chars: list[int] = []
    if index < len(data):
        tags, end = osc_types.get_string(data, index)
        simple = _simple_format(tags)
        if simple is not None and len(data) - end == simple.size:
            return address, simple.unpack_from(data, end), simple, end
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
    return parsed.address, tuple(args), None, -1


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
