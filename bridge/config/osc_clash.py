"""An OSC input where Scope listens for its own OSC: the two would collide.

Scope 0.2 (0.1.6 on) runs an OSC server on UDP at its HTTP port (scope-protocol.md §8),
bound to its host, which is every address unless it was launched through its CLI. A show
whose OSC device listens on that port on the same machine either cannot open it (Scope
was first) or takes Scope's own OSC away (the bridge was first). Scope counts as on this
machine when its URL names a loopback address (then a device on any of this machine's
addresses collides, as Scope binds them all by default); a device on the very host the URL
names collides too (`scope-bridge doctor` probes the same rule). Pure: the show in, one
sentence per device out, said by `check` and `run`.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from bridge.core.show import Show

_LOCAL_NAMES = {"localhost", "ip6-localhost"}


def _loopback(host: str) -> bool:
    if host.lower() in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def scope_port(url: str) -> tuple[str, int] | None:
    """(host, port) of Scope's URL, the port its scheme implies when none is written."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if not parts.hostname:
        return None
    return parts.hostname, port or (443 if parts.scheme == "https" else 80)


def osc_clashes(show: Show) -> list[str]:
    """One sentence per OSC device that would listen where Scope takes its own OSC."""
    where = scope_port(show.scope.url)
    if where is None:
        return []
    host, port = where
    found = []
    for dev in show.osc:
        if dev.port != port:
            continue
        # Scope on this machine binds every address by default: any local device collides
        if _loopback(host) or dev.host == host:
            found.append(
                f"[devices.osc.{dev.name}] listens on UDP port {dev.port}, where Scope at "
                f"{host}:{port} takes its own OSC (Scope 0.1.6+ listens for OSC on its HTTP "
                "port): give the device another port"
            )
    return found
