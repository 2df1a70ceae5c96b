"""The show console: a Textual app that watches the bridge and sends it commands.

It polls `ConsoleHost.snapshot()` 10 times a second and redraws the panels whose part of
it changed (`Panel.data`); every key becomes a `UiAction` through `ConsoleHost.submit` or
one host call (save, reload, learn, reconnect). It holds no bridge logic. A Textual worker
runs or watches the bridge (in `scope-bridge run` the bridge is another process; see
`bridge.console.serve.server`); if it stops or raises, the console says so and stays up, and so does
every panel around one that fails.
"""

from __future__ import annotations

import logging
from typing import ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.worker import Worker

from bridge.console.app.actions import ConsoleCommands
from bridge.console.app.footer import ConsoleFooter
from bridge.console.app.keys import COLUMNS, PANELS, bindings
from bridge.console.app.layout import share
from bridge.console.app.widgets.audio import AudioPanel
from bridge.console.app.widgets.connection import ConnectionPanel
from bridge.console.app.widgets.controls import ControlsPanel
from bridge.console.app.widgets.devices import DevicesPanel
from bridge.console.app.widgets.inputs_monitor import InputsPanel
from bridge.console.app.widgets.output import OutputPanel
from bridge.console.app.widgets.panel import Panel
from bridge.console.app.widgets.preview import PreviewPanel
from bridge.console.app.widgets.problems import ProblemsPanel
from bridge.console.app.widgets.prompts import PromptsPanel
from bridge.console.app.widgets.status_line import StatusLine
from bridge.console.wire.host import ConsoleHost
from bridge.errors import BridgeError
from bridge.watch.snapshot import Snapshot

log = logging.getLogger("bridge.console")


def describe(exc: BaseException) -> str:
    """One line for an error; a TaskGroup's group names its real causes, not itself."""
    if isinstance(exc, BaseExceptionGroup):
        return "; ".join(describe(inner) for inner in exc.exceptions)
    return f"{type(exc).__name__}: {exc}"


PREVIEW_EVERY = 3
"""Redraw the preview on every third refresh (about 3 frames a second)."""
TALL = 30
"""Below this many rows the headline takes one row instead of three."""
WIDE = 100
"""Below this many columns the middle column (prompts, controls) gets a larger share."""


class ConsoleApp(ConsoleCommands):
    """The show console. `ConsoleApp(host).run()` runs it (and the bridge) until quit."""

    CSS_PATH = "console.tcss"
    TITLE = "Scope Bridge"
    AUTO_FOCUS = None  # no text box may hold the keys at start: space must freeze at once
    BINDINGS: ClassVar[list[BindingType]] = bindings()

    def __init__(self, host: ConsoleHost, *, refresh_hz: float = 10.0) -> None:
        super().__init__()
        self.host = host
        self.refresh_hz = refresh_hz
        self.status = StatusLine()
        self.problems = ProblemsPanel(id="problems")
        self.prompts = PromptsPanel(id="prompts")
        self.inputs = InputsPanel(id="inputs")
        self.preview = PreviewPanel(lambda: self.host.preview(), id="preview")
        self.panels: dict[str, Panel] = {
            "connection": ConnectionPanel(id="connection"),
            "prompts": self.prompts,
            "controls": ControlsPanel(id="controls"),
            "inputs": self.inputs,
            "output": OutputPanel(id="output"),
            "devices": DevicesPanel(id="devices"),
            "audio": AudioPanel(id="audio"),
            "preview": self.preview,
            "problems": self.problems,
        }
        self.snap: Snapshot | None = None
        self.refreshes = 0
        self.bridge_worker: Worker[None] | None = None
        self._snapshot_error: str | None = None
        self.reloads_seen: int | None = None
        self.scope_changes_seen: int | None = None
        """The bridge's reload count last seen (None: take the next one as it is)."""
        self._columns: list[Vertical] = []
        self._shared: dict[Vertical, tuple[object, ...]] = {}
        """Each column's height, shown panels and their needs, as last shared."""

    # -- layout and the refresh loop -----------------------------------------------------
    def compose(self) -> ComposeResult:
        for number, (pid, _) in enumerate(PANELS, start=1):
            self.panels[pid].numbered(number)
        yield self.status
        with Horizontal(id="columns"):
            for column, ids in COLUMNS.items():
                with Vertical(id=column, classes="column"):
                    yield from (self.panels[pid] for pid in ids)
        yield ConsoleFooter()

    def on_resize(self, event: events.Resize) -> None:
        """Small terminals get the compact look (a one-row headline, tighter columns)."""
        self.set_class(event.size.height < TALL, "-short")
        self.set_class(event.size.width < WIDE, "-narrow")
        self.call_after_refresh(self.arrange)

    def on_mount(self) -> None:
        self.preview.use_color = not self.no_color
        self.refresh_panels()
        self.set_interval(1 / self.refresh_hz, self.refresh_panels)
        self.bridge_worker = self.run_worker(
            self._run_bridge(), name="bridge", group="bridge", exit_on_error=False
        )

    async def _run_bridge(self) -> None:
        """The whole bridge; whatever it raises is shown, and the console stays up."""
        try:
            await self.host.run_bridge()
        except Exception as exc:
            if isinstance(exc, BridgeError):  # already a sentence: no traceback in the log
                log.warning("the bridge stopped: %s", exc)
                message = f"the bridge stopped: {exc}"
            else:
                log.exception("the bridge stopped")
                message = f"the bridge stopped: {describe(exc)}"
            self.problems.note("bridge", message)
            self.say(message, title="Bridge stopped", severity="error", timeout=30)
        else:
            self.problems.note("bridge", "the bridge finished: nothing is being controlled")
        self.refresh_panels()

    def refresh_panels(self) -> None:
        """Take one snapshot and redraw the visible panels whose data changed."""
        try:
            snap = self.host.snapshot()
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            if error != self._snapshot_error:
                if isinstance(exc, BridgeError):
                    log.warning("no snapshot: %s", exc)
                else:
                    log.exception("snapshot failed")
                self._snapshot_error = error
            self.status.show(None, error)
            return
        self._snapshot_error = None
        self.snap = snap
        self._notice_reload(snap)
        self._notice_scope_change(snap)
        ids = [p.id for p in snap.prompts]
        if self.prompts.selected not in ids:
            self.prompts.selected = ids[0] if ids else None
        try:
            self.status.show(snap, problems=len(self.problems.notes) + len(snap.problems))
        except Exception as exc:
            log.exception("status line failed")
            self.status.show(None, f"status line failed: {exc}")
        for panel in self.panels.values():
            # the preview is the costliest panel to draw: a few frames a second show motion
            skip = panel is self.preview and self.refreshes % PREVIEW_EVERY
            if panel.display and not skip:
                panel.update_lines(snap)
        self.arrange()
        for panel in self.panels.values():
            if panel.display:
                panel.draw_lines()
        self.refreshes += 1

    def _notice_reload(self, snap: Snapshot) -> None:
        """A reload the console did not ask for (the file was saved in an editor) is said
        just as ctrl+r's is."""
        reloads = snap.extra.get("reloads")
        if not isinstance(reloads, int):
            return
        seen, self.reloads_seen = self.reloads_seen, reloads
        if seen is not None and reloads > seen:
            self.problems.clear("reload")
            self.say("Show reloaded: its file changed on disk.", title="Reload", timeout=4)

    def _notice_scope_change(self, snap: Snapshot) -> None:
        """A change made in Scope (its UI, its OSC, another client) that the show adopted:
        one line saying what changed (`bridge.running.scope_sync`)."""
        changes = snap.extra.get("scope_changes") or {}
        count = changes.get("count")
        if not isinstance(count, int):
            return
        seen, self.scope_changes_seen = self.scope_changes_seen, count
        if seen is not None and count > seen and changes.get("line"):
            self.say(str(changes["line"]), title="Scope", timeout=5)

    def arrange(self) -> None:
        """Share each column's rows between its shown panels (`bridge.console.app.layout`); a
        column whose height and panels' needs are as last time is left as it is."""
        if not self._columns:
            self._columns = list(self.query(".column").results(Vertical))
        for column in self._columns:
            rows = column.content_size.height
            if rows <= 0:
                continue  # not laid out yet
            shown = [p for p in column.children if isinstance(p, Panel) and p.display]
            needs = [p.need() for p in shown]
            key = (rows, tuple(shown), tuple(needs))
            if self._shared.get(column) == key:
                continue
            self._shared[column] = key
            for panel, height in zip(shown, share(rows, needs), strict=True):
                panel.allot(height)
