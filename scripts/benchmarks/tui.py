"""tui.*: what the console costs, idle and under a 5,000 msg/s OSC storm, and whether it slows
control. The same runs without the console are the baseline in the same invocation.

The console runs headless (Textual's `run_test`, 120×40: every panel laid out and rendered,
the output discarded) in this process, with the bridge on its own thread and loop as
`scope-bridge run` has it, around a real `Runtime` on the stand-in (its own process;
30 chunks/s so that leading edges are frequent enough to measure). The storm comes
from a separate process whose messages carry their send time: `osc_to_send` is the time
from our receiver handling it to the data channel's `send` call (as control.osc_to_send),
for sends made on an input's leading edge; `wire_to_send` counts from the sender's own send,
so it includes the kernel, the scheduler and any wait for the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bridge.core import events as ev
from bridge.protocols import Payload
from bridge.runtime import Runtime
from scripts.benchmarks.control import free_port, pct
from scripts.benchmarks.core import realistic_show

STORM_HZ = 5000.0


async def measure(console: bool, seconds: float, folder: Path, sim_port: int) -> dict[str, float]:
    osc_port = free_port()
    extra = f'[scope]\nurl = "http://127.0.0.1:{sim_port}"\nchunk_rate_hz = 10\n'
    runtime = Runtime(realistic_show(folder, osc_port, extra))
    link = runtime.link
    assert link is not None
    # (wire send time, received time, handled time) of the last OSC message
    probe: list[tuple[float, float, float]] = []
    latencies: list[float] = []
    wire: list[float] = []

    def on_event(e: ev.Event) -> None:
        if isinstance(e, ev.OscMessage) and len(e.args) > 1 and isinstance(e.args[1], float):
            probe[:] = [(e.args[1], e.t, time.monotonic())]

    runtime.bridge.on_event.insert(0, on_event)
    original = link.send

    def timed(payload: Payload) -> None:
        now = time.monotonic()
        if probe and now - probe[0][2] < 0.001:  # sent inside that input's own submit
            latencies.append(now - probe[0][1])
            wire.append(now - probe[0][0])
            probe.clear()
        original(payload)

    link.send = timed  # type: ignore[method-assign]

    async def run_and_measure() -> dict[str, float]:
        for _ in range(300):
            if link.ready:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.0)
        wall, cpu = time.perf_counter(), time.process_time()
        await asyncio.sleep(seconds)
        idle = 100.0 * (time.process_time() - cpu) / (time.perf_counter() - wall)
        latencies.clear()
        wire.clear()
        sender = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "scripts.benchmarks.osc_sender",
            str(osc_port),
            str(STORM_HZ),
            str(seconds),
            "--stamp",
            stdout=asyncio.subprocess.PIPE,
        )
        wall, cpu = time.perf_counter(), time.process_time()
        await sender.communicate()
        storm = 100.0 * (time.process_time() - cpu) / (time.perf_counter() - wall)
        return {
            "cpu_idle": idle,
            "cpu_storm": storm,
            "p50": statistics.median(latencies) * 1e6 if latencies else float("nan"),
            "p99": pct(latencies, 0.99) * 1e6 if latencies else float("nan"),
            "samples": float(len(latencies)),
            "wire_p99": pct(wire, 0.99) * 1e6 if wire else float("nan"),
        }

    if not console:
        task = asyncio.create_task(runtime.run())
        try:
            return await run_and_measure()
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    from bridge.tui.app import ConsoleApp
    from bridge.tui.launch import SWITCH_INTERVAL_S, RuntimeHost

    previous = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL_S)  # as `scope-bridge run` does
    app = ConsoleApp(RuntimeHost(runtime))
    try:
        async with app.run_test(headless=True, size=(120, 40)):
            return await run_and_measure()
    finally:
        sys.setswitchinterval(previous)


def run(quick: bool = False) -> dict[str, float]:
    seconds = 4.0 if quick else 10.0
    sim_port = free_port(socket.SOCK_STREAM)
    sim = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bridge.sim",
            "--port",
            str(sim_port),
            "--fps",
            "10",
            "--chunk-frames",
            "1",
            "--load-time",
            "0.05",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(1.5)
        with tempfile.TemporaryDirectory() as tmp:
            headless = asyncio.run(measure(False, seconds, Path(tmp), sim_port))
            console = asyncio.run(measure(True, seconds, Path(tmp), sim_port))
    finally:
        sim.terminate()
        sim.wait(10)
    return {
        "tui.cpu_pct_idle": console["cpu_idle"],
        "tui.cpu_pct_storm": console["cpu_storm"],
        "tui.osc_to_send_p50_us": console["p50"],
        "tui.osc_to_send_p99_us": console["p99"],
        "tui.osc_to_send_samples": console["samples"],
        "tui.wire_to_send_p99_us": console["wire_p99"],
        "tui.headless_wire_to_send_p99_us": headless["wire_p99"],
        "tui.headless_cpu_pct_idle": headless["cpu_idle"],
        "tui.headless_cpu_pct_storm": headless["cpu_storm"],
        "tui.headless_osc_to_send_p99_us": headless["p99"],
    }
