"""The Devices and sinks panel: every input device, frame sink and service, and its state.

A device's name and state are what a performer looks for: they are never cut off. A name
too long for the column is shortened in the middle; on a narrow column the kind and detail
(the port a pattern matched, an address) go on a second, dimmer row.
"""

from __future__ import annotations

from rich.text import Text

from bridge.console.app.widgets.names import middle
from bridge.console.app.widgets.panel import Lines, Panel
from bridge.watch.snapshot import DeviceView, Snapshot

FAILED = {"failed", "error", "missing", "disconnected", "dead", "unavailable"}
FINE = {"ok", "open", "connected", "running", "sending", "listening", "ready"}
ONE_LINE = 44
"""A column at least this wide shows each device on one row."""


def state_style(state: str) -> str:
    """Red for a broken device, green for a working one, yellow for anything in between."""
    word = state.lower()
    if word in FAILED:
        return "bold red"
    if word in FINE:
        return "bold green"
    return "yellow"


class DevicesPanel(Panel):
    """name, state, kind, detail; the line turns red when a device failed."""

    TITLE = "Devices and sinks"
    PRIORITY = 80
    LEAST = 2
    GROW = True
    SCROLL = True

    def data(self, snap: Snapshot) -> object:
        return snap.devices

    def build(self, snap: Snapshot) -> Lines:
        if not snap.devices:
            return [Text("no devices", style="grey50")]
        width = self.width()
        lines: Lines = []
        for d in snap.devices:
            lines += self._wide(d, width) if width >= ONE_LINE else self._narrow(d, width)
        return lines

    @staticmethod
    def _wide(d: DeviceView, width: int) -> Lines:
        style = state_style(d.state)
        failed = style == "bold red"
        line = Text(no_wrap=True, style="red" if failed else "")
        name = middle(d.name, 18)
        line.append(name, style="bold")
        line.append(f" {d.kind:<8} ", style="red" if failed else "grey70")
        line.append(d.state, style=style)
        room = width - len(name) - 10 - len(d.state) - 2
        if d.detail and room > 3:
            line.append(f"  {middle(d.detail, room)}")
        return [line]

    @staticmethod
    def _narrow(d: DeviceView, width: int) -> Lines:
        """Name and state on one row when both fit whole, else the state moves down."""
        style = state_style(d.state)
        failed = style == "bold red"
        colour = "red" if failed else ""
        head = Text(no_wrap=True, style=colour)
        tail = Text("  ", no_wrap=True, style=colour)
        if len(d.name) + 1 + len(d.state) <= width:
            head.append(d.name, style="bold")
            head.append(" " * (width - len(d.name) - len(d.state)))
            head.append(d.state, style=style)
        else:
            head.append(middle(d.name, width), style="bold")
            tail.append(d.state, style=style)
            tail.append(" ")
        detail = d.kind + (f" {d.detail}" if d.detail else "")
        tail.append(middle(detail, max(width - len(tail), 4)), style=colour or "grey62")
        return [head, tail]
