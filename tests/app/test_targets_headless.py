"""Headless installation mode with two Scope servers: a real `scope-bridge run --headless`
process, two stand-in processes; one is killed for a while during "the night". The show
keeps running (the other server keeps getting updates), `scope-bridge status` lists both
targets, and the dead one is retried until it is back."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.app.test_headless_log import Lines
from tests.sim.simkit import SimProcess, free_port

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
[[mappings]]
id = "sweep"
source = {{ lfo = "sine", period_s = 2.0 }}
target = "prompt.a.weight"
"""


def status(path: Path) -> dict[str, Any]:
    """`scope-bridge status` for this bridge, its targets by name."""
    out = subprocess.run(
        [sys.executable, "-m", "bridge", "status", "--status-file", str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    data: dict[str, Any] = json.loads(out)
    return {v["name"]: v for v in data["extra"]["targets"]}


async def until(path: Path, check: Any, what: str, within: float = 30.0) -> dict[str, Any]:
    deadline = time.monotonic() + within
    last: dict[str, Any] = {}
    while time.monotonic() < deadline:
        if await asyncio.to_thread(path.exists):
            last = await asyncio.to_thread(status, path)
            if check(last):
                return last
        await asyncio.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}; last status: {last}")


def start_headless(show: Path, status_file: Path) -> subprocess.Popen[str]:
    command = ["run", "--headless", "--status-file", str(status_file), str(show)]
    return subprocess.Popen(
        [sys.executable, "-m", "bridge", *command],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


async def test_a_target_dead_for_a_while_is_retried_and_the_show_goes_on(tmp_path: Path) -> None:
    left, right = SimProcess(free_port()), SimProcess(free_port())
    await asyncio.gather(left.start(), right.start())
    show = tmp_path / "show.toml"
    show.write_text(SHOW.format(left=left.url, right=right.url))
    status_file = tmp_path / "status.json"
    proc = start_headless(show, status_file)
    lines = Lines(proc)
    try:
        await until(status_file, lambda t: t["left"]["up"] and t["right"]["up"], "both live")
        await right.kill()
        down = await until(status_file, lambda t: not t["right"]["up"], "right down")
        assert down["right"]["state"] == "retrying"
        sent = down["left"]["sent"]
        await asyncio.sleep(4.0)  # the night goes on without right
        assert proc.poll() is None, "the show ended with a target"
        during = await asyncio.to_thread(status, status_file)
        assert during["left"]["up"]
        assert during["left"]["sent"] > sent + 20, "left kept getting the sweep"
        await right.start()
        back = await until(status_file, lambda t: t["right"]["up"], "right back")
        assert back["right"]["connects"] >= 2
        assert back["left"]["connects"] == 1
        await lines.wait("targets 2/2 live", time.monotonic(), within=15.0)
    finally:
        await left.kill()
        await right.kill()
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
        code = proc.wait(15)
        lines.close(proc)
    assert code == 0, "SIGTERM is a clean stop"
    assert "Traceback" not in "\n".join(lines.all())
