"""OSC output: feedback to hosts (TouchDesigner, Resolume, a DAW) over UDP.

A target either gets each message at once, or, when it "sends bundles", one bundle per
output tick: ``send`` queues (latest value per address wins, since feedback is state) and
``flush`` packs the queue into as few bundles as fit a datagram. Sending never blocks and
never raises for network trouble: failures are counted per target.
"""

from __future__ import annotations

import asyncio
import logging
import struct
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from bridge.core.events import OscArg
from bridge.errors import DeviceError

log = logging.getLogger(__name__)

IMMEDIATELY = struct.pack(">Q", 1)


@dataclass(frozen=True, slots=True)
class OscTarget:
    """Where feedback goes; ``bundles``: one bundle per ``flush`` instead of one datagram
    per message."""

    host: str
    port: int
    bundles: bool = False


def build_message(address: str, args: Sequence[OscArg]) -> bytes:
    """One OSC message datagram; argument types follow the Python types (int → i or h,
    float → f, str → s, bytes → b, bool → T/F, None → N, 4-tuple → m)."""
    from pythonosc.osc_message_builder import OscMessageBuilder

    builder = OscMessageBuilder(address=address)
    for arg in args:
        builder.add_arg(arg)
    dgram: bytes = builder.build().dgram
    return dgram


def build_bundles(messages: Sequence[bytes], max_size: int) -> list[bytes]:
    """Pack message datagrams into "immediately" bundles of at most ``max_size`` bytes
    (a single larger message still goes, alone)."""
    bundles: list[bytes] = []
    parts: list[bytes] = []
    size = 16
    for dgram in messages:
        element = struct.pack(">i", len(dgram)) + dgram
        if parts and size + len(element) > max_size:
            bundles.append(b"".join([b"#bundle\x00", IMMEDIATELY, *parts]))
            parts, size = [], 16
        parts.append(element)
        size += len(element)
    if parts:
        bundles.append(b"".join([b"#bundle\x00", IMMEDIATELY, *parts]))
    return bundles


class _Target(asyncio.DatagramProtocol):
    def __init__(self, target: OscTarget, stats: Counter[str]) -> None:
        self.target = target
        self.stats = stats
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # Typed as BaseTransport; asyncio's datagram transport does not subclass
        # DatagramTransport on every Python version, so no isinstance check.
        self.transport = cast(asyncio.DatagramTransport, transport)

    def error_received(self, exc: Exception) -> None:
        # Nobody listening yet (ICMP port unreachable) is normal while a host starts.
        self.stats["errors"] += 1

    def sendto(self, data: bytes) -> None:
        if self.transport is None or self.transport.is_closing():
            self.stats["not_open"] += 1
            return
        self.transport.sendto(data)
        self.stats["datagrams"] += 1


class OscOutput:
    """Sends feedback to every target. ``run()`` (or ``start``/``close``) owns the sockets."""

    def __init__(self, targets: Sequence[OscTarget], *, max_bundle: int = 8192) -> None:
        self.targets = tuple(targets)
        self.max_bundle = max_bundle
        self.stats: Counter[str] = Counter()
        self._ends: list[_Target] = []
        self._queue: dict[str, bytes] = {}

    async def start(self) -> None:
        """Open one UDP socket per target (DeviceError when a host cannot be resolved)."""
        loop = asyncio.get_running_loop()
        for target in self.targets:
            end = _Target(target, self.stats)
            try:
                await loop.create_datagram_endpoint(
                    lambda end=end: end,  # type: ignore[misc]
                    remote_addr=(target.host, target.port),
                )
            except OSError as exc:
                self.close()
                raise DeviceError(
                    f"OSC output {target.host}:{target.port}: cannot open: {exc.strerror or exc}"
                ) from exc
            self._ends.append(end)

    async def run(self) -> None:
        """Keep the sockets open until cancelled."""
        await self.start()
        try:
            await asyncio.Event().wait()
        finally:
            self.close()

    @property
    def is_open(self) -> bool:
        """The sockets are open: what is sent now goes out (before, it is counted, lost)."""
        return bool(self._ends)

    def close(self) -> None:
        for end in self._ends:
            if end.transport is not None:
                end.transport.close()
        self._ends.clear()

    def send(self, address: str, args: Sequence[OscArg] = ()) -> None:
        """Send at once to plain targets; queue for bundling targets until ``flush``."""
        try:
            dgram = build_message(address, args)
        except Exception as exc:  # python-osc raises ValueError/BuildError for bad args
            self.stats["bad_message"] += 1
            log.warning("OSC feedback %s %r not sent: %s", address, args, exc)
            return
        self.stats["messages"] += 1
        bundling = False
        for end in self._ends:
            if end.target.bundles:
                bundling = True
            else:
                end.sendto(dgram)
        if bundling:
            self._queue.pop(address, None)  # re-insert: bundle order follows the last change
            self._queue[address] = dgram

    def flush(self) -> None:
        """Send what bundling targets have queued since the last flush (call once per tick)."""
        if not self._queue:
            return
        bundles = build_bundles(list(self._queue.values()), self.max_bundle)
        self._queue.clear()
        for end in self._ends:
            if end.target.bundles:
                for bundle in bundles:
                    end.sendto(bundle)
