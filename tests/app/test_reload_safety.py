"""Hot reload applies whole or not at all, and never freezes the loop.

A reload whose new OSC device cannot be opened (a bad allow-list entry, a port another
program holds) keeps the running devices listening, says why in one sentence, and does not
swap the show; an include that is a named pipe is refused at once while the show goes on.

Real parts: the in-process stand-in over aiortc, OSC over real UDP on 127.0.0.1 (another
socket holds the port the show asks for), a real named pipe.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from bridge.config.load import load_show
from bridge.running.runtime import Runtime
from tests.app.test_reload_devices import fader, free_udp_port, port_free
from tests.sim.simkit import FAST, running_sim, wait_for

SHOW = """
schema = 1
include = [{include}]
[scope]
url = "{url}"
[[prompts]]
id = "a"
text = "{text}"
[devices.osc.td]
host = "{host}"
port = {port}
{allow}
[[mappings]]
id = "fader"
source = {{ osc = "td", address = "/fader" }}
target = "prompt.a.weight"
"""


class Show:
    """A running show whose file a test rewrites."""

    runtime: Runtime

    def __init__(self, path: Path, url: str) -> None:
        self.path = path
        self.url = url

    def write(
        self,
        port: int,
        *,
        text: str = "first",
        host: str = "127.0.0.1",
        allow: str = "",
        include: str = "",
    ) -> None:
        self.path.write_text(
            SHOW.format(url=self.url, port=port, text=text, host=host, allow=allow, include=include)
        )

    def weight(self) -> float:
        return self.runtime.bridge.state.base["prompt.a.weight"]

    def osc_line(self) -> tuple[str, str]:
        (line,) = [d for d in self.runtime.snapshot().devices if d.kind == "osc in"]
        return line.state, line.detail

    async def moves(self, port: int, value: float) -> None:
        """A fader move sent to ``port`` reaches the show."""
        fader(port, value)
        await wait_for(lambda: self.weight() == value, 5.0, f"the fader on port {port}")


@contextlib.asynccontextmanager
async def running(tmp_path: Path, port: int) -> AsyncIterator[Show]:
    async with running_sim(**FAST) as (_, url):
        show = Show(tmp_path / "show.toml", url)
        show.write(port)
        show.runtime = Runtime(load_show(show.path))
        task = asyncio.create_task(show.runtime.run())
        try:
            await wait_for(lambda: show.osc_line()[0] == "listening", 10.0, "the OSC input")
            await show.moves(port, 0.25)
            yield show
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


def no_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    logged = [r for r in caplog.records if r.exc_info]
    assert not logged, [r.getMessage() for r in logged]


async def test_a_bad_allow_entry_keeps_the_device_listening(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """allow = ["bogus-host"] is refused before anything closes: the port stays open, the
    device line stays true, later messages arrive, and the reason is one sentence."""
    caplog.set_level(logging.INFO)
    port = free_udp_port()
    async with running(tmp_path, port) as show:
        show.write(port, text="second", allow='allow = ["bogus-host"]')
        error = await show.runtime.reload()
        assert error is not None
        assert "devices.osc.td.allow" in error
        assert "'bogus-host' is not an IP address or network" in error
        assert "\n" not in error
        assert show.osc_line() == ("listening", f"127.0.0.1:{port}")
        assert not port_free(port)
        await show.moves(port, 0.5)
        assert show.runtime.show.prompts[0].text == "first", "nothing of the edit applies"
        problems = [p.message for p in show.runtime.bridge.problems if p.where == "reload"]
        assert problems == [f"kept the running show: {error}"]
    no_tracebacks(caplog)


async def test_a_port_another_program_holds_keeps_the_running_device(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The new port is bound before the old one is let go: taken, the old device never
    stops listening and the edit is refused whole; freed, the same edit applies."""
    caplog.set_level(logging.INFO)
    first = free_udp_port()
    async with running(tmp_path, first) as show:
        holder = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        holder.bind(("127.0.0.1", 0))
        second = holder.getsockname()[1]
        try:
            show.write(second, text="second")
            error = await show.runtime.reload()
            assert error == (
                f"kept the running devices: OSC input td: cannot listen on "
                f"127.0.0.1:{second}: Address already in use"
            )
            assert show.osc_line() == ("listening", f"127.0.0.1:{first}")
            await show.moves(first, 0.5)
            assert show.runtime.show.prompts[0].text == "first", "nothing of the edit applies"
        finally:
            holder.close()
        assert await show.runtime.reload() is None
        assert show.osc_line() == ("listening", f"127.0.0.1:{second}")
        assert show.runtime.show.prompts[0].text == "second"
        assert port_free(first)
        await show.moves(second, 0.75)
    no_tracebacks(caplog)


async def test_a_failed_open_after_the_old_port_closed_reopens_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Same port, new address, and another program holds that address: the running device
    had to let go of its port first, so it is opened again and still receives."""
    caplog.set_level(logging.INFO)
    port = free_udp_port()
    async with running(tmp_path, port) as show:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as holder:
            holder.bind(("127.0.0.2", port))  # the loopback net: another address, same port
            show.write(port, host="127.0.0.2")
            error = await show.runtime.reload()
            assert error == (
                f"kept the running devices: OSC input td: cannot listen on "
                f"127.0.0.2:{port}: Address already in use"
            )
            assert show.osc_line() == ("listening", f"127.0.0.1:{port}")
            await show.moves(port, 0.5)
            assert show.runtime.show.osc[0].host == "127.0.0.1"
    no_tracebacks(caplog)


async def loop_stall(during: Callable[[], object], seconds: float) -> float:
    """The longest the loop went without running a 10 ms ticker while ``during`` ran."""
    longest = 0.0
    stop = asyncio.Event()

    async def tick() -> None:
        nonlocal longest
        last = time.monotonic()
        while not stop.is_set():
            await asyncio.sleep(0.01)
            now = time.monotonic()
            longest = max(longest, now - last)
            last = now

    ticker = asyncio.create_task(tick())
    try:
        await asyncio.sleep(0.05)
        result = during()
        if asyncio.iscoroutine(result):
            await result
        await asyncio.sleep(seconds)
    finally:
        stop.set()
        await ticker
    return longest


async def test_a_named_pipe_include_is_refused_at_once(tmp_path: Path) -> None:
    """include = ["fifo.toml"] (a named pipe nobody writes) keeps the running show and says
    which file, without stalling the loop; the file watcher takes the same path."""
    os.mkfifo(tmp_path / "fifo.toml")
    port = free_udp_port()
    async with running(tmp_path, port) as show:
        show.write(port, text="second", include='"fifo.toml"')
        errors: list[str | None] = []

        async def reload() -> None:
            errors.append(await show.runtime.reload())

        stall = await loop_stall(reload, 0.2)
        assert stall < 1.0, f"the loop stalled {stall:.2f} s"
        assert errors == [f"{tmp_path / 'fifo.toml'}: is a named pipe, not a regular file"]
        assert show.runtime.show.prompts[0].text == "first"
        await show.moves(port, 0.5)

        # the watcher sees the next save of the show file and refuses the same way
        show.write(port, text="third", include='"fifo.toml"')
        os.utime(show.path, (time.time() + 5, time.time() + 5))

        def reported() -> bool:
            return any(
                "named pipe" in p.message and "third" not in p.message
                for p in show.runtime.bridge.problems
                if p.where == "reload"
            )

        stall = await loop_stall(lambda: None, 1.5)
        assert stall < 1.0, f"the loop stalled {stall:.2f} s"
        await wait_for(reported, 5.0, "the watcher's refusal")
        assert show.runtime.show.prompts[0].text == "first"
        await show.moves(port, 0.75)
