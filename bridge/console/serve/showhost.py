"""The running show as the console sees it, on the bridge's own side of the process line.

`ShowHost` answers every `ConsoleHost` call except `run_bridge` against a live `Runtime`.
It runs in the bridge's process, on the bridge's loop: the console (another process, see
`bridge.console.serve.server` and `bridge.console.app.remote`) reaches it only through
requests, so nothing the console draws can hold up a controller's message. It never imports Textual.
"""

from __future__ import annotations

import re
from pathlib import Path

from bridge.config.write import add_binding, save_prompts
from bridge.console.wire.host import PreviewImage
from bridge.core.bindings import Binding
from bridge.core.events import Event
from bridge.core.learn import Learn, already_mapped, describe
from bridge.core.targets import FIXED
from bridge.errors import BridgeError
from bridge.running.runtime import Runtime
from bridge.watch.snapshot import Snapshot


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
        fixed = [t for t in fixed if show.pages or not t.startswith("page")]
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

    def learn_conflicts(self) -> list[str]:
        """The mappings the moved control already drives, one line each."""
        if self.learning is None or self.learning.candidate is None:
            return []
        show = self.runtime.show
        found = already_mapped(self.learning.candidate, self._in_play())
        return [f"{b.id!r} → {b.target}" + _elsewhere(b, show.path) for b in found]

    def _in_play(self) -> list[Binding]:
        """The mappings acting on the page and layer the performer is on: what a control
        learned there would fight with (on a show without pages, every mapping)."""
        return [live.binding for live in self.runtime.bridge.engine.acting]

    async def learn_confirm(self, move: bool = False) -> str:
        """Bind the candidate; with ``move`` the mappings it already drove in the show file
        go in the same write (those in an included file stay, and are named)."""
        learning, self.learning = self.learning, None
        binding = learning.binding() if learning else None
        if learning is None or binding is None:
            return "Nothing learned: no control moved."
        show = self.runtime.show
        page = self.runtime.bridge.engine.view.page
        old = already_mapped(binding["source"], self._in_play()) if move else []
        if show.pages:  # learned on a page: it acts there (a page's mapping replaces the rest)
            binding["page"] = page
            old = [b for b in old if b.pages == (page,)]  # what acts on other pages stays
        here = [b for b in old if b.origin[0] == show.path]
        kept = [b for b in old if b.origin[0] != show.path]
        try:
            add_binding(
                show.path,
                binding,
                comment=f"learned for {learning.target}",
                remove=[_place(b) for b in here],
            )
        except BridgeError as exc:
            return f"Not learned: {exc}"
        error = await self.runtime.reload()
        if error:
            return f"Written, but the reload failed: {error}"
        said = f"Learned {describe(binding['source'])} → {learning.target}"
        if here:
            said += f"; moved from {', '.join(repr(b.id) for b in here)}"
        if kept:
            names = ", ".join(f"{b.id!r} ({Path(b.origin[0]).name})" for b in kept)
            said += f"; still mapped in an included file: {names}"
        return said

    def learn_cancel(self) -> None:
        self.learning = None


def _place(binding: Binding) -> int:
    """Where a mapping stands among its file's [[mappings]] (its origin ``mappings[3]``)."""
    found = re.fullmatch(r"mappings\[(\d+)\]", binding.origin[1])
    if found is None:
        raise BridgeError(f"cannot tell where mapping {binding.id!r} is in its file")
    return int(found.group(1))


def _elsewhere(binding: Binding, show_path: str) -> str:
    """ " (in profile.toml)" for a mapping from an included file (learning cannot move it)."""
    file = binding.origin[0]
    return "" if not file or file == show_path else f" (in {Path(file).name})"
