"""The Controls panel: every mapping with its source, target, live value and pick-up hint.

With pages or layers, it says the page and the held layers first, and lists what each
control does there (the mappings out of play on this page are not listed).

It scrolls (mouse wheel, PgUp/PgDn, or Tab to it and the arrow keys), so no mapping is out
of reach. Names too long for the column are shortened in the middle, and a target drops
the part its kind makes plain (`prompt.ocean.weight` → `ocean.weight`) before that.
"""

from __future__ import annotations

from rich.text import Text

from bridge.console.app.widgets.names import middle, short_target, short_targets
from bridge.console.app.widgets.panel import Lines, Panel
from bridge.watch.snapshot import Snapshot

VALUE_MAX = 10
"""A value wider than this (a long scene name) is shortened in the middle when it shares its
row with the source; under it, it may take what its target leaves."""
TARGET_LEAST = 10
"""Cells a target keeps on its row before a long value is shortened."""


class ControlsPanel(Panel):
    """One line per mapping; a soft-takeover hint ("turn up to pick up") follows in yellow."""

    TITLE = "Controls"
    PRIORITY = 50
    LEAST = 2
    GROW = True
    SCROLL = True

    def data(self, snap: Snapshot) -> object:
        return snap.controls, snap.page, snap.pages, snap.layers

    def build(self, snap: Snapshot) -> Lines:
        head = where(snap)
        if not snap.controls:
            return [*head, Text("no mappings", style="grey50")]
        value_width = min(max(len(c.value) for c in snap.controls), VALUE_MAX)
        width = self.width()
        room = max(width - value_width - 4, 10)  # what the two names may share on one row
        sources = max(len(c.source) for c in snap.controls)
        targets = min(max(len(short_targets(c.target)[-1]) for c in snap.controls), room // 2)
        two_rows = sources + targets > room  # a narrow column: source above, target below
        if two_rows:
            sources = width
        else:
            targets = room - sources
        lines = head
        for c in snap.controls:
            source = Text(middle(c.source, sources).ljust(sources), style="cyan")
            line = Text(no_wrap=True)
            if two_rows:  # the target and the value share the row under the source
                lines.append(Text.assemble(source, no_wrap=True))
                line.append("  → ", style="grey50")
                value = middle(c.value, max(width - 5 - TARGET_LEAST, VALUE_MAX))
                target_width = width - 5 - len(value)
            else:
                line.append_text(source)
                line.append(" → ", style="grey50")
                value = middle(c.value, value_width).rjust(value_width)
                target_width = targets
            line.append(short_target(c.target, target_width).ljust(target_width))
            line.append(f" {value}", style="bold bright_white")
            lines.append(line)
            if c.hint:  # its own line: on the mapping's line a narrow panel would cut it off
                hint = Text("  ", no_wrap=True, overflow="ellipsis")
                hint.append(c.hint, style="bold black on yellow")
                lines.append(hint)
        return lines


def where(snap: Snapshot) -> Lines:
    """``page lora 2/3 · shift``: the line above the controls, when there are pages or layers."""
    if not snap.page and not snap.layers:
        return []
    line = Text(no_wrap=True, overflow="ellipsis")
    if snap.page:
        line.append("page ", style="grey50")
        line.append(snap.page, style="bold bright_white")
        if snap.page in snap.pages:
            line.append(f" {snap.pages.index(snap.page) + 1}/{len(snap.pages)}", style="grey50")
    for layer in snap.layers:
        line.append(" · " if len(line) else "", style="grey50")
        line.append(layer, style="bold black on cyan")
    return [line]
