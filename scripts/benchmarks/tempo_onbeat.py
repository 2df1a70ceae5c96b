"""tempo.onbeat_*: a quantised scene change, first frame at the stand-in's output showing it
against the beat it was meant for.

The stand-in runs as its own process with its tempo sync on (its own steady clock), so the
bridge (a real `Runtime` in this process, over aiortc) follows Scope's clock and quantises
scene changes to its beats. A scene is selected at a random moment about every 1.3 s; the
bridge holds it for the next beat and releases it early. The stand-in logs when the first
frame of the call that took the message left it (``shown_t``), and its clock's grid; both
processes read one monotonic clock. The error is ``shown_t`` minus the stand-in's beat that
the bridge aimed at.

Three ways of sending early, each in its own session, in the same run (and the first two
again with an LFO moving a knob, so that an update is usually in flight in Scope's queue):
- ``predicted`` (``[tempo] send_early = "predicted"``, the default now): by the latency the
  pacer predicts (half a call, the calls ahead, the rate ceiling's wait);
- ``on_beat``: ``send_early = "fixed"`` with ``lookahead_ms = 0``, the change leaves on the beat;
- ``fixed375``: ``send_early = "fixed"`` with the default ``lookahead_ms = 375``.

The same without the busy knob and the fixed 375 ms follows with Wan-sized chunks (12 frames
at 16 fps: 0.75 s a call), as ``tempo.onbeat_long_*``.

Scope's chunking makes a change visible only at a call start, so the best possible is the
call start nearest the beat: within half a call period. The target is that plus one frame.
"""

from __future__ import annotations

import asyncio
import random
import socket
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bridge.config.load import load_show
from bridge.core.events import UiAction
from bridge.core.show import LOOKAHEAD_MS
from bridge.running.runtime import Runtime
from scripts.benchmarks import standin
from scripts.benchmarks.control import free_port

FPS = 20.0
CHUNK_FRAMES = 4
LONG_FPS = 16.0
LONG_FRAMES = 12
BPM = 123.0
"""Not a multiple of the chunk rate: the call grid's phase against the beats moves."""
SHOW = """
schema = 1
[scope]
url = "{url}"
frames_per_chunk = {frames}
[transition]
num_steps = 4
quantize = "beat"
lookahead_ms = {lookahead}
[tempo]
send_early = "{send_early}"
[[prompts]]
id = "a"
text = "a misty forest"
[[prompts]]
id = "b"
text = "a neon city"
weight = 0.0
[[scenes]]
name = "one"
weights = {{ a = 1.0 }}
[[scenes]]
name = "two"
weights = {{ b = 1.0 }}
{busy}"""
BUSY = """
[[mappings]]
source = { lfo = "sine", period_s = 3.0 }
target = "kv_cache_attention_bias"
"""
MODES = {
    "predicted": ("predicted", LOOKAHEAD_MS, False),
    "on_beat": ("fixed", 0.0, False),
    "fixed375": ("fixed", LOOKAHEAD_MS, False),
    "busy_predicted": ("predicted", LOOKAHEAD_MS, True),
    "busy_on_beat": ("fixed", 0.0, True),
}


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


async def session(
    url: str, folder: Path, mode: str, trials: int, frames: int, seed: int
) -> list[float]:
    """One bridge session: ``trials`` scene changes; each one's error in ms."""
    send_early, lookahead, busy = MODES[mode]
    path = folder / f"{mode}.toml"
    extra = BUSY if busy else ""
    text = SHOW.format(
        url=url, frames=frames, send_early=send_early, lookahead=lookahead, busy=extra
    )
    path.write_text(text)
    runtime = Runtime(load_show(path))
    bridge = runtime.bridge
    rng = random.Random(seed)
    task = asyncio.create_task(runtime.run())
    try:
        deadline = time.monotonic() + 30.0
        while not (bridge.tempo is not None and runtime.link and runtime.link.fps_measured):
            if time.monotonic() > deadline:
                raise RuntimeError(f"{mode}: no frames or no Scope tempo from the stand-in")
            await asyncio.sleep(0.1)
        await asyncio.sleep(2.0)  # the chunk rate measured, Scope's clock leading
        started = time.monotonic()
        for k in range(trials):
            await asyncio.sleep(rng.uniform(1.1, 1.6))
            scene = "two" if k % 2 == 0 else "one"
            bridge.submit(UiAction(bridge.clock(), "bench", "select_scene", scene))
        await asyncio.sleep(1.5)
        sent = [(t, b) for t, b in bridge.onbeat.sent_log if t >= started]
        async with httpx.AsyncClient() as http:
            stats = (await http.get(f"{url}/sim/stats")).json()
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    return errors(sent, stats)


def errors(sent: list[tuple[float, float]], stats: dict[str, Any]) -> list[float]:
    """Each sent change's first frame against the stand-in's beat nearest the aimed one."""
    clock = stats["tempo_clock"]
    beat_s = 60.0 / clock["bpm"]
    applied = [e for e in stats["applied_log"] if "transition" in e["payload"] and e["shown_t"]]
    out: list[float] = []
    for left, aimed in sent:
        match = min(applied, key=lambda e: abs(e["received_t"] - left), default=None)
        if match is None or abs(match["received_t"] - left) > 0.1:
            continue  # not applied (or not yet shown): counted by the caller
        beats = round((aimed - clock["anchor_t"]) / beat_s + clock["anchor_beat"])
        beat_t = clock["anchor_t"] + (beats - clock["anchor_beat"]) * beat_s
        out.append((match["shown_t"] - beat_t) * 1000.0)
    return out


def measure(fps: float, frames: int, modes: tuple[str, ...], trials: int) -> dict[str, list[float]]:
    """Each mode's errors (ms) against one stand-in making ``frames`` frames a call at ``fps``."""
    sim, url = standin.start(
        free_port(socket.SOCK_STREAM), "--fps", str(fps), "--chunk-frames", str(frames)
    )
    results: dict[str, list[float]] = {}
    try:
        standin.wait_up(sim, url)
        httpx.post(f"{url}/api/v1/tempo/enable", json={"source": "link", "bpm": BPM}, timeout=5)
        with tempfile.TemporaryDirectory() as tmp:
            for i, mode in enumerate(modes):
                results[mode] = asyncio.run(session(url, Path(tmp), mode, trials, frames, 13 + i))
    finally:
        sim.terminate()
        try:
            sim.wait(10)
        except subprocess.TimeoutExpired:
            sim.kill()
    return results


def figures(
    prefix: str, fps: float, frames: int, results: dict[str, list[float]]
) -> dict[str, float]:
    chunk_ms = 1000.0 * frames / fps
    out = {f"{prefix}_chunk_ms": chunk_ms, f"{prefix}_target_ms": chunk_ms / 2.0 + 1000.0 / fps}
    for mode, errs in results.items():
        if not errs:
            raise RuntimeError(f"{mode}: no scene change was seen at the stand-in's output")
        name = f"{prefix}_error" if mode == "predicted" else f"{prefix}_{mode}"
        out[f"{name}_ms"] = p95([abs(e) for e in errs])
        out[f"{name}_median_signed_ms"] = statistics.median(errs)
        out[f"{name}_changes"] = float(len(errs))
    return out


def run(quick: bool) -> dict[str, float]:
    trials = 12 if quick else 40
    out = figures(
        "tempo.onbeat", FPS, CHUNK_FRAMES, measure(FPS, CHUNK_FRAMES, tuple(MODES), trials)
    )
    long_modes = ("predicted", "on_beat")  # a Wan-sized chunk: 12 frames at 16 fps
    long = measure(LONG_FPS, LONG_FRAMES, long_modes, trials // 2)
    out.update(figures("tempo.onbeat_long", LONG_FPS, LONG_FRAMES, long))
    return out
