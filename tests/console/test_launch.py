"""`scope-bridge run SHOW` (the console) as a real process in a real terminal (a pty).

The status file works for a console session too; the Scope token stays in the bridge and
never reaches the console child's environment; and a bridge that dies ends the command
with a non-zero exit and one sentence on the terminal, not a console quitting with 0.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.console.test_terminal import children, pids_with

SHOW = """
schema = 1
[scope]
url = "http://127.0.0.1:{port}"
token_env = "SB_TEST_SCOPE_TOKEN"
[[prompts]]
id = "forest"
text = "a forest"
"""
SECRET = "s3cret-bearer-token"
DYING = REPO / "tests" / "app" / "dying_bridge.py"


class Terminal:
    """A process on the slave side of a pty, 120x40; we read and type on the master."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        self.master = master
        self.proc = subprocess.Popen(
            argv, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=REPO
        )
        os.close(slave)
        self.output = bytearray()

    def read(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select([self.master], [], [], min(left, 0.2))
            if ready:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:  # EIO: every end of the slave is closed
                    return
                if not chunk:
                    return
                self.output += chunk

    def text(self) -> str:
        return self.output.decode(errors="replace")

    def type(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def wait(self, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < deadline:
            self.read(0.2)
        self.read(0.5)
        return self.proc.wait(max(0.1, deadline - time.monotonic()))

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for pid in children(self.proc.pid):  # a console left behind, by PID
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        os.close(self.master)


@pytest.fixture
def show(tmp_path: Path) -> Path:
    path = tmp_path / "show.toml"
    with socketless_port() as port:
        path.write_text(SHOW.format(port=port))
    return path


@contextlib.contextmanager
def socketless_port() -> Iterator[int]:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        yield int(s.getsockname()[1])


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    run = tmp_path / "run"
    run.mkdir(mode=0o700)
    return {
        **os.environ,
        "XDG_RUNTIME_DIR": str(run),
        "TERM": "xterm-256color",
        "SB_TEST_SCOPE_TOKEN": SECRET,
    }


def console_of(pid: int) -> int:
    consoles = [p for p in children(pid) if p in pids_with("bridge.console.app.main")]
    assert len(consoles) == 1, f"one console child, found {consoles}"
    return consoles[0]


def environ(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes()
    pairs = (item.partition(b"=") for item in raw.split(b"\0") if item)
    return {k.decode(): v.decode(errors="replace") for k, _, v in pairs}


def wait_status(env: dict[str, str], pid: int, timeout: float = 40.0) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    done: subprocess.CompletedProcess[str] | None = None
    while time.monotonic() < deadline:
        done = subprocess.run(
            [sys.executable, "-m", "bridge", "status", "--pid", str(pid)],
            capture_output=True,
            text=True,
            env=env,
            timeout=30,
            check=False,
        )
        if done.returncode == 0:
            snap: dict[str, object] = json.loads(done.stdout)
            return snap
        time.sleep(0.3)
    raise AssertionError(f"no status for pid {pid}: {done.stderr if done else ''}")


def test_a_console_session_has_a_status_and_keeps_the_token_from_its_console(
    show: Path, env: dict[str, str]
) -> None:
    term = Terminal([sys.executable, "-m", "bridge", "run", str(show)], env)
    try:
        snap = wait_status(env, term.proc.pid)
        assert snap["pid"] == term.proc.pid
        assert snap["show"] == str(show)
        console = console_of(term.proc.pid)
        assert environ(term.proc.pid).get("SB_TEST_SCOPE_TOKEN") == SECRET, "the bridge keeps it"
        assert "SB_TEST_SCOPE_TOKEN" not in environ(console), "the console never gets it"
        term.read(1.0)
        term.type("q")
        term.read(1.0)
        term.type("y")
        assert term.wait(20) == 0, term.text()[-2000:]
    finally:
        term.close()
    status_dir = Path(env["XDG_RUNTIME_DIR"]) / f"scope-bridge-{os.getuid()}"
    assert not (status_dir / f"status-{term.proc.pid}.json").exists(), "removed on the way out"


def test_a_dying_bridge_ends_the_console_command_with_a_sentence_and_an_error_code(
    show: Path, env: dict[str, str]
) -> None:
    term = Terminal([sys.executable, str(DYING), "run", str(show)], env)
    try:
        code = term.wait(60)
    finally:
        term.close()
    text = term.text()
    assert code == 1, text[-2000:]
    assert "Traceback" not in text
    assert "error: the bridge stopped: RuntimeError: a planted bug in the supervisor" in text


def test_a_dying_bridge_ends_the_headless_command_with_a_sentence_and_an_error_code(
    show: Path, env: dict[str, str]
) -> None:
    done = subprocess.run(
        [sys.executable, str(DYING), "run", "--headless", str(show)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
        cwd=REPO,
    )
    assert done.returncode == 1, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last == "error: the bridge stopped: RuntimeError: a planted bug in the supervisor"
