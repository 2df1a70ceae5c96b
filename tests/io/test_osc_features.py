"""Audio features sent over OSC by another program: the translator, and a live show.

The live test sends with liblo's `oscsend` (an independent OSC implementation) over real UDP
on 127.0.0.1 to a real `Runtime` on the in-process stand-in.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from pathlib import Path

from bridge.config.load import load_show
from bridge.core.events import AudioFeatures, AudioOnset, OscMessage
from bridge.inputs.osc_features import OscFeatures
from bridge.running.runtime import Runtime
from tests.io.test_osc_in import oscsend
from tests.sim.simkit import FAST, running_sim, wait_for


def message(address: str, *args: object) -> OscMessage:
    return OscMessage(1.0, "td", address, args)  # type: ignore[arg-type]


def test_features_become_audio_events_and_an_onset_fires_on_its_rise() -> None:
    daw = OscFeatures("daw", {"level": "/a/level", "onset": "/a/onset"})
    assert daw.feed(message("/a/level", 0.6)) == [AudioFeatures(1.0, "daw", {"level": 0.6})]
    assert daw.feed(message("/a/level", 1)) == [AudioFeatures(1.0, "daw", {"level": 1.0})]
    assert daw.feed(message("/a/level", "loud")) == []
    assert daw.feed(message("/a/level", True)) == []
    assert daw.feed(message("/a/level")) == []
    assert daw.feed(message("/other", 0.6)) == []
    assert daw.feed(message("/a/onset", 0.2)) == []
    assert daw.feed(message("/a/onset", 1.0)) == [AudioOnset(1.0, "daw", 1.0)]
    assert daw.feed(message("/a/onset", 0.9)) == []  # still high: one onset per rise
    assert daw.feed(message("/a/onset", 0.0)) == []
    assert daw.feed(message("/a/onset", 0.7)) == [AudioOnset(1.0, "daw", 0.7)]


SHOW = """
schema = 1
start_scene = "one"
[scope]
url = "{url}"
[[prompts]]
id = "a"
text = "first"
[[prompts]]
id = "b"
text = "second"
[[scenes]]
name = "one"
weights = {{ a = 1.0 }}
[[scenes]]
name = "two"
weights = {{ b = 1.0 }}
[devices.osc.td]
port = {port}
[devices.audio.daw]
osc = "td"
features = {{ level = "/audio/level", onset = "/audio/onset" }}
[[mappings]]
source = {{ audio = "level" }}
target = "noise_scale"
[[mappings]]
source = {{ audio = "onset" }}
target = "scene.next"
"""


async def test_a_show_reacts_to_features_a_daw_sends(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    async with running_sim(**FAST) as (_, url):
        (tmp_path / "show.toml").write_text(SHOW.format(url=url, port=port))
        runtime = Runtime(load_show(tmp_path / "show.toml"))
        task = asyncio.create_task(runtime.run())
        try:
            await wait_for(lambda: runtime.devices.osc["td"].address is not None, 5.0, "OSC")
            await oscsend(port, "/audio/level", "f", "0.8")
            await wait_for(
                lambda: abs(runtime.bridge.state.base["noise_scale"] - 0.8) < 1e-6,
                5.0,
                "the level to drive noise_scale",
            )
            await oscsend(port, "/audio/onset", "f", "1.0")
            await wait_for(lambda: runtime.bridge.state.scene == "two", 5.0, "the onset")
            assert runtime.snapshot().extra["audio"]["level"] == 0.800000011920929  # float32
            lines = [(d.name, d.state) for d in runtime.snapshot().devices if d.kind == "audio"]
            assert lines == [("daw", "from OSC")]
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
