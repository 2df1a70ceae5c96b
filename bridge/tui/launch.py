"""`scope-bridge run SHOW`: the bridge in this process, the show console in a child process.

The console owns the terminal, so this process writes nowhere near it: its log (and any
native library's chatter on file descriptors 1 and 2) goes to `log_file()`, and the
console child gets the terminal's own descriptors. See `bridge.tui.engine` for why the two
halves run in separate processes.
"""

from __future__ import annotations

import asyncio
import logging
import os
import tempfile
from pathlib import Path

from bridge.config.model import Show
from bridge.headless import cancel_on_signals
from bridge.runtime import Runtime
from bridge.tui.engine import run_with_console

log = logging.getLogger("bridge")


def log_file() -> Path:
    base = Path(os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir())
    return base / f"scope-bridge-{os.getuid()}" / "console.log"


def run_console(show: Show) -> int:
    path = log_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(
        filename=path,
        level=logging.INFO,
        format="%(asctime)s %(levelname)-7s %(name)s %(message)s",
    )
    for noisy in ("aioice", "aiortc", "httpx", "httpcore", "aiohttp.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    log.info("console: show %s", show.path)
    terminal_out, terminal_err = os.dup(1), os.dup(2)
    with open(path, "ab", buffering=0) as sink:
        os.dup2(sink.fileno(), 1)
        os.dup2(sink.fileno(), 2)
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
    try:
        return await run_with_console(
            Runtime(show), console_args=("--log", str(path)), stdout=stdout, stderr=stderr
        )
    except asyncio.CancelledError:
        log.info("console: stopped by a signal")
        return 0
