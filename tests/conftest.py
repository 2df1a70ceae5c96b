"""Shared test helpers: building a show from TOML text, and a real dummy JACK server.

The JACK fixture reuses a server that already answers (``jack_lsp``), e.g. the one
scripts/test starts; otherwise it starts ``jackd -S -d dummy`` itself and stops it by PID.
The server name comes from JACK_DEFAULT_SERVER (default "default"); run only one server on
a machine: stopping a second one removed the first one's shared memory files.
"""

from __future__ import annotations

import asyncio
import glob
import os
import shutil
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from bridge.config.load import load_show
from bridge.core.show import Show
from bridge.inputs.audio import release_portaudio
from tests.io.jackkit import SENDER, Sender, StartSender

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def show_from(tmp_path: Path) -> Callable[[str], Show]:
    """Write TOML text to a file and load it as a show."""

    def load(text: str, name: str = "show.toml") -> Show:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return load_show(path)

    return load


# Never let libjack auto-start a server with whatever defaults this machine has.
os.environ.setdefault("JACK_NO_START_SERVER", "1")


def _jack_answers() -> bool:
    try:
        done = subprocess.run(["jack_lsp"], capture_output=True, timeout=5, check=False)
    except FileNotFoundError:
        pytest.fail("jack_lsp is missing: install jackd2 (apt-get install jackd2)")
    except subprocess.TimeoutExpired:
        return False  # a wedged server counts as none; starting ours will then say why
    return done.returncode == 0


def _remove_stale_shm(server: str) -> None:
    # With no jackd alive every JACK segment is stale; otherwise only our server's are.
    alive = subprocess.run(["pgrep", "-x", "jackd"], capture_output=True, check=False)
    pattern = "/dev/shm/jack*" if alive.returncode != 0 else f"/dev/shm/jack*_{server}_*"
    for path in glob.glob(pattern):
        with_dir = Path(path)
        if with_dir.is_dir():
            shutil.rmtree(with_dir, ignore_errors=True)
        else:
            with_dir.unlink(missing_ok=True)


@pytest.fixture(scope="session")
def jack_server() -> Iterator[str]:
    """A running JACK server (its name); fails with what is missing when there is none."""
    server = os.environ.get("JACK_DEFAULT_SERVER", "default")
    if _jack_answers():
        yield server
        return
    if shutil.which("jackd") is None:
        pytest.fail("jackd is missing: install jackd2 (apt-get install jackd2)")
    _remove_stale_shm(server)
    proc = subprocess.Popen(
        ["jackd", "-n", server, "-S", "-r", "-d", "dummy", "-r", "48000", "-p", "64"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 10
        while not _jack_answers():
            if proc.poll() is not None or time.monotonic() > deadline:
                err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
                pytest.fail(f"the dummy JACK server did not start: {err.strip()[-300:]}")
            time.sleep(0.1)
        yield server
    finally:
        # PortAudio keeps a JACK client until it terminates; closing that client after the
        # server is gone aborts the interpreter (pa_jack.c assertion), so end it first.
        release_portaudio()
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stderr:
            proc.stderr.close()


@pytest.fixture
async def start_sender(jack_server: str) -> AsyncIterator[StartSender]:
    """Start sender processes; each one is killed by its PID at teardown."""
    started: list[Sender] = []

    async def start(client: str, port: str, target: str | None = None) -> Sender:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            str(SENDER),
            client,
            port,
            *([target] if target else []),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
        sender = Sender(proc, client, port)
        started.append(sender)
        assert proc.stdout is not None
        async with asyncio.timeout(15):
            line = await proc.stdout.readline()
        assert line.strip() == b"ready", f"MIDI sender did not start: {line!r}"
        return sender

    try:
        yield start
    finally:
        for sender in started:
            await sender.stop()
