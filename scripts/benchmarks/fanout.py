"""fanout.*: one bridge driving four Scope stand-ins, one of them killed and started again.

Four stand-ins run as their own processes: two fast ones (``controller-viz``, one frame per
call at 24 calls a second), two with slower chunk models (``controller-viz`` at 8 calls a
second, and ``longlive``, 12 frames per call at 48 fps: a call every 0.25 s). One bridge
(a real `Runtime`, in this process) drives all four through its own pacer each, while a knob
storm (100 inputs a second, a sine with jitter) runs for ``seconds`` (20 by default; the
issue asks for 60: ``./scripts/bench fanout 60``). A third of the way in, one fast
stand-in is SIGKILLed; two thirds in, it is started again on the same port.

Figures:
- ``drops``: updates the stand-ins dropped (their queues of 8 were full), all four summed;
- ``final_state_ok``: 1 when every target (the restarted one too) ends on the bridge's
  final prompts for it;
- ``apply_p95_chunks_max``: per target, the p95 of the time from an input to Scope applying
  a message that carries it, in that target's chunk periods; the worst target (the killed
  one counted while it was alive);
- ``healthy_p95_ratio``: for each target that stayed up, its p95 while one was dead ÷ its
  p95 while all were alive (the same run, the same storm); the worst of the three;
- ``cpu_per_target_pct`` and ``cpu_N_targets_pct``: this process's CPU (one core = 100)
  with 1, 2 and 4 fast targets streaming under the same storm, and the slope per target;
  ``apply_p95_chunks_first_of_N``: the first of them's p95 in each of those runs (the
  baseline: the same server driven alone);
- ``frames_*``: every target's frames forwarded to its own frame output; ``frames_p99_ms``,
  the worst target's p99 from the router's push to its output's hand-off.
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
from functools import partial
from pathlib import Path
from typing import Any

import httpx

from bridge.config.load import load_show
from bridge.core import events as ev
from bridge.core.payload import prompt_list
from bridge.running.lanes import Lane
from bridge.running.runtime import Runtime
from bridge.sinks.base import PixelFormat, SinkFrame
from bridge.sinks.router import FrameRouter
from scripts.benchmarks import standin
from scripts.benchmarks.control import free_port
from scripts.harness.loopcheck import percentile

HEAD = """
schema = 1
[scope]
pipeline = "controller-viz"
width = 128
height = 64
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
source = { midi = "ctl", channel = 1, cc = 1 }
target = "prompt.a.weight"
"""
TARGET = """
[scope.targets.{name}]
url = "{url}"
pipeline = "{pipeline}"
"""
STORM_HZ = 100.0


@dataclass(frozen=True, slots=True)
class Server:
    """One stand-in: its name, pipeline and chunk model."""

    name: str
    pipeline: str
    frames: int
    fps: float

    @property
    def period(self) -> float:
        return self.frames / self.fps

    def args(self) -> list[str]:
        return ["--fps", f"{self.fps:g}", "--chunk-frames", str(self.frames), "--load-time", "0.05"]


SERVERS = (
    Server("fast1", "controller-viz", 1, 24.0),
    Server("fast2", "controller-viz", 1, 24.0),
    Server("slow8", "controller-viz", 1, 8.0),
    Server("slow12f", "longlive", 12, 48.0),
)
VICTIM = "fast2"


@dataclass
class Record:
    """One target's inputs and sends: (time, its state's version), (time, version, json)."""

    inputs: list[tuple[float, int]] = field(default_factory=list)
    sent: list[tuple[float, int, str]] = field(default_factory=list)


class Stamp:
    """A frame output that notes how long each frame took from the router to it."""

    kind = "bench"
    pixel_format: PixelFormat = "yuv420p"
    unavailable_reason: str | None = None

    def __init__(self, name: str) -> None:
        self.name = name
        self.forward: list[float] = []

    def send(self, frame: SinkFrame) -> None:
        self.forward.append(time.perf_counter() - frame.pushed_at)

    def close(self) -> None:
        pass


class Stand:
    """The stand-in processes, by name (each is stopped by its own PID)."""

    def __init__(self, servers: tuple[Server, ...]) -> None:
        self.servers = {s.name: s for s in servers}
        self.ports = {s.name: free_port(socket.SOCK_STREAM) for s in servers}
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def start(self, *names: str) -> None:
        for name in names or tuple(self.servers):
            self.procs[name], _ = standin.start(self.ports[name], *self.servers[name].args())
        for name in names or tuple(self.servers):
            standin.wait_up(self.procs[name], self.url(name))

    def kill(self, name: str) -> None:
        proc = self.procs.pop(name, None)
        if proc is not None:
            proc.kill()
            proc.wait(10)

    def stop(self) -> None:
        for name in list(self.procs):
            proc = self.procs.pop(name)
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


def write_show(folder: Path, stand: Stand, names: tuple[str, ...]) -> Path:
    text = HEAD + "".join(
        TARGET.format(name=n, url=stand.url(n), pipeline=stand.servers[n].pipeline) for n in names
    )
    path = folder / f"show-{len(names)}.toml"
    path.write_text(text, encoding="utf-8")
    return path


async def streaming(runtime: Runtime, within_s: float = 30.0) -> None:
    """Until every target's link has had ten frames."""
    deadline = time.monotonic() + within_s
    for unit in runtime.targets.values():
        while unit.link is None or unit.link.status().frames_total < 10:
            if time.monotonic() > deadline:
                raise RuntimeError(f"no frames from target {unit.name} in {within_s:g} s")
            await asyncio.sleep(0.05)


async def sim_stats(http: httpx.AsyncClient, url: str) -> dict[str, Any]:
    data: dict[str, Any] = (await http.get(f"{url}/sim/stats", timeout=5.0)).json()
    return data


def waits(rec: Record, applied: list[dict[str, Any]], period: float) -> list[tuple[float, float]]:
    """Per input: (its time, the time until Scope applied a message carrying it, in chunk
    periods; inf when none did). Applied updates are matched to sends in order."""
    pointer, versions = 0, []
    for entry in applied:
        text = json.dumps(entry["payload"], sort_keys=True)
        while pointer < len(rec.sent) and rec.sent[pointer][2] != text:
            pointer += 1
        if pointer < len(rec.sent):
            versions.append((entry["applied_t"], rec.sent[pointer][1]))
            pointer += 1
    out = []
    j = 0
    for t_in, version in rec.inputs:
        while j < len(versions) and versions[j][1] < version:
            j += 1
        at = next((t for t, v in versions[j:] if v >= version and t >= t_in), None)
        out.append((t_in, math.inf if at is None else (at - t_in) / period))
    return out


def p95(values: list[float]) -> float:
    return percentile(values, 0.95) if values else math.inf


async def storm(runtime: Runtime, recs: dict[str, Record], seconds: float, seed: int) -> None:
    """A knob sweeping at STORM_HZ, each input noted with every target's state version."""
    bridge, rng = runtime.bridge, random.Random(seed)
    lanes = {name: bridge.lane(name) for name in recs}
    start, i = time.monotonic(), 0
    while (now := time.monotonic()) - start < seconds:
        value = round(63.5 + 63.5 * math.sin(2 * math.pi * (now - start) / 2.3))
        bridge.submit(
            ev.ControlChange(now, "ctl", 1, 1, max(0, min(127, value + rng.randint(-3, 3))))
        )
        for name, lane in lanes.items():
            recs[name].inputs.append((now, lane.state.version))
        i += 1
        await asyncio.sleep(max(0.0, start + i / STORM_HZ - time.monotonic()))


def note_sent(rec: Record, lane: Lane, payload: dict[str, Any]) -> None:
    rec.sent.append((time.monotonic(), lane.state.version, json.dumps(payload, sort_keys=True)))


def listen(runtime: Runtime) -> tuple[dict[str, Record], dict[str, Stamp]]:
    """Record every target's sends, and give each target its own stamping frame output."""
    recs: dict[str, Record] = {}
    stamps: dict[str, Stamp] = {}
    for name, unit in runtime.targets.items():
        rec = recs[name] = Record()
        lane = runtime.bridge.lane(name)
        lane.on_sent.append(partial(note_sent, rec, lane))
        stamps[name] = Stamp(f"out-{name}")
        unit.router = FrameRouter([stamps[name]])
    return recs, stamps


async def the_night(folder: Path, stand: Stand, seconds: float) -> dict[str, float]:
    """Four targets, the storm, the victim killed at 1/3 and back at 2/3."""
    names = tuple(stand.servers)
    runtime = Runtime(load_show(write_show(folder, stand, names)))
    recs, stamps = listen(runtime)
    task = asyncio.create_task(runtime.run())
    out: dict[str, float] = {}
    try:
        await streaming(runtime)
        await asyncio.sleep(1.0)
        frames_before = {n: len(s.forward) for n, s in stamps.items()}
        async with httpx.AsyncClient() as http:
            before = {n: await sim_stats(http, stand.url(n)) for n in names}
            start = time.monotonic()
            fader = asyncio.create_task(storm(runtime, recs, seconds, 1))
            await asyncio.sleep(seconds / 3)
            last_words = await sim_stats(http, stand.url(VICTIM))
            killed = time.monotonic()
            await asyncio.to_thread(stand.kill, VICTIM)
            await asyncio.sleep(max(0.0, start + 2 * seconds / 3 - time.monotonic()))
            revived = time.monotonic()
            await asyncio.to_thread(stand.start, VICTIM)
            await fader
            end = time.monotonic()
            await asyncio.sleep(3.0)  # the last value lands; the victim reconnects
            after = {n: await sim_stats(http, stand.url(n)) for n in names}
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    quantum = runtime.show.output.weight_quantum
    drops = 0.0
    final_ok = True
    worst_p95, ratios = 0.0, []
    for name in names:
        server = stand.servers[name]
        lane = runtime.bridge.lane(name)
        final_ok &= after[name]["parameters"][-1]["prompts"] == prompt_list(lane.state, quantum)
        if name == VICTIM:
            drops += last_words["dropped"] - before[name]["dropped"] + after[name]["dropped"]
            applied = [e for e in last_words["applied_log"] if e["received_t"] >= start - 1.0]
            alive = [w for t, w in waits(recs[name], applied, server.period) if t < killed - 0.5]
            worst_p95 = max(worst_p95, p95(alive))
            out[f"fanout.apply_p95_chunks_{name}_alive"] = p95(alive)
            continue
        drops += after[name]["dropped"] - before[name]["dropped"]
        applied = [e for e in after[name]["applied_log"] if e["received_t"] >= start - 1.0]
        each = waits(recs[name], applied, server.period)
        whole = p95([w for t, w in each if t <= end])
        all_alive = p95([w for t, w in each if start <= t < killed])
        one_dead = p95([w for t, w in each if killed <= t < revived])
        worst_p95 = max(worst_p95, whole)
        ratio = one_dead / all_alive if all_alive > 0 else math.inf
        ratios.append(ratio)
        out[f"fanout.apply_p95_chunks_{name}"] = whole
        out[f"fanout.healthy_p95_ratio_{name}"] = ratio
    victim = runtime.targets[VICTIM].link
    out["fanout.victim_reconnected"] = float(victim is not None and victim.status().connects >= 2)
    out["fanout.drops"] = drops
    out["fanout.final_state_ok"] = float(final_ok)
    out["fanout.apply_p95_chunks_max"] = worst_p95
    out["fanout.healthy_p95_ratio"] = max(ratios)
    forward = {n: s.forward[frames_before[n] :] for n, s in stamps.items()}
    for name, values in forward.items():
        out[f"fanout.frames_{name}"] = float(len(values))
    out["fanout.frames_all_forwarded"] = float(all(len(v) > 0 for v in forward.values()))
    out["fanout.frames_p99_ms"] = max(percentile(v, 0.99) for v in forward.values()) * 1e3
    return out


async def cpu_with(
    folder: Path, stand: Stand, names: tuple[str, ...], seconds: float
) -> tuple[float, float]:
    """This process's CPU (100 = one core) while ``names`` stream under the storm, and the
    first target's apply p95 in chunks (the same target, with more or fewer beside it)."""
    runtime = Runtime(load_show(write_show(folder, stand, names)))
    recs, _ = listen(runtime)
    task = asyncio.create_task(runtime.run())
    first = stand.servers[names[0]]
    try:
        await streaming(runtime)
        await asyncio.sleep(1.0)
        cpu0, wall0 = time.process_time(), time.monotonic()
        await storm(runtime, recs, seconds, 2)
        cpu = 100.0 * (time.process_time() - cpu0) / (time.monotonic() - wall0)
        await asyncio.sleep(1.0)
        async with httpx.AsyncClient() as http:
            stats = await sim_stats(http, stand.url(first.name))
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    applied = [e for e in stats["applied_log"] if e["received_t"] >= wall0 - 1.0]
    each = waits(recs[first.name], applied, first.period)
    return cpu, p95([w for t, w in each])


def run(quick: bool = False, seconds: float | None = None) -> dict[str, float]:
    night = seconds or (9.0 if quick else 20.0)
    cpu_s = 3.0 if quick else 6.0
    fast = tuple(Server(f"cpu{i}", "controller-viz", 1, 24.0) for i in range(4))
    stand, cpu_stand = Stand(SERVERS), Stand(fast)
    out: dict[str, float] = {"fanout.seconds": night}
    try:
        stand.start()
        with tempfile.TemporaryDirectory() as tmp:
            out.update(asyncio.run(the_night(Path(tmp), stand, night)))
            stand.stop()
            cpu_stand.start()
            names = tuple(cpu_stand.servers)
            cpu = {}
            for n in (1, 2, 4):
                cpu[n], first_p95 = asyncio.run(cpu_with(Path(tmp), cpu_stand, names[:n], cpu_s))
                out[f"fanout.cpu_{n}_targets_pct"] = cpu[n]
                out[f"fanout.apply_p95_chunks_first_of_{n}"] = first_p95
            out["fanout.cpu_per_target_pct"] = (cpu[4] - cpu[1]) / 3
    finally:
        stand.stop()
        cpu_stand.stop()
    return out
