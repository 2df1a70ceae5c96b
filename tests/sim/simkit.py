"""Helpers shared by the Scope and stand-in tests: a stand-in in-process or as a process."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import numpy as np
from av import VideoFrame

from bridge.scope.client import ScopeClient
from bridge.scope.session import ScopeSession, ServerMessage
from bridge.sim import framecode
from bridge.sim.options import SimOptions
from bridge.sim.server import ScopeSim

FAST: dict[str, Any] = {"fps": 20.0, "chunk_frames": 4, "load_time_s": 0.05}
"""Quick stand-in settings for tests: 0.2 s chunks."""


@asynccontextmanager
async def running_sim(**options: Any) -> AsyncIterator[tuple[ScopeSim, str]]:
    """An in-process stand-in on a free 127.0.0.1 port; yields it and its base URL."""
    sim = ScopeSim(SimOptions(**options))
    port = await sim.start("127.0.0.1", 0)
    try:
        yield sim, f"http://127.0.0.1:{port}"
    finally:
        await sim.stop()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SimProcess:
    """``python -m bridge.sim`` as a child process, so a test can kill it for real."""

    def __init__(self, port: int, *args: str) -> None:
        self.port = port
        self.args = args
        self.proc: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self, timeout_s: float = 20.0) -> None:
        cmd = [sys.executable, "-m", "bridge.sim", "--port", str(self.port), *self.args]
        self.proc = await asyncio.create_subprocess_exec(
            *cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + timeout_s
        async with httpx.AsyncClient() as http:
            while time.monotonic() < deadline:
                if self.proc.returncode is not None:
                    raise AssertionError(f"the stand-in exited with {self.proc.returncode}")
                try:
                    if (await http.get(f"{self.url}/health", timeout=1.0)).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
        raise AssertionError(f"the stand-in did not answer on {self.url} in {timeout_s} s")

    async def kill(self) -> None:
        """SIGKILL by PID: no goodbye on any socket, like a crashed server."""
        if self.proc is not None and self.proc.returncode is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            await asyncio.wait_for(self.proc.wait(), 10.0)


async def wait_for(check: Callable[[], bool], timeout_s: float, what: str) -> None:
    """Poll ``check`` every 20 ms until true; fail naming ``what`` after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")
        await asyncio.sleep(0.02)


class Frames:
    """Collects received frames and their stamped counters (read back from the blocks)."""

    def __init__(self) -> None:
        self.counters: list[int] = []
        self.last: VideoFrame | None = None

    def __call__(self, frame: VideoFrame) -> None:
        self.last = frame
        pixels = np.asarray(frame.to_ndarray(format="rgb24"), np.uint8)
        self.counters.append(framecode.read(pixels))


@asynccontextmanager
async def streaming(
    pipeline: str = "longlive",
    size: tuple[int, int] = (576, 320),
    initial: dict[str, Any] | None = None,
    **options: Any,
) -> AsyncIterator[tuple[ScopeSim, ScopeSession, Frames, list[ServerMessage]]]:
    """A stand-in with ``pipeline`` loaded and one session receiving frames and messages."""
    frames, heard = Frames(), list[ServerMessage]()
    options.setdefault("load_time_s", 0.05)
    async with running_sim(**options) as (sim, base), ScopeClient(base) as client:
        await client.ensure_pipeline(pipeline, {"width": size[0], "height": size[1]})
        session = ScopeSession(client, pipeline, on_frame=frames, on_message=heard.append)
        try:
            await session.open(initial or {"prompts": [{"text": "a cat", "weight": 1.0}]})
            await wait_for(lambda: bool(frames.counters), 10.0, "the first frame")
            yield sim, session, frames, heard
        finally:
            await session.close()
