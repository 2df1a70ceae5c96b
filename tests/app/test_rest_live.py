"""REST control, end to end against the stand-in: it tells the truth about Scope's session.

Ready only while Scope reports a session; without one it says so (Problems, the headless
line) and sends nothing; with ``start_session`` it starts a headless one and paces by its
metrics; what Scope re-applies on every POST is re-sent when the show differs; a Scope
without the session API is said once and left alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from bridge.config.load import load_show
from bridge.core.payload import prompt_list
from bridge.running.runtime import Runtime
from bridge.sim.server import ScopeSim
from bridge.watch.headless import connection_line
from tests.app.osckit import free_udp_port
from tests.app.test_pacing_live import osc, storm
from tests.sim.simkit import running_sim, wait_for

SHOW = """
schema = 1
[scope]
url = "{url}"
transport = "rest"
pipeline = "controller-viz"
width = 128
height = 64
start_session = {start}
[transition]
method = "slerp"
[[prompts]]
id = "a"
text = "first"
[[prompts]]
id = "b"
text = "second"
weight = 0.5
[devices.osc.host]
port = {port}
[[mappings]]
source = {{ osc = "host", address = "/a" }}
target = "prompt.a.weight"
"""


def write_show(path: Path, url: str, port: int, start: bool) -> None:
    text = SHOW.format(url=url, port=port, start=str(start).lower())
    path.write_text(text, encoding="utf-8")


@contextlib.asynccontextmanager
async def rest_show(
    tmp_path: Path, *, start: bool, **sim: Any
) -> AsyncIterator[tuple[Runtime, ScopeSim, int]]:
    async with running_sim(load_time_s=0.05, **sim) as (stand_in, url):
        port = free_udp_port()
        write_show(tmp_path / "show.toml", url, port, start)
        runtime = Runtime(load_show(tmp_path / "show.toml"))
        task = asyncio.create_task(runtime.run())
        try:
            yield runtime, stand_in, port
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


def problems(runtime: Runtime) -> list[str]:
    return [p.message for p in runtime.bridge.problems if p.where == "scope"]


async def test_with_no_session_open_it_says_so_and_sends_nothing(tmp_path: Path) -> None:
    async with rest_show(tmp_path, start=False) as (runtime, sim, port):
        assert runtime.rest is not None
        await wait_for(
            lambda: runtime.rest is not None and runtime.rest.state == "no session",
            10.0,
            "the first look at Scope",
        )
        await storm(port, 1.0)
        await asyncio.sleep(0.6)  # Problems are synced twice a second
        connection = runtime.connection()
        assert connection is not None
        assert connection["ready"] is False
        assert "no Scope session is open" in connection_line(runtime.snapshot())
        assert any("No Scope session is open" in p for p in problems(runtime))
        assert sim.stats.received == 0
        assert sim.session_api.headless is None


async def test_start_session_opens_one_and_scope_ends_with_the_bridges_state(
    tmp_path: Path,
) -> None:
    """A headless session started from the show; a fader storm paced by its metrics drops
    nothing; slerp survives Scope's re-applied default on every POST."""
    async with rest_show(tmp_path, start=True) as (runtime, sim, port):
        rest = runtime.rest
        assert rest is not None
        await wait_for(lambda: rest.ready, 10.0, "the headless session")
        await wait_for(lambda: runtime.bridge.pacer.by_evidence, 5.0, "evidence from metrics")
        assert "REST control ready · headless session" in connection_line(runtime.snapshot())
        before, started = sim.stats.dropped, time.monotonic()
        sent = runtime.bridge.pacer.sent_count
        await storm(port, 2.0)
        rate = (runtime.bridge.pacer.sent_count - sent) / (time.monotonic() - started)
        await osc(port, "/a", 0.77)
        await asyncio.sleep(1.5)
        headless = sim.session_api.headless
        assert headless is not None
        assert rest.starts == 1
        assert sim.stats.dropped == before
        assert rate >= 2.0, rate
        assert headless.engine.params["prompts"] == prompt_list(runtime.bridge.state, 0.01)
        assert {"text": "first", "weight": 0.77} in headless.engine.params["prompts"]
        assert headless.engine.params["prompt_interpolation_method"] == "slerp"


async def test_a_scope_without_the_session_api_is_said_once(tmp_path: Path) -> None:
    async with rest_show(tmp_path, start=True, version="0.1.4") as (runtime, sim, _port):
        rest = runtime.rest
        assert rest is not None
        await wait_for(lambda: rest.state == "no session API", 10.0, "the refusal")
        await asyncio.sleep(0.6)
        asked = sim.requests[("GET", "/health")]
        await asyncio.sleep(2.0)
        assert sim.requests[("GET", "/health")] == asked  # not asked again
        assert problems(runtime) == [
            "Scope 0.1.4 has no session API (it came in 0.1.8): REST control is off; "
            'use transport = "webrtc".'
        ]
        assert runtime.bridge.running
