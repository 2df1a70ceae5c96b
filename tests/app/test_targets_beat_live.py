"""A beat-quantised scene change on two Scope servers: held for the beat, then sent to both
in the same step (a lookahead before the beat), and started by both. Real stand-in
processes, a click track heard by the bridge's own beat tracker."""

from __future__ import annotations

import asyncio
import contextlib
import time
from functools import partial
from pathlib import Path
from typing import Any

from bridge.config.load import load_show
from bridge.core import events as ev
from bridge.running.runtime import Runtime
from tests.app.test_live_show import click_track
from tests.app.test_pacing_live import stats
from tests.app.test_targets_live import note_transition, streams
from tests.sim.simkit import SimProcess, free_port, wait_for

SHOW = """
schema = 1
start_scene = "one"
[scope]
pipeline = "controller-viz"
width = 128
height = 64
[scope.targets.left]
url = "{left}"
[scope.targets.right]
url = "{right}"
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


def beat_of(beats: list[float], event: ev.Event) -> None:
    if isinstance(event, ev.TempoBeat) and event.beat:
        beats.append(event.t)


async def test_a_quantised_scene_goes_to_both_targets_on_the_same_beat(tmp_path: Path) -> None:
    left, right = SimProcess(free_port()), SimProcess(free_port())
    await asyncio.gather(left.start(), right.start())
    await asyncio.to_thread(click_track, tmp_path / "clicks.wav")
    path = tmp_path / "show.toml"
    await asyncio.to_thread(path.write_text, SHOW.format(left=left.url, right=right.url))
    runtime = Runtime(load_show(path))
    bridge = runtime.bridge
    beats: list[float] = []
    starts: dict[str, float] = {}
    bridge.on_event.append(partial(beat_of, beats))
    for name in ("left", "right"):
        bridge.lane(name).on_sent.append(partial(note_transition, starts, name, time.monotonic))
    task = asyncio.create_task(runtime.run())
    try:
        for unit in runtime.targets.values():
            await wait_for(partial(streams, unit), 20.0, f"{unit.name} frames")
        await wait_for(lambda: len(beats) >= 8, 15.0, "the tracker to lock on the clicks")
        period = 0.5
        phase = (time.monotonic() - beats[-1]) % period
        await asyncio.sleep((period / 2 - phase) % period)  # halfway between two beats
        pressed = time.monotonic()
        bridge.submit(ev.UiAction(pressed, "ui", "select_scene", "two"))
        assert bridge.state.scene == "one", "the change should wait for the beat"
        await wait_for(lambda: len(starts) == 2, 3.0, "the transition on both")
        when = min(starts.values())
        await wait_for(lambda: beats[-1] > when, 3.0, "the next beat")
        applied: dict[str, Any] = {}
        for name, sim in (("left", left), ("right", right)):
            applied[name] = (await stats(sim.url))["transitions_started"]
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await left.kill()
        await right.kill()
    assert abs(starts["left"] - starts["right"]) < 0.005, starts
    next_beat = min(b for b in beats if b > when - 0.05)
    assert pressed < when < next_beat
    assert abs((next_beat - when) - 0.1) < 0.03, next_beat - when
    assert applied["left"] >= 1
    assert applied["right"] >= 1
