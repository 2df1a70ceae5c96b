"""How the console process and the bridge process talk: length-prefixed pickles on a socket.

The bridge offers one loopback port to the console child it starts, and unpickles nothing
until the peer has sent, as plain bytes (`hello`), the one-time token only that child was
given; so both peers are this program, and pickle is safe after that. A request is
``(id, method, args)``; its reply is ``(id, ok, value)``, where ``value`` is the result, or
the error as one sentence.
"""

from __future__ import annotations

import asyncio
import pickle
import socket
import struct
from typing import Any

HEADER = struct.Struct("!I")
TOKEN_ENV = "SCOPE_BRIDGE_CONSOLE_TOKEN"
"""The environment variable that carries the console's one-time token."""
HELLO_TIMEOUT_S = 10.0
"""How long a connecting console has to say ``("hello", token)``."""
MAX_MESSAGE = 64 * 1024 * 1024
"""Far above any snapshot; a larger length means the stream is corrupt."""

Request = tuple[int, str, tuple[Any, ...]]
Reply = tuple[int, bool, Any]


class WireClosed(ConnectionError):
    """The other process went away (or sent something that is not our framing)."""


def encode(message: object) -> bytes:
    body = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return HEADER.pack(len(body)) + body


def hello(token: str) -> bytes:
    """The console's first frame: its token as plain bytes (never a pickle)."""
    body = f"hello {token}".encode()
    return HEADER.pack(len(body)) + body


async def read_hello(reader: asyncio.StreamReader) -> str:
    """The token a connecting peer offers; nothing it sends before is ever unpickled."""
    try:
        (size,) = HEADER.unpack(await reader.readexactly(HEADER.size))
        if size > 256:
            raise WireClosed("a greeting too long to be ours")
        word, _, token = (await reader.readexactly(size)).decode("ascii", "replace").partition(" ")
    except asyncio.IncompleteReadError as exc:
        raise WireClosed("the peer went away before greeting") from exc
    return token if word == "hello" else ""


def _length(header: bytes) -> int:
    (size,) = HEADER.unpack(header)
    if size > MAX_MESSAGE:
        raise WireClosed(f"a message of {size} bytes: the stream is corrupt")
    return int(size)


async def read_message(reader: asyncio.StreamReader) -> Any:
    """The next message, or `WireClosed` when the peer has gone."""
    try:
        size = _length(await reader.readexactly(HEADER.size))
        return pickle.loads(await reader.readexactly(size))
    except asyncio.IncompleteReadError as exc:
        raise WireClosed("the console went away") from exc


def _recv_exactly(sock: socket.socket, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = sock.recv(min(left, 1 << 20))
        if not chunk:
            raise WireClosed("the bridge process went away")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def recv_message(sock: socket.socket) -> Any:
    """Blocking read of the next message (the socket's timeout applies to each part)."""
    size = _length(_recv_exactly(sock, HEADER.size))
    return pickle.loads(_recv_exactly(sock, size))
