"""JACK test kit: separate MIDI sender processes, JACK example clients, bounded polling.

Every process started here is stopped by its PID (SIGINT first: a JACK client that just
dies stalls a synchronous server until it times out).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import shutil
import signal
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest

from bridge.inputs.midi_ports import MidiApi

SENDER = Path(__file__).with_name("midi_sender_proc.py")


async def poll(predicate: Callable[[], bool], seconds: float, step: float = 0.02) -> bool:
    """True as soon as ``predicate`` holds, False after ``seconds`` (bounded loop)."""
    for _ in range(int(seconds / step) + 1):
        if predicate():
            return True
        await asyncio.sleep(step)
    return predicate()


@contextlib.asynccontextmanager
async def running(coro: Coroutine[Any, Any, None]) -> AsyncIterator[asyncio.Task[None]]:
    """Run ``coro`` as a task for the block, then cancel it and wait for its cleanup."""
    task = asyncio.create_task(coro)
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def stop_process(proc: asyncio.subprocess.Process) -> None:
    """Stop a helper process (a JACK client, oscdump) by its PID: SIGINT, which the JACK
    tools, oscdump and our sender handle by closing cleanly (a JACK client that just dies
    stalls a synchronous server until it times out); SIGKILL if it does not exit."""
    if proc.returncode is None:
        proc.send_signal(signal.SIGINT)
        try:
            async with asyncio.timeout(5):
                await proc.wait()
        except TimeoutError:
            proc.kill()
            await proc.wait()


class Sender:
    """A separate process owning the JACK output port ``client:port``."""

    def __init__(self, proc: asyncio.subprocess.Process, client: str, port: str) -> None:
        self.proc = proc
        self.full_name = f"{client}:{port}"

    async def command(self, line: str) -> None:
        assert self.proc.stdin is not None
        assert self.proc.stdout is not None
        self.proc.stdin.write(line.encode() + b"\n")
        await self.proc.stdin.drain()
        async with asyncio.timeout(15):
            reply = await self.proc.stdout.readline()
        assert reply.strip() == b"ok", f"sender replied {reply!r}"

    async def send(self, *messages: bytes) -> None:
        for data in messages:
            await self.command("msg " + data.hex(" "))

    async def stop(self) -> None:
        await stop_process(self.proc)


StartSender = Callable[..., Awaitable[Sender]]


@contextlib.asynccontextmanager
async def jack_tool(*argv: str) -> AsyncIterator[asyncio.subprocess.Process]:
    """Run a JACK example client; killed by PID afterwards."""
    if shutil.which(argv[0]) is None:
        pytest.fail(f"{argv[0]} is missing: install jackd2 (apt-get install jackd2)")
    proc = await asyncio.create_subprocess_exec(
        "stdbuf", "-oL", *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL
    )
    try:
        yield proc
    finally:
        await stop_process(proc)


async def port_appears(api: MidiApi, name: str, *, output: bool) -> bool:
    def present() -> bool:
        names = api.output_names() if output else api.input_names()
        return name in names

    for _ in range(100):
        if await asyncio.to_thread(present):
            return True
        await asyncio.sleep(0.05)
    return False


async def read_dump(proc: asyncio.subprocess.Process, count: int) -> list[tuple[int, ...]]:
    """The next ``count`` messages jack_midi_dump prints, as byte tuples."""
    assert proc.stdout is not None
    out: list[tuple[int, ...]] = []
    async with asyncio.timeout(10):
        while len(out) < count:
            line = (await proc.stdout.readline()).decode()
            assert line, "jack_midi_dump exited"
            match = re.match(r"\s*\d+:((?: [0-9a-f]{2})+)", line)
            if match:
                out.append(tuple(int(b, 16) for b in match.group(1).split()))
    return out
