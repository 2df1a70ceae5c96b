"""Hostile OSC datagrams, reproducibly (a seeded generator): random bytes, truncated packets,
wrong and exotic type tags, huge blobs, nested and mis-sized bundles, non-finite numbers,
interleaved with valid ``/valid`` messages whose values count up (so order can be checked).

No hostile datagram uses the ``/valid`` address with a finite value: only the valid ones can
move that mapping.
"""

from __future__ import annotations

import random
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from tests.app.osckit import bundle, message, padded

NAN, INF = float("nan"), float("inf")
ADDRESSES = ("/a", "/b", "/scene", "/steps", "/text", "/unmapped", "/x/y/z")
EXOTIC_TAGS = "SciIhtmrTFN[]qZx"


@dataclass(frozen=True, slots=True)
class Datagram:
    kind: str
    data: bytes
    valid: float | None = None
    """The value of a valid ``/valid`` message, else None."""


def _random_bytes(rng: random.Random) -> bytes:
    data = rng.randbytes(rng.randrange(0, 300))
    # not "/" or "#": then it is certainly not OSC (a random "/..." might parse)
    return data if not data or data[:1] not in b"/#" else b"\xff" + data[1:]


def _some_message(rng: random.Random) -> bytes:
    address = rng.choice(ADDRESSES)
    tags = "".join(rng.choice("ihfd") for _ in range(rng.randrange(0, 5)))
    values: list[float | int] = [
        rng.randrange(-(2**31), 2**31) if t in "ih" else rng.uniform(-2.0, 2.0) for t in tags
    ]
    return message(address, tags, *values)


def _truncated(rng: random.Random) -> bytes:
    data = _some_message(rng) if rng.random() < 0.6 else bundle(*_messages(rng, 1, 3))
    return data[: rng.randrange(1, len(data))] if len(data) > 1 else data


def _wrong_tags(rng: random.Random) -> bytes:
    address = padded(rng.choice(ADDRESSES).encode())
    choice = rng.randrange(4)
    if choice == 0:  # more tags than data
        return address + padded(b",fff") + struct.pack(">f", 0.5)
    if choice == 1:  # more data than tags
        return address + padded(b",i") + struct.pack(">iii", 1, 2, 3)
    if choice == 2:  # no comma
        return address + padded(b"ff") + struct.pack(">ff", 0.5, 0.5)
    return address + padded(b",s") + b"no terminator"  # a string never ended


def _exotic(rng: random.Random) -> bytes:
    address = padded(rng.choice(ADDRESSES).encode())
    tags = "".join(rng.choice(EXOTIC_TAGS) for _ in range(rng.randrange(1, 5)))
    body = rng.randbytes(4 * rng.randrange(0, 6))
    return address + padded(b"," + tags.encode()) + body


def _huge_blob(rng: random.Random) -> bytes:
    address = padded(rng.choice(ADDRESSES).encode())
    choice = rng.randrange(3)
    if choice == 0:  # a size field claiming far more than the datagram holds
        return address + padded(b",b") + struct.pack(">i", 0x7FFFFFF0) + bytes(16)
    size = rng.randrange(20_000, 30_000) if choice == 1 else rng.randrange(33_000, 40_000)
    blob = rng.randbytes(size)  # a real blob: fits the 32 KiB limit, or does not
    return address + padded(b",b") + struct.pack(">i", size) + blob + bytes(-size % 4)


def _messages(rng: random.Random, lo: int, hi: int) -> list[bytes]:
    return [_some_message(rng) for _ in range(rng.randrange(lo, hi + 1))]


def _bundles(rng: random.Random) -> bytes:
    choice = rng.randrange(5)
    if choice == 0:  # nested past the limit
        packet = _some_message(rng)
        for _ in range(rng.randrange(9, 14)):
            packet = bundle(packet)
        return packet
    if choice == 1:  # nested within it
        packet = bundle(*_messages(rng, 1, 3))
        for _ in range(rng.randrange(1, 7)):
            packet = bundle(packet, _some_message(rng))
        return packet
    elements = _messages(rng, 1, 3)
    body = b"".join(struct.pack(">i", len(e)) + e for e in elements)
    head = b"#bundle\x00" + struct.pack(">Q", rng.getrandbits(64))
    bad_size = rng.choice([-4, 0, 3, 4 * 1000, len(body) + 4])
    if choice == 2:  # a mis-sized element
        return head + struct.pack(">i", bad_size) + body[4:]
    if choice == 3:  # a header cut short
        return head[: rng.randrange(8, 16)]
    return head + body + struct.pack(">i", 8)  # a size with nothing after it


def _non_finite(rng: random.Random) -> bytes:
    value = rng.choice([NAN, INF, -INF])
    address = rng.choice((*ADDRESSES, "/valid"))
    single = message(address, rng.choice("fd"), value)
    if rng.random() < 0.7:
        return single
    # beside good messages in a bundle: only the non-finite one is refused
    return bundle(*_messages(rng, 0, 2), single, *_messages(rng, 0, 2))


GENERATORS: dict[str, Callable[[random.Random], bytes]] = {
    "random": _random_bytes,
    "truncated": _truncated,
    "wrong_tags": _wrong_tags,
    "exotic": _exotic,
    "huge_blob": _huge_blob,
    "bundle": _bundles,
    "non_finite": _non_finite,
}


def datagrams(hostile: int, *, every: int = 8, seed: int = 11) -> Iterator[Datagram]:
    """``hostile`` hostile datagrams, and a valid ``/valid`` message after every ``every``."""
    rng = random.Random(seed)
    kinds = sorted(GENERATORS)
    valid = 0
    for i in range(hostile):
        kind = kinds[i % len(kinds)]
        yield Datagram(kind, GENERATORS[kind](rng))
        if i % every == every - 1:
            valid += 1
            value = (valid % 1024) / 1024.0  # exact in float32
            yield Datagram("valid", message("/valid", "f", value), value)
