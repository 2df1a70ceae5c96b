"""The demo in a real terminal: tmux runs ./scripts/demo, we type keys and read the screen."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest

from tests.conftest import REPO

SESSION = f"sb-demo-{os.getpid()}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def screen() -> str:
    return subprocess.run(
        ["tmux", "capture-pane", "-p", "-t", SESSION], capture_output=True, text=True, check=True
    ).stdout


def wait_for(pattern: str, timeout: float = 30.0) -> re.Match[str]:
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        text = screen()
        found = re.search(pattern, text)
        if found:
            return found
        time.sleep(0.25)
    raise AssertionError(f"{pattern!r} never appeared; the screen was:\n{text}")


def pids_with(word: str) -> list[int]:
    """Processes whose command line holds ``word`` (to stop what the demo left, by PID)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    if word.encode() in f.read():
                        found.append(int(entry))
            except OSError:
                continue
    return found


@pytest.fixture
def demo() -> Iterator[int]:
    if shutil.which("tmux") is None:
        pytest.fail("tmux is missing: ./scripts/test installs it (apt-get install tmux)")
    port = free_port()
    env = f"SCOPE_BRIDGE_DEMO_PORT={port} TERM=xterm-256color"
    subprocess.run(
        [
            "tmux",
            "new-session",
            "-d",
            "-s",
            SESSION,
            "-x",
            "120",
            "-y",
            "40",
            f"cd {REPO} && {env} ./scripts/demo",
        ],
        check=True,
    )
    try:
        yield port
    finally:
        subprocess.run(["tmux", "kill-session", "-t", SESSION], capture_output=True)
        for pid in pids_with(f"--port\x00{port}"):
            os.kill(pid, signal.SIGTERM)


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid``."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rpartition(")")[2].split()[1]) == pid:
                        found.append(int(entry))
            except (OSError, ValueError):
                continue
    return found


def test_demo_connects_streams_and_obeys_keys(demo: int) -> None:
    """Connected, frames rising, `n` changes the scene, `q` `y` quits and stops everything.

    The bridge and the console are two processes (the console a child of the bridge); both
    must be gone after the quit, and the stand-in with them.
    """
    wait_for(r"CONNECTED · \d+\.\d fps", timeout=60)
    first = int(wait_for(r"frames\s+(\d+)").group(1))
    time.sleep(1.5)
    second = int(wait_for(r"frames\s+(\d+)").group(1))
    assert second > first
    scene = wait_for(r"scene (\w+)\s*\n").group(1)
    subprocess.run(["tmux", "send-keys", "-t", SESSION, "n"], check=True)
    deadline = time.monotonic() + 5
    while wait_for(r"scene (\w+)\s*\n").group(1) == scene:
        assert time.monotonic() < deadline, "the scene did not change after n"
        time.sleep(0.2)
    (bridge,) = pids_with(f"http://127.0.0.1:{demo}\x00")
    consoles = [p for p in children(bridge) if p in pids_with("bridge.console.app.main")]
    assert len(consoles) == 1, "the console should run in a child process of the bridge"
    subprocess.run(["tmux", "send-keys", "-t", SESSION, "q"], check=True)
    wait_for(r"Quit Scope Bridge\?")
    subprocess.run(["tmux", "send-keys", "-t", SESSION, "y"], check=True)
    deadline = time.monotonic() + 10
    while pids_with(f"--port\x00{demo}"):
        assert time.monotonic() < deadline, "the stand-in outlived the demo"
        time.sleep(0.2)
    left = [p for p in (bridge, *consoles) if os.path.exists(f"/proc/{p}")]
    assert not left, f"processes {left} outlived the quit"
