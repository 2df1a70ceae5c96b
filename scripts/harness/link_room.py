"""A room of Ableton Link peers where nothing can leave the machine: for tests and benchmarks.

Link finds peers by UDP multicast on every interface, so it never runs in the machine's own
network namespace here. `link_room` makes a fresh namespace with only loopback, multicast on
and routed to it, and deletes it afterwards; every process started in it through
`LinkRoom.popen` is stopped by its PID on the way out. Needs root (``ip netns add``).

Run as ``python -m scripts.harness.link_room BPM`` (inside the room) it is one Link peer that
prints its state as a JSON line every `PEER_REPORT_S` (``t`` on this machine's monotonic
clock, ``beat``, ``bpm``, ``peers``, ``playing``) and takes commands on stdin, one a line:
``tempo BPM``, ``play``, ``stop``, ``quit``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from bridge.errors import BridgeError

PEER_REPORT_S = 0.02


def room_missing() -> str | None:
    """Why a namespace cannot be made here, or None when it can."""
    if shutil.which("ip") is None:
        return "the ip command is missing (apt-get install iproute2)"
    if os.geteuid() != 0:
        return "creating a network namespace needs root"
    return None


@dataclass(slots=True)
class LinkRoom:
    """A namespace with loopback up and multicast routed to it; the processes started in it."""

    name: str
    procs: list[subprocess.Popen[str]] = field(default_factory=list)

    def command(self, argv: Sequence[str]) -> list[str]:
        return ["ip", "netns", "exec", self.name, *argv]

    def popen(self, argv: Sequence[str]) -> subprocess.Popen[str]:
        """Start ``argv`` inside the room, stdin and stdout piped (stderr to ours)."""
        proc = subprocess.Popen(
            self.command(argv),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        self.procs.append(proc)
        return proc

    def peer(self, bpm: float) -> subprocess.Popen[str]:
        """One Link peer proposing ``bpm`` (see this module's docstring)."""
        return self.popen([sys.executable, "-m", "scripts.harness.link_room", f"{bpm:g}"])


def _ip(*args: str) -> None:
    done = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=10, check=False)
    if done.returncode != 0:
        raise BridgeError(f"ip {' '.join(args)} failed: {done.stderr.strip()}")


def _stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.terminate()  # by its PID: `ip netns exec` execs the command, same PID
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
    for pipe in (proc.stdin, proc.stdout):
        if pipe is not None:
            with contextlib.suppress(OSError):
                pipe.close()


@contextmanager
def link_room(prefix: str = "sb-link") -> Iterator[LinkRoom]:
    """Create ``<prefix>-<pid>``; on the way out stop its processes and delete it."""
    reason = room_missing()
    if reason is not None:
        raise BridgeError(f"Cannot run Ableton Link in a private network namespace: {reason}.")
    name = f"{prefix}-{os.getpid()}"
    listed = subprocess.run(
        ["ip", "netns", "list"], capture_output=True, text=True, timeout=10, check=False
    ).stdout.split()
    if name in listed:
        _ip("netns", "del", name)  # left over from a run that was killed
    _ip("netns", "add", name)
    room = LinkRoom(name)
    try:
        _ip("netns", "exec", name, "ip", "link", "set", "lo", "up")
        _ip("netns", "exec", name, "ip", "link", "set", "lo", "multicast", "on")
        _ip("netns", "exec", name, "ip", "route", "add", "224.0.0.0/4", "dev", "lo")
        yield room
    finally:
        for proc in room.procs:
            _stop(proc)
        _ip("netns", "del", name)


# -- one peer, run inside the room ----------------------------------------------------------
async def _peer(bpm: float) -> None:
    import aalink  # type: ignore[import-not-found,unused-ignore]

    link = aalink.Link(bpm)
    link.quantum = 4
    link.start_stop_sync_enabled = True
    link.enabled = True
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)

    async def report() -> None:
        while True:
            before = time.monotonic()
            beat = float(link.beat)
            t = (before + time.monotonic()) / 2.0
            state = {
                "t": t,
                "beat": beat,
                "bpm": float(link.tempo),
                "peers": int(link.num_peers),
                "playing": bool(link.playing),
            }
            print(json.dumps(state), flush=True)
            await asyncio.sleep(PEER_REPORT_S)

    task = loop.create_task(report())
    try:
        while line := (await reader.readline()).decode().split():
            if line[0] == "tempo":
                link.tempo = float(line[1])
            elif line[0] in ("play", "stop"):
                link.playing = line[0] == "play"
            elif line[0] == "quit":
                break
    finally:
        task.cancel()
        link.enabled = False


if __name__ == "__main__":
    asyncio.run(_peer(float(sys.argv[1])))
