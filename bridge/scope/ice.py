"""ICE choices for the peer connection: the server's STUN/TURN list, and loopback-only hosts.

aioice never offers 127.0.0.1 as a host candidate. When Scope (or the stand-in) runs on this
machine, media should stay on loopback like the HTTP does, and a machine with no other
interface would not connect at all; ``use_loopback_candidates`` makes aioice offer 127.0.0.1
and nothing else. It patches aioice process-wide, which is right for a bridge whose one Scope
is local, and wrong otherwise: call it only for a loopback Scope.
"""

from __future__ import annotations

from collections.abc import Sequence

import aioice.ice
from aiortc import RTCConfiguration, RTCIceServer

from bridge.scope.models import IceServer


def _loopback_addresses(use_ipv4: bool, use_ipv6: bool) -> list[str]:
    return ["127.0.0.1"] if use_ipv4 else []


def use_loopback_candidates() -> None:
    """Make every new ICE agent in this process gather only 127.0.0.1 (idempotent)."""
    aioice.ice.get_host_addresses = _loopback_addresses


def rtc_configuration(servers: Sequence[IceServer]) -> RTCConfiguration:
    """A configuration with exactly ``servers`` (none at all is valid: no library default)."""
    return RTCConfiguration(
        iceServers=[
            RTCIceServer(
                urls=list(server.urls), username=server.username, credential=server.credential
            )
            for server in servers
        ]
    )
