"""Fixtures for the audio tests: a real (dummy-driver) JACK server, reused when one runs.

The server name comes from JACK_DEFAULT_SERVER (default: "default"), so a developer can keep
a private server beside other people's. Only a server this fixture started is stopped, by PID.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bridge.inputs.audio import release_portaudio

JACK_START_TIMEOUT_S = 10.0


def jack_running() -> bool:
    """True when ``jack_lsp`` can talk to the server named in the environment."""
    try:
        done = subprocess.run(["jack_lsp"], capture_output=True, timeout=5.0, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0 and b"not running" not in done.stderr


def _remove_stale_shm(server: str) -> None:
    # Another developer's server may be running under another name: only when no jackd runs
    # at all is every /dev/shm/jack* file stale; otherwise only our server's own files are.
    others = subprocess.run(["pgrep", "-x", "jackd"], capture_output=True, check=False)
    for path in Path("/dev/shm").glob("jack*"):
        if not others.stdout or f"_{server}_" in path.name:
            path.unlink(missing_ok=True)


@pytest.fixture(scope="session")
def jack_server() -> Iterator[str]:
    """A running JACK server (dummy driver, 48 kHz, 64-frame periods, synchronous mode)."""
    server = os.environ.get("JACK_DEFAULT_SERVER", "default")
    if jack_running():
        yield server
        return
    if shutil.which("jackd") is None or shutil.which("jack_lsp") is None:
        pytest.fail("JACK is missing: install jackd2 (apt-get install jackd2)")
    _remove_stale_shm(server)
    command = ["jackd", "-S", "-r", "-d", "dummy", "-r", "48000", "-p", "64"]
    if server != "default":
        command[1:1] = ["-n", server]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + JACK_START_TIMEOUT_S
        while not jack_running():
            if process.poll() is not None:
                error = process.stderr.read().decode(errors="replace") if process.stderr else ""
                pytest.fail(f"jackd exited at start ({process.returncode}): {error[-300:]}")
            if time.monotonic() > deadline:
                pytest.fail("jackd did not come up within 10 s")
            time.sleep(0.1)
        yield server
    finally:
        # PortAudio keeps a JACK client until it terminates; closing that client after the
        # server is gone aborts the interpreter (pa_jack.c assertion), so end it first.
        release_portaudio()
        process.terminate()
        try:
            process.wait(timeout=5.0)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5.0)
        if process.stderr:
            process.stderr.close()
