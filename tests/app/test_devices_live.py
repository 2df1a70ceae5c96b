"""The headless runtime with real devices: a JACK MIDI controller and an OSC host drive the
stand-in, and the controller's LEDs and the host's display get feedback."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
from pathlib import Path
from typing import Any

import pytest
from pythonosc.osc_packet import OscPacket

from bridge.config.load import load_show
from bridge.running.runtime import Runtime
from tests.io.jackkit import StartSender, jack_tool, poll, read_dump
from tests.sim.simkit import FAST, running_sim

pytestmark = pytest.mark.jack
TAG = f"sblive{os.getpid()}"

SHOW = """
schema = 1
start_scene = "one"
[scope]
url = "{url}"
[transition]
num_steps = 0
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
weights = {{ a = 0.2, b = 1.0 }}
[devices.midi.ctl]
port = "{midi_in}"
api = "UNIX_JACK"
output_port = "{midi_out}"
led_on = 127
led_off = 0
[devices.osc.host]
port = {osc_in}
feedback = [{{ host = "127.0.0.1", port = {osc_out} }}]
[[mappings]]
source = {{ midi = "ctl", channel = 1, cc = 7 }}
target = "prompt.a.weight"
[[mappings]]
source = {{ midi = "ctl", channel = 1, note = 36 }}
target = "scene"
pad = "radio"
value = "two"
[[mappings]]
source = {{ osc = "host", address = "/b" }}
target = "prompt.b.weight"
"""


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def applied_weights(sim_log: list[dict[str, Any]]) -> dict[str, float]:
    """The prompt weights the stand-in applied last, by text."""
    for entry in reversed(sim_log):
        payload = entry["payload"]
        assert isinstance(payload, dict)
        prompts = payload.get("prompts") or payload.get("transition", {}).get("target_prompts")
        if prompts:
            return {p["text"]: p["weight"] for p in prompts}
    return {}


async def test_controller_and_host_drive_scope_and_get_feedback(
    jack_server: str, start_sender: StartSender, tmp_path: Path
) -> None:
    """CC → weight applied by Scope; a pad → scene and its LED lit; OSC → weight; OSC display
    gets the scene."""
    if shutil.which("oscsend") is None:
        pytest.fail("oscsend is missing: ./scripts/test installs liblo-tools")
    sender = await start_sender(TAG, "out")
    osc_in, osc_out = free_udp_port(), free_udp_port()
    display = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    display.bind(("127.0.0.1", osc_out))
    display.setblocking(False)
    async with running_sim(**FAST) as (sim, url), jack_tool("jack_midi_dump", f"{TAG}d") as dump:
        text = SHOW.format(
            url=url,
            midi_in=sender.full_name,
            midi_out=f"{TAG}d:input",
            osc_in=osc_in,
            osc_out=osc_out,
        )
        (tmp_path / "show.toml").write_text(text)
        runtime = Runtime(load_show(tmp_path / "show.toml"))
        task = asyncio.create_task(runtime.run())
        try:
            assert await poll(lambda: bool(runtime.link and runtime.link.ready), 15)
            midi = runtime.devices.midi
            assert midi is not None
            assert await poll(lambda: all(s.connected for s in midi.statuses()), 10), (
                midi.statuses()
            )
            await sender.send(bytes([0xB0, 7, 64]))
            assert await poll(lambda: runtime.bridge.state.value("prompt.a.weight") == 64 / 127, 5)
            assert await poll(
                lambda: applied_weights(sim.stats.to_json()["applied_log"]).get("first") == 0.5, 5
            )
            await sender.send(bytes([0x90, 36, 100]), bytes([0x80, 36, 0]))
            assert await poll(lambda: runtime.bridge.state.scene == "two", 5)
            # the fader's ring/motor follows too: read until the pad's LED shows up
            seen_midi: list[tuple[int, ...]] = []
            for _ in range(6):
                seen_midi += await read_dump(dump, 1)
                if (0x90, 36, 127) in seen_midi:
                    break
            assert (0x90, 36, 127) in seen_midi, seen_midi
            assert (0xB0, 7, 64) not in seen_midi, "the fader's own move was echoed back"
            osc = await asyncio.create_subprocess_exec(
                "oscsend", "127.0.0.1", str(osc_in), "/b", "f", "0.25"
            )
            assert await osc.wait() == 0
            assert await poll(lambda: runtime.bridge.state.value("prompt.b.weight") == 0.25, 5)
            seen: dict[str, object] = {}
            weight_b = "/scope/prompt/b/weight"

            def drain() -> bool:
                with contextlib.suppress(BlockingIOError):
                    while True:
                        packet = OscPacket(display.recv(65536))
                        for m in packet.messages:
                            seen[m.message.address] = m.message.params[0]
                return seen.get("/scope/scene") == "two" and seen.get(weight_b) == 0.25

            assert await poll(drain, 5), seen
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            display.close()
