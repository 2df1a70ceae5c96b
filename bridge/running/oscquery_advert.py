"""Announcing an OSCQuery namespace over zeroconf (mDNS/DNS-SD), only when the show asks.

Two services, as OSCQuery browsers look for them: ``_oscjson._tcp`` (the HTTP namespace,
which Chataigne, VDMX and TouchDesigner list) and ``_osc._udp`` (the OSC port itself, for
tools that only send). An announcement is multicast on the network, which is why it is
opt-in (``oscquery_advertise = true``) and why tests make it inside a network namespace of
their own. A device listening on one address announces on that interface only; one on
``0.0.0.0`` on every interface, with every address of the machine.
"""

from __future__ import annotations

import re
import socket

import ifaddr
from zeroconf import InterfaceChoice, IPVersion
from zeroconf.asyncio import AsyncServiceInfo, AsyncZeroconf

from bridge.core.show import OscDevice

WILDCARD = ("0.0.0.0", "")


def machine_addresses() -> list[str]:
    """This machine's IPv4 addresses but loopback's (zeroconf's own dependency lists them)."""
    found = {
        ip.ip
        for adapter in ifaddr.get_adapters()
        for ip in adapter.ips
        if ip.is_IPv4 and isinstance(ip.ip, str) and not ip.ip.startswith("127.")
    }
    return sorted(found)


class Advert:
    """The two announcements of one device, from `start` to `close`."""

    def __init__(self, device: OscDevice, name: str) -> None:
        self.device = device
        self.name = name
        self.zeroconf: AsyncZeroconf | None = None

    def infos(self, addresses: list[str]) -> list[AsyncServiceInfo]:
        host = re.sub(r"[^A-Za-z0-9-]", "-", f"scope-bridge-{self.device.name}")
        out = []
        for kind, port in (
            ("_oscjson._tcp.local.", self.device.oscquery),
            ("_osc._udp.local.", self.device.port),
        ):
            out.append(
                AsyncServiceInfo(
                    kind,
                    f"{self.name}.{kind}",
                    port=port,
                    parsed_addresses=addresses,
                    server=f"{host}.local.",
                    properties={"txtvers": "1"},
                )
            )
        return out

    async def start(self) -> None:
        if self.device.host in WILDCARD:
            interfaces: InterfaceChoice | list[str] = InterfaceChoice.All
            addresses = machine_addresses()
        else:
            interfaces = [socket.gethostbyname(self.device.host)]
            addresses = list(interfaces)
        self.zeroconf = AsyncZeroconf(interfaces=interfaces, ip_version=IPVersion.V4Only)
        for info in self.infos(addresses):
            # another bridge on the network may hold the name: take "NAME (2)" then
            await self.zeroconf.async_register_service(info, allow_name_change=True)

    async def close(self) -> None:
        if self.zeroconf is not None:
            await self.zeroconf.async_unregister_all_services()
            await self.zeroconf.async_close()
            self.zeroconf = None
