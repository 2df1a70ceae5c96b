"""tui.*: what the console costs, idle and under a 5,000 msg/s OSC storm, and whether it slows
control. The same runs without the console are the baseline in the same invocation.

As `scope-bridge run` has it, the bridge (a real `Runtime` on the stand-in, which runs in
its own process at 10 chunks/s) runs in this process and the console in a child process
(`bridge.tui.console --headless --size 120x40`: every panel laid out and rendered, the output
discarded) that polls it for snapshots. `tui.cpu_pct_*` is the console process's CPU (from
/proc); `tui.bridge_cpu_pct_*` is this process's with the console attached, next to
`tui.headless_cpu_pct_*` without it. The storm comes from a separate process whose messages
carry their send time: `osc_to_send` is the time from our receiver handling it to the data
channel's `send` call (as control.osc_to_send), for sends made on an input's leading edge;
`wire_to_send` counts from the sender's own send, so it includes the kernel, the scheduler
and any wait for the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
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


class ProcessCpu:
    """CPU seconds (user + system) another process has used so far, from /proc (Linux)."""

    def __init__(self, pid: int) -> None:
        self.path = Path(f"/proc/{pid}/stat")
        self.tick = os.sysconf("SC_CLK_TCK")

    def seconds(self) -> float:
        fields = self.path.read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / self.tick  # utime, stime


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

    async def run_and_measure(other: ProcessCpu | None = None) -> dict[str, float]:
        for _ in range(300):
            if link.ready:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(2.0)
        wall, cpu = time.perf_counter(), time.process_time()
        other_cpu = other.seconds() if other else 0.0
        await asyncio.sleep(seconds)
        span = time.perf_counter() - wall
        idle = 100.0 * (time.process_time() - cpu) / span
        console_idle = 100.0 * (other.seconds() - other_cpu) / span if other else 0.0
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
        other_cpu = other.seconds() if other else 0.0
        await sender.communicate()
        span = time.perf_counter() - wall
        storm = 100.0 * (time.process_time() - cpu) / span
        console_storm = 100.0 * (other.seconds() - other_cpu) / span if other else 0.0
        return {
            "cpu_idle": idle,
            "cpu_storm": storm,
            "console_cpu_idle": console_idle,
            "console_cpu_storm": console_storm,
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
    from bridge.tui.engine import run_with_console

    pids: list[int] = []
    started = asyncio.Event()

    def console_started(pid: int) -> None:
        pids.append(pid)
        started.set()

    engine = asyncio.create_task(
        run_with_console(
            runtime,
            console_args=("--headless", "--size", "120x40"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,  # its one line on leaving ("the bridge went away")
            restarts=0,
            started=console_started,
        )
    )
    try:
        await asyncio.wait_for(started.wait(), 30)
        console_cpu = ProcessCpu(pids[0])
        result = await run_and_measure(console_cpu)
        if engine.done():
            raise RuntimeError(f"the console process ended early: {engine.result()}")
        return result
    finally:
        engine.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await engine


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
        "tui.cpu_pct_idle": console["console_cpu_idle"],
        "tui.cpu_pct_storm": console["console_cpu_storm"],
        "tui.bridge_cpu_pct_idle": console["cpu_idle"],
        "tui.bridge_cpu_pct_storm": console["cpu_storm"],
        "tui.osc_to_send_p50_us": console["p50"],
        "tui.osc_to_send_p99_us": console["p99"],
        "tui.osc_to_send_samples": console["samples"],
        "tui.wire_to_send_p99_us": console["wire_p99"],
        "tui.headless_wire_to_send_p99_us": headless["wire_p99"],
        "tui.headless_cpu_pct_idle": headless["cpu_idle"],
        "tui.headless_cpu_pct_storm": headless["cpu_storm"],
        "tui.headless_osc_to_send_p99_us": headless["p99"],
    }
