"""`scope-bridge run SHOW`: the console on a real runtime.

`RuntimeHost` is the `ConsoleHost` of a running show. The bridge runs on a thread of its
own with its own asyncio loop, so that drawing the console (milliseconds of Python per
refresh) never holds up a controller's message: the console reads snapshots the bridge
publishes at `SNAPSHOT_HZ`, and every command hops onto the bridge's loop
(`call_soon_threadsafe`), through `Bridge.submit` like any control. A short interpreter
switch interval keeps the bridge thread's turn within a millisecond of the UI's. Logs go to a
file, since the console owns the terminal.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from bridge.config.model import Show
from bridge.config.write import add_binding, save_prompts
from bridge.core.events import Event
from bridge.core.learn import Learn, describe
from bridge.core.targets import FIXED
from bridge.errors import BridgeError
from bridge.runtime import Runtime
from bridge.snapshot import Snapshot
from bridge.tui.app import ConsoleApp
from bridge.tui.host import PreviewImage

log = logging.getLogger("bridge")
T = TypeVar("T")
SNAPSHOT_HZ = 15.0
SWITCH_INTERVAL_S = 0.0005


class RuntimeHost:
    """The console's view of one running show (the bridge on its own thread)."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.learning: Learn | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._main: asyncio.Task[None] | None = None
        self._snapshot = runtime.snapshot()
        runtime.bridge.on_event.append(self._learn_event)
        runtime.bridge.add_task("snapshots", self._publish)

    # -- crossing to the bridge's thread -------------------------------------------------
    def _soon(self, fn: Callable[..., Any], *args: Any) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(fn, *args)

    def _call(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` on the bridge's loop and wait for it (for quick, state-touching calls)."""
        if self._loop is None:
            return fn()

        async def call() -> T:
            return fn()

        return asyncio.run_coroutine_threadsafe(call(), self._loop).result(timeout=10)

    async def _publish(self) -> None:
        while True:
            self._snapshot = self.runtime.snapshot()
            await asyncio.sleep(1.0 / SNAPSHOT_HZ)

    # -- ConsoleHost ---------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        return self._snapshot

    def submit(self, event: Event) -> None:
        if self._loop is None:
            self.runtime.bridge.submit(event)
        else:
            self._soon(self.runtime.bridge.submit, event)

    def reload(self) -> str | None:
        return self._call(self.runtime.reload)

    def reconnect(self) -> None:
        if self.runtime.link is not None:
            self._soon(self.runtime.link.reconnect_now)

    def save(self) -> str:
        return self._call(self._save)

    def toggle_sink(self, name: str) -> str:
        return self._call(lambda: self.runtime.toggle_sink(name))

    def _save(self) -> str:
        state = self.runtime.bridge.state
        weights = {p.id: state.base[f"prompt.{p.id}.weight"] for p in self.runtime.show.prompts}
        try:
            save_prompts(self.runtime.show.path, state.texts, weights)
        except BridgeError as exc:
            return f"Not saved: {exc}"
        self.runtime.reload()
        return f"Saved prompts to {self.runtime.show.path}"

    # -- learn ---------------------------------------------------------------------------
    def learn_targets(self) -> list[str]:
        show = self.runtime.show
        slots = [f"prompt.{p.id}.weight" for p in show.prompts]
        loras = [f"lora.{lo.id}.scale" for lo in show.loras]
        fixed = [t for t in FIXED if (t != "scene" and t != "denoising_steps") or show.scenes]
        return slots + loras + fixed

    def learn_start(self, target: str) -> None:
        self.learning = Learn(target)

    def _learn_event(self, event: Event) -> None:
        if self.learning is not None:
            self.learning.feed(event)

    def learn_candidate(self) -> str | None:
        if self.learning is None or self.learning.candidate is None:
            return None
        return describe(self.learning.candidate)

    def learn_confirm(self) -> str:
        return self._call(self._learn_confirm)

    def _learn_confirm(self) -> str:
        learning, self.learning = self.learning, None
        binding = learning.binding() if learning else None
        if learning is None or binding is None:
            return "Nothing learned: no control moved."
        try:
            add_binding(self.runtime.show.path, binding, comment=f"learned for {learning.target}")
        except BridgeError as exc:
            return f"Not learned: {exc}"
        error = self.runtime.reload()
        if error:
            return f"Written, but the reload failed: {error}"
        return f"Learned {describe(binding['source'])} → {learning.target}"

    def learn_cancel(self) -> None:
        self.learning = None

    async def run_bridge(self) -> None:
        """Run the bridge on its own thread until this worker is cancelled (or it fails)."""
        ui_loop = asyncio.get_running_loop()
        finished: asyncio.Future[None] = ui_loop.create_future()

        def report(exc: BaseException | None) -> None:
            if finished.done():
                return
            if exc is None:
                finished.set_result(None)
            else:
                finished.set_exception(exc)

        def thread_main() -> None:
            async def main() -> None:
                self._loop = asyncio.get_running_loop()
                self._main = asyncio.current_task()
                await self.runtime.run()

            error: BaseException | None = None
            try:
                asyncio.run(main())
            except asyncio.CancelledError:
                pass  # the console asked it to stop
            except BaseException as exc:  # shown by the console, which stays up
                error = exc
            finally:
                self._loop = None
            ui_loop.call_soon_threadsafe(report, error)

        thread = threading.Thread(target=thread_main, name="bridge", daemon=True)
        thread.start()
        try:
            await finished
        finally:
            if self._loop is not None and self._main is not None:
                self._loop.call_soon_threadsafe(self._main.cancel)
            await asyncio.to_thread(thread.join, 10.0)

    def preview(self) -> PreviewImage | None:
        return self.runtime.preview()


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
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    ConsoleApp(RuntimeHost(Runtime(show))).run()
    return 0
