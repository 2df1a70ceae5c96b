"""The console in its own process: the socket protocol, a real console child, crashes.

Real parts only: a real `Runtime` on the in-process stand-in, a real socket pair, the real
`python -m bridge.console.app.main` child (headless, so no terminal is needed; the tmux test in
test_terminal.py drives one in a real terminal). `RemoteHost` blocks by design (it runs on
the console's loop), so the tests call it from a worker thread.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import logging
import os
import pickle
import socket
import subprocess
import time
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bridge.config.load import load_show
from bridge.console.app.remote import BridgeGone, RemoteHost
from bridge.console.serve.server import ConsoleDoor, ConsoleServer, run_with_console
from bridge.console.serve.showhost import ShowHost
from bridge.console.wire.frames import HEADER, encode, hello
from bridge.core import events as ev
from bridge.errors import BridgeError
from bridge.running.runtime import Runtime
from tests.sim.simkit import FAST, running_sim, wait_for

SHOW = """
schema = 1
[scope]
url = "{url}"
[[prompts]]
id = "dawn"
text = "a misty forest at dawn"
[[prompts]]
id = "city"
text = "a neon city"
weight = 0.0
"""


@contextlib.asynccontextmanager
async def show_runtime(tmp_path: Path) -> AsyncIterator[Runtime]:
    async with running_sim(**FAST) as (_, url):
        (tmp_path / "show.toml").write_text(SHOW.format(url=url))
        yield Runtime(load_show(tmp_path / "show.toml"))


@contextlib.asynccontextmanager
async def served(runtime: Runtime) -> AsyncIterator[tuple[ConsoleServer, RemoteHost]]:
    """The bridge running, a server on one end of a socket pair and a remote on the other."""
    bridge = asyncio.create_task(runtime.run())
    server = ConsoleServer(ShowHost(runtime), bridge)
    ours, theirs = socket.socketpair()
    serving = asyncio.create_task(server.serve(*await asyncio.open_unix_connection(sock=ours)))
    remote = RemoteHost(theirs)
    try:
        yield server, remote
    finally:
        for task in (serving, bridge):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        ours.close()
        theirs.close()


async def test_the_console_reads_the_show_and_its_commands_reach_the_bridge(
    tmp_path: Path,
) -> None:
    async with show_runtime(tmp_path) as runtime, served(runtime) as (server, remote):
        snap = await asyncio.to_thread(remote.snapshot)
        assert [p.id for p in snap.prompts] == ["dawn", "city"]
        assert not snap.output.paused

        freeze = ev.UiAction(time.monotonic(), "ui", "toggle_pause")
        await asyncio.to_thread(remote.submit, freeze)
        assert runtime.bridge.state.paused
        assert (await asyncio.to_thread(remote.snapshot)).output.paused
        # Frozen before its first frame, Scope (and its stand-in) sends no video: thaw it.
        await asyncio.to_thread(remote.submit, ev.UiAction(time.monotonic(), "ui", "toggle_pause"))
        assert not runtime.bridge.state.paused

        targets = await asyncio.to_thread(remote.learn_targets)
        assert "prompt.city.weight" in targets
        answer = await asyncio.to_thread(remote.toggle_sink, "nope")
        assert answer == "There is no frame output named 'nope'."

        async def previewed() -> bool:
            image = await asyncio.to_thread(remote.preview)
            return image is not None

        deadline = time.monotonic() + 15
        while not await previewed():
            assert time.monotonic() < deadline, "no preview image crossed the process line"
            await asyncio.sleep(0.2)
        image = await asyncio.to_thread(remote.preview)
        assert isinstance(image, np.ndarray)
        assert image.ndim == 3
        assert image.shape[2] == 3

        assert await asyncio.to_thread(remote.call, "bridge_state") is None
        await asyncio.to_thread(remote.stop)
        assert server.quit.is_set()


async def test_unknown_and_failing_requests_answer_with_a_sentence(tmp_path: Path) -> None:
    async with show_runtime(tmp_path) as runtime, served(runtime) as (_, remote):
        with pytest.raises(BridgeError, match="'explode', which the bridge does not offer"):
            await asyncio.to_thread(remote.call, "explode")
        with pytest.raises(BridgeError, match="learn_start failed: TypeError"):
            await asyncio.to_thread(remote.call, "learn_start")  # missing its argument
        snap = await asyncio.to_thread(remote.snapshot)  # the conversation goes on
        assert snap.prompts


async def test_a_busy_bridge_is_reported_and_its_late_answer_dropped(tmp_path: Path) -> None:
    async with show_runtime(tmp_path) as runtime, served(runtime) as (_, remote):
        await asyncio.to_thread(remote.snapshot)
        with ThreadPoolExecutor(1) as pool:
            call = pool.submit(remote.snapshot)  # asks at once, from the console's side
            time.sleep(0.6)  # noqa: ASYNC251 (on purpose: the bridge's loop is stuck that long)
            with pytest.raises(BridgeError, match=r"did not answer \(changes\) within 0.25 s"):
                call.result(timeout=5)
        # the late snapshot reply is still on the socket; the next call must skip it
        targets = await asyncio.to_thread(remote.learn_targets)
        assert targets[0] == "prompt.dawn.weight"


async def test_the_console_closes_when_the_bridge_goes_away(tmp_path: Path) -> None:
    ours, theirs = socket.socketpair()
    gone: list[str] = []
    remote = RemoteHost(theirs, on_gone=lambda: gone.append("closed"))
    ours.close()
    with pytest.raises(BridgeGone, match="the bridge process went away"):
        await remote.run_bridge()
    assert gone == ["closed"]
    with pytest.raises(BridgeGone):
        remote.snapshot()
    theirs.close()


async def test_the_console_door_lets_in_only_the_holder_of_the_token() -> None:
    """Another local process that finds the port is refused before anything is unpickled."""
    door = ConsoleDoor("s3cret")
    port = await door.open()
    try:
        for greeting in (hello("guess"), encode(("hello", "s3cret")), b"\x00\x00\xff\xffjunk"):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(greeting)
            assert await asyncio.wait_for(reader.read(), 5.0) == b"", "should be hung up on"
            writer.close()
            await writer.wait_closed()
        assert not door.connected.done()
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(hello("s3cret"))
        _, ours = await asyncio.wait_for(door.connected, 5.0)
        with pytest.raises(ConnectionRefusedError):  # one console per door: no more listening
            await asyncio.open_connection("127.0.0.1", port)
        for end in (writer, ours):
            end.close()
            await end.wait_closed()
    finally:
        door.close()


def pid_alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rpartition(")")[2].split()[0] != "Z"
    except FileNotFoundError:
        return False


async def test_a_real_console_process_polls_the_bridge_and_leaves_with_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bridge.console")
    async with show_runtime(tmp_path) as runtime:
        served: list[float] = []
        original = ShowHost.snapshot

        def counted(host: ShowHost) -> object:
            served.append(time.monotonic())
            return original(host)

        pids: list[int] = []
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(ShowHost, "snapshot", counted)
            engine = asyncio.create_task(
                run_with_console(
                    runtime,
                    console_args=("--headless", "--size", "120x40"),
                    stdout=subprocess.DEVNULL,
                    restarts=0,
                    started=pids.append,
                )
            )
            try:
                await wait_for(lambda: len(served) >= 20, 30.0, "20 snapshots asked for")
                assert pids
                assert pid_alive(pids[0])
                rate = (len(served) - 1) / (served[-1] - served[0])
                assert 2.0 < rate < 20.0, f"the console polled at {rate:.1f} Hz"
            finally:
                engine.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await engine
        assert not pid_alive(pids[0])
        exits = [r.getMessage() for r in caplog.records if "exited with code" in r.getMessage()]
        assert exits == [f"console {pids[0]} exited with code 0"], "it should leave by itself"


async def test_a_crashing_console_is_restarted_then_the_show_goes_on_headless(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bridge")
    async with show_runtime(tmp_path) as runtime:
        pids: list[int] = []
        engine = asyncio.create_task(
            run_with_console(
                runtime,
                console_args=("--size", "not-a-size"),  # the console exits at once, code 2
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                restarts=1,
                started=pids.append,
            )
        )
        try:

            def messages() -> list[str]:
                return [r.getMessage() for r in caplog.records]

            await wait_for(
                lambda: any("running headless" in m for m in messages()), 30.0, "headless"
            )
            assert len(pids) == 2, "one start and one restart"
            stopped = [m for m in messages() if m.startswith("the console stopped")]
            assert stopped == ["the console stopped (exit code 2); the show goes on"] * 2

            def frames() -> int:
                return int((runtime.snapshot().connection or {}).get("frames_total") or 0)

            seen = frames()
            await wait_for(lambda: frames() > seen + 5, 15.0, "frames still arriving")
        finally:
            engine.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await engine
        assert not any(pid_alive(p) for p in pids)


class Planted:
    """A pickle that, if ever unpickled, makes a directory: the proof it was executed."""

    def __init__(self, where: Path) -> None:
        self.where = where

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.mkdir, (str(self.where),))


async def test_a_peer_that_sends_a_pickle_is_hung_up_on_and_nothing_runs(tmp_path: Path) -> None:
    """Even a peer past the token check cannot make the bridge execute anything."""
    planted = tmp_path / "planted"
    payload = pickle.dumps((1, "snapshot", (Planted(planted),)))
    async with show_runtime(tmp_path) as runtime, served(runtime) as (server, remote):
        # our framing around a pickle: the JSON decoder refuses it and the bridge hangs up
        await asyncio.to_thread(remote.sock.sendall, HEADER.pack(len(payload), 0) + payload)
        await asyncio.sleep(0.3)
        assert not planted.exists(), "the pickle was executed"
        with pytest.raises(BridgeGone):  # the bridge closed the conversation
            await asyncio.to_thread(remote.call, "bridge_state")
        assert not server.quit.is_set()
        assert not runtime.bridge.state.paused


def test_the_wire_modules_never_import_pickle() -> None:
    for module in ("wire/frames", "app/remote", "serve/server", "wire/codec", "serve/feed"):
        source = (Path(__file__).parents[2] / "bridge" / "console" / f"{module}.py").read_text()
        tree = ast.parse(source)
        imported = {
            alias.name.split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom)
            for alias in node.names
        } | {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
        assert not {"pickle", "marshal", "shelve"} & (imported | names), module


def test_the_console_process_imports_nothing_of_the_bridge_side() -> None:
    """The console's side of the process line (console/app) reaches the bridge's only
    through the wire: what both sides agree on lives in console/wire, never in
    console/serve or the running show."""
    app = Path(__file__).parents[2] / "bridge" / "console" / "app"
    bad = [
        f"{path.relative_to(app.parent)}:{node.lineno} imports {module}"
        for path in sorted(app.rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ImportFrom | ast.Import)
        for module in (
            [alias.name for alias in node.names]
            if isinstance(node, ast.Import)
            else [node.module or ""]
        )
        if module.startswith(("bridge.console.serve", "bridge.running"))
    ]
    assert len(list(app.rglob("*.py"))) > 10, "the walk did not reach the console's modules"
    assert bad == []


async def test_an_idle_console_asks_for_a_full_snapshot_only_once_a_heartbeat(
    tmp_path: Path,
) -> None:
    """A real console process against a show where nothing moves but the clock and the
    frames: it asks ~10 times a second whether anything changed, and takes the snapshot
    whole about once a second (`HEARTBEAT_S`), not on every refresh."""
    async with show_runtime(tmp_path) as runtime:
        servers: list[ConsoleServer] = []
        original = ConsoleServer.__init__

        def keep(self: ConsoleServer, *args: Any) -> None:
            original(self, *args)
            servers.append(self)

        pids: list[int] = []
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(ConsoleServer, "__init__", keep)
            engine = asyncio.create_task(
                run_with_console(
                    runtime,
                    console_args=("--headless", "--size", "120x40"),
                    stdout=subprocess.DEVNULL,
                    restarts=0,
                    started=pids.append,
                )
            )
            try:
                await wait_for(
                    lambda: bool(servers) and servers[0].feed.full > 0, 30.0, "a first snapshot"
                )
                await asyncio.sleep(2.0)  # the show settles (connected, first frames)
                server = servers[0]
                asked, full = server.asked.get("changes", 0), server.feed.full
                await asyncio.sleep(3.0)
                asked = server.asked.get("changes", 0) - asked
                full = server.feed.full - full
                assert asked >= 15, f"the console asked only {asked} times in 3 s"
                assert full <= 5, f"{full} full snapshots in 3 s of nothing happening"
            finally:
                engine.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await engine
