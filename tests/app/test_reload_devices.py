"""Hot reload of devices: a changed OSC port, a new audio input or a frame output added and
removed take effect without a restart, and the Scope session and the values carry on.

Real parts: the in-process stand-in over aiortc, OSC over real UDP on 127.0.0.1, an audio
file input, the PyAV recorder.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from pathlib import Path

import av
import numpy as np
import soundfile as sf

from bridge.config.load import load_show
from bridge.running.runtime import Runtime
from tests.sim.simkit import FAST, running_sim, wait_for

SHOW = """
schema = 1
[scope]
url = "{url}"
[[prompts]]
id = "a"
text = "first"
[devices.osc.td]
port = {port}
[[mappings]]
id = "fader"
source = {{ osc = "td", address = "/fader" }}
target = "prompt.a.weight"
{extra}
"""

AUDIO = """
[devices.audio.loop]
file = "tone.wav"
"""

RECORDER = """
[[sinks]]
kind = "record"
name = "rec"
path = "take.mp4"
"""


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fader(port: int, value: float) -> None:
    from pythonosc.osc_message_builder import OscMessageBuilder

    builder = OscMessageBuilder("/fader")
    builder.add_arg(value, "f")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.sendto(builder.build().dgram, ("127.0.0.1", port))


def port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


async def test_a_changed_osc_port_and_a_new_audio_input_work_after_reload(
    tmp_path: Path,
) -> None:
    rate = 48000
    tone = 0.3 * np.sin(2 * np.pi * 220 * np.arange(rate * 4) / rate)
    sf.write(tmp_path / "tone.wav", tone.astype(np.float32), rate)
    first, second = free_udp_port(), free_udp_port()
    show_file = tmp_path / "show.toml"
    async with running_sim(**FAST) as (_, url):
        show_file.write_text(SHOW.format(url=url, port=first, extra=""))
        runtime = Runtime(load_show(show_file))

        def weight() -> float:
            return runtime.bridge.state.base["prompt.a.weight"]  # a reload makes a new state

        task = asyncio.create_task(runtime.run())
        try:
            await wait_for(lambda: runtime.link is not None and runtime.link.ready, 15.0, "link")
            fader(first, 0.25)
            await wait_for(lambda: weight() == 0.25, 5.0, "first port")
            connects = (runtime.snapshot().connection or {})["connects"]

            show_file.write_text(SHOW.format(url=url, port=second, extra=AUDIO))
            assert await runtime.reload() is None

            def osc_detail() -> str:
                return next(d.detail for d in runtime.snapshot().devices if d.kind == "osc in")

            await wait_for(lambda: osc_detail() == f"127.0.0.1:{second}", 5.0, "the new port")
            assert port_free(first), "the old port must be closed"
            fader(second, 0.75)
            await wait_for(lambda: weight() == 0.75, 5.0, "second port")
            fader(first, 0.1)  # nobody listens there any more
            await asyncio.sleep(0.2)
            assert weight() == 0.75

            def audio_state() -> list[tuple[str, str]]:
                views = runtime.snapshot().devices
                return [(d.name, d.state) for d in views if d.kind == "audio"]

            await wait_for(lambda: audio_state() == [("loop", "playing")], 5.0, "audio input")
            assert runtime.link is not None
            assert runtime.link.ready, "the Scope session must survive a device reload"
            assert (runtime.snapshot().connection or {})["connects"] == connects

            # a frame output added by a reload starts recording; removed, it finishes its file
            show_file.write_text(SHOW.format(url=url, port=second, extra=AUDIO + RECORDER))
            assert await runtime.reload() is None

            def recorded() -> int:
                return sum(s.sent for s in runtime.router.status() if s.name == "rec")

            await wait_for(lambda: recorded() >= 5, 15.0, "the new recorder")
            show_file.write_text(SHOW.format(url=url, port=second, extra=AUDIO))
            assert await runtime.reload() is None
            await wait_for(lambda: not runtime.router.status(), 5.0, "the recorder removed")
            with av.open(str(tmp_path / "take.mp4")) as container:
                frames = sum(1 for _ in container.decode(video=0))
            assert frames >= 5
            problems = [p.message for p in runtime.bridge.problems]
            assert not any("restart" in m for m in problems), problems
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


SCOPE_SHOW = """
schema = 1
[scope]
url = "{url}"
width = {width}
[[prompts]]
id = "a"
text = "first"
"""


async def test_a_new_frame_size_reconnects_and_a_new_url_waits_for_a_restart(
    tmp_path: Path,
) -> None:
    show_file = tmp_path / "show.toml"
    async with running_sim(**FAST) as (sim, url):
        show_file.write_text(SCOPE_SHOW.format(url=url, width=576))
        runtime = Runtime(load_show(show_file))
        task = asyncio.create_task(runtime.run())

        def connects() -> int:
            return int((runtime.snapshot().connection or {}).get("connects") or 0)

        try:
            await wait_for(lambda: connects() == 1, 15.0, "the first session")
            show_file.write_text(SCOPE_SHOW.format(url=url, width=512))
            assert await runtime.reload() is None
            await wait_for(lambda: connects() == 2, 15.0, "a session with the new size")
            assert sim.pipeline.load_params["width"] == 512
            assert not [p for p in runtime.bridge.problems if "restart" in p.message]

            moved = url.replace("127.0.0.1", "localhost")
            show_file.write_text(SCOPE_SHOW.format(url=moved, width=512))
            assert await runtime.reload() is None
            (problem,) = [p.message for p in runtime.bridge.problems if "restart" in p.message]
            assert problem == "changes to [scope] url take effect after a restart"
            assert runtime.show.scope.url == url  # still talking to the running server
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
