"""OSC input: our own asyncio UDP endpoint, python-osc's parsers, typed events out.

python-osc's own asyncio server is avoided on purpose: its dispatcher may sleep until a
bundle's timetag inside the loop. Here a bundle becomes one ``OscMessage`` per contained
message at once, with the bundle's timetag carried as data (parsing: `bridge.inputs.osc_parse`).
Bad packets are counted by reason and dropped, senders outside the allow list apart (and
named in the log), messages with a NaN or infinite number are refused and counted, and the
kernel's own drops are read from the socket (`bridge.inputs.osc_losses`). Nothing a sender
does can raise into the loop.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from bridge.errors import DeviceError
from bridge.inputs.osc_losses import OscLosses, RejectLog, kernel_drops, losses
from bridge.inputs.osc_parse import PacketError, PacketParser
from bridge.protocols import Emit

log = logging.getLogger(__name__)

RECEIVE_BUFFER = 4 * 1024 * 1024  # unpaced bursts overflow the default buffer (testing.md)


@dataclass(frozen=True, slots=True)
class OscInputConfig:
    """One OSC listener of the show. ``name`` is every event's ``source``.

    ``host`` is 127.0.0.1 unless the show opens it up ("0.0.0.0" listens on every interface).
    ``allow_from``: source addresses or networks ("192.168.1.20", "10.0.0.0/24"); empty
    allows every sender. ``port`` 0 takes a free port (tests). ``receive_buffer``: bytes the
    kernel may hold for us between two reads (a burst beyond it is lost, and counted).
    """

    name: str
    port: int
    host: str = "127.0.0.1"
    allow_from: tuple[str, ...] = ()
    max_packet: int = 32768
    receive_buffer: int = RECEIVE_BUFFER
    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        try:
            nets = tuple(ipaddress.ip_network(a, strict=False) for a in self.allow_from)
        except ValueError as exc:
            raise DeviceError(f"OSC input {self.name}: bad allow_from entry: {exc}") from exc
        object.__setattr__(self, "networks", nets)


class OscInput(asyncio.DatagramProtocol):
    """A UDP OSC listener. ``run()`` listens until cancelled; ``stats`` counts packets.

    The socket is drained in batches: one readiness wake-up reads up to ``BATCH`` datagrams
    until the kernel has no more, instead of asyncio's datagram transport, which reads one
    per pass of the loop (and into a fresh 256 KiB buffer each time). Under a flood that
    halves the cost of a message. ``BATCH`` bounds how long one wake-up holds the loop; the
    rest waits for the next pass. Loops without readers (Windows' proactor) fall back to the
    transport, with this class as its protocol.
    """

    BATCH = 256

    def __init__(
        self, config: OscInputConfig, emit: Emit, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.config = config
        self._emit = emit
        self._clock = clock
        self._parser = PacketParser()
        self.stats: Counter[str] = Counter()
        self._transport: asyncio.DatagramTransport | None = None
        self._reader: tuple[asyncio.AbstractEventLoop, socket.socket] | None = None
        self.address: tuple[str, int] | None = None
        self.receive_buffer = 0
        self._rejects = RejectLog(config.name, clock)
        self._kernel_drops: int | None = None  # the last count read, kept after close

    async def start(self) -> None:
        """Bind the socket (DeviceError with one sentence when the port cannot be used)."""
        c = self.config
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(c.host, c.port, type=socket.SOCK_DGRAM)
            family = infos[0][0]
            sock = socket.socket(family, socket.SOCK_DGRAM)
        except OSError as exc:
            raise DeviceError(f"OSC input {c.name}: cannot resolve {c.host!r}: {exc}") from exc
        try:
            _set_receive_buffer(sock, c.receive_buffer)
            sock.bind(infos[0][4])
            sock.setblocking(False)
        except OSError as exc:
            sock.close()
            raise DeviceError(
                f"OSC input {c.name}: cannot listen on {c.host}:{c.port}: {exc.strerror or exc}"
            ) from exc
        self.receive_buffer = sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
        host, port = sock.getsockname()[:2]
        try:
            loop.add_reader(sock.fileno(), self.drain)
        except NotImplementedError:
            await loop.create_datagram_endpoint(lambda: self, sock=sock)
        else:
            self._reader = (loop, sock)
        self.address = (host, port)

    async def run(self) -> None:
        """Listen until cancelled (on the socket `start` bound, if it was called first)."""
        if self.address is None:
            await self.start()
        try:
            await asyncio.Event().wait()
        finally:
            self.close()

    def close(self) -> None:
        self.address = None  # a closed listener never shows as listening
        self._kernel_drops = self.kernel_drops()
        if self._reader is not None:
            loop, sock = self._reader
            self._reader = None
            if not loop.is_closed():
                loop.remove_reader(sock.fileno())
            sock.close()
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    def drain(self) -> int:
        """Handle what the kernel holds now, up to BATCH datagrams; returns how many were read.

        Called by the loop when the socket is readable (never blocks: the socket is
        non-blocking); 0 when nothing waits or the reader is not in use.
        """
        if self._reader is None:
            return 0
        receive, handle = self._reader[1].recvfrom, self.datagram_received
        # One byte more than allowed: a datagram that fills the buffer was cut, so oversized.
        size = self.config.max_packet + 1
        for count in range(self.BATCH):
            try:
                data, addr = receive(size)
            except (BlockingIOError, InterruptedError):
                return count
            except OSError as exc:  # e.g. an ICMP error reported on the socket
                self.error_received(exc)
                return count
            handle(data, addr)
        return self.BATCH

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # Typed as BaseTransport; asyncio's datagram transport does not subclass
        # DatagramTransport on every Python version, so no isinstance check.
        self._transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        stats = self.stats
        stats["packets"] += 1
        if len(data) > self.config.max_packet:
            stats["oversized"] += 1
            return
        if self.config.networks and not self._allowed(addr[0]):
            stats["not_allowed"] += 1
            self._rejects.rejected(f"{addr[0]}:{addr[1]}")
            return
        try:
            messages = self._parser.parse(data, self._clock(), self.config.name)
        except PacketError as exc:
            stats[exc.reason] += 1
            return
        stats["messages"] += len(messages)
        emit = self._emit
        for message in messages:
            emit(message)

    def error_received(self, exc: Exception) -> None:
        self.stats["socket_error"] += 1

    def _allowed(self, host: str) -> bool:
        try:
            ip = ipaddress.ip_address(host.split("%", 1)[0])
        except ValueError:
            return False
        return any(ip in net for net in self.config.networks)

    @property
    def dropped(self) -> Mapping[str, int]:
        """Counts of dropped packets by reason (for a status line)."""
        return {k: v for k, v in self.stats.items() if k not in ("packets", "messages")}

    @property
    def refused(self) -> Mapping[str, int]:
        """Well-formed messages refused for a NaN or infinite number, by reason."""
        return self._parser.refused

    def kernel_drops(self) -> int | None:
        """Datagrams the kernel dropped before we could read them (None: unknown here)."""
        # the transport fallback runs only where the kernel cannot tell (Windows' proactor)
        if self._reader is None:
            return self._kernel_drops
        return kernel_drops(self._reader[1])

    def losses(self) -> OscLosses:
        """Every count of this input, for the status, the device line and the monitor."""
        return losses(
            self.stats,
            self.refused,
            self.kernel_drops(),
            self._rejects.last,
            self.receive_buffer,
        )


def _set_receive_buffer(sock: socket.socket, size: int) -> None:
    # SO_RCVBUFFORCE passes the system cap (rmem_max) when we may; otherwise take what we get.
    force = getattr(socket, "SO_RCVBUFFORCE", None)
    if force is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, force, size)
            return
        except OSError:
            pass
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, size)
