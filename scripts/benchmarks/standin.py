"""The Scope stand-in as a child process of a benchmark: start it, wait until it answers.

One place for what every benchmark against the stand-in needs (the process is the caller's
to stop, by its PID).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx


def start(port: int, *args: str) -> tuple[subprocess.Popen[bytes], str]:
    """``python -m bridge.sim --port PORT ARGS`` (quiet); the process and its URL."""
    sim = subprocess.Popen(
        [sys.executable, "-m", "bridge.sim", "--port", str(port), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    return sim, f"http://127.0.0.1:{port}"


def wait_up(sim: subprocess.Popen[bytes], url: str, timeout_s: float = 30.0) -> None:
    """Until ``/health`` answers; a stand-in that exits or stays silent is an error."""
    deadline = time.monotonic() + timeout_s
    while True:
        if sim.poll() is not None:
            raise RuntimeError(f"the Scope stand-in exited with {sim.returncode}")
        try:
            httpx.get(f"{url}/health", timeout=1.0)
            return
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the Scope stand-in did not answer on {url}") from None
            time.sleep(0.1)
