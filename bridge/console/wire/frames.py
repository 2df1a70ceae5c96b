"""How the console process and the bridge process talk: length-prefixed JSON on a socket.

The bridge offers one loopback port to the console child it starts, and reads nothing but
a greeting until the peer has sent (`hello`) the one-time token only that child was given.
After that every frame is a JSON object and, for a preview image, its raw pixels beside it
(`bridge.console.wire.codec` turns snapshots, commands and images into plain data and back): no
frame is ever unpickled or otherwise executed, whoever sent it. A request is
``{"id", "method", "args"}``; its reply is ``{"id", "ok", "value"}``, where ``value`` is the
result, or the error as one sentence.
"""

from __future__ import annotations

import asyncio
import json
import struct
from typing import Any

from bridge.errors import PeerGone

GREETING = struct.Struct("!I")
HEADER = struct.Struct("!II")
"""A frame's two lengths: its JSON, then the raw bytes that follow it (often none)."""
TOKEN_ENV = "SCOPE_BRIDGE_CONSOLE_TOKEN"
"""The environment variable that carries the console's one-time token."""
HELLO_TIMEOUT_S = 10.0
"""How long a connecting console has to say ``hello <token>``."""
MAX_MESSAGE = 64 * 1024 * 1024
"""Far above any snapshot; a larger length means the stream is corrupt."""

Frame = tuple[Any, bytes]
"""A decoded frame: its JSON value and its raw bytes."""


class WireClosed(PeerGone, ConnectionError):
    """The other process went away (or sent something that is not our framing)."""


def encode(message: object, raw: bytes = b"") -> bytes:
    """One frame. Values JSON has no type for (a path, an enum) go as their text, as in the
    status file; NaN and infinities go as JSON's common extension, which Python reads back."""
    body = json.dumps(message, separators=(",", ":"), default=str).encode()
    return HEADER.pack(len(body), len(raw)) + body + raw


def hello(token: str) -> bytes:
    """The console's first frame: its token as plain text."""
    body = f"hello {token}".encode()
    return GREETING.pack(len(body)) + body


async def read_hello(reader: asyncio.StreamReader) -> str:
    """The token a connecting peer offers; nothing it sends before is ever decoded."""
    try:
        (size,) = GREETING.unpack(await reader.readexactly(GREETING.size))
        if size > 256:
            raise WireClosed("a greeting too long to be ours")
        word, _, token = (await reader.readexactly(size)).decode("ascii", "replace").partition(" ")
    except asyncio.IncompleteReadError as exc:
        raise WireClosed("the peer went away before greeting") from exc
    return token if word == "hello" else ""


def lengths(header: bytes | bytearray, offset: int = 0) -> tuple[int, int]:
    """A frame's JSON and raw lengths; `WireClosed` when they cannot be ours."""
    size, raw = HEADER.unpack_from(header, offset)
    if size + raw > MAX_MESSAGE:
        raise WireClosed(f"a message of {size + raw} bytes: the stream is corrupt")
    return int(size), int(raw)


def decode(body: bytes) -> Any:
    """A frame's JSON value; anything else (a pickle, say) ends the conversation."""
    try:
        return json.loads(body)
    except (UnicodeDecodeError, ValueError) as exc:
        raise WireClosed(f"a message that is not JSON ({exc})") from None


async def read_message(reader: asyncio.StreamReader) -> Frame:
    """The next frame, or `WireClosed` when the peer has gone (or sent something else)."""
    try:
        size, raw = lengths(await reader.readexactly(HEADER.size))
        body = await reader.readexactly(size)
        return decode(body), await reader.readexactly(raw) if raw else b""
    except asyncio.IncompleteReadError as exc:
        raise WireClosed("the console went away") from exc
