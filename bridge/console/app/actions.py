"""The console's commands: what every key, dialog and palette entry does.

Each command is one `UiAction` through `ConsoleHost.submit` or one host call (save,
reload, learn, reconnect), wrapped so a failing host call becomes a notification instead
of an exception in the console. `ConsoleApp` adds the panels and the refresh loop.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Iterable
from typing import ParamSpec, TypeVar

from textual.app import App, SystemCommand
from textual.notifications import SeverityLevel
from textual.screen import Screen

from bridge.console.app.keys import KEYS
from bridge.console.app.saving import save_question, shown_path
from bridge.console.app.screens.confirm import ConfirmScreen
from bridge.console.app.screens.edit import EditScreen
from bridge.console.app.screens.help import HelpScreen
from bridge.console.app.screens.learn import LearnScreen
from bridge.console.app.screens.pick import PickScreen
from bridge.console.app.widgets.inputs_monitor import InputsPanel
from bridge.console.app.widgets.panel import Panel, PanelScroll
from bridge.console.app.widgets.problems import ProblemsPanel
from bridge.console.app.widgets.prompts import PromptsPanel
from bridge.console.wire.host import ConsoleHost
from bridge.core.events import UiAction, UiActionName
from bridge.watch.snapshot import Snapshot

log = logging.getLogger("bridge.console")

P = ParamSpec("P")
R = TypeVar("R")

UI_SOURCE = "ui"
LEARNABLE = ("midi in", "osc in")
"""Device kinds a control can be learned from (as the Devices panel names them)."""


def nothing_to_learn_from(snap: Snapshot | None) -> str:
    """Why learning cannot work in this show ("" when it can): no MIDI or OSC input."""
    if snap is None:
        return ""
    if not any(d.kind in LEARNABLE for d in snap.devices):
        return (
            "This show has no MIDI or OSC input to learn from: add one under "
            "[devices.midi] or [devices.osc] in the show file, then learn."
        )
    return ""


class ConsoleCommands(App[None]):
    """The command half of the console; the subclass provides the state declared here."""

    host: ConsoleHost
    snap: Snapshot | None
    panels: dict[str, Panel]
    prompts: PromptsPanel
    inputs: InputsPanel
    problems: ProblemsPanel
    reloads_seen: int | None

    def refresh_panels(self) -> None:
        """Redraw from a fresh snapshot (the subclass implements it)."""
        raise NotImplementedError

    # -- calling the host without letting it take the console down -----------------------
    def _call(self, what: str, fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R | None:
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            log.exception("%s failed", what)
            self.say(f"{what} failed: {exc}", title="Console", severity="error", timeout=10)
            return None

    def say(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float = 5.0,
    ) -> None:
        """A notification; host text is shown as written (a "[" in a key path is not markup)."""
        self.notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    def send(self, action: UiActionName, target: str = "", value: str | None = None) -> None:
        """Submit one console command to the bridge, stamped now."""
        event = UiAction(time.monotonic(), UI_SOURCE, action, target, value)
        self._call(action.replace("_", " "), self.host.submit, event)

    # -- show actions --------------------------------------------------------------------
    def action_toggle_pause(self) -> None:
        self.send("toggle_pause")

    def action_next_scene(self) -> None:
        self.send("next_scene")

    def action_prev_scene(self) -> None:
        self.send("prev_scene")

    def action_reset_cache(self) -> None:
        """Asks first: a reset is a hard visual cut, and `r` sits next to the scene keys."""

        def answered(yes: bool | None) -> None:
            if yes:
                self.send("reset_cache")

        self.ask(
            ConfirmScreen(
                "Reset Scope's cache now?",
                "Reset",
                "Keep",
                detail="The picture cuts hard to a fresh start (a visible jump). "
                "To cut on a beat, map reset_cache to a pad.",
            ),
            answered,
        )

    def action_select_scene(self) -> None:
        scenes = list(self.snap.extra.get("scenes") or []) if self.snap else []
        if not scenes:
            self.say("This bridge does not list its scenes; use n and b.", timeout=5)
            return
        current = self.snap.scene if self.snap else None
        items = [(str(s), str(s)) for s in scenes]

        def picked(scene: str | None) -> None:
            if scene is not None:
                self.send("select_scene", scene)

        self.push_screen(PickScreen("Go to scene", items, initial=current), picked)

    def action_edit_prompt(self) -> None:
        prompts = self.snap.prompts if self.snap else ()
        if not prompts:
            self.say("There is no prompt slot to edit.", timeout=5)
            return
        texts = {p.id: p.text for p in prompts}
        items = [(p.id, f"{p.id}: {p.text}") for p in prompts]

        def edited(slot: str, text: str | None) -> None:
            if text is not None and text != texts[slot]:
                self.send("set_prompt_text", slot, text)
                self.say(f"Prompt {slot!r} changes (as a transition).", timeout=4)

        def picked(slot: str | None) -> None:
            if slot is None:
                return
            self.prompts.selected = slot
            self.push_screen(EditScreen(slot, texts[slot]), functools.partial(edited, slot))

        self.push_screen(
            PickScreen("Edit which prompt?", items, initial=self.prompts.selected), picked
        )

    def action_learn(self) -> None:
        missing = nothing_to_learn_from(self.snap)
        if missing:
            self.say(missing, title="Learn", severity="warning", timeout=10)
            return
        targets = self._call("listing learn targets", self.host.learn_targets)
        if not targets:
            if targets is not None:
                self.say("Nothing can be learned in this show.", timeout=5)
            return

        def learned(message: str | None) -> None:
            if message:
                self.say(message, title="Learn", timeout=8)

        def picked(target: str | None) -> None:
            if target is None:
                return
            try:
                self.host.learn_start(target)
            except Exception as exc:
                log.exception("learn_start failed")
                self.say(f"cannot learn {target}: {exc}", severity="error", timeout=10)
                return
            screen = LearnScreen(
                target,
                candidate=self.host.learn_candidate,
                confirm=lambda move: self.host.learn_confirm(move),
                cancel=self.host.learn_cancel,
                conflicts=self.host.learn_conflicts,
                where=shown_path(self.snap.show) if self.snap else "",
            )
            self.push_screen(screen, learned)

        self.push_screen(PickScreen("Learn which target?", [(t, t) for t in targets]), picked)

    def action_save(self) -> None:
        """Asks first, naming the file (and saying when it is a shipped example)."""
        if self.snap is None or not self.snap.show:
            self.say("No show is loaded yet: nothing to save.", timeout=5)
            return
        q = save_question(self.snap.show)

        def answered(yes: bool | None) -> None:
            if yes:
                message = self._call("saving prompts", self.host.save)
                if message is not None:
                    self.say(message, title="Save prompts", timeout=8)

        self.ask(
            ConfirmScreen(q.question, "Save", "Cancel", detail=q.detail, warning=q.warning),
            answered,
        )

    def action_reload(self) -> None:
        self.reloads_seen = None  # this reload is said here, not again as a file edit's
        try:
            error = self.host.reload()
        except Exception as exc:
            log.exception("reload failed")
            error = f"reload failed: {type(exc).__name__}: {exc}"
        if error is None:
            self.problems.clear("reload")
            self.say("Show reloaded from its file.", title="Reload", timeout=4)
        else:
            self.problems.note("reload", error)
            self.say(error, title="Reload failed", severity="error", timeout=20)
        self.refresh_panels()

    def action_toggle_sink(self) -> None:
        sinks = list(self.snap.extra.get("sinks") or []) if self.snap else []
        if not sinks:
            self.say("This show has no frame outputs ([[sinks]] in the show file).", timeout=5)
            return

        def picked(name: str | None) -> None:
            if name is not None:
                message = self._call("switching the output", lambda: self.host.toggle_sink(name))
                if message is not None:
                    self.say(message, title="Outputs", timeout=5)

        self.push_screen(PickScreen("Turn which output on/off?", [(s, s) for s in sinks]), picked)

    def action_reconnect(self) -> None:
        """Asks first: a reconnect drops the video for about a second."""

        def answered(yes: bool | None) -> None:
            if yes:
                self._call("reconnecting", self.host.reconnect)
                self.say("Reconnecting to Scope…", timeout=3)

        self.ask(
            ConfirmScreen(
                "Reconnect to Scope now?",
                "Reconnect",
                "Stay",
                detail="The session restarts: about a second without video, then the "
                "show's state is sent again.",
            ),
            answered,
        )

    def ask(self, screen: ConfirmScreen, answered: Callable[[bool | None], None]) -> None:
        """Open a confirmation unless one is already open (a second key press waits)."""
        if isinstance(self.screen, ConfirmScreen):
            return
        self.push_screen(screen, answered)

    # -- console-only actions ------------------------------------------------------------
    def action_toggle_panel(self, panel_id: str) -> None:
        panel = self.panels[panel_id]
        panel.display = not panel.display
        if panel.display and self.snap is not None:
            panel.show(self.snap)

    def action_pause_monitor(self) -> None:
        self.inputs.toggle_pause()
        if self.snap is not None:
            self.inputs.show(self.snap)

    def action_filter_inputs(self) -> None:
        self.inputs.display = True
        self.inputs.filter.open()

    def action_scroll_controls(self, direction: int) -> None:
        controls = self.panels["controls"]
        controls.display = True
        for scroller in controls.query(PanelScroll):
            if direction > 0:
                scroller.scroll_page_down(animate=False)
            else:
                scroller.scroll_page_up(animate=False)

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    async def action_quit(self) -> None:
        """Quit only after a yes: ctrl+q, q and the palette's Quit all ask first."""
        if isinstance(self.screen, ConfirmScreen):
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.exit()

        self.push_screen(
            ConfirmScreen("Quit Scope Bridge? The show stops and Scope gets no more updates."),
            answered,
        )

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for k in KEYS:
            if k.action == "quit":
                continue  # the built-in Quit already runs action_quit, which asks first
            yield SystemCommand(
                k.help, f"key {k.shown}", functools.partial(self.run_action, k.action)
            )
