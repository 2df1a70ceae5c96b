"""ICE choices for the peer connection: which STUN/TURN servers, relay only or not, which hosts.

aioice never offers 127.0.0.1 as a host candidate. When Scope (or the stand-in) runs on this
machine, media should stay on loopback like the HTTP does, and a machine with no other
interface would not connect at all: inside ``loopback_candidates()`` aioice offers 127.0.0.1
and nothing else. That holds only for the peer connections gathered inside the block (a
context variable, so a second, remote Scope in the same process still offers its real
addresses; a process-wide patch once made every later connection loopback-only).

A Scope on a rented GPU may sit where no UDP gets through. Then only a TURN server reached over
TCP (``turn:host:port?transport=tcp``) or TLS (``turns:``) carries the media, and the bridge
must use nothing else: ``relay_servers`` keeps those URLs and ``rtc_configuration`` asks for
relay candidates only. aioice uses one TURN URL per connection (the first it can speak), so
the choice has to be made here, not left to it.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
from collections.abc import Callable, Iterator, Sequence
from typing import Literal

import aioice.ice
from aiortc import RTCConfiguration, RTCIceServer, RTCIceTransportPolicy

from bridge.errors import ScopeError
from bridge.scope.ice_urls import is_turn, url_problem, url_transport
from bridge.scope.models import IceServer

Relay = Literal["off", "tcp", "tls"]
"""What one peer connection does: every candidate, or relay only over TCP / TLS."""
RelaySetting = Literal["auto", "off", "tcp", "tls"]
"""What a show asks for: ``auto`` is ``off`` until ICE failed once with a TURN server over TCP
on offer, then ``tcp`` for the rest of the run (``bridge.scope.link``)."""

_loopback_only: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "scope_bridge_loopback_only", default=False
)
_original_host_addresses: Callable[..., list[str]] | None = None
_whole_process = False


def shown(servers: Sequence[IceServer]) -> str:
    """The servers' URLs as they may be logged: never a username or a credential."""
    urls = [url for server in servers for url in server.urls]
    return ", ".join(urls) if urls else "none"


def offers_tcp_turn(servers: Sequence[IceServer]) -> bool:
    """Whether a relay-only connection over TCP could use one of ``servers``."""
    return any(
        is_turn(url) and url_transport(url) in ("tcp", "tls") and url_problem(url) is None
        for server in servers
        for url in server.urls
    )


def relay_servers(servers: Sequence[IceServer], relay: Relay) -> tuple[IceServer, ...]:
    """The servers to use: all of them, or (relay ``tcp``/``tls``) the TURN URLs over TCP/TLS.

    With ``tcp`` both ``turn:...?transport=tcp`` and ``turns:`` qualify (TLS runs over TCP),
    plain TCP first; with ``tls`` only ``turns:``. Raises ``ScopeError`` when none is left.
    """
    if relay == "off":
        return tuple(servers)
    wanted = ("tcp", "tls") if relay == "tcp" else ("tls",)
    kept: list[tuple[int, IceServer]] = []
    for server in servers:
        for url in server.urls:
            transport = url_transport(url)
            if is_turn(url) and transport in wanted and url_problem(url) is None:
                rank = wanted.index(transport)
                kept.append((rank, IceServer((url,), server.username, server.credential)))
    if not kept:
        offered = f"the ICE servers offer none ({shown(servers)})"
        if not servers:
            offered = "there is no ICE server at all"
        raise ScopeError(
            f"ice_relay = {relay!r} needs a TURN server over {relay.upper()}, and {offered}: "
            "Scope hands out its TURN server only when it has TURN credentials; or name one "
            "in [scope] ice_servers."
        )
    kept.sort(key=lambda pair: pair[0])  # stable: the server's own order within a rank
    return tuple(server for _, server in kept)


def _host_addresses(use_ipv4: bool, use_ipv6: bool) -> list[str]:
    if _whole_process or _loopback_only.get():
        return ["127.0.0.1"] if use_ipv4 else []
    assert _original_host_addresses is not None  # installed before this is reachable
    return _original_host_addresses(use_ipv4=use_ipv4, use_ipv6=use_ipv6)


def _install() -> None:
    """Route aioice's host address lookup through ``_host_addresses`` (once per process)."""
    global _original_host_addresses
    if aioice.ice.get_host_addresses is not _host_addresses:
        _original_host_addresses = aioice.ice.get_host_addresses
        aioice.ice.get_host_addresses = _host_addresses


@contextlib.contextmanager
def loopback_candidates(enabled: bool = True) -> Iterator[None]:
    """Inside the block (and tasks started in it), new ICE agents gather only 127.0.0.1."""
    _install()
    token = _loopback_only.set(enabled)
    try:
        yield
    finally:
        _loopback_only.reset(token)


def use_loopback_candidates() -> None:
    """Make every ICE agent of this process gather only 127.0.0.1 (the local stand-in's own
    process, which has no other peer)."""
    global _whole_process
    _install()
    _whole_process = True


def rtc_configuration(servers: Sequence[IceServer], relay: Relay = "off") -> RTCConfiguration:
    """A configuration with exactly ``servers`` (none at all is valid: no library default);
    relay candidates only when ``relay`` is forced."""
    policy = RTCIceTransportPolicy.ALL if relay == "off" else RTCIceTransportPolicy.RELAY
    return RTCConfiguration(
        iceServers=[
            RTCIceServer(
                urls=list(server.urls), username=server.username, credential=server.credential
            )
            for server in servers
        ],
        iceTransportPolicy=policy,
    )


def show_servers(
    urls: Sequence[str] | None, username: str, credential_env: str
) -> tuple[tuple[IceServer, ...] | None, str | None]:
    """The show's own ICE servers (None: ask Scope) and what to tell the user, if anything.

    The TURN username comes from the show and the credential from the environment variable it
    names (never from the show file, which gets shared); both go to the TURN URLs only.
    """
    if urls is None:
        return None, None
    credential = os.environ.get(credential_env, "").strip() if credential_env else ""
    note = None
    if credential_env and not credential:
        note = f"[scope] ice_credential_env names {credential_env}, which is not set"
    turn = any(is_turn(url) for url in urls)
    if turn and not (username and credential) and note is None:
        note = "[scope] a TURN URL in ice_servers has no ice_username and ice_credential_env"
    servers = tuple(
        IceServer((url,), username or None, credential or None)
        if is_turn(url)
        else IceServer((url,))
        for url in urls
    )
    return servers, note
