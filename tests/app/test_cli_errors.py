"""Every failing command says why in one sentence, never with a traceback (real processes).

Each case runs `python -m bridge` (the `scope-bridge` command) as a person would: ports held
by a running show or by this test, a port out of range, a reader that closed the pipe.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.app.test_listen_cli import SHOW, free_port, stop

TIMEOUT_S = 60


def command(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bridge", *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        env=env,
        check=False,
    )


def one_sentence(done: subprocess.CompletedProcess[str], *words: str) -> str:
    """The command failed with a sentence on stderr holding ``words``, and no traceback."""
    err = done.stderr
    assert done.returncode != 0, f"it should fail: {done}"
    assert "Traceback" not in err, err
    assert "Exception ignored" not in err, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines, "a sentence on stderr"
    for word in words:
        assert word in err, f"{word!r} not in {err!r}"
    return err


def private_env(tmp_path: Path) -> dict[str, str]:
    run = tmp_path / "run"
    run.mkdir(mode=0o700, exist_ok=True)
    return {**os.environ, "XDG_RUNTIME_DIR": str(run)}


@pytest.fixture
def running_show(tmp_path: Path) -> Iterator[tuple[Path, int, subprocess.Popen[str]]]:
    """A headless show holding its OSC port (Scope absent: it keeps trying, which is fine)."""
    port = free_port()
    show = tmp_path / "show.toml"
    show.write_text(SHOW.format(port=port) + f'[scope]\nurl = "http://127.0.0.1:{free_port()}"\n')
    proc = subprocess.Popen(
        [sys.executable, "-m", "bridge", "run", "--headless", str(show)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
        env=private_env(tmp_path),
    )
    try:
        deadline = time.monotonic() + 30
        while not port_taken(port):
            assert proc.poll() is None, "the show exited"
            assert time.monotonic() < deadline, "the show never opened its OSC port"
            time.sleep(0.1)
        yield show, port, proc
    finally:
        stop(proc)


def port_taken(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


@pytest.mark.parametrize("args", [("monitor", "--seconds", "3"), ("learn", "prompt.forest.weight")])
def test_learn_and_monitor_name_the_show_holding_the_port(
    running_show: tuple[Path, int, subprocess.Popen[str]], args: tuple[str, ...]
) -> None:
    show, port, proc = running_show
    done = command(args[0], str(show), *args[1:])
    err = one_sentence(done, f"127.0.0.1:{port}", f"port {port} is in use by", f"(pid {proc.pid})")
    assert "stop the running show first" in err


def test_sim_on_a_taken_port_says_so() -> None:
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        done = command("sim", "--port", str(port))
    one_sentence(done, f"cannot listen on 127.0.0.1:{port}", f"port {port} is in use by")
    assert f"(pid {os.getpid()})" in done.stderr, "this test holds it"


def test_sim_on_a_port_out_of_range_says_so() -> None:
    one_sentence(command("sim", "--port", "99999"), "99999 is not a port number (1-65535)")


def test_sim_on_an_address_not_on_this_machine_says_so() -> None:
    """203.0.113.1 (TEST-NET-3) is no address of ours: the bind fails, nothing is sent."""
    done = command("sim", "--host", "203.0.113.1", "--port", str(free_port()))
    one_sentence(done, "the stand-in cannot listen on 203.0.113.1")


def closed_pipe_run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    """Run with stdout a pipe nobody reads any more (``| head`` that has already quit)."""
    read, write = os.pipe()
    os.close(read)
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "bridge", *args],
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            timeout=TIMEOUT_S,
            env=env,
            check=False,
        )
    finally:
        os.close(write)
    return proc.returncode, proc.stderr


def test_status_into_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    """`scope-bridge status | head`: no BrokenPipeError; the exit says SIGPIPE, like cat."""
    status = tmp_path / "status.json"
    status.write_text(json.dumps({"show": "x", "events": ["e"] * 4000}))
    code, err = closed_pipe_run("status", "--status-file", str(status))
    assert code == 141
    assert "Traceback" not in err, err
    assert "Exception ignored" not in err, err
    assert err == ""


def test_monitor_into_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    show = tmp_path / "show.toml"
    show.write_text(SHOW.format(port=free_port()))
    code, err = closed_pipe_run("monitor", str(show), "--seconds", "5")
    assert code == 141
    assert "Traceback" not in err, err
    assert "Exception ignored" not in err, err


def test_an_unsafe_runtime_directory_is_one_sentence(tmp_path: Path) -> None:
    """An error from the runtime directory check, before anything starts."""
    base = tmp_path / "base"
    base.mkdir()
    (base / f"scope-bridge-{os.getuid()}").write_text("not a directory")
    show = tmp_path / "show.toml"
    show.write_text(SHOW.format(port=free_port()))
    env = {**os.environ, "XDG_RUNTIME_DIR": str(base)}
    done = command("run", "--headless", str(show), env=env)
    one_sentence(done, "refusing to keep runtime files in", "it is not a directory")
    assert command("status", env=env).returncode == 1


BUGGY = """
import sys
import bridge.cli.main as cli

def broken(args):
    return 1 // 0

cli._ports = broken  # a planted bug in a command
sys.exit(cli.main(["ports"]))
"""


def test_a_bug_is_one_sentence_and_its_traceback_goes_to_a_file(tmp_path: Path) -> None:
    env = private_env(tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", BUGGY],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        env=env,
        check=False,
    )
    err = one_sentence(done, "error: scope-bridge failed unexpectedly (ZeroDivisionError")
    (line,) = err.strip().splitlines()
    crash = Path(line.rpartition("the details are in ")[2])
    assert crash.parent == Path(env["XDG_RUNTIME_DIR"]) / f"scope-bridge-{os.getuid()}"
    assert "Traceback" in crash.read_text()
    assert "ZeroDivisionError" in crash.read_text()
