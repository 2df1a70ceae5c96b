"""The bridge's side of a TURN run: a whole ``Runtime`` on a Scope, a knob storm, figures as JSON.

Run as ``python -m scripts.harness.turn_bridge URL SECONDS [--relay tcp]`` (inside the lab's
bridge namespace, or on loopback for the baseline); prints one JSON line. Control: each input
is an OSC value the show maps to a prompt weight; its apply latency is the time until the
stand-in applied a message carrying it (the stand-in's log, on the same monotonic clock: the
namespaces share it), in ms and in chunk periods. Nothing may be lost: the stand-in received
every message the bridge sent and dropped none, and its last applied prompts are the show's
final state. ``deliver_ms``: a message's send to its arrival at the stand-in (the link alone).
Frames: every frame the router got, its gap to the one before, and the counter the stand-in
stamps into it (a jump is a frame that never arrived).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import math
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from bridge.config.load import load_show
from bridge.core import events as ev
from bridge.core.payload import prompt_list
from bridge.running.runtime import Runtime
from bridge.sim import framecode
from bridge.sinks.router import FrameRouter
from scripts.harness.turnlab import CREDENTIAL_ENV, TURN_USER

FPS = 30.0
CHUNK_FRAMES = 2
SIM_ARGS = ["--fps", str(FPS), "--chunk-frames", str(CHUNK_FRAMES), "--load-time", "0.05"]
"""The stand-in's chunk model in every run: a call every 1/15 s, one update per call."""
CHUNK_S = CHUNK_FRAMES / FPS
FREEZE_S = 0.5
"""A gap between two frames longer than this is a freeze a viewer sees."""

SHOW = """
schema = 1
[scope]
url = "{url}"
pipeline = "longlive"
frames_per_chunk = {frames}
{extra}
[[prompts]]
id = "a"
text = "a misty forest"
[[prompts]]
id = "b"
text = "a neon city"
weight = 0.5
[devices.osc.ctl]
port = 9125
[[mappings]]
source = {{ osc = "ctl", address = "/w" }}
target = "prompt.a.weight"
"""


class CountingRouter(FrameRouter):
    """The router with no sinks, keeping each frame's arrival time and stamped counter."""

    def __init__(self) -> None:
        super().__init__([])
        self.arrivals: list[float] = []
        self.counters: list[int] = []

    def push(self, frame: Any) -> None:
        self.arrivals.append(time.monotonic())
        pixels: np.ndarray[Any, np.dtype[np.uint8]] = frame.to_ndarray(format="rgb24")
        self.counters.append(framecode.read(pixels))
        super().push(frame)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * (len(ordered) - 1) + 0.5))]


async def storm(
    url: str, seconds: float, relay: str, own_ice: list[str], give_up_s: float
) -> dict[str, Any]:
    extra = f'ice_relay = "{relay}"'
    if own_ice:  # the show's own TURN servers, the credential from the environment
        extra += f"\nice_servers = {json.dumps(own_ice)}\nice_username = {json.dumps(TURN_USER)}"
        extra += f"\nice_credential_env = {json.dumps(CREDENTIAL_ENV)}"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "show.toml"
        path.write_text(SHOW.format(url=url, frames=CHUNK_FRAMES, extra=extra), encoding="utf-8")
        runtime = Runtime(load_show(path))
    router = runtime.router = CountingRouter()
    bridge = runtime.bridge
    sent: list[tuple[float, int, str]] = []
    bridge.on_sent.append(
        lambda p: sent.append(
            (time.monotonic(), bridge.state.version, json.dumps(p, sort_keys=True))
        )
    )
    inputs: list[tuple[float, int]] = []
    task = asyncio.create_task(runtime.run())
    t0 = time.monotonic()
    try:
        while runtime.link is None or runtime.link.status().frames_total < 10:
            if time.monotonic() - t0 > give_up_s:
                status = runtime.link.status() if runtime.link is not None else None
                return {"error": f"no frames within {give_up_s:g} s ({status})"}
            await asyncio.sleep(0.05)
        connect_s = time.monotonic() - t0
        await asyncio.sleep(1.0)
        async with httpx.AsyncClient(timeout=10.0) as http:
            before = (await http.get(f"{url}/sim/stats")).json()
            sent_before = len(sent)
            frames_from = len(router.arrivals)
            start = time.monotonic()
            i = 0
            while (now := time.monotonic()) - start < seconds:
                value = 0.5 + 0.45 * math.sin(2 * math.pi * (now - start) / 2.3)
                bridge.submit(ev.OscMessage(now, "ctl", "/w", (round(value, 3),)))
                inputs.append((now, bridge.state.version))
                i += 1
                await asyncio.sleep(max(0.0, start + i * 0.01 - time.monotonic()))
            end = time.monotonic()
            await asyncio.sleep(3.0)  # the last value crosses the link and is applied
            after = (await http.get(f"{url}/sim/stats")).json()
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await router.close()
    final = prompt_list(bridge.state, runtime.show.output.weight_quantum)
    out = control_figures(sent[sent_before:], inputs, before, after, start, final)
    out.update(frame_figures(router, frames_from, start, end))
    out["connect_s"] = connect_s
    return out


def control_figures(
    sent: list[tuple[float, int, str]],
    inputs: list[tuple[float, int]],
    before: dict[str, Any],
    after: dict[str, Any],
    start: float,
    final: list[dict[str, Any]],
) -> dict[str, Any]:
    applied = [e for e in after["applied_log"] if e["received_t"] >= start - 1.0]
    pointer, versions, deliver = 0, [], []
    for entry in applied:  # each applied update is one message sent, in order
        text = json.dumps(entry["payload"], sort_keys=True)
        while pointer < len(sent) and sent[pointer][2] != text:
            pointer += 1
        if pointer < len(sent):
            versions.append((entry["applied_t"], sent[pointer][1]))
            deliver.append(entry["received_t"] - sent[pointer][0])
            pointer += 1
    waits = []
    for t_in, version in inputs:
        at = next((t for t, v in versions if v >= version and t >= t_in), None)
        waits.append(math.inf if at is None else at - t_in)
    prompts = [e["payload"]["prompts"] for e in applied if "prompts" in e["payload"]]
    received = after["received"] - before["received"]
    return {
        "sent": len(sent),
        "received": received,
        "lost": len(sent) - received,
        "drops": after["dropped"] - before["dropped"],
        "final_ok": bool(prompts) and prompts[-1] == final,
        "deliver_ms_p50": percentile(deliver, 0.5) * 1000,
        "deliver_ms_p95": percentile(deliver, 0.95) * 1000,
        "apply_ms_p50": percentile(waits, 0.5) * 1000,
        "apply_ms_p95": percentile(waits, 0.95) * 1000,
        "apply_p95_chunks": percentile(waits, 0.95) / CHUNK_S,
    }


def frame_figures(router: CountingRouter, first: int, start: float, end: float) -> dict[str, Any]:
    times = [t for t in router.arrivals[first:] if start <= t <= end]
    counters = router.counters[first : first + len(times)]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    missing = sum(max(0, (b - a) % 65536 - 1) for a, b in itertools.pairwise(counters))
    return {
        "frames": len(times),
        "fps": len(times) / (end - start),
        "frames_missing": missing,
        "gap_ms_p50": percentile(gaps, 0.5) * 1000,
        "gap_ms_p99": percentile(gaps, 0.99) * 1000,
        "gap_ms_max": max(gaps, default=math.nan) * 1000,
        "freezes": sum(1 for g in gaps if g > FREEZE_S),
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m scripts.harness.turn_bridge")
    parser.add_argument("url")
    parser.add_argument("seconds", type=float)
    parser.add_argument("--relay", default="off", choices=("auto", "off", "tcp", "tls"))
    parser.add_argument(
        "--own-ice", action="append", default=[], help="a TURN URL of the show's own"
    )
    parser.add_argument("--give-up", type=float, default=40.0, help="seconds to wait for video")
    args = parser.parse_args()
    result = asyncio.run(storm(args.url, args.seconds, args.relay, args.own_ice, args.give_up))
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
