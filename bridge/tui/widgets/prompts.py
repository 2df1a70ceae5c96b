"""The Prompts and scenes panel: each slot's text and live weight, the scene, the transition."""

from __future__ import annotations

from rich.text import Text

from bridge.snapshot import Snapshot
from bridge.tui.widgets.meters import bar
from bridge.tui.widgets.panel import Lines, Panel


class PromptsPanel(Panel):
    """One weight bar per prompt slot (base weight marked by a tick), then scene and transition.

    ``selected`` is the slot the edit key starts on; it is marked with an arrow.
    """

    TITLE = "Prompts and scenes"
    FIT = True

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.selected: str | None = None

    def build(self, snap: Snapshot) -> Lines:
        width = self.width()
        name_width = max((len(p.id) for p in snap.prompts), default=4)
        bar_width = max(width - name_width - 8, 4)
        lines: Lines = []
        for p in snap.prompts:
            chosen = p.id == self.selected
            head = Text("▸ " if chosen else "  ", style="bold yellow", no_wrap=True)
            head.append(p.id.ljust(name_width), style="bold bright_white" if chosen else "bold")
            head.append(f" {p.weight:4.2f} ", style="bold")
            head.append_text(bar(p.weight, bar_width, marker=p.base))
            lines.append(head)
            lines.append(Text("   " + p.text, style="grey85", no_wrap=True, overflow="ellipsis"))
        if not snap.prompts:
            lines.append(Text("no prompt slots in this show", style="yellow"))
        scene = Text("scene ", style="grey70")
        scene.append(snap.scene or "–", style="bold cyan")
        lines.append(scene)
        lines.append(self._transition(snap, width))
        return lines

    @staticmethod
    def _transition(snap: Snapshot, width: int) -> Text:
        if snap.transition == "pending":
            return Text("transition pending (waits for Scope)", style="bold yellow")
        if snap.transition == "running" or snap.transition_progress is not None:
            progress = snap.transition_progress or 0.0
            line = Text("transition ", style="grey70", no_wrap=True)
            line.append_text(bar(progress, max(width - 16, 4), style="bold cyan"))
            line.append(f" {progress * 100:3.0f}%", style="bold")
            return line
        return Text("no transition", style="grey50")
