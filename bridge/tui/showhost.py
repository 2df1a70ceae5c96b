"""The running show as the console sees it, on the bridge's own side of the process line.

`ShowHost` answers every `ConsoleHost` call except `run_bridge` against a live `Runtime`.
It runs in the bridge's process, on the bridge's loop: the console (another process, see
`bridge.tui.engine` and `bridge.tui.remote`) reaches it only through requests, so nothing
the console draws can hold up a controller's message. It never imports Textual.
"""

from __future__ import annotations

from bridge.config.write import add_binding, save_prompts
from bridge.core.events import Event
from bridge.core.learn import Learn, describe
from bridge.core.targets import FIXED
from bridge.errors import BridgeError
from bridge.runtime import Runtime
from bridge.snapshot import Snapshot
from bridge.tui.host import PreviewImage


class ShowHost:
    """Console calls on one running show. Every method returns at once (no I/O waits) but
    those that reload the show, which are coroutines: the reload reads files off the loop."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.learning: Learn | None = None
        runtime.bridge.on_event.append(self._learn_event)

    def snapshot(self) -> Snapshot:
        return self.runtime.snapshot()

    def preview(self) -> PreviewImage | None:
        return self.runtime.preview()

    def submit(self, event: Event) -> None:
        self.runtime.bridge.submit(event)

    async def reload(self) -> str | None:
        return await self.runtime.reload()

    def reconnect(self) -> None:
        if self.runtime.link is not None:
            self.runtime.link.reconnect_now()

    def toggle_sink(self, name: str) -> str:
        return self.runtime.toggle_sink(name)

    async def save(self) -> str:
        show, state = self.runtime.show, self.runtime.bridge.state
        weights = {p.id: state.base[f"prompt.{p.id}.weight"] for p in show.prompts}
        try:
            save_prompts(show.path, state.texts, weights)
        except BridgeError as exc:
            return f"Not saved: {exc}"
        await self.runtime.reload()
        return f"Saved prompts to {show.path}"

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

    async def learn_confirm(self) -> str:
        learning, self.learning = self.learning, None
        binding = learning.binding() if learning else None
        if learning is None or binding is None:
            return "Nothing learned: no control moved."
        try:
            add_binding(self.runtime.show.path, binding, comment=f"learned for {learning.target}")
        except BridgeError as exc:
            return f"Not learned: {exc}"
        error = await self.runtime.reload()
        if error:
            return f"Written, but the reload failed: {error}"
        return f"Learned {describe(binding['source'])} → {learning.target}"

    def learn_cancel(self) -> None:
        self.learning = None
