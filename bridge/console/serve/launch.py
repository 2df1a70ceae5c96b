"""`scope-bridge run SHOW`: the bridge in this process, the show console in a child process.

The console owns the terminal, so this process writes nowhere near it: its log (and any
native library's chatter on file descriptors 1 and 2) goes to `log_file()`, and the
console child gets the terminal's own descriptors. See `bridge.console.serve.server` for why the two
halves run in separate processes.
"""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path

from bridge.console.serve.server import run_with_console
from bridge.core.show import Show
from bridge.errors import BridgeError
from bridge.running.runtime import Runtime
from bridge.watch.headless import add_status_file, cancel_on_signals
from bridge.watch.rundir import open_append, private_dir
from bridge.watch.statusfile import status_path

log = logging.getLogger("bridge")


def log_file() -> Path:
    """The console log in the private runtime directory (checked; `RuntimeDirError` if not)."""
    return private_dir() / "console.log"


def run_console(show: Show) -> int:
    """Run the show with its console; the exit code (`BridgeStopped` if the bridge died)."""
    path = log_file()
    handler = logging.StreamHandler(os.fdopen(open_append(path), "a", encoding="utf-8"))
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[handler])
    for noisy in ("aioice", "aiortc", "httpx", "httpcore", "aiohttp.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    log.info("console: show %s (pid %d)", show.path, os.getpid())
    terminal_out, terminal_err = os.dup(1), os.dup(2)
    sink = open_append(path)
    os.dup2(sink, 1)
    os.dup2(sink, 2)
    os.close(sink)
    try:
        return asyncio.run(_main(show, path, terminal_out, terminal_err))
    except KeyboardInterrupt:
        return 0
    finally:
        os.dup2(terminal_out, 1)
        os.dup2(terminal_err, 2)
        os.close(terminal_out)
        os.close(terminal_err)


async def _main(show: Show, path: Path, stdout: int, stderr: int) -> int:
    cancel_on_signals()
    runtime = Runtime(show)
    add_status_file(runtime, status_path())  # `scope-bridge status` works here too
    try:
        return await run_with_console(
            runtime, console_args=("--log", str(path)), stdout=stdout, stderr=stderr
        )
    except asyncio.CancelledError:
        log.info("console: stopped by a signal")
        return 0
    except BridgeError as exc:  # the terminal gets the sentence; the log keeps the detail
        log.error("%s", exc, exc_info=exc.__cause__)
        raise
