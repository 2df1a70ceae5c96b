"""Who holds a local port: for "port 9000 is taken (by scope-bridge run show.toml, pid 812)".

When `learn`, `monitor` or the stand-in cannot listen because the port is in use, the
person usually has the running show (or a forgotten stand-in) to stop. Linux says who:
``/proc/net/{udp,tcp}[6]`` maps the port to a socket inode, and ``/proc/<pid>/fd`` maps the
inode to a process. Elsewhere, or for another user's process we may not look into, the
answer is None and the message only names the port.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Literal

Protocol = Literal["udp", "tcp"]
_LISTEN = "0A"  # TCP state in /proc/net/tcp


def _inodes(port: int, protocol: Protocol) -> set[str]:
    inodes: set[str] = set()
    for table in (protocol, f"{protocol}6"):
        try:
            lines = Path(f"/proc/net/{table}").read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) < 10:
                continue
            local, state, inode = fields[1], fields[3], fields[9]
            if int(local.rpartition(":")[2], 16) != port or inode == "0":
                continue
            if protocol == "tcp" and state != _LISTEN:
                continue
            inodes.add(inode)
    return inodes


def _command(pid: str) -> str:
    with contextlib.suppress(OSError):
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        words = [a.decode(errors="replace") for a in argv if a]
        # the program and a script by their names; the rest (a show file) as given
        words[:2] = [Path(w).name for w in words[:2]]
        text = " ".join(" ".join(words).split())  # a `python -c` script on one line
        return text if len(text) <= 80 else text[:77] + "..."
    return "?"


def holder(port: int, protocol: Protocol) -> str | None:
    """``"<command> (pid N)"`` of a process listening on ``port``, or None if unknown."""
    inodes = _inodes(port, protocol)
    if not inodes:
        return None
    wanted = {f"socket:[{inode}]" for inode in inodes}
    with contextlib.suppress(OSError):
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            with contextlib.suppress(OSError):
                for fd in os.listdir(f"/proc/{pid}/fd"):
                    with contextlib.suppress(OSError):
                        if os.readlink(f"/proc/{pid}/fd/{fd}") in wanted:
                            return f"{_command(pid)} (pid {pid})"
    return None


def taken(port: int, protocol: Protocol) -> str:
    """A clause for a port in use: who has it, when that can be known."""
    who = holder(port, protocol)
    return f"port {port} is in use by {who}" if who else f"port {port} is in use"
