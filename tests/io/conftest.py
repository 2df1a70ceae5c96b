"""Fixtures for the MIDI and OSC edge tests: a real dummy JACK server.

The JACK fixture reuses a server that already answers (``jack_lsp``), e.g. the one
scripts/test starts; otherwise it starts ``jackd -S -d dummy`` itself and stops it by PID.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

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
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stderr:
            proc.stderr.close()
