"""One show, several Scope servers: real stand-ins in their own processes, real aiortc peers.

Two targets (``left``, ``right``) run controller-viz on two stand-ins. A mapping routed to
one target reaches only that server; a scene gives each server its own prompt text; and a
server killed mid-storm (SIGKILL, no goodbye) holds back nobody: the other keeps taking
updates without a drop and ends on the final state, while the dead one is retried and, once
back, starts from the full current state.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from functools import partial
from pathlib import Path
from typing import Any

from bridge.config.load import load_show
from bridge.running.runtime import Runtime
from bridge.running.scope_target import ScopeTarget
from tests.app.osckit import free_udp_port
from tests.app.test_pacing_live import osc, stats, storm
from tests.sim.simkit import SimProcess, free_port, wait_for

SHOW = """
schema = 1
[scope]
pipeline = "controller-viz"
width = 128
height = 64
[scope.targets.left]
url = "{left}"
[scope.targets.right]
url = "{right}"
[[prompts]]
id = "a"
text = "first"
[[prompts]]
id = "b"
text = "second"
weight = 0.5
[[scenes]]
name = "split"
weights = {{ a = 1.0 }}
[scenes.per_target.right]
texts = {{ a = "the sea" }}
[devices.osc.host]
port = {port}
[[mappings]]
source = {{ osc = "host", address = "/a" }}
target = "prompt.a.weight"
[[mappings]]
source = {{ osc = "host", address = "/b" }}
target = "prompt.b.weight"
targets = ["left"]
[[mappings]]
source = {{ osc = "host", address = "/scene" }}
target = "scene"
pad = "trigger"
value = "split"
"""


@contextlib.asynccontextmanager
async def two_targets(
    path: Path,
) -> AsyncIterator[tuple[Runtime, SimProcess, SimProcess, int]]:
    """Two stand-ins as processes, the show streaming from both; yields the runtime, the
    two stand-ins (left, right) and the show's OSC port."""
    left, right = SimProcess(free_port(), "--load-time", "0.05"), SimProcess(free_port())
    await asyncio.gather(left.start(), right.start())
    port = free_udp_port()
    text = SHOW.format(left=left.url, right=right.url, port=port)
    await asyncio.to_thread(path.write_text, text, encoding="utf-8")
    runtime = Runtime(load_show(path))
    task = asyncio.create_task(runtime.run())
    try:
        for unit in runtime.targets.values():
            await wait_for(partial(streams, unit), 20.0, f"{unit.name} frames")
        await wait_for(lambda: runtime.devices.osc["host"].address is not None, 10.0, "OSC")
        yield runtime, left, right, port
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await left.kill()
        await right.kill()


def streams(unit: ScopeTarget) -> bool:
    """The target's link has had frames for a while (20 of them)."""
    return unit.link is not None and unit.link.status().frames_total > 20


def note_transition(
    starts: dict[str, float], name: str, clock: Callable[[], float], payload: dict[str, Any]
) -> None:
    """The time a target was first sent a scene's transition."""
    if "transition" in payload:
        starts.setdefault(name, clock())


def prompts(data: dict[str, Any]) -> dict[str, float]:
    """The applied prompts of the stand-in's session, text → weight."""
    return {p["text"]: p["weight"] for p in data["parameters"][-1]["prompts"]}


def all_line(runtime: Runtime) -> str:
    """The state of the Devices line that sums up every target."""
    return next(d.state for d in runtime.snapshot().devices if (d.kind, d.name) == ("scope", "all"))


async def test_a_routed_mapping_reaches_only_its_target(tmp_path: Path) -> None:
    async with two_targets(tmp_path / "show.toml") as (runtime, left, right, port):
        await osc(port, "/a", 0.3)
        await osc(port, "/b", 0.9)
        await asyncio.sleep(0.5)
        on_left, on_right = prompts(await stats(left.url)), prompts(await stats(right.url))
        assert on_left == {"first": 0.3, "second": 0.9}
        assert on_right == {"first": 0.3, "second": 0.5}  # /b is routed to left only
        views = {v["name"]: v for v in runtime.extra()["targets"]}
        assert views["left"]["up"]
        assert views["right"]["up"]
        assert runtime.extra()["targets_total"]["live"] == 2
        assert all_line(runtime) == "2/2 live"


async def test_a_scene_shows_each_target_its_own_prompt(tmp_path: Path) -> None:
    """Both servers start the scene on the same event (each its own texts), in the same
    step: the first message of each carries the transition, sent within a few ms."""
    async with two_targets(tmp_path / "show.toml") as (runtime, left, right, port):
        starts: dict[str, float] = {}
        for name in ("left", "right"):
            runtime.bridge.lane(name).on_sent.append(
                partial(note_transition, starts, name, runtime.bridge.clock)
            )
        await osc(port, "/scene", 1.0)
        await wait_for(lambda: runtime.bridge.state.scene == "split", 2.0, "the scene")
        await asyncio.sleep(1.0)  # the transition (8 steps at ~56 calls a second) ends
        left_texts = set(prompts(await stats(left.url)))
        right_texts = set(prompts(await stats(right.url)))
        assert "first" in left_texts
        assert "the sea" not in left_texts
        assert "the sea" in right_texts
        assert "first" not in right_texts
        assert set(starts) == {"left", "right"}
        assert runtime.snapshot().transition != "pending"  # sent: the console says so too
        assert abs(starts["left"] - starts["right"]) < 0.005, starts


async def test_a_target_killed_mid_storm_holds_back_nobody(tmp_path: Path) -> None:
    """SIGKILL right one second into a 3 s storm: left keeps taking updates through the
    whole storm, drops none and ends on the final value; right is retried, and once started
    again it has the final state too (sent whole as ``initialParameters``)."""
    async with two_targets(tmp_path / "show.toml") as (runtime, left, right, port):
        lane = runtime.bridge.lane("left")
        before = (await stats(left.url))["dropped"]
        fader = asyncio.create_task(storm(port, 3.0))
        await asyncio.sleep(1.0)
        await right.kill()
        killed_at, sent_at_kill = time.monotonic(), lane.pacer.sent_count
        await fader
        after_kill = (lane.pacer.sent_count - sent_at_kill) / (time.monotonic() - killed_at)
        await osc(port, "/a", 0.77)
        await asyncio.sleep(0.5)
        data = await stats(left.url)
        assert after_kill >= 15.0, f"left sent {after_kill:.1f}/s while right was dead"
        assert data["dropped"] - before == 0
        assert prompts(data)["first"] == 0.77
        right_link = runtime.targets["right"].link
        assert right_link is not None
        await wait_for(lambda: not right_link.ready, 10.0, "right's link to notice")
        assert runtime.targets["right"].view()["state"] == "retrying"
        assert all_line(runtime) == "1/2 live"
        await right.start()
        await wait_for(lambda: right_link.status().connects >= 2, 20.0, "right back")
        await asyncio.sleep(0.5)
        assert prompts(await stats(right.url))["first"] == 0.77
        assert runtime.targets["left"].link is not None
        assert runtime.targets["left"].link.status().connects == 1  # left never dropped


async def test_a_reload_reroutes_and_keeps_each_targets_live_values(tmp_path: Path) -> None:
    """Routing /b to right instead of left by editing the file: after the reload left keeps
    the value it had, right takes the new ones; dropping a target asks for a restart."""
    path = tmp_path / "show.toml"
    async with two_targets(path) as (runtime, left, right, port):
        await osc(port, "/b", 0.9)
        await asyncio.sleep(0.3)
        text = await asyncio.to_thread(path.read_text, encoding="utf-8")
        rerouted = text.replace('targets = ["left"]', 'targets = ["right"]')
        await asyncio.to_thread(path.write_text, rerouted, encoding="utf-8")
        assert await runtime.reload() is None
        await osc(port, "/b", 0.2)
        await asyncio.sleep(0.5)
        assert prompts(await stats(left.url))["second"] == 0.9
        assert prompts(await stats(right.url))["second"] == 0.2
        assert runtime.targets["left"].link is not None
        assert runtime.targets["left"].link.status().connects == 1  # no new session
        start = rerouted.index("[scope.targets.right]")
        one = rerouted[:start] + rerouted[rerouted.index("[[prompts]]") :]
        one = one.replace('"right"', '"left"').replace("per_target.right", "per_target.left")
        await asyncio.to_thread(path.write_text, one, "utf-8")
        assert await runtime.reload() is None
        said = [p.message for p in runtime.bridge.problems if p.where == "reload"]
        assert any("[scope.targets] take effect after a restart" in m for m in said), said
