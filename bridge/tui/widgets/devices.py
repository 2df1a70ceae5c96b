"""The Devices and sinks panel: every input device, frame sink and service, and its state.

A device's name and state are what a performer looks for: they are never cut off. A name
too long for the column is shortened in the middle; on a narrow column the kind and detail
(the port a pattern matched, an address) go on a second, dimmer row.
"""

from __future__ import annotations

from rich.text import Text

from bridge.snapshot import DeviceView, Snapshot
from bridge.tui.widgets.names import middle
from bridge.tui.widgets.panel import Lines, Panel

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
        style = state_style(d.state)
        failed = style == "bold red"
        head = Text(no_wrap=True, style="red" if failed else "")
        name = middle(d.name, max(width - len(d.state) - 1, 4))
        head.append(name, style="bold")
        head.append(" " * max(width - len(name) - len(d.state), 1))
        head.append(d.state, style=style)
        detail = f"  {d.kind}" + (f" {d.detail}" if d.detail else "")
        tail = Text(middle(detail, width), style="red" if failed else "grey62", no_wrap=True)
        return [head, tail]
