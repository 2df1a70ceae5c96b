"""STUN/TURN URLs as aiortc reads them, checked without importing aiortc (the show loader uses it).

aiortc raises a bare ``ValueError("malformed uri")`` deep inside a peer connection for a URL it
cannot read, and silently skips a TURN URL with a transport it does not speak; a show should
hear about either when it loads, naming the key.
"""

from __future__ import annotations

import re

_URL = re.compile(
    r"(?P<scheme>stuns?|turns?):(?P<host>\[[0-9a-fA-F:.]+\]|[^:?\[\]/@\s]+)"
    r"(?::(?P<port>\d{1,5}))?(?:\?transport=(?P<transport>udp|tcp))?"
)


def url_problem(url: str) -> str | None:
    """What is wrong with a STUN/TURN URL, as the end of a sentence; None when it is usable."""
    match = _URL.fullmatch(url)
    if match is None:
        return (
            "is not a STUN/TURN URL (stun:host[:port], turn:host[:port][?transport=udp|tcp] "
            "or turns:host[:port])"
        )
    if match["port"] is not None and not 1 <= int(match["port"]) <= 65535:
        return "has a port outside 1..65535"
    if match["transport"] and match["scheme"].startswith("stun"):
        return "is a STUN URL with a transport (only TURN URLs take one)"
    if match["scheme"] == "turns" and match["transport"] == "udp":
        return "asks for TLS over UDP, which aiortc cannot speak (use turn: for UDP)"
    return None


def url_transport(url: str) -> str:
    """``udp``, ``tcp`` or ``tls``: how a TURN URL reaches its server (STUN: ``udp``)."""
    match = _URL.fullmatch(url)
    if match is None:
        return "udp"
    if match["scheme"] == "turns":
        return "tls"
    return match["transport"] or "udp"


def is_turn(url: str) -> bool:
    return url.startswith(("turn:", "turns:"))
