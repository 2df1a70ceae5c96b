"""A running show for hostile OSC tests: the stand-in, a Runtime with smoothing, slew and LFO
mappings and the discrete targets NaN used to break, OSC built byte by byte, paced sends."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import struct
import time
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bridge.config.load import load_show
from bridge.inputs.osc import OscInput
from bridge.running.runtime import Runtime
from tests.sim.simkit import FAST, running_sim, wait_for

SHOW = """
schema = 1
start_scene = "one"
denoising_presets = [[1000, 750, 500, 250], [700, 500]]
[scope]
url = "{url}"
[[prompts]]
id = "a"
text = "first"
[[prompts]]
id = "b"
text = "second"
weight = 0.5
[[prompts]]
id = "c"
text = "third"
weight = 0.5
[[scenes]]
name = "one"
weights = {{ a = 1.0, b = 0.5, c = 0.5 }}
[[scenes]]
name = "two"
weights = {{ b = 1.0, c = 0.5 }}
[devices.osc.host]
port = {port}
[[mappings]]
id = "smooth-a"
source = {{ osc = "host", address = "/a" }}
target = "prompt.a.weight"
transforms = [{{ smooth = 100 }}]
[[mappings]]
id = "slew-b"
source = {{ osc = "host", address = "/b" }}
target = "prompt.b.weight"
transforms = [{{ slew = 4.0 }}]
[[mappings]]
id = "valid-c"
source = {{ osc = "host", address = "/valid" }}
target = "prompt.c.weight"
[[mappings]]
id = "lfo-kv"
source = {{ lfo = "sine", period_s = 0.5 }}
target = "kv_cache_attention_bias"
[[mappings]]
id = "lfo-b"
source = {{ lfo = "triangle", period_s = 0.7 }}
target = "prompt.b.weight"
merge = "add"
out = [0.0, 0.1]
[[mappings]]
id = "scene"
source = {{ osc = "host", address = "/scene" }}
target = "scene"
[[mappings]]
id = "steps"
source = {{ osc = "host", address = "/steps" }}
target = "denoising_steps"
[[mappings]]
id = "text"
source = {{ osc = "host", address = "/text" }}
target = "prompt.c.text"
values = ["red", "green", "blue"]
"""


def padded(raw: bytes) -> bytes:
    raw += b"\x00"
    return raw + b"\x00" * (-len(raw) % 4)


STRUCT = {"i": "i", "h": "q", "f": "f", "d": "d"}  # OSC type tag → struct code


def message(address: str, tags: str, *values: float | int) -> bytes:
    """An OSC message of numeric arguments with exact wire types (i, h, f, d)."""
    layout = ">" + "".join(STRUCT[t] for t in tags)
    return padded(address.encode()) + padded(b"," + tags.encode()) + struct.pack(layout, *values)


def bundle(*elements: bytes, timetag: int = 1) -> bytes:
    body = b"".join(struct.pack(">i", len(e)) + e for e in elements)
    return b"#bundle\x00" + struct.pack(">Q", timetag) + body


def rss_mb() -> float:
    """This process's resident memory now (not the peak)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024.0
    raise AssertionError("no VmRSS in /proc/self/status")


def strict_json(text: str) -> Any:
    """Parse JSON, failing on NaN and Infinity (which Python's json writes by default)."""

    def refuse(name: str) -> None:
        raise AssertionError(f"{name} in JSON")

    return json.loads(text, parse_constant=refuse)


@dataclass
class Show:
    runtime: Runtime
    port: int
    sent: list[dict[str, Any]] = field(default_factory=list)
    """Every payload the bridge sent to Scope."""
    task: asyncio.Task[None] | None = None

    @property
    def osc(self) -> OscInput:
        return self.runtime.devices.osc["host"]

    def alive(self) -> bool:
        return self.task is not None and not self.task.done()


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.asynccontextmanager
async def running_show(tmp_path: Path) -> AsyncIterator[Show]:
    """The show against the stand-in, streaming, with its OSC input listening."""
    async with running_sim(**FAST) as (_sim, url):
        port = free_udp_port()
        (tmp_path / "show.toml").write_text(SHOW.format(url=url, port=port))
        show = Show(Runtime(load_show(tmp_path / "show.toml")), port)
        show.runtime.bridge.on_sent.append(lambda p: show.sent.append(dict(p)))
        show.task = asyncio.create_task(show.runtime.run())
        try:
            await wait_for(lambda: show.osc.address is not None, 10.0, "the OSC input")
            link = show.runtime.link
            assert link is not None
            await wait_for(lambda: link.ready and len(show.sent) > 2, 20.0, "updates to Scope")
            yield show
        finally:
            show.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await show.task


async def send_paced(
    show: Show, datagrams: Iterable[bytes], *, batch: int = 64, budget: int = 256 * 1024
) -> int:
    """Send in batches small enough for the receive buffer, each once the input has read the
    last one, so that the kernel drops nothing. Returns how many were sent."""
    osc = show.osc
    start = osc.stats["packets"]
    sent = 0
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as out:
        pending: list[bytes] = []
        size = 0

        async def flush() -> None:
            nonlocal sent, size
            for data in pending:
                out.sendto(data, ("127.0.0.1", show.port))
            sent += len(pending)
            pending.clear()
            size = 0
            deadline = time.monotonic() + 10.0
            while osc.stats["packets"] - start < sent:
                if time.monotonic() > deadline or not show.alive():
                    raise AssertionError(
                        f"the input read {osc.stats['packets'] - start} of {sent} datagrams"
                    )
                await asyncio.sleep(0.001)

        for data in datagrams:
            if pending and (len(pending) >= batch or size + len(data) > budget):
                await flush()
            pending.append(data)
            size += len(data)
        if pending:
            await flush()
    return sent
