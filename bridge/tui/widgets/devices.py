"""The Devices and sinks panel: every input device, frame sink and service, one line each."""

from __future__ import annotations

from rich.text import Text

from bridge.snapshot import Snapshot
from bridge.tui.widgets.panel import Lines, Panel, clip

FAILED = {"failed", "error", "missing", "disconnected", "dead"}
FINE = {"ok", "open", "connected", "running", "sending", "listening", "ready"}


def state_style(state: str) -> str:
    """Red for a broken device, green for a working one, yellow for anything in between."""
    word = state.lower()
    if word in FAILED:
        return "bold red"
    if word in FINE:
        return "bold green"
    return "yellow"


class DevicesPanel(Panel):
    """name, kind, state, detail; the whole line turns red when a device failed."""

    TITLE = "Devices and sinks"

    def build(self, snap: Snapshot) -> Lines:
        if not snap.devices:
            return [Text("no devices", style="grey50")]
        name_width = min(max(len(d.name) for d in snap.devices), 18)
        lines = []
        for d in snap.devices:
            style = state_style(d.state)
            failed = style == "bold red"
            line = Text(no_wrap=True, overflow="ellipsis", style="red" if failed else "")
            line.append(d.name[:name_width].ljust(name_width), style="bold")
            line.append(f" {d.kind:<6} ", style="red" if failed else "grey70")
            line.append(d.state, style=style)
            if d.detail:
                line.append(f"  {d.detail}")
            lines.append(line)
        return clip(lines, self.rows())
