"""The bridge's side of the process line: run the show here, the console in a child process.

`scope-bridge run SHOW` runs the bridge in this process on one asyncio loop, exactly as
headless mode does, and starts the console (`python -m bridge.console.app.main`) as a child that
owns the terminal. The console connects back over TCP on 127.0.0.1 (a port of our own
choosing, offered for one connection only) and proves it is our child with a one-time token
from its environment; then it asks 10 times a second whether the snapshot changed
(`bridge.console.serve.feed`) and sends commands (`bridge.console.wire.frames`), and this
side answers on its loop between inputs. (An inherited socket pair would need `pass_fds`,
which Windows lacks; loopback TCP works everywhere.)

Why two processes: drawing the console is milliseconds of Python per refresh. On a thread of
this process it held the interpreter lock while controller packets waited in the socket
(p99 tens of ms under a storm); in its own process the OS schedules it on the other core and
the control path never waits for it. If the console crashes, the show keeps running and a
new console starts; after `CONSOLE_RESTARTS` failures the bridge carries on headless. If the
bridge itself stops, the console is closed and `run_with_console` raises `BridgeStopped`
with the reason in one sentence (`scope-bridge run` prints it and exits non-zero).

The console child gets this process's environment without the Scope token (the variable
`[scope] token_env` names): only the bridge talks to Scope.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import os
import secrets
import sys
from collections.abc import Callable, Sequence
from typing import Any

from bridge.aio import within
from bridge.console.serve.feed import Feed
from bridge.console.serve.showhost import ShowHost
from bridge.console.wire.codec import BadMessage, event_from_data, image_to_data, snapshot_to_data
from bridge.console.wire.frames import (
    HELLO_TIMEOUT_S,
    TOKEN_ENV,
    WireClosed,
    encode,
    read_hello,
    read_message,
)
from bridge.core.show import Show, scope_targets
from bridge.errors import BridgeError
from bridge.running.runtime import Runtime
from bridge.watch.headless import run_until_stopped, watch

log = logging.getLogger("bridge.console")

CONSOLE_RESTARTS = 3
STOP_WAIT_S = 3.0
HOST_METHODS = frozenset(
    {
        "submit",
        "reload",
        "reconnect",
        "save",
        "toggle_sink",
        "learn_targets",
        "learn_start",
        "learn_candidate",
        "learn_conflicts",
        "learn_confirm",
        "learn_cancel",
    }
)


class ConsoleServer:
    """Answers one console's requests against a `ShowHost`, on the bridge's loop."""

    def __init__(self, host: ShowHost, bridge: asyncio.Task[None]) -> None:
        self.host = host
        self.bridge = bridge
        self.quit = asyncio.Event()
        self.feed = Feed()
        self.asked: dict[str, int] = {}
        """Requests answered, by method (tests and benchmarks count them)."""

    def bridge_state(self) -> str | None:
        """None while running; "" when it finished; the error that stopped it."""
        if not self.bridge.done():
            return None
        if self.bridge.cancelled():
            return ""
        exc = self.bridge.exception()
        if exc is None:
            return ""
        return str(exc) if isinstance(exc, BridgeError) else f"{type(exc).__name__}: {exc}"

    async def answer(self, method: str, args: list[Any]) -> tuple[bool, Any, bytes]:
        """(ok, the JSON value, raw bytes beside it) for one request."""
        self.asked[method] = self.asked.get(method, 0) + 1
        if method == "bridge_state":
            return True, self.bridge_state(), b""
        if method == "stop":
            self.quit.set()
            return True, None, b""
        if method == "snapshot":
            self.feed.full += 1
            return True, snapshot_to_data(self.host.snapshot()), b""
        if method == "changes":
            seen = args[0] if args and isinstance(args[0], int) else -1
            return True, self.feed.since(seen, snapshot_to_data(self.host.snapshot())), b""
        if method == "preview":
            head, raw = image_to_data(self.host.preview())
            return True, head, raw
        if method not in HOST_METHODS:
            return False, f"the console asked for {method!r}, which the bridge does not offer", b""
        try:
            if method == "submit":
                args = [event_from_data(args[0] if args else None)]
            result = getattr(self.host, method)(*args)
            if inspect.isawaitable(result):  # a reload: it reads the show off the loop
                result = await result
            return True, result, b""
        except BadMessage as exc:
            log.warning("console command %s refused: %s", method, exc)
            return False, f"{method} refused: {exc}", b""
        except Exception as exc:  # one failed command must not end the conversation
            log.exception("console command %s failed", method)
            return False, f"{method} failed: {type(exc).__name__}: {exc}", b""

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Answer requests until the console closes its end."""
        try:
            while True:
                try:
                    request, _ = await read_message(reader)
                except WireClosed as exc:
                    if str(exc) != "the console went away":
                        log.warning("console connection closed: %s", exc)
                    return
                if (
                    not isinstance(request, dict)
                    or not isinstance(request.get("method"), str)
                    or not isinstance(request.get("args", []), list)
                ):
                    log.warning("console connection closed: a request that is not ours")
                    return
                method, args = request["method"], request.get("args", [])
                ok, value, raw = await self.answer(method, args)
                writer.write(encode({"id": request.get("id"), "ok": ok, "value": value}, raw))
                await writer.drain()
        except (ConnectionError, OSError) as exc:
            log.info("console connection ended: %s", exc)
        finally:
            writer.close()


def console_command(port: int, extra: Sequence[str] = ()) -> list[str]:
    return [sys.executable, "-m", "bridge.console.app.main", "--port", str(port), *extra]


def console_env(token: str, secrets_env: Sequence[str | None]) -> dict[str, str]:
    """The console's environment: ours, with its one-time token, without Scope's token."""
    env = {k: v for k, v in os.environ.items() if k not in secrets_env}
    env[TOKEN_ENV] = token
    return env


Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]


class ConsoleDoor:
    """A loopback listener that lets in one console: the first to say our token.

    Anyone else (another local user's process guessing the port) is logged and dropped.
    """

    def __init__(self, token: str) -> None:
        self.token = token
        self.connected: asyncio.Future[Connection] = asyncio.get_running_loop().create_future()
        self._listener: asyncio.Server | None = None

    async def open(self) -> int:
        """Start listening on 127.0.0.1; the port chosen."""
        self._listener = await asyncio.start_server(self._greet, "127.0.0.1", 0)
        return int(self._listener.sockets[0].getsockname()[1])

    def close(self) -> None:
        if self._listener is not None:
            self._listener.close()

    async def _greet(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        offered = ""
        with contextlib.suppress(TimeoutError, WireClosed, ConnectionError):
            async with asyncio.timeout(HELLO_TIMEOUT_S):
                offered = await read_hello(reader)
        if (
            secrets.compare_digest(offered.encode(), self.token.encode())
            and not self.connected.done()
        ):
            self.connected.set_result((reader, writer))
            self.close()  # one console per door
            return
        log.warning("refused a console connection from %s", writer.get_extra_info("peername"))
        writer.close()


async def run_with_console(
    runtime: Runtime,
    *,
    console_args: Sequence[str] = (),
    stdout: int | None = None,
    stderr: int | None = None,
    restarts: int = CONSOLE_RESTARTS,
    started: Callable[[int], None] | None = None,
) -> int:
    """Run the show with a console child until the performer quits; the exit code.

    ``stdout`` and ``stderr`` are the console's terminal (None: this process's own);
    ``started`` is told each console's PID (benchmarks measure its CPU).
    """
    host = ShowHost(runtime)
    bridge = asyncio.create_task(run_until_stopped(runtime), name="bridge")
    server = ConsoleServer(host, bridge)
    tokens = token_envs(runtime.show)
    failures = 0
    try:
        while failures <= restarts:
            hidden = (*tokens, *token_envs(runtime.show))  # every target's token stays here
            code = await _one_console(server, console_args, stdout, stderr, started, hidden)
            if bridge.done():
                bridge.result()  # raises why it stopped (BridgeStopped)
            if code == 0 or server.quit.is_set():
                return 0
            failures += 1
            log.error("the console stopped (exit code %s); the show goes on", code)
        log.error("the console failed %d times: running headless until stopped", failures)
        await _headless(runtime, stderr, bridge)
        return 1
    finally:
        if not bridge.done():
            bridge.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await bridge


async def _headless(runtime: Runtime, terminal: int | None, bridge: asyncio.Task[None]) -> None:
    """Carry on without a console, logging to the terminal so the performer sees the show;
    until cancelled, or until the bridge stops (raising why)."""
    handler: logging.Handler | None = None
    if terminal is not None and terminal >= 0:  # a real descriptor, not DEVNULL or PIPE
        handler = logging.StreamHandler(os.fdopen(os.dup(terminal), "w", buffering=1))
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
        logging.getLogger("bridge").addHandler(handler)
    watching = asyncio.create_task(watch(runtime), name="headless-log")
    try:
        await asyncio.wait({bridge, watching}, return_when=asyncio.FIRST_COMPLETED)
        if bridge.done():
            bridge.result()
        watching.result()  # the log itself failed: say so rather than go quiet
    finally:
        watching.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await watching
        if handler is not None:
            logging.getLogger("bridge").removeHandler(handler)
            handler.close()


async def _one_console(
    server: ConsoleServer,
    args: Sequence[str],
    stdout: int | None,
    stderr: int | None,
    started: Callable[[int], None] | None,
    hidden: Sequence[str | None] = (),
) -> int:
    """Run one console until it exits (its exit code) or the bridge stops (it is closed)."""
    door = ConsoleDoor(secrets.token_hex(16))
    port = await door.open()
    try:
        proc = await asyncio.create_subprocess_exec(
            *console_command(port, args),
            env=console_env(door.token, hidden),
            stdout=stdout,
            stderr=stderr,
        )
    except BaseException:
        door.close()
        raise
    if started is not None:
        started(proc.pid)
    exited = asyncio.create_task(proc.wait(), name="console-exit")
    serving: asyncio.Task[None] | None = None
    try:
        first: set[asyncio.Future[Any]] = {door.connected, exited, server.bridge}
        await asyncio.wait(first, return_when=asyncio.FIRST_COMPLETED)
        door.close()
        if door.connected.done():
            serving = asyncio.create_task(server.serve(*door.connected.result()))
        # the bridge stopping ends the console too (closing our end below tells it)
        await asyncio.wait({exited, server.bridge}, return_when=asyncio.FIRST_COMPLETED)
        if not exited.done():
            return -1
        code = exited.result()
        log.info("console %d exited with code %s", proc.pid, code)
        return code
    finally:
        door.close()
        if serving is not None:
            serving.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await serving
        if door.connected.done():  # closing our end: the console sees the bridge gone
            door.connected.result()[1].close()
        if proc.returncode is None:  # (a cancelled wait above also cancelled `exited`)
            try:
                await within(proc.wait(), STOP_WAIT_S)
            except TimeoutError:
                proc.terminate()
                await proc.wait()
            log.info("console %d exited with code %s", proc.pid, proc.returncode)
        exited.cancel()


def token_envs(show: Show) -> tuple[str, ...]:
    """The variables holding the show's Scope tokens (one per target that names one)."""
    return tuple(t.scope.token_env for t in scope_targets(show) if t.scope.token_env)
