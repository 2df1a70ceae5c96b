"""The Inputs monitor: recent events as they arrive, with a filter and a pause.

Pausing freezes this list only (to read a burst), never the output. The filter box takes
focus only when asked ("/" or a click), and gives it back on Enter or Escape, so the show
keys (space, n, b...) are never swallowed by a text box the performer forgot about.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Input, Static

from bridge.console.app.widgets.names import middle
from bridge.console.app.widgets.panel import Lines, Panel, clip
from bridge.watch.snapshot import Snapshot


class PauseToggle(Static):
    """A clickable label (not focusable, so space stays the output-freeze key)."""

    def on_click(self, event: events.Click) -> None:
        event.stop()
        panel = self.query_ancestor(InputsPanel)
        panel.toggle_pause()


class FilterInput(Input):
    """The filter box; Enter or Escape hands the keys back to the console.

    It takes focus only when opened ("/" or a click), never by Tab: a box holding the keys
    unseen would turn space (freeze) into a typed space.
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "done", "Done")]

    def on_mount(self) -> None:
        self.can_focus = False

    def open(self) -> None:
        """Take the keys, to type a filter."""
        self.can_focus = True
        self.focus()

    def on_click(self, event: events.Click) -> None:
        self.open()

    def on_blur(self, event: events.Blur) -> None:
        self.can_focus = False

    def action_done(self) -> None:
        self.screen.set_focus(None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.screen.set_focus(None)


class InputsPanel(Panel):
    """Recent events (newest last), filtered by a case-insensitive substring."""

    TITLE = "Inputs monitor"
    PRIORITY = 20
    GROW = True
    EXTRA_ROWS = 1  # the filter and pause toolbar

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.paused = False
        self.frozen: Snapshot | None = None
        self.filter = FilterInput(placeholder="filter (/)", id="inputs-filter", compact=True)
        self.pause_label = PauseToggle(" live (p) ", id="inputs-pause")
        self._label_paused = False
        self.heads = 1
        """Lines at the top that stay however short the panel (the counters)."""

    def compose(self) -> ComposeResult:
        with Horizontal(classes="toolbar"):
            yield self.filter
            yield self.pause_label
        yield self.body

    def toggle_pause(self) -> None:
        """Freeze or release the event list (the output is not affected)."""
        self.paused = not self.paused
        self.frozen = None

    def data(self, snap: Snapshot) -> object:
        words = self.filter.value
        if self.paused:  # the list stays as it was when paused, whatever arrives
            return True, words, self.frozen is None
        extra = snap.extra
        counts = extra.get("osc_malformed"), extra.get("osc"), extra.get("refused")
        return False, words, snap.events, snap.event_count, counts

    def build(self, snap: Snapshot) -> Lines:
        if self.paused:
            self.frozen = self.frozen or snap
            snap = self.frozen
        if self.paused != self._label_paused:
            self._label_paused = self.paused
            self.pause_label.update(
                Text(" PAUSED (p) ", style="bold black on yellow")
                if self.paused
                else Text(" live (p) ", style="grey70")
            )
        words = self.filter.value.strip().lower()
        shown = [e for e in snap.events if words in e.lower()] if words else list(snap.events)
        malformed = int(snap.extra.get("osc_malformed", 0) or 0)
        head = Text(f"events {snap.event_count}", style="grey70", no_wrap=True)
        head.append(f"  bad OSC {malformed}", style="bold red" if malformed else "grey50")
        if words:
            head.append(f"  showing {len(shown)}", style="grey70")
        heads = [head, *loss_lines(snap.extra)]
        self.heads = len(heads)
        width = self.width()  # a long OSC address keeps its end, where the value is
        lines = [Text(middle(e, width), no_wrap=True) for e in shown]
        if not lines:
            lines = [Text("no matching events" if words else "no events yet", style="grey50")]
        return [*heads, *lines]

    def fit(self, lines: Lines, rows: int) -> Lines:
        """The counters (and what each OSC input lost), then the newest events that fit."""
        heads = min(self.heads, rows)
        return [*lines[:heads], *clip(lines[self.heads :], rows - heads, keep="tail")]


def loss_lines(extra: dict[str, Any]) -> list[Text]:
    """One line per OSC input that lost or refused anything (by reason), and one for the
    non-finite numbers other sources sent."""
    lines = []
    osc: dict[str, dict[str, Any]] = extra.get("osc") or {}
    for name, o in osc.items():
        parts = []
        if o.get("malformed_total"):
            reasons = ", ".join(f"{k} {v}" for k, v in sorted(o["malformed"].items()))
            parts.append(f"bad {o['malformed_total']} ({reasons})")
        if o.get("not_allowed"):
            parts.append(f"not allowed {o['not_allowed']} (last {o['last_not_allowed']})")
        kernel = o.get("kernel_drops")
        if kernel:
            parts.append(f"kernel drops {kernel}")
        if o.get("refused_total"):
            reasons = ", ".join(f"{k} {v}" for k, v in sorted(o["refused"].items()))
            parts.append(f"refused {reasons}")
        if parts:
            if kernel is None:
                parts.append("kernel drops unknown")
            text = Text(f"{name}: ", style="bold red", no_wrap=True, overflow="ellipsis")
            text.append(" · ".join(parts), style="red")
            lines.append(text)
    refused: dict[str, dict[str, int]] = extra.get("refused") or {}
    others = [
        f"{source} " + ", ".join(f"{k} {v}" for k, v in sorted(reasons.items()))
        for source, reasons in refused.items()
        if source not in osc
    ]
    if others:
        text = Text("refused: " + " · ".join(others), style="red", no_wrap=True)
        text.overflow = "ellipsis"
        lines.append(text)
    return lines
