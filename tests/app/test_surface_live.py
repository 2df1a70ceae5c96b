"""The default OSC surface on a running show, over real UDP against the stand-in: a value sent
to ``/bridge/prompt/a/weight`` sets the weight, and a knob on another device comes back to
the surface's feedback host at the same address."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from pythonosc.osc_message import OscMessage
from pythonosc.osc_message_builder import OscMessageBuilder

from bridge.config.load import load_show
from bridge.running.runtime import Runtime
from bridge.watch import snapshot
from tests.app.osckit import free_udp_port
from tests.sim.simkit import FAST, running_sim, wait_for

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
weights = {{ a = 1.0, b = 0.5 }}
[[scenes]]
name = "two"
weights = {{ b = 1.0 }}
[devices.osc.surface]
port = {surface}
surface = true
feedback = [{{ port = {listener} }}]
[devices.osc.knobs]
port = {knobs}
[[mappings]]
id = "knob-a"
source = {{ osc = "knobs", address = "/knob" }}
target = "prompt.a.weight"
"""


def osc(address: str, *args: float | str) -> bytes:
    builder = OscMessageBuilder(address=address)
    for arg in args:
        builder.add_arg(arg)
    dgram: bytes = builder.build().dgram
    return dgram


class Listener:
    """A feedback host: a real UDP socket, every message it got, by address."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.setblocking(False)
        self.port = int(self.sock.getsockname()[1])
        self.got: list[tuple[str, list[Any]]] = []

    def read(self) -> None:
        while True:
            try:
                data = self.sock.recv(65536)
            except BlockingIOError:
                return
            message = OscMessage(data)
            self.got.append((message.address, list(message.params)))

    def last(self, address: str) -> list[Any] | None:
        self.read()
        values = [params for a, params in self.got if a == address]
        return values[-1] if values else None


@contextlib.asynccontextmanager
async def surface_show(tmp_path: Path) -> AsyncIterator[tuple[Runtime, Listener, int, int]]:
    listener = Listener()
    try:
        async with running_sim(**FAST) as (_sim, url):
            surface, knobs = free_udp_port(), free_udp_port()
            while knobs == surface:
                knobs = free_udp_port()
            text = SHOW.format(url=url, surface=surface, knobs=knobs, listener=listener.port)
            (tmp_path / "show.toml").write_text(text)
            runtime = Runtime(load_show(tmp_path / "show.toml"))
            task = asyncio.create_task(runtime.run())
            try:
                inputs = runtime.devices.osc
                await wait_for(
                    lambda: all(i.address is not None for i in inputs.values()), 10.0, "OSC inputs"
                )
                yield runtime, listener, surface, knobs
            finally:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
    finally:
        listener.sock.close()


async def _until(listener: Listener, address: str, want: Any, timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        got = listener.last(address)
        if got is not None and (got[0] == want or got[0] == pytest.approx(want, abs=1e-3)):
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"{address} never came back as {want!r}; got {listener.got[-8:]}")


async def test_a_value_at_a_surface_address_sets_its_target(tmp_path: Path) -> None:
    async with surface_show(tmp_path) as (runtime, _listener, surface, _knobs):
        state = runtime.bridge.state
        assert state.value("prompt.a.weight") == pytest.approx(1.0)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as out:
            out.sendto(osc("/bridge/prompt/a/weight", 0.3), ("127.0.0.1", surface))
            await wait_for(
                lambda: abs((state.value("prompt.a.weight") or 0.0) - 0.3) < 1e-6, 5.0, "weight"
            )
            out.sendto(osc("/bridge/scene", "two"), ("127.0.0.1", surface))
            await wait_for(lambda: state.scene == "two", 5.0, "the scene by name")
            out.sendto(osc("/bridge/scene", 0), ("127.0.0.1", surface))
            await wait_for(lambda: state.scene == "one", 5.0, "the scene by index")
            out.sendto(osc("/bridge/scene/next", 1.0), ("127.0.0.1", surface))
            await wait_for(lambda: state.scene == "two", 5.0, "scene/next")
            out.sendto(osc("/bridge/prompt/b/text", "a misty forest"), ("127.0.0.1", surface))
            await wait_for(lambda: state.texts["b"] == "a misty forest", 5.0, "a prompt text")
            out.sendto(osc("/bridge/prompt/b/weight", float("nan")), ("127.0.0.1", surface))
            out.sendto(osc("/bridge/paused", 1.0), ("127.0.0.1", surface))
            await wait_for(lambda: state.paused, 5.0, "paused")
        assert runtime.devices.osc["surface"].losses().refused_total == 1  # the NaN, no value
        weight_b = state.value("prompt.b.weight")
        assert weight_b is not None
        assert 0.0 <= weight_b <= 1.0
        # a surface offers every target: no "mapping(s) ... will change nothing" for it
        assert not [p.text for p in runtime.bridge.problems.present() if "surface:" in p.text]


async def test_a_knob_on_another_device_comes_back_at_the_surface_address(
    tmp_path: Path,
) -> None:
    async with surface_show(tmp_path) as (runtime, listener, _surface, knobs):
        await _until(listener, "/bridge/prompt/a/weight", 1.0)  # the start is reported too
        await _until(listener, "/bridge/scene", "one")
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as out:
            out.sendto(osc("/knob", 0.7), ("127.0.0.1", knobs))
            await _until(listener, "/bridge/prompt/a/weight", 0.7)
        assert runtime.bridge.state.value("prompt.a.weight") == pytest.approx(0.7, abs=1e-6)
        assert listener.last("/bridge/scene/next") is None  # actions have no value to report
        controls = snapshot.take(runtime.bridge).controls
        assert [c.id for c in controls] == ["knob-a", "surface surface"]  # one line, not 17
        assert controls[1].target == "17 targets"  # 13 fixed (no pages, no presets), 2 per prompt
