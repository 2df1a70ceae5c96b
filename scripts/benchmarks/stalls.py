"""pacing.stall_* and pacing.capacity_used: a fader storm while the stand-in stalls at random.

Two stand-ins run in their own processes: a 12-frame pipeline (``longlive`` at 48 fps, so a
call every 0.25 s and enough calls in a short run) and a 1-frame one (``controller-viz`` at
24 calls a second, below the bridge's 30 Hz ceiling so that the capacity figure measures the
pacing, not the ceiling). On each, the bridge runs twice with the same seeded storm and the
same stalls (``/sim/faults`` ``stall_ms``): paced by evidence (the frames Scope sends, the
default), then by the clock at the pipeline's true call rate (``chunk_rate_hz``: the
baseline, an accurate rate without feedback). Figures:

- ``stall_drops``: updates the stand-in dropped (its queue of 8 was full);
- ``apply_p95_chunks``: per input, the time until Scope applied a message carrying it, minus
  the stalled time in between (no pacer can beat a stalled Scope), in chunk periods;
- ``capacity_used`` (1-frame only): updates sent ÷ pipeline calls Scope made while the input
  was changing (each call could have taken one update).
"""

from __future__ import annotations

import asyncio
import json
import math
import random
import socket
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

SHOW = """
schema = 1
[scope]
url = "{url}"
pipeline = "{pipeline}"
width = 128
height = 64
{extra}
[[prompts]]
id = "a"
text = "a misty forest"
[[prompts]]
id = "b"
text = "a neon city"
weight = 0.5
[devices.midi.ctl]
port = "bench"
[[mappings]]
source = {{ midi = "ctl", channel = 1, cc = 1 }}
target = "prompt.a.weight"
"""


@dataclass(frozen=True, slots=True)
class Pipeline:
    name: str
    pipeline: str
    frames: int
    fps: float

    @property
    def period(self) -> float:
        return self.frames / self.fps


PIPELINES = (Pipeline("12f", "longlive", 12, 48.0), Pipeline("1f", "controller-viz", 1, 24.0))


@dataclass
class Record:
    inputs: list[tuple[float, int]] = field(default_factory=list)  # (time, state version)
    sent: list[tuple[float, int, str]] = field(default_factory=list)  # (time, version, json)
    stalls: list[tuple[float, float]] = field(default_factory=list)  # (start, end)


def stall_plan(seed: int, seconds: float) -> list[tuple[float, float]]:
    """Non-overlapping stalls (offset from the storm's start, length), 300-1500 ms each."""
    rng = random.Random(seed)
    plan: list[tuple[float, float]] = []
    at = 0.5
    while True:
        at += rng.uniform(0.8, 2.0)
        length = rng.uniform(0.3, 1.5)
        if at + length > seconds - 0.5:
            return plan
        plan.append((at, length))
        at += length


async def stall_at(url: str, plan: list[tuple[float, float]], start: float, rec: Record) -> None:
    async with httpx.AsyncClient() as http:
        for offset, length in plan:
            await asyncio.sleep(max(0.0, start + offset - time.monotonic()))
            now = time.monotonic()
            await http.post(f"{url}/sim/faults", json={"stall_ms": length * 1000})
            rec.stalls.append((now, now + length))


async def one_run(
    url: str, folder: Path, pipe: Pipeline, clock: bool, seconds: float, seed: int
) -> dict[str, float]:
    extra = f"chunk_rate_hz = {1.0 / pipe.period:g}" if clock else ""
    path = folder / f"{pipe.name}-{'clock' if clock else 'evidence'}.toml"
    path.write_text(SHOW.format(url=url, pipeline=pipe.pipeline, extra=extra), encoding="utf-8")
    runtime = Runtime(load_show(path))
    bridge = runtime.bridge
    rec = Record()
    bridge.on_sent.append(
        lambda p: rec.sent.append(
            (time.monotonic(), bridge.state.version, json.dumps(p, sort_keys=True))
        )
    )
    task = asyncio.create_task(runtime.run())
    try:
        deadline = time.monotonic() + 30
        while runtime.link is None or runtime.link.status().frames_total < 10:
            if time.monotonic() > deadline:
                raise RuntimeError(f"no frames from the stand-in's {pipe.pipeline} in 30 s")
            await asyncio.sleep(0.05)
        await asyncio.sleep(1.0)
        async with httpx.AsyncClient() as http:
            before = (await http.get(f"{url}/sim/stats")).json()
            start = time.monotonic()
            stalls = asyncio.create_task(stall_at(url, stall_plan(seed, seconds), start, rec))
            i = 0
            rng = random.Random(seed)
            while (now := time.monotonic()) - start < seconds:
                value = round(63.5 + 63.5 * math.sin(2 * math.pi * (now - start) / 2.3))
                value = max(0, min(127, value + rng.randint(-3, 3)))
                bridge.submit(ev.ControlChange(now, "ctl", 1, 1, value))
                rec.inputs.append((now, bridge.state.version))
                i += 1
                await asyncio.sleep(max(0.0, start + i * 0.01 - time.monotonic()))
            end = time.monotonic()
            middle = (await http.get(f"{url}/sim/stats")).json()
            await stalls
            await asyncio.sleep(2.0)  # the last stall is over and the last value lands
            after = (await http.get(f"{url}/sim/stats")).json()
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    final = prompt_list(bridge.state, runtime.show.output.weight_quantum)
    return score(rec, before, middle, after, start, end, pipe, final)


def stalled(stalls: list[tuple[float, float]], a: float, b: float) -> float:
    return sum(max(0.0, min(b, e) - max(a, s)) for s, e in stalls)


def score(
    rec: Record,
    before: dict[str, Any],
    middle: dict[str, Any],
    after: dict[str, Any],
    start: float,
    end: float,
    pipe: Pipeline,
    final: list[dict[str, Any]],
) -> dict[str, float]:
    applied = [e for e in after["applied_log"] if e["received_t"] >= start - 1.0]
    pointer, versions = 0, []
    for entry in applied:  # each applied update is one message sent, in order
        text = json.dumps(entry["payload"], sort_keys=True)
        while pointer < len(rec.sent) and rec.sent[pointer][2] != text:
            pointer += 1
        if pointer < len(rec.sent):
            versions.append((entry["applied_t"], rec.sent[pointer][1]))
            pointer += 1
    waits = []
    for t_in, version in rec.inputs:
        at = next((t for t, v in versions if v >= version and t >= t_in), None)
        if at is None:
            waits.append(math.inf)
        else:
            waits.append((at - t_in - stalled(rec.stalls, t_in, at)) / pipe.period)
    waits.sort()
    p95 = waits[int(0.95 * (len(waits) - 1))] if waits else math.inf
    p50 = waits[len(waits) // 2] if waits else math.inf
    sent = sum(1 for t, _, _ in rec.sent if start <= t <= end)
    calls = middle["chunks"] - before["chunks"]
    prompts = [e["payload"]["prompts"] for e in applied if "prompts" in e["payload"]]
    last = prompts[-1] if prompts else None
    return {
        "drops": float(after["dropped"] - before["dropped"]),
        "p95": p95,
        "p50": p50,
        "capacity": sent / calls if calls else math.nan,
        "sent": float(sent),
        "calls": float(calls),
        "final_ok": float(last == final),
    }


def start_sim(pipe: Pipeline) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port(socket.SOCK_STREAM)
    args = ["--fps", str(pipe.fps), "--chunk-frames", str(pipe.frames), "--load-time", "0.05"]
    return standin.start(port, *args)


def run(quick: bool = False) -> dict[str, float]:
    seconds = 4.0 if quick else 7.0
    sims = [start_sim(pipe) for pipe in PIPELINES]
    out: dict[str, float] = {}
    try:
        for sim, url in sims:
            standin.wait_up(sim, url)
        with tempfile.TemporaryDirectory() as tmp:
            for seed, (pipe, (_, url)) in enumerate(zip(PIPELINES, sims, strict=True), 1):
                for clock in (False, True):
                    got = asyncio.run(one_run(url, Path(tmp), pipe, clock, seconds, seed))
                    who = "clock_" if clock else ""
                    out[f"pacing.{who}stall_drops_{pipe.name}"] = got["drops"]
                    out[f"pacing.{who}apply_p50_chunks_{pipe.name}"] = got["p50"]
                    out[f"pacing.{who}apply_p95_chunks_{pipe.name}"] = got["p95"]
                    out[f"pacing.{who}final_state_ok_{pipe.name}"] = got["final_ok"]
                    if pipe.frames == 1:
                        out[f"pacing.{who}capacity_used"] = got["capacity"]
                        out[f"pacing.{who}calls_{pipe.name}"] = got["calls"]
                        out[f"pacing.{who}sent_{pipe.name}"] = got["sent"]
    finally:
        for sim, _ in sims:
            sim.terminate()
            try:
                sim.wait(10)
            except subprocess.TimeoutExpired:
                sim.kill()
    out["pacing.stall_drops"] = sum(out[f"pacing.stall_drops_{p.name}"] for p in PIPELINES)
    out["pacing.clock_stall_drops"] = sum(
        out[f"pacing.clock_stall_drops_{p.name}"] for p in PIPELINES
    )
    return out
