"""The OSCQuery namespace of a running show, read over real HTTP against the stand-in: it
lists every surface target with its current value (one changed by a real OSC message too),
answers HOST_INFO, 404 for an address it does not have, and follows a reload."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bridge.config.load import load_show
from bridge.core.surface import address_of
from bridge.running.runtime import Runtime
from tests.app.osckit import free_udp_port
from tests.app.test_surface_live import osc
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
oscquery = {http}
"""


def free_tcp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.asynccontextmanager
async def oscquery_show(tmp_path: Path) -> AsyncIterator[tuple[Runtime, int, str]]:
    async with running_sim(**FAST) as (_sim, url):
        surface, http = free_udp_port(), free_tcp_port()
        (tmp_path / "show.toml").write_text(SHOW.format(url=url, surface=surface, http=http))
        runtime = Runtime(load_show(tmp_path / "show.toml"))
        task = asyncio.create_task(runtime.run())
        try:
            inputs = runtime.devices.osc
            await wait_for(lambda: inputs["surface"].address is not None, 10.0, "OSC input")
            await wait_for(lambda: "surface" in runtime.oscquery.served, 10.0, "OSCQuery")
            yield runtime, surface, f"http://127.0.0.1:{http}"
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def get(base: str, path: str) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as http, http.get(base + path) as response:
        if response.status != 200:
            return response.status, await response.text()
        return response.status, await response.json()


def leaf_paths(node: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """FULL_PATH → node, for every node with a TYPE."""
    out = {node["FULL_PATH"]: node} if "TYPE" in node else {}
    for child in node.get("CONTENTS", {}).values():
        out |= leaf_paths(child)
    return out


async def test_the_namespace_lists_the_shows_targets_with_their_values(tmp_path: Path) -> None:
    async with oscquery_show(tmp_path) as (runtime, surface, base):
        status, root = await get(base, "/")
        assert status == 200
        assert root["FULL_PATH"] == "/"
        leaves = leaf_paths(root)
        targets = [b.target for b in runtime.show.bindings if b.surface == "surface"]
        assert sorted(leaves) == sorted(address_of("/bridge", t) for t in targets)
        assert len(leaves) == 17
        weight = leaves["/bridge/prompt/a/weight"]
        assert weight["TYPE"] == "f"
        assert weight["RANGE"] == [{"MIN": 0.0, "MAX": 1.0}]
        assert weight["VALUE"] == [pytest.approx(1.0)]
        assert leaves["/bridge/prompt/b/weight"]["VALUE"] == [pytest.approx(0.5)]
        scene = leaves["/bridge/scene"]
        assert (scene["TYPE"], scene["VALUE"]) == ("s", ["one"])
        assert scene["RANGE"] == [{"VALS": ["one", "two"]}]
        assert set(scene["CONTENTS"]) == {"next", "prev"}
        assert leaves["/bridge/scene/next"]["ACCESS"] == 2  # an action: write only, no value
        assert "VALUE" not in leaves["/bridge/scene/next"]
        assert leaves["/bridge/prompt/b/text"]["VALUE"] == ["second"]

        state = runtime.bridge.state
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as out:
            out.sendto(osc("/bridge/scene", "two"), ("127.0.0.1", surface))
            await wait_for(lambda: state.scene == "two", 5.0, "the scene sent over OSC")
            out.sendto(osc("/bridge/prompt/a/weight", 0.25), ("127.0.0.1", surface))
            await wait_for(
                lambda: abs((state.value("prompt.a.weight") or 0.0) - 0.25) < 1e-6, 5.0, "weight"
            )
        status, node = await get(base, "/bridge/prompt/a/weight")
        assert status == 200
        assert node["FULL_PATH"] == "/bridge/prompt/a/weight"
        assert node["VALUE"] == [pytest.approx(0.25)]
        assert await get(base, "/bridge/scene?VALUE") == (200, {"VALUE": ["two"]})


async def test_host_info_and_unknown_paths(tmp_path: Path) -> None:
    async with oscquery_show(tmp_path) as (_runtime, surface, base):
        status, info = await get(base, "/?HOST_INFO")
        assert status == 200
        assert (info["OSC_PORT"], info["OSC_TRANSPORT"], info["OSC_IP"]) == (
            surface,
            "UDP",
            "127.0.0.1",
        )
        assert info["NAME"] == "Scope Bridge surface"
        assert info["EXTENSIONS"]["VALUE"] is True
        assert info["EXTENSIONS"]["LISTEN"] is False
        status, _text = await get(base, "/bridge/prompt/nobody/weight")
        assert status == 404
        status, _text = await get(base, "/elsewhere")
        assert status == 404


async def test_a_reload_shows_in_the_namespace(tmp_path: Path) -> None:
    async with oscquery_show(tmp_path) as (runtime, _surface, base):
        path = tmp_path / "show.toml"
        text = path.read_text().replace(
            '[[scenes]]\nname = "one"',
            '[[prompts]]\nid = "c"\ntext = "third"\n\n[[scenes]]\nname = "one"',
            1,
        )
        path.write_text(text)
        assert await runtime.reload() is None
        status, node = await get(base, "/bridge/prompt/c/text")
        assert (status, node["VALUE"]) == (200, ["third"])
