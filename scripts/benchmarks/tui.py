"""tui.*: what the console costs, idle and under a 5,000 msg/s OSC storm, and whether it slows
control, against the same bridge without a console, in rounds within one run.

As `scope-bridge run` has it, the bridge (a real `Runtime` on the stand-in, which runs in
its own process at 10 chunks/s) runs in this process and the console in a child process
(`bridge.console.app.main --headless --size 120x40`: every panel laid out and rendered, the output
discarded) that asks it for snapshots. One bridge runs throughout; each round measures it
once with a console attached and once without (the order alternating from round to round,
so a drift of the shared machine falls on both), each time idle and then under the storm.
The console is started afresh for its half of a round and measured only after it has
answered a few requests (its start-up is not its idle cost).

- ``tui.cpu_pct_*``: the console process's CPU (from /proc); ``tui.bridge_cpu_pct_*`` this
  process's with the console attached, beside ``tui.headless_cpu_pct_*`` without it.
- ``tui.osc_to_done_p99_us``: every storm message, from our receiver parsing it to the
  bridge being done with it (mapping, state, the pacer, and the data channel's ``send``
  when it made one). Tens of thousands of samples a round, so its p99 is steady.
- ``tui.osc_wait_p99_us``: every storm message, from the sender's own send (its stamp) to
  our receiver parsing it: the kernel, the scheduler, and the loop being busy with something
  else, such as answering the console, which runs on the same loop.
- ``tui.osc_to_send_p99_us``: only sends made on an input's leading edge, as
  control.osc_to_send (the pacer allows at most 30 a second, so a few dozen a round): the
  rounds' samples pooled; ``tui.wire_to_send_p99_us`` the same sends from the sender's stamp.
- ``tui.serve_p99_us``, ``tui.serve_pct_storm``: during the storm, the time one console
  request takes on the bridge's loop (its answer and the reply's encoding), and the share
  of the storm's wall time they took together.
Per-round figures are reported as the median over rounds; every latency has its headless
twin (``tui.headless_*``) and a ``*_ratio`` (console ÷ headless). Run alone
(``python scripts/benchmarks/tui.py [--quick]``) it prints the figures as JSON, so the same
code can be pointed at another checkout of the bridge with ``PYTHONPATH``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bridge.core import events as ev
from bridge.protocols import Payload
from bridge.running.runtime import Runtime
from scripts.benchmarks.control import free_port, pct
from scripts.benchmarks.core import realistic_show

STORM_HZ = 5000.0
ROUNDS = 3
SETTLE_REQUESTS = 5
"""A freshly started console is measured once it has answered this many requests."""


class ProcessCpu:
    """CPU seconds (user + system) another process has used so far, from /proc (Linux)."""

    def __init__(self, pid: int) -> None:
        self.path = Path(f"/proc/{pid}/stat")
        self.tick = os.sysconf("SC_CLK_TCK")

    def seconds(self) -> float:
        fields = self.path.read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / self.tick  # utime, stime


@dataclass
class Probe:
    """Timings taken inside the bridge while a storm runs (``on`` False: none recorded)."""

    on: bool = False
    current: tuple[float, float] | None = None
    """(sender's stamp, our parse time) of the OSC message being handled now."""
    waits: list[float] = field(default_factory=list)
    done: list[float] = field(default_factory=list)
    leading: list[float] = field(default_factory=list)
    wire: list[float] = field(default_factory=list)
    serving: list[float] = field(default_factory=list)
    """Each console request's time on the bridge's loop: the answer and its encoding."""

    def clear(self) -> None:
        self.current = None
        for samples in (self.waits, self.done, self.leading, self.wire, self.serving):
            samples.clear()


def instrument(runtime: Runtime) -> Probe:
    """Hooks on the bridge's path for one OSC message: heard (`on_event`), pumped (its
    sends, made in the same call), and each data channel send made while it is handled."""
    link, bridge = runtime.link, runtime.bridge
    assert link is not None
    probe = Probe()

    def on_event(e: ev.Event) -> None:
        if probe.on and isinstance(e, ev.OscMessage) and len(e.args) > 1:
            stamp = e.args[1]
            if isinstance(stamp, float):
                probe.current = (stamp, e.t)

    pump, send = bridge.pump, link.send

    def timed_pump() -> None:
        pump()
        if probe.current is not None:
            stamp, t = probe.current
            probe.current = None
            probe.waits.append(t - stamp)
            probe.done.append(time.monotonic() - t)

    def timed_send(payload: Payload) -> None:
        if probe.current is not None:  # sent inside that input's own submit
            now = time.monotonic()
            probe.leading.append(now - probe.current[1])
            probe.wire.append(now - probe.current[0])
        send(payload)

    bridge.on_event.insert(0, on_event)
    bridge.pump = timed_pump  # type: ignore[method-assign]
    link.send = timed_send  # type: ignore[method-assign]
    return probe


async def storm(osc_port: int, seconds: float) -> None:
    sender = await asyncio.create_subprocess_exec(
        sys.executable,
        *("-m", "scripts.benchmarks.osc_sender", str(osc_port), str(STORM_HZ), str(seconds)),
        "--stamp",
        stdout=asyncio.subprocess.PIPE,
    )
    await sender.communicate()


async def phase(
    probe: Probe, osc_port: int, seconds: float, console: ProcessCpu | None
) -> dict[str, float]:
    """One half of a round: idle, then the storm; CPU shares and this storm's p99s."""
    out: dict[str, float] = {}
    for name in ("idle", "storm"):
        wall, cpu = time.perf_counter(), time.process_time()
        other = console.seconds() if console else 0.0
        if name == "idle":
            await asyncio.sleep(seconds)
        else:
            probe.clear()
            probe.on = True
            try:
                await storm(osc_port, seconds)
            finally:
                probe.on = False
        span = time.perf_counter() - wall
        out[f"cpu_{name}"] = 100.0 * (time.process_time() - cpu) / span
        out[f"console_cpu_{name}"] = 100.0 * (console.seconds() - other) / span if console else 0.0
    out["osc_to_done_p99"] = pct(probe.done, 0.99) * 1e6
    out["osc_to_done_p50"] = statistics.median(probe.done) * 1e6
    out["osc_wait_p99"] = pct(probe.waits, 0.99) * 1e6
    out["messages"] = float(len(probe.done))
    out["serve_p99"] = pct(probe.serving, 0.99) * 1e6 if probe.serving else 0.0
    out["serve_pct"] = 100.0 * sum(probe.serving) / seconds
    return out


async def with_console(
    runtime: Runtime, bridge: asyncio.Task[None], probe: Probe, osc_port: int, seconds: float
) -> dict[str, float]:
    """A phase with a console child attached to the running bridge, as `scope-bridge run`
    attaches it; the console is closed afterwards and its hooks taken off."""
    from bridge.console.serve import server as server_module
    from bridge.console.serve.server import ConsoleServer, _one_console
    from bridge.console.serve.showhost import ShowHost

    host = ShowHost(runtime)
    server = ConsoleServer(host, bridge)
    answer = server.answer
    encode: Callable[[object, bytes], bytes] = vars(server_module)["encode"]  # as `serve` calls it

    async def timed_answer(method: str, args: list[Any]) -> tuple[bool, Any, bytes]:
        start = time.perf_counter()
        try:
            return await answer(method, args)
        finally:
            if probe.on:
                probe.serving.append(time.perf_counter() - start)

    def timed_encode(message: object, raw: bytes = b"") -> bytes:
        start = time.perf_counter()
        try:
            return encode(message, raw)
        finally:
            if probe.on and probe.serving:
                probe.serving[-1] += time.perf_counter() - start

    server.answer = timed_answer  # type: ignore[method-assign]
    vars(server_module)["encode"] = timed_encode
    pids: list[int] = []
    args = ("--headless", "--size", "120x40")
    # stderr: its one line on leaving ("the bridge went away")
    child = subprocess.DEVNULL
    console = asyncio.create_task(_one_console(server, args, child, child, pids.append))
    try:
        async with asyncio.timeout(60):
            while sum(server.asked.values()) < SETTLE_REQUESTS:
                if console.done():
                    raise RuntimeError(f"the console ended early: {console.result()}")
                await asyncio.sleep(0.1)
        await asyncio.sleep(1.0)
        result = await phase(probe, osc_port, seconds, ProcessCpu(pids[0]))
        if console.done():
            raise RuntimeError(f"the console ended early: {console.result()}")
        return result
    finally:
        console.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await console
        runtime.bridge.on_event.remove(host._learn_event)
        vars(server_module)["encode"] = encode


async def measure(
    folder: Path, sim_port: int, seconds: float, rounds: int
) -> tuple[list[dict[str, float]], list[dict[str, float]], Probe, Probe]:
    """Per-round results (headless, console) and the pooled leading-edge sends of each."""
    osc_port = free_port()
    extra = f'[scope]\nurl = "http://127.0.0.1:{sim_port}"\nchunk_rate_hz = 10\n'
    runtime = Runtime(realistic_show(folder, osc_port, extra))
    probe = instrument(runtime)
    link = runtime.link
    assert link is not None
    bridge = asyncio.create_task(runtime.run())
    pooled = {True: Probe(), False: Probe()}
    results: dict[bool, list[dict[str, float]]] = {True: [], False: []}
    try:
        for _ in range(300):
            if link.ready:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(2.0)
        for n in range(rounds):
            for console in (False, True) if n % 2 == 0 else (True, False):
                if console:
                    result = await with_console(runtime, bridge, probe, osc_port, seconds)
                else:
                    result = await phase(probe, osc_port, seconds, None)
                results[console].append(result)
                pooled[console].leading.extend(probe.leading)
                pooled[console].wire.extend(probe.wire)
                if bridge.done():
                    bridge.result()
                    raise RuntimeError("the bridge stopped during the benchmark")
    finally:
        bridge.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await bridge
    return results[False], results[True], pooled[False], pooled[True]


def _median(rows: list[dict[str, float]], key: str) -> float:
    return statistics.median(row[key] for row in rows)


def _p99(samples: list[float]) -> float:
    return pct(samples, 0.99) * 1e6 if samples else float("nan")


def run(quick: bool = False) -> dict[str, float]:
    seconds, rounds = (2.0, 1) if quick else (4.0, ROUNDS)
    sim_port = free_port(socket.SOCK_STREAM)
    sim = subprocess.Popen(
        [
            *(sys.executable, "-m", "bridge.sim", "--port", str(sim_port), "--fps", "10"),
            *("--chunk-frames", "1", "--load-time", "0.05"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(1.5)
        with tempfile.TemporaryDirectory() as tmp:
            headless, console, alone, attached = asyncio.run(
                measure(Path(tmp), sim_port, seconds, rounds)
            )
    finally:
        sim.terminate()
        sim.wait(10)
    out = {
        "tui.cpu_pct_idle": _median(console, "console_cpu_idle"),
        "tui.cpu_pct_storm": _median(console, "console_cpu_storm"),
        "tui.bridge_cpu_pct_idle": _median(console, "cpu_idle"),
        "tui.bridge_cpu_pct_storm": _median(console, "cpu_storm"),
        "tui.headless_cpu_pct_idle": _median(headless, "cpu_idle"),
        "tui.headless_cpu_pct_storm": _median(headless, "cpu_storm"),
        "tui.osc_to_done_p50_us": _median(console, "osc_to_done_p50"),
        "tui.osc_to_done_p99_us": _median(console, "osc_to_done_p99"),
        "tui.headless_osc_to_done_p99_us": _median(headless, "osc_to_done_p99"),
        "tui.osc_wait_p99_us": _median(console, "osc_wait_p99"),
        "tui.headless_osc_wait_p99_us": _median(headless, "osc_wait_p99"),
        "tui.serve_p99_us": _median(console, "serve_p99"),
        "tui.serve_pct_storm": _median(console, "serve_pct"),
        "tui.storm_messages_per_round": _median(console, "messages"),
        "tui.osc_to_send_p99_us": _p99(attached.leading),
        "tui.headless_osc_to_send_p99_us": _p99(alone.leading),
        "tui.osc_to_send_samples": float(len(attached.leading)),
        "tui.headless_osc_to_send_samples": float(len(alone.leading)),
        "tui.wire_to_send_p99_us": _p99(attached.wire),
        "tui.headless_wire_to_send_p99_us": _p99(alone.wire),
        "tui.rounds": float(rounds),
    }
    for name in ("osc_to_done", "osc_wait", "osc_to_send", "wire_to_send"):
        out[f"tui.{name}_p99_ratio"] = (
            out[f"tui.{name}_p99_us"] / out[f"tui.headless_{name}_p99_us"]
        )
    return out


if __name__ == "__main__":
    print(json.dumps(run("--quick" in sys.argv), indent=1, sort_keys=True))
