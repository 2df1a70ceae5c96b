"""A controller that is not there is a problem that says what was looked for and what was
seen; plugging it in clears it, unplugging brings it back (real JACK, a real sender)."""

from __future__ import annotations

import asyncio
import contextlib
import os
from pathlib import Path

import pytest

from bridge.config.load import load_show
from bridge.running.runtime import Runtime
from tests.io.jackkit import StartSender, poll

pytestmark = pytest.mark.jack
TAG = f"sbprob{os.getpid()}"

SHOW = """
schema = 1
[scope]
url = "http://127.0.0.1:9"
[[prompts]]
id = "p"
text = "a forest"
[devices.midi.lcxl]
port = "{pattern}"
match = "glob"
api = "UNIX_JACK"
"""


def midi_problems(runtime: Runtime) -> list[str]:
    return [p for p in runtime.snapshot().problems if p.startswith("midi in lcxl:")]


async def test_a_missing_controller_is_named_until_it_is_plugged_in(
    jack_server: str, start_sender: StartSender, tmp_path: Path
) -> None:
    (tmp_path / "show.toml").write_text(SHOW.format(pattern=f"{TAG}-lcxl*:out"))
    runtime = Runtime(load_show(tmp_path / "show.toml"))
    task = asyncio.create_task(runtime.run())
    try:
        assert await poll(lambda: bool(midi_problems(runtime)), 10), runtime.snapshot().problems
        (missing,) = midi_problems(runtime)
        assert f"no port matches '{TAG}-lcxl*:out' (glob); seen: " in missing
        sender = await start_sender(f"{TAG}-lcxl1", "out")  # plugged in
        assert await poll(lambda: not midi_problems(runtime), 10), midi_problems(runtime)
        await sender.stop()  # unplugged
        assert await poll(lambda: bool(midi_problems(runtime)), 10)
        assert "lcxl" in midi_problems(runtime)[0]
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
