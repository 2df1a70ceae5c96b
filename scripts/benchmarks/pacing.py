"""pacing.* and scope.*: a knob storm against the stand-in, our pacer vs a naive 30 Hz sender.

The stand-in runs in its own process with a longlive-like chunk model (16 fps, 12 frames a
chunk: one update applied every 0.75 s, a queue of 8 that drops the newest). The bridge runs
here, fed a fader moving continuously at 100 Hz and scene pads hit every 2.3 s, for the same
duration twice: with our pacer, then with a baseline that sends whatever changed at a fixed
30 Hz (the seed web app's strategy). An input's latency is the time until Scope *applies* a
message carrying a state at least as new as that input.
"""

from __future__ import annotations

import asyncio
import json
import math
import socket
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bridge.config.load import load_show
from bridge.core import events as ev
from bridge.core.payload import prompt_list
from bridge.running.runtime import Runtime
from scripts.benchmarks import standin
from scripts.benchmarks.control import free_port

FPS, CHUNK_FRAMES = 16.0, 12

SHOW = """
schema = 1
[scope]
url = "{url}"
[transition]
num_steps = 4
[[prompts]]
id = "a"
text = "a misty forest"
[[prompts]]
id = "b"
text = "a neon city"
weight = 0.5
[[prompts]]
id = "c"
text = "deep ocean"
weight = 0.0
[[scenes]]
name = "one"
weights = {{ a = 1.0, b = 0.3 }}
[[scenes]]
name = "two"
weights = {{ b = 1.0, c = 0.6 }}
[[scenes]]
name = "three"
weights = {{ c = 1.0, a = 0.4 }}
[devices.midi.ctl]
port = "bench"
[[mappings]]
source = {{ midi = "ctl", channel = 1, cc = 1 }}
target = "prompt.a.weight"
[[mappings]]
source = {{ midi = "ctl", channel = 1, note = 36 }}
target = "scene.next"
"""


@dataclass
class Storm:
    inputs: list[tuple[float, int]] = field(default_factory=list)  # (time, state version)
    sent: list[tuple[float, int, str]] = field(default_factory=list)  # (time, version, json)


async def storm(runtime: Runtime, seconds: float, naive: bool) -> Storm:
    bridge = runtime.bridge
    if naive:
        bridge.pacer.budget = 10**9  # no queue model: only the 30 Hz ceiling
    record = Storm()
    bridge.on_sent.append(
        lambda p: record.sent.append(
            (time.monotonic(), bridge.state.version, json.dumps(p, sort_keys=True))
        )
    )
    task = asyncio.create_task(runtime.run())
    deadline = time.monotonic() + 30
    while not bridge.transport or not bridge.transport.ready:
        if time.monotonic() > deadline:
            raise RuntimeError("the bridge did not connect to the stand-in within 30 s")
        await asyncio.sleep(0.05)
    await asyncio.sleep(1.0)
    start = time.monotonic()
    i = 0
    next_pad = start + 1.0
    while (now := time.monotonic()) - start < seconds:
        value = round(63.5 + 63.5 * math.sin(2 * math.pi * (now - start) / 3.7))
        bridge.submit(ev.ControlChange(now, "ctl", 1, 1, value))
        record.inputs.append((now, bridge.state.version))
        if now >= next_pad:
            bridge.submit(ev.NoteOn(now, "ctl", 1, 36, 100))
            bridge.submit(ev.NoteOff(now, "ctl", 1, 36))
            record.inputs.append((now, bridge.state.version))
            next_pad += 2.3
        i += 1
        await asyncio.sleep(max(0.0, start + i * 0.01 - time.monotonic()))
    await asyncio.sleep(6.0)  # let the last messages land
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    return record


def score(record: Storm, stats: dict[str, Any], final: list[dict[str, Any]]) -> dict[str, float]:
    applied = stats["applied_log"]
    # match each applied update to the message we sent (same content, in order)
    pointer = 0
    applied_versions: list[tuple[float, int]] = []
    for entry in applied:
        text = json.dumps(entry["payload"], sort_keys=True)
        while pointer < len(record.sent) and record.sent[pointer][2] != text:
            pointer += 1
        if pointer < len(record.sent):
            applied_versions.append((entry["applied_t"], record.sent[pointer][1]))
            pointer += 1
    latencies = []
    missing = 0
    for t_in, version in record.inputs:
        at = next((t for t, v in applied_versions if v >= version and t >= t_in), None)
        if at is None:
            missing += 1
        else:
            latencies.append((at - t_in) * 1000.0)
    last_prompts = None
    for entry in applied:
        payload = entry["payload"]
        if "transition" in payload:
            last_prompts = payload["transition"]["target_prompts"]
        elif "prompts" in payload:
            last_prompts = payload["prompts"]
    latencies.sort()
    p95 = latencies[int(0.95 * (len(latencies) - 1))] if latencies else math.inf
    return {
        "drops": float(stats["dropped"]),
        "apply_p95_ms": p95,
        "apply_p50_ms": statistics.median(latencies) if latencies else math.inf,
        "unapplied_inputs": float(missing),
        "sent": float(len(record.sent)),
        "final_state_ok": float(last_prompts == final),
    }


async def one_run(url: str, folder: Path, seconds: float, naive: bool) -> dict[str, float]:
    path = folder / "pacing.toml"
    path.write_text(SHOW.format(url=url), encoding="utf-8")
    runtime = Runtime(load_show(path))
    async with httpx.AsyncClient() as http:
        before = (await http.get(f"{url}/sim/stats")).json()
        started = time.monotonic()
        record = await storm(runtime, seconds, naive)
        stats = (await http.get(f"{url}/sim/stats")).json()
    # the stand-in's counters span its life: keep this run's share
    stats["dropped"] -= before["dropped"]
    stats["applied_log"] = [e for e in stats["applied_log"] if e["received_t"] >= started]
    final = prompt_list(runtime.bridge.state, runtime.show.output.weight_quantum)
    return score(record, stats, final)


async def first_frame_ms(url: str, folder: Path) -> float:
    """Connect (pipeline already loaded) → first frame, over loopback."""
    path = folder / "pacing.toml"
    runtime = Runtime(load_show(path))
    got = asyncio.Event()
    assert runtime.link is not None
    runtime.link._on_frame = lambda frame: got.set()
    start = time.monotonic()
    task = asyncio.create_task(runtime.run())
    try:
        await asyncio.wait_for(got.wait(), 20)
        return (time.monotonic() - start) * 1000.0
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


def run(quick: bool = False) -> dict[str, float]:
    seconds = 15.0 if quick else 60.0
    sim, url = standin.start(
        free_port(socket.SOCK_STREAM), "--fps", str(FPS), "--chunk-frames", str(CHUNK_FRAMES)
    )
    try:
        standin.wait_up(sim, url)
        with tempfile.TemporaryDirectory() as tmp:
            ours = asyncio.run(one_run(url, Path(tmp), seconds, naive=False))
            naive = asyncio.run(one_run(url, Path(tmp), seconds, naive=True))
            first = statistics.median(asyncio.run(first_frame_ms(url, Path(tmp))) for _ in range(3))
    finally:
        sim.terminate()
        try:
            sim.wait(10)
        except subprocess.TimeoutExpired:
            sim.kill()
    chunk_ms = 1000.0 * CHUNK_FRAMES / FPS
    return {
        "pacing.chunk_ms": chunk_ms,
        "pacing.drops": ours["drops"],
        "pacing.naive_drops": naive["drops"],
        "pacing.apply_p50_ms": ours["apply_p50_ms"],
        "pacing.apply_p95_ms": ours["apply_p95_ms"],
        "pacing.naive_apply_p95_ms": naive["apply_p95_ms"],
        "pacing.p95_in_chunks": ours["apply_p95_ms"] / chunk_ms,
        "pacing.naive_to_ours_p95": naive["apply_p95_ms"] / ours["apply_p95_ms"],
        "pacing.sent": ours["sent"],
        "pacing.naive_sent": naive["sent"],
        "pacing.unapplied_inputs": ours["unapplied_inputs"],
        "pacing.naive_unapplied_inputs": naive["unapplied_inputs"],
        "pacing.final_state_ok": ours["final_state_ok"],
        "pacing.naive_final_state_ok": naive["final_state_ok"],
        "scope.first_frame_ms": first,
    }
