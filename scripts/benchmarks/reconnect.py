"""scope.reconnect_*: how fast the link sees Scope die, and how fast it streams once it is back.

The stand-in runs as a child process; each round SIGKILLs it under a streaming link, starts
it again on the same port, and times:

- ``scope.reconnect_notice_s``: the kill → the link reporting the session gone;
- ``scope.reconnect_back_s``: the stand-in answering ``/health`` (polled here every 10 ms) →
  the first frame of the new session, whose offer carried the full state changed while
  Scope was away (checked against the stand-in's record; a round where it did not counts
  in ``scope.reconnect_state_misses``).

The same rounds run with probing off (``Probe(every_s=0)``: back-off only, the link before
probing) as ``scope.reconnect_*_backoff_*``; medians over the rounds.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from typing import Any

import aioice.ice
import httpx

from bridge.scope.client import ScopeClient
from bridge.scope.link import PipelineRequest, ScopeLink
from bridge.scope.probe import Probe
from scripts.benchmarks.control import free_port

DOWN_S = 1.0
"""How long Scope stays dead after the link noticed, before it is started again."""


class Stand:
    """The stand-in as a process on a fixed port: start (until it answers), kill."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bridge.sim", "--port", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    async def answering(self, http: httpx.AsyncClient, timeout_s: float = 30.0) -> float:
        """Poll /health every 10 ms; the time it first answered."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"the stand-in exited with {self.proc.returncode}")
            try:
                if (await http.get(f"{self.url}/health", timeout=0.5)).status_code == 200:
                    return time.monotonic()
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.01)
        raise RuntimeError(f"the stand-in did not answer on {self.url} in {timeout_s:g} s")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)


async def until(check: Any, timeout_s: float, what: str) -> float:
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout_s:g} s waiting for {what}")
        await asyncio.sleep(0.005)
    return time.monotonic()


async def rounds(probe: Probe, count: int) -> dict[str, list[float]]:
    stand = Stand(free_port(socket.SOCK_STREAM))
    state: dict[str, Any] = {"prompts": [{"text": "round 0", "weight": 1.0}]}
    frames: list[float] = []
    out: dict[str, list[float]] = {"notice": [], "back": [], "misses": []}
    stand.start()
    try:
        async with httpx.AsyncClient() as http, ScopeClient(stand.url, timeout_s=5.0) as client:
            await stand.answering(http)
            link = ScopeLink(
                client,
                PipelineRequest(),
                lambda: dict(state),
                on_frame=lambda _f: frames.append(time.monotonic()),
                ice_servers=(),
                probe=probe,
            )
            task = asyncio.create_task(link.run())
            try:
                await until(lambda: link.status().frames_total >= 5, 30, "the first frames")
                for n in range(1, count + 1):
                    killed = time.monotonic()
                    stand.kill()
                    noticed = await until(
                        lambda: link.status().last_error is not None, 60, "the link to notice"
                    )
                    state = {"prompts": [{"text": f"round {n}", "weight": 1.0}]}
                    await asyncio.sleep(DOWN_S)
                    connects = link.status().connects
                    stand.start()
                    answered = await stand.answering(http)
                    await until(lambda c=connects: link.status().connects > c, 60, "reconnect")
                    await until(lambda t=answered: bool(frames) and frames[-1] > t, 30, "a frame")
                    back = next(t for t in frames if t > answered)
                    stats = (await http.get(f"{stand.url}/sim/stats")).json()
                    sent = stats["offers"][-1]["initialParameters"]
                    out["misses"].append(float(sent.get("prompts") != state["prompts"]))
                    out["notice"].append(noticed - killed)
                    out["back"].append(back - answered)
                    await until(lambda: link.status().frames_total >= 5, 30, "frames")
            finally:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
    finally:
        stand.kill()
    return out


def run(quick: bool = False) -> dict[str, float]:
    count = 2 if quick else 4
    aioice.ice.get_host_addresses = lambda **_: ["127.0.0.1"]  # loopback only
    results: dict[str, float] = {}
    for name, probe in (("", Probe()), ("_backoff", Probe(every_s=0))):
        got = asyncio.run(rounds(probe, count))
        results[f"scope.reconnect_notice{name}_s"] = statistics.median(got["notice"])
        results[f"scope.reconnect_back{name}_s"] = statistics.median(got["back"])
        results[f"scope.reconnect_state_misses{name}"] = sum(got["misses"])
    results["scope.reconnect_rounds"] = float(count)
    return results
