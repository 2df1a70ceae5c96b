"""Pipeline parameters and two-way state against the stand-in, over a real aiortc peer.

A show drives ``param.ctrl_input`` on ``controller-viz`` by real OSC packets and the
stand-in's frames draw the key held; a REST POST made elsewhere is adopted and a knob has to
pick the value up again; a pipeline loaded elsewhere at another size is noticed and shown;
a mapping value the live schema refuses is named in Problems; an OSC input on Scope's own
OSC port is said by `run`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import numpy as np
import pytest
from pythonosc.osc_message_builder import OscMessageBuilder

from bridge.cli.main import main
from bridge.config.load import load_show
from bridge.running.runtime import Runtime
from bridge.sim.server import ScopeSim
from tests.sim.simkit import FAST, running_sim, wait_for

CONTROLLER = """
schema = 1
[scope]
url = "{url}"
pipeline = "controller-viz"
width = 512
height = 288
[[prompts]]
id = "main"
text = "controller"
[devices.osc.ctl]
port = {port}
[[mappings]]
id = "key-w"
source = {{ osc = "ctl", address = "/key/w" }}
target = "param.ctrl_input"
pad = "momentary"
values = [{{ button = [] }}, {{ button = ["KeyW"] }}]
{extra}
"""


class Osc:
    """Real OSC packets to the bridge's input, one UDP socket closed at the end."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)

    def send_message(self, address: str, value: float) -> None:
        builder = OscMessageBuilder(address)
        builder.add_arg(value)
        self.sock.sendto(builder.build().dgram, ("127.0.0.1", self.port))

    def close(self) -> None:
        self.sock.close()


def udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def running(runtime: Runtime) -> AsyncIterator[Runtime]:
    task = asyncio.create_task(runtime.run())
    try:
        link = runtime.link
        assert link is not None
        await wait_for(lambda: link.ready and runtime.latest_frame is not None, 20.0, "video")
        yield runtime
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def w_key_brightness(runtime: Runtime) -> float:
    """Mean brightness inside the W key that controller-viz draws (lower left): filled while
    KeyW is held, an outline around the dark background otherwise."""
    frame = runtime.latest_frame
    assert frame is not None
    pixels = frame.to_ndarray(format="rgb24")
    height = pixels.shape[0]
    top = height - 20 - 30 * 2 - 5  # the stand-in's key layout (bridge.sim.render)
    return float(np.mean(pixels[top + 6 : top + 24, 20 + 35 + 6 : 20 + 35 + 24]))


def buttons(sim: ScopeSim) -> frozenset[str]:
    active = sim.active()
    return active[0][1].engine.buttons() if active else frozenset()


async def test_a_show_drives_ctrl_input_and_the_frames_draw_it(tmp_path: Path) -> None:
    port = udp_port()
    show_file = tmp_path / "show.toml"
    async with running_sim(**FAST) as (sim, url):
        show_file.write_text(CONTROLLER.format(url=url, port=port, extra=""))
        assert main(["check", str(show_file)]) == 0  # 512x288 and param.ctrl_input pass
        async with running(Runtime(load_show(show_file))) as runtime:
            await wait_for(lambda: runtime.pipeline_notes is not None, 10.0, "the schema check")
            assert runtime.pipeline_notes == []  # the live schema takes ctrl_input as it is
            await wait_for(lambda: w_key_brightness(runtime) < 80, 10.0, "a dark W key")
            osc = Osc(port)
            osc.send_message("/key/w", 1.0)
            await wait_for(lambda: buttons(sim) == {"KeyW"}, 10.0, "KeyW held in the stand-in")
            await wait_for(lambda: w_key_brightness(runtime) > 150, 10.0, "the W key drawn")
            osc.send_message("/key/w", 0.0)
            await wait_for(lambda: buttons(sim) == frozenset(), 10.0, "KeyW let go")
            await wait_for(lambda: w_key_brightness(runtime) < 80, 10.0, "the W key dark again")
            osc.close()
            sent = [u.payload.get("ctrl_input") for u in sim.stats.log if "ctrl_input" in u.payload]
            assert sent[-2:] == [{"button": ["KeyW"]}, {"button": []}]


async def test_values_the_live_schema_refuses_are_named_in_problems(tmp_path: Path) -> None:
    extra = """
[[mappings]]
id = "bad-key"
source = { osc = "ctl", address = "/bad" }
target = "param.ctrl_input"
pad = "trigger"
value = { buttons = ["KeyW"] }
[[mappings]]
id = "seed-knob"
source = { osc = "ctl", address = "/seed" }
target = "param.no_such_knob"
"""
    show_file = tmp_path / "show.toml"
    async with running_sim(**FAST) as (_, url):
        show_file.write_text(CONTROLLER.format(url=url, port=udp_port(), extra=extra))
        async with running(Runtime(load_show(show_file))) as runtime:
            await wait_for(lambda: bool(runtime.pipeline_notes), 10.0, "the schema check")
            said = sorted(p.message for p in runtime.bridge.problems if p.where == "pipeline")
            assert said[0].startswith("mapping bad-key: param.ctrl_input: the value has no key")
            assert "'buttons' (it takes button, mouse)" in said[0]
            assert said[1].startswith(
                "pipeline controller-viz takes no parameter 'no_such_knob' (mapping(s) seed-knob)"
            )
            assert "ctrl_input" in said[1]  # what it does take is listed


TAKEOVER = """
schema = 1
[scope]
url = "{url}"
[[prompts]]
id = "a"
text = "first"
weight = 0.5
[[prompts]]
id = "b"
text = "second"
weight = 0.5
[devices.osc.ctl]
port = {port}
[[mappings]]
id = "knob-a"
source = {{ osc = "ctl", address = "/a" }}
target = "prompt.a.weight"
takeover = "pickup"
"""


def weights(sim: ScopeSim) -> dict[str, float]:
    processor = sim.active()[0][1]
    return {p.text: p.weight for p in processor.engine.prompts}


async def test_a_change_made_elsewhere_is_adopted_and_the_knob_must_pick_it_up(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bridge")
    port = udp_port()
    show_file = tmp_path / "show.toml"
    async with running_sim(**FAST) as (sim, url):
        show_file.write_text(TAKEOVER.format(url=url, port=port))
        async with running(Runtime(load_show(show_file))) as runtime:
            state = runtime.bridge.state
            osc = Osc(port)
            osc.send_message("/a", 0.5)  # picks the knob up where the show starts
            osc.send_message("/a", 0.6)
            await wait_for(lambda: weights(sim).get("first") == 0.6, 10.0, "the knob's 0.6")
            async with httpx.AsyncClient() as http:  # another client, through Scope's REST API
                body = {
                    "prompts": [{"text": "first", "weight": 0.2}, {"text": "second", "weight": 0.8}]
                }
                answer = await http.post(f"{url}/api/v1/session/parameters", json=body)
                assert answer.status_code == 200
            await wait_for(lambda: runtime.sync.changes == 1, 10.0, "the change adopted")
            assert state.value("prompt.a.weight") == 0.2
            assert state.value("prompt.b.weight") == 0.8
            line = runtime.snapshot().extra["scope_changes"]["line"]
            assert line == "changed in Scope: a 0.60→0.20; b 0.50→0.80"
            logged = [
                r.getMessage() for r in caplog.records if "changed in Scope" in r.getMessage()
            ]
            assert logged == [f"scope: {line}"]  # what the headless log says, once
            control = next(c for c in runtime.snapshot().controls if c.id == "knob-a")
            assert control.hint == "turn down to pick up"
            osc.send_message("/a", 0.65)  # where the knob still is: Scope's value stays
            await asyncio.sleep(0.6)
            assert state.value("prompt.a.weight") == 0.2
            assert weights(sim) == {"first": 0.2, "second": 0.8}
            osc.send_message("/a", 0.3)
            osc.send_message("/a", 0.15)  # crosses 0.2: picked up, and the knob rules again
            await wait_for(lambda: weights(sim).get("first") == 0.15, 10.0, "the knob's 0.15")
            assert state.value("prompt.a.weight") == pytest.approx(0.15)
            osc.close()


async def test_a_pipeline_loaded_elsewhere_at_another_size_is_noticed(tmp_path: Path) -> None:
    show_file = tmp_path / "show.toml"
    async with running_sim(**FAST) as (_, url):
        show_file.write_text(CONTROLLER.format(url=url, port=udp_port(), extra=""))
        runtime = Runtime(load_show(show_file))
        runtime.sync.every_s = 0.2
        async with running(runtime):
            connection = runtime.connection()
            assert connection is not None
            assert (connection["width"], connection["height"]) == (512, 288)
            await wait_for(lambda: runtime.pipeline_notes is not None, 10.0, "the schema check")
            checks = runtime.pipeline_checks
            async with httpx.AsyncClient() as http:
                body = {
                    "pipeline_ids": ["passthrough"],
                    "load_params": {"width": 512, "height": 512},
                }
                assert (await http.post(f"{url}/api/v1/pipeline/load", json=body)).is_success

            def said() -> list[str]:
                return [p.message for p in runtime.bridge.problems if p.key == "pipeline"]

            await wait_for(lambda: bool(said()), 10.0, "the outside reload noticed")
            assert said() == [
                "Scope now runs passthrough 512x512, loaded from elsewhere (the show asks for "
                "controller-viz 512x288)"
            ]
            connection = runtime.connection()
            assert connection is not None
            assert connection["pipeline_id"] == "passthrough"
            assert (connection["width"], connection["height"]) == (512, 512)
            # re-checked against passthrough's schema: it takes no ctrl_input
            await wait_for(lambda: runtime.pipeline_checks > checks, 10.0, "the re-check")
            notes = runtime.pipeline_notes or []
            assert any("pipeline passthrough takes no parameter 'ctrl_input'" in n for n in notes)
            async with httpx.AsyncClient() as http:  # the show's own again: all clear
                body = {
                    "pipeline_ids": ["controller-viz"],
                    "load_params": {"width": 512, "height": 288},
                }
                assert (await http.post(f"{url}/api/v1/pipeline/load", json=body)).is_success
            await wait_for(lambda: not said(), 10.0, "the entry cleared")
            await wait_for(lambda: not runtime.pipeline_notes, 10.0, "the show fits again")


async def test_run_says_an_osc_input_on_scopes_own_osc_port(tmp_path: Path) -> None:
    show_file = tmp_path / "show.toml"
    async with running_sim(**FAST) as (_, url):
        sim_port = int(url.rsplit(":", 1)[1])
        show_file.write_text(CONTROLLER.format(url=url, port=sim_port, extra=""))
        runtime = Runtime(load_show(show_file))
        said = [p.message for p in runtime.bridge.problems if p.where == "osc"]
        assert said == [
            f"[devices.osc.ctl] listens on UDP port {sim_port}, where Scope at 127.0.0.1:"
            f"{sim_port} takes its own OSC (Scope 0.1.6+ listens for OSC on its HTTP port): "
            "give the device another port"
        ]
        await runtime.client.aclose()
