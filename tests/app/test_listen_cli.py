"""`scope-bridge monitor` and `scope-bridge learn` as a person runs them, with real OSC."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bridge.config.load import load_show

SHOW = """# my show: a comment that must survive learn
schema = 1
[[prompts]]
id = "forest"
text = "a forest"
[devices.osc.td]
port = {port}
"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def oscsend(port: int, address: str, value: float) -> None:
    if shutil.which("oscsend") is None:
        pytest.fail("oscsend is missing: ./scripts/test installs liblo-tools")
    subprocess.run(["oscsend", "127.0.0.1", str(port), address, "f", str(value)], check=True)


def start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bridge", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def stop(proc: subprocess.Popen[str]) -> None:
    """Stop by PID and close its pipe."""
    if proc.poll() is None:
        proc.kill()
    proc.wait(10)
    if proc.stdout is not None:
        proc.stdout.close()


def wait_line(proc: subprocess.Popen[str], word: str) -> str:
    assert proc.stdout is not None
    for _ in range(50):
        line = proc.stdout.readline()
        if word in line:
            return line
    raise AssertionError(f"{word!r} never printed")


def test_monitor_prints_a_paste_ready_source(tmp_path: Path) -> None:
    """An OSC message shows up with the source table to paste into a mapping."""
    port = free_port()
    show = tmp_path / "show.toml"
    show.write_text(SHOW.format(port=port))
    proc = start("monitor", str(show), "--seconds", "4")
    try:
        wait_line(proc, "listening")
        time.sleep(0.3)
        oscsend(port, "/fader3", 0.5)
        line = wait_line(proc, "/fader3")
        assert 'source = { osc = "td", address = "/fader3"' in line
    finally:
        stop(proc)


def test_learn_writes_the_binding_and_keeps_comments(tmp_path: Path) -> None:
    """Two values of one OSC address bind it to the target; the file still checks."""
    port = free_port()
    show = tmp_path / "show.toml"
    show.write_text(SHOW.format(port=port))
    proc = start("learn", str(show), "prompt.forest.weight", "--timeout", "15")
    try:
        wait_line(proc, "move the control")
        time.sleep(0.3)
        oscsend(port, "/knob", 0.2)
        oscsend(port, "/knob", 0.4)
        assert proc.wait(20) == 0
    finally:
        stop(proc)
    text = show.read_text()
    assert text.startswith("# my show: a comment that must survive learn")
    binding = load_show(show).bindings[-1]
    assert binding.source.address == "/knob"
    assert binding.target == "prompt.forest.weight"


def test_learn_without_devices_says_so_before_asking_for_a_move(tmp_path: Path) -> None:
    """Nobody is asked to move a knob the bridge cannot hear."""
    show = tmp_path / "show.toml"
    show.write_text('schema = 1\n[[prompts]]\nid = "a"\ntext = "a"\n')
    done = subprocess.run(
        [sys.executable, "-m", "bridge", "learn", str(show), "prompt.a.weight"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 1
    assert "move the control" not in done.stdout
    assert "no MIDI or OSC device to learn from" in done.stderr
    assert str(show) in done.stderr
