"""An OSC display gets the show's starting values without anything moving (real UDP).

The feedback loop used to start before the OSC output had opened its socket: the first
values were counted as sent, lost, and not sent again until something changed, so a
TouchDesigner or Resolume display stayed blank until the first fader move.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from pathlib import Path

from pythonosc.osc_packet import OscPacket

from bridge.config.load import load_show
from bridge.running.runtime import Runtime
from tests.io.jackkit import poll
from tests.sim.simkit import FAST, running_sim

SHOW = """
schema = 1
start_scene = "one"
[scope]
url = "{url}"
[[prompts]]
id = "a"
text = "first"
[[scenes]]
name = "one"
weights = {{ a = 0.75 }}
[devices.osc.host]
port = {osc_in}
feedback = [{{ host = "127.0.0.1", port = {osc_out} }}]
"""


def udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_a_display_gets_the_starting_values_with_nothing_moved(tmp_path: Path) -> None:
    osc_in, osc_out = udp_port(), udp_port()
    display = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    display.bind(("127.0.0.1", osc_out))
    display.setblocking(False)
    seen: dict[str, object] = {}

    def drain() -> bool:
        with contextlib.suppress(BlockingIOError):
            while True:
                for m in OscPacket(display.recv(65536)).messages:
                    seen[m.message.address] = m.message.params[0]
        return seen.get("/scope/scene") == "one" and seen.get("/scope/prompt/a/weight") == 0.75

    async with running_sim(**FAST) as (_, url):
        show = tmp_path / "show.toml"
        show.write_text(SHOW.format(url=url, osc_in=osc_in, osc_out=osc_out))
        runtime = Runtime(load_show(show))
        task = asyncio.create_task(runtime.run())
        try:
            assert await poll(drain, 5), seen
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            display.close()
