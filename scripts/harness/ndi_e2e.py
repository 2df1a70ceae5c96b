"""Scope's VP8 video → aiortc → the frame router → the NDI sender, end to end, as processes.

Inside a loopback-only network namespace (NDI must never leave the machine), three processes:
the stand-in streaming VP8 at 30 fps, the bridge (a real `Runtime` whose frame router feeds
an NDI sink; this module run as ``python -m scripts.harness.ndi_e2e``), and an NDI receiver.
The bridge process reports the time from a frame's arrival from aiortc (the router's push) to
its hand-off to the NDI sender, and its own CPU while decoding and forwarding. The frames
benchmark (``scripts.benchmarks.frames_e2e``) and the NDI tests both run it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bridge.config.load import load_show
from bridge.sinks.ndi import NdiSink
from bridge.sinks.router import FrameRouter
from scripts.harness.loopcheck import (
    announce_open,
    go,
    json_result,
    percentile,
    start_receiver,
    wait_for_open,
)
from scripts.harness.netns import NdiNamespace

PORT = 8170
SHOW = """
schema = 1
[scope]
url = "http://127.0.0.1:{port}"
width = {width}
height = {height}
[[prompts]]
id = "p"
text = "a forest"
"""


async def bridge_side(width: int, height: int, seconds: float, name: str) -> dict[str, Any]:
    """Run inside the namespace: a Runtime on the stand-in, frames to an NDI sink."""
    from bridge.running.runtime import Runtime

    forward: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "show.toml"
        path.write_text(SHOW.format(port=PORT, width=width, height=height))
        runtime = Runtime(load_show(path))
    sink = NdiSink(
        "ndi", name, on_handoff=lambda f: forward.append(time.perf_counter() - f.pushed_at)
    )
    runtime.router = FrameRouter([sink])
    link = runtime.link
    if link is None:
        return {"error": "the show has no Scope link"}
    task = asyncio.create_task(runtime.run())
    try:
        deadline = time.monotonic() + 30
        # measure once the NDI source is up (after two windows of measured rate)
        while sink.opens == 0:
            if time.monotonic() > deadline:
                return {
                    "error": "no NDI output from the stand-in's frames",
                    "status": str(runtime.connection()),
                }
            await asyncio.sleep(0.05)
        announce_open()
        forward.clear()
        wall, cpu = time.perf_counter(), time.process_time()
        frames_before = link.status().frames_total
        await asyncio.sleep(seconds)
        cpu_used, wall_used = time.process_time() - cpu, time.perf_counter() - wall
        frames = link.status().frames_total - frames_before
        status = runtime.router.status()[0]
        opens, announced = sink.opens, sink.announced_fps
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    return {
        "frames_in": frames,
        "fps_in": frames / wall_used,
        "handed": len(forward),
        "sent": status.sent,
        "ndi_opens": opens,
        "ndi_fps": str(announced),
        "forward_ms_p50": percentile(forward, 0.5) * 1000,
        "forward_ms_p99": percentile(forward, 0.99) * 1000,
        "cpu_pct": 100.0 * cpu_used / wall_used,
    }


def run_e2e(
    ns: NdiNamespace, width: int, height: int, seconds: float, name: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Stand-in, bridge and NDI receiver as three processes in ``ns``; bridge and receiver
    results. Every process is stopped by its PID."""
    sim = subprocess.Popen(
        ns.command(
            [
                sys.executable,
                "-m",
                "bridge.sim",
                "--port",
                str(PORT),
                "--fps",
                "30",
                "--load-time",
                "0.05",
            ]
        ),
        env=ns.env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    procs: list[subprocess.Popen[str]] = []
    try:
        time.sleep(1.5)
        bridge_cmd = [
            sys.executable,
            "-m",
            "scripts.harness.ndi_e2e",
            "--width",
            str(width),
            "--height",
            str(height),
            "--seconds",
            str(seconds),
            "--name",
            name,
        ]
        receiver_cmd = [
            sys.executable,
            "-m",
            "scripts.harness.loopcheck",
            "receive",
            "--name",
            name,
            "--seconds",
            str(seconds),
        ]
        procs.append(ns.popen(bridge_cmd))
        procs.append(start_receiver(ns, receiver_cmd))
        wait_for_open(procs[0], 45.0)
        go(procs[1])
        out = [p.communicate(timeout=seconds + 60)[0] for p in procs]
    finally:
        everything: list[subprocess.Popen[Any]] = [*procs, sim]
        for proc in everything:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)
    return json_result(out[0]), json_result(out[1])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--width", type=int, required=True)
    parser.add_argument("--height", type=int, required=True)
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--name", required=True)
    args = parser.parse_args()
    result = asyncio.run(bridge_side(args.width, args.height, args.seconds, args.name))
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
