"""A whole show against the stand-in: audio from a file, beat-quantised scene changes."""

from __future__ import annotations

import asyncio
import contextlib
import time
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

from bridge.config.load import load_show
from bridge.core import events as ev
from bridge.running.runtime import Runtime
from tests.sim.simkit import FAST, running_sim, wait_for

SHOW = """
schema = 1
start_scene = "one"
[scope]
url = "{url}"
[transition]
num_steps = 2
quantize = "beat"
lookahead_ms = 100
[[prompts]]
id = "a"
text = "first"
[[prompts]]
id = "b"
text = "second"
weight = 0.0
[[scenes]]
name = "one"
weights = {{ a = 1.0 }}
[[scenes]]
name = "two"
weights = {{ b = 1.0 }}
[devices.audio.clicks]
file = "clicks.wav"
"""


def click_track(path: Path, bpm: float = 120.0, seconds: float = 14.0) -> None:
    rate = 48000
    audio = np.zeros(int(rate * seconds), dtype=np.float32)
    click = np.sin(2 * np.pi * 1500 * np.arange(480) / rate) * np.exp(-np.arange(480) / 80)
    for k in range(int(seconds * bpm / 60)):
        start = int(k * 60 / bpm * rate)
        audio[start : start + 480] += 0.8 * click.astype(np.float32)
    sf.write(path, audio, rate)


async def test_a_scene_change_waits_for_the_beat_and_reaches_scope(tmp_path: Path) -> None:
    """Pressed between beats, the transition goes out a lookahead before the next beat."""
    click_track(tmp_path / "clicks.wav")
    async with running_sim(**FAST) as (sim, url):
        (tmp_path / "show.toml").write_text(SHOW.format(url=url))
        runtime = Runtime(load_show(tmp_path / "show.toml"))
        bridge = runtime.bridge
        beats: list[float] = []
        sent: list[tuple[float, dict[str, Any]]] = []
        bridge.on_event.append(
            lambda e: beats.append(e.t) if isinstance(e, ev.TempoBeat) and e.beat else None
        )
        bridge.on_sent.append(lambda p: sent.append((time.monotonic(), dict(p))))
        task = asyncio.create_task(runtime.run())
        try:
            await wait_for(lambda: len(beats) >= 8, 15.0, "the tracker to lock on the clicks")
            # press halfway between two beats
            period = 0.5
            now = time.monotonic()
            phase = (now - beats[-1]) % period
            await asyncio.sleep((period / 2 - phase) % period)
            pressed = time.monotonic()
            bridge.submit(ev.UiAction(pressed, "ui", "select_scene", "two"))
            assert bridge.state.scene == "one", "the change should wait for the beat"
            await wait_for(lambda: any("transition" in p for _, p in sent), 3.0, "the transition")
            when = next(t for t, p in sent if "transition" in p)
            await wait_for(lambda: beats[-1] > when, 3.0, "the next beat")
            await wait_for(lambda: sim.stats.transitions_started >= 1, 3.0, "Scope to apply it")
            # the stand-in counts what it dropped, and the console shows it: none
            await wait_for(lambda: runtime.scope_drops is not None, 5.0, "the drop count")
            assert runtime.snapshot().extra["scope_drops"] == sim.stats.dropped == 0
            audio = [d for d in runtime.snapshot().devices if d.kind == "audio"]
            assert [(d.name, d.state, d.detail) for d in audio] == [
                ("clicks", "playing", "clicks.wav")
            ]
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        next_beat = min(b for b in beats if b > when - 0.05)
        assert pressed < when < next_beat
        assert abs((next_beat - when) - 0.1) < 0.03, next_beat - when
        assert sim.stats.dropped == 0
