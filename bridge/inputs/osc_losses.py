"""Where OSC packets are lost, each counted apart so a performer can tell them apart.

A datagram can be lost before the bridge sees it (the kernel's receive buffer was full
during a burst), refused because of who sent it (not in the device's ``allow`` list),
dropped because it is not OSC (by reason), or carry a message refused for a NaN or infinite
number. Each is a different fix (a slower sender, the allow list, the sender's code), so
each has its own count; `OscLosses` is the summary the status, the device line and the
Inputs monitor read.

Kernel drops are read on demand with ``getsockopt(SO_MEMINFO)`` (Linux ≥ 4.12): the
socket's own drop counter (``sk_drops``, what ``ss -m`` and ``/proc/net/udp`` show), exact
and current, and free on the receive path. ``SO_RXQ_OVFL`` reports the same counter only
with the next datagram that arrives (never the drops at the end of a burst) and needs
``recvmsg`` for every datagram; ``/proc/net/udp`` needs a scan of every UDP socket of the
host. Elsewhere the count is None: unknown, and said so.
"""

from __future__ import annotations

import logging
import socket
import struct
import sys
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

log = logging.getLogger("bridge")

MALFORMED = frozenset({"oversized", "not_osc", "malformed", "unsupported_type", "too_deep"})
"""Reasons a datagram is not usable OSC (`bridge.inputs.osc_parse.PacketError` and size)."""

SO_MEMINFO = getattr(socket, "SO_MEMINFO", 55)  # Linux's number; Python does not name it
_MEMINFO_DROPS = 8  # SK_MEMINFO_DROPS in linux/sock_diag.h
_MEMINFO = struct.Struct(f"{_MEMINFO_DROPS + 1}I")

REJECT_LOG_EVERY_S = 10.0


def kernel_drops(sock: socket.socket) -> int | None:
    """Datagrams the kernel dropped for this socket (receive buffer full), or None when the
    system cannot tell (not Linux, a kernel older than 4.12, a closed socket)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        raw = sock.getsockopt(socket.SOL_SOCKET, SO_MEMINFO, _MEMINFO.size)
    except OSError:
        return None
    if len(raw) < _MEMINFO.size:
        return None
    return int(_MEMINFO.unpack_from(raw)[_MEMINFO_DROPS])


@dataclass(frozen=True, slots=True)
class OscLosses:
    """One OSC input's counts. Every datagram read is one of ``packets``: usable, or one of
    ``malformed`` (by reason), or ``not_allowed``. A usable one's messages went to the bridge
    (``messages``) or were ``refused`` (by reason). ``kernel_drops`` never reached the socket
    (None: unknown on this system)."""

    packets: int
    messages: int
    malformed: Mapping[str, int]
    not_allowed: int
    last_not_allowed: str
    refused: Mapping[str, int]
    kernel_drops: int | None
    socket_errors: int
    receive_buffer: int = 0
    refused_total: int = field(init=False)
    malformed_total: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "refused_total", sum(self.refused.values()))
        object.__setattr__(self, "malformed_total", sum(self.malformed.values()))

    def detail(self) -> str:
        """What went wrong, for a device line ("" when nothing did)."""
        parts = []
        if self.malformed_total:
            reasons = ", ".join(f"{k} {v}" for k, v in sorted(self.malformed.items()))
            parts.append(f"{self.malformed_total} bad packets ({reasons})")
        if self.not_allowed:
            parts.append(f"{self.not_allowed} not allowed (last from {self.last_not_allowed})")
        if self.kernel_drops:
            parts.append(f"{self.kernel_drops} lost in the kernel")
        if self.refused_total:
            reasons = ", ".join(f"{k} {v}" for k, v in sorted(self.refused.items()))
            parts.append(f"{self.refused_total} refused ({reasons})")
        if self.socket_errors:
            parts.append(f"{self.socket_errors} socket errors")
        return ", ".join(parts)


def losses(
    stats: Mapping[str, int],
    refused: Mapping[str, int],
    kernel: int | None,
    last_not_allowed: str,
    receive_buffer: int,
) -> OscLosses:
    return OscLosses(
        packets=stats.get("packets", 0),
        messages=stats.get("messages", 0),
        malformed={k: v for k, v in stats.items() if k in MALFORMED and v},
        not_allowed=stats.get("not_allowed", 0),
        last_not_allowed=last_not_allowed,
        refused={k: v for k, v in refused.items() if v},
        kernel_drops=kernel,
        socket_errors=stats.get("socket_error", 0),
        receive_buffer=receive_buffer,
    )


@dataclass(slots=True)
class RejectLog:
    """The first packet the allow list refuses is logged at once, naming its sender; after
    that at most one line every ``every`` seconds per input, with the count and the senders
    since the last line (a hostile or misconfigured sender must not flood the log)."""

    name: str
    clock: Callable[[], float]
    every: float = REJECT_LOG_EVERY_S
    last: str = ""
    since: Counter[str] = field(default_factory=Counter)
    next_at: float = float("-inf")

    def rejected(self, sender: str) -> None:
        self.last = sender
        self.since[sender] += 1
        now = self.clock()
        if now < self.next_at:
            return
        self.next_at = now + self.every
        count = sum(self.since.values())
        senders = ", ".join(s for s, _ in self.since.most_common(3))
        more = len(self.since) - 3
        log.warning(
            "OSC input %s: ignored %d packet%s from %s%s: not in its allow list",
            self.name,
            count,
            "" if count == 1 else "s",
            senders,
            f" and {more} other senders" if more > 0 else "",
        )
        self.since.clear()
