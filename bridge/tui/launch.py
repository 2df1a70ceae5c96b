"""`scope-bridge run SHOW`: the console on a real runtime.

`RuntimeHost` is the `ConsoleHost` of a running show: snapshots from the runtime, commands
through `Bridge.submit`, reload and save through the show file, learn through the same event
path as every control. Logs go to a file, since the console owns the terminal.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

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


class RuntimeHost:
    """The console's view of one running show."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.learning: Learn | None = None
        runtime.bridge.on_event.append(self._learn_event)

    def snapshot(self) -> Snapshot:
        return self.runtime.snapshot()

    def submit(self, event: Event) -> None:
        self.runtime.bridge.submit(event)

    def reload(self) -> str | None:
        return self.runtime.reload()

    def reconnect(self) -> None:
        if self.runtime.link is not None:
            self.runtime.link.reconnect_now()

    def save(self) -> str:
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
        await self.runtime.run()

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
    ConsoleApp(RuntimeHost(Runtime(show))).run()
    return 0
