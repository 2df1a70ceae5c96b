"""The real console at 80x24: `scope-bridge run` against the stand-in, in tmux, read as a
person would read it. Every panel's title (with its number), the footer's Help and Quit,
the whole Scope URL (never an `…` in an address), the OSC devices' names, and a mapping
further down the Controls list reached with PgDn."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bridge.console.app.keys import PANELS
from tests.conftest import REPO
from tests.console.test_terminal import free_port

SESSION = f"sb-small-{os.getpid()}"
SIZE = (80, 24)
MAPPINGS = 14
SHOW = """
schema = 1
[scope]
url = "http://127.0.0.1:{port}"
[[prompts]]
id = "forest_at_dawn"
text = "a misty pine forest at dawn, volumetric light"
[[prompts]]
id = "neon_city_rain"
text = "a neon city street in the rain, reflections"
weight = 0.0
[devices.osc.resolume-main-output]
port = {osc1}
[devices.osc.touchdesigner]
port = {osc2}
"""
MAPPING = """
[[mappings]]
id = "clip-{n}"
source = {{ osc = "resolume-main-output", address = "/composition/layers/1/clips/{n}/connect" }}
target = "prompt.forest_at_dawn.weight"
"""


def screen() -> str:
    return subprocess.run(
        ["tmux", "capture-pane", "-p", "-t", SESSION], capture_output=True, text=True, check=True
    ).stdout


def wait_for(pattern: str, timeout: float = 60.0) -> str:
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        text = screen()
        if re.search(pattern, text):
            return text
        time.sleep(0.25)
    raise AssertionError(f"{pattern!r} never appeared; the screen was:\n{text}")


def keys(*names: str) -> None:
    subprocess.run(["tmux", "send-keys", "-t", SESSION, *names], check=True)


@pytest.fixture
def console(tmp_path: Path) -> Iterator[str]:
    """The stand-in (its own process) and `scope-bridge run` in an 80x24 tmux window."""
    if shutil.which("tmux") is None:
        pytest.fail("tmux is missing: ./scripts/test installs it (apt-get install tmux)")
    port = free_port()
    show = tmp_path / "show.toml"
    text = SHOW.format(port=port, osc1=free_port(), osc2=free_port())
    show.write_text(text + "".join(MAPPING.format(n=n) for n in range(1, MAPPINGS + 1)))
    sim = subprocess.Popen(
        [sys.executable, "-m", "bridge.sim", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    command = f"cd {REPO} && TERM=xterm-256color {sys.executable} -m bridge run {show}"
    width, height = SIZE
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", SESSION, "-x", str(width), "-y", str(height), command],
        check=True,
    )
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        subprocess.run(["tmux", "kill-session", "-t", SESSION], capture_output=True)
        sim.send_signal(signal.SIGTERM)
        try:
            sim.wait(10)
        except subprocess.TimeoutExpired:
            sim.kill()
            sim.wait()


def test_everything_is_on_an_80x24_screen(console: str) -> None:
    text = wait_for(r"CONNECTED · \d+\.\d fps")
    time.sleep(1.0)  # a few refreshes: the columns share their rows after the first layout
    text = screen()
    lines = text.splitlines()
    assert len(lines) <= SIZE[1]
    assert all(len(line) <= SIZE[0] for line in lines)
    for n, (_, title) in enumerate(PANELS, start=1):
        assert f"{n} {title}" in text, f"{title} is not on screen:\n{text}"
    footer = lines[-1]
    assert "? Help" in footer
    assert "q Quit" in footer
    assert console in text, f"the URL {console} is not whole on screen:\n{text}"
    assert not re.search(r"https?://[^\s│]*…", text), "an … inside an address"
    assert "resolume-main-output" in text, text  # the device names, whole
    assert "touchdesigner" in text
    assert "clip-14" not in text  # ids are not shown; the 14th mapping's address is:
    assert "clips/14/connect" not in text  # ... below the fold at first
    for _ in range(6):
        keys("PageDown")
        time.sleep(0.3)
    text = wait_for(r"clips/14/connect", timeout=10)
    keys("q")
    wait_for(r"Quit Scope Bridge\?", timeout=10)
    keys("y")
    deadline = time.monotonic() + 15
    while (
        subprocess.run(["tmux", "has-session", "-t", SESSION], capture_output=True).returncode == 0
    ):
        assert time.monotonic() < deadline, "scope-bridge run did not end after q, y"
        time.sleep(0.2)
