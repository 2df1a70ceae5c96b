"""The Controls panel: every mapping with its source, target, live value and pick-up hint."""

from __future__ import annotations

from rich.text import Text

from bridge.snapshot import Snapshot
from bridge.tui.widgets.panel import Lines, Panel, clip

VALUE_WIDTH = 6


class ControlsPanel(Panel):
    """One line per mapping; a soft-takeover hint ("turn up to pick up") follows in yellow."""

    TITLE = "Controls"

    def build(self, snap: Snapshot) -> Lines:
        if not snap.controls:
            return [Text("no mappings", style="grey50")]
        room = max(self.width() - VALUE_WIDTH - 4, 10)  # what the two names may share
        source_width = min(max(len(c.source) for c in snap.controls), room // 2)
        target_width = min(max(len(c.target) for c in snap.controls), room - source_width)
        lines = []
        for c in snap.controls:
            line = Text(no_wrap=True, overflow="ellipsis")
            line.append(c.source[:source_width].ljust(source_width), style="cyan")
            line.append(" → ", style="grey50")
            line.append(c.target[:target_width].ljust(target_width))
            line.append(f" {c.value[:VALUE_WIDTH]:>{VALUE_WIDTH}}", style="bold bright_white")
            lines.append(line)
            if c.hint:  # its own line: on the mapping's line a narrow panel would cut it off
                hint = Text("  ", no_wrap=True, overflow="ellipsis")
                hint.append(c.hint, style="bold black on yellow")
                lines.append(hint)
        return clip(lines, self.rows())
