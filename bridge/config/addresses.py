"""Addresses a show names, checked before anything opens: Scope's URL, OSC hosts and ports.

A reload must know that what it is about to open can be opened before it closes what runs,
and `scope-bridge check` must refuse whatever `run` would fail on. The syntax (a URL and its
port, an allow-list of IP literals, two devices on one port) is checked whenever a show
loads; what needs this machine (a host name resolves, a listen address is one of ours) only
when asked (`load_show(..., resolve=True)`), since it may wait on a name server.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from urllib.parse import urlsplit

from bridge.scope.endpoint import redact

_WILDCARDS = {"", "0.0.0.0", "::"}


def shown_url(url: str) -> str:
    """``url`` fit for a message: secrets hidden, even when it does not parse."""
    try:
        return redact(url)
    except ValueError:
        return re.sub(r"//[^/@]*@", "//***@", url).split("?", 1)[0]


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be Scope's base URL, as the end of a sentence; None when it can."""
    if re.search(r"\s", url):
        return "must not contain spaces"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        if "Port" in str(exc):
            return "has a port that is not a number from 1 to 65535"
        return f"is not a valid URL ({exc})"
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return "must start with http:// or https:// and a host"
    if not parts.hostname:
        return "has no host after the scheme"
    if port == 0:
        return "has port 0; a port is a number from 1 to 65535"
    return None


def allow_problem(entry: str) -> str | None:
    """Why ``entry`` is no allow-list entry (an IP address or network), or None."""
    try:
        ipaddress.ip_network(entry, strict=False)
    except ValueError:
        return (
            f"{entry!r} is not an IP address or network (e.g. 192.168.1.20 or 10.0.0.0/24; "
            "host names are not looked up)"
        )
    return None


def _literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def may_share_port(host_a: str, host_b: str) -> bool:
    """Whether two listeners on one UDP port would collide (the same or a wildcard address;
    host names are assumed to collide, since they may name the same address)."""
    if host_a in _WILDCARDS or host_b in _WILDCARDS:
        return True
    a, b = _literal(host_a), _literal(host_b)
    return a is None or b is None or a == b or a.is_unspecified or b.is_unspecified


def resolve_problem(host: str) -> str | None:
    """Why ``host`` does not resolve (for UDP), or None. May wait on a name server."""
    try:
        socket.getaddrinfo(host, None, type=socket.SOCK_DGRAM)
    except (OSError, UnicodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        return f"{host!r} does not resolve ({reason})"
    return None


def listen_problem(host: str) -> str | None:
    """Why this machine cannot listen on ``host`` (unresolved, or not one of its addresses),
    or None. Binds a throwaway socket to a free port, as the OSC input binds its own."""
    try:
        info = socket.getaddrinfo(host, 0, type=socket.SOCK_DGRAM)[0]
    except (OSError, UnicodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        return f"{host!r} does not resolve ({reason})"
    try:
        with socket.socket(info[0], socket.SOCK_DGRAM) as probe:
            probe.bind(info[4])
    except OSError as exc:
        return f"cannot listen on {host!r}: not an address of this machine ({exc.strerror or exc})"
    return None
