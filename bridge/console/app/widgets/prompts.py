"""The Prompts and scenes panel: each slot's text and live weight, the scene, the transition.

On a short screen the prompt texts go first (the weights, the scene and the transition
stay); a text too long for the column keeps its start and its end. The panel's bottom
edge says what the marks mean.
"""

from __future__ import annotations

from rich.text import Text

from bridge.console.app.widgets.meters import bar
from bridge.console.app.widgets.names import middle
from bridge.console.app.widgets.panel import Lines, Panel
from bridge.watch.snapshot import Snapshot

LEGEND = "┃ base weight · ▸ e edits"
SHORT_LEGEND = "┃ base · ▸ e"


class PromptsPanel(Panel):
    """One weight bar per prompt slot (base weight marked by a tick), then scene and transition.

    ``selected`` is the slot the edit key starts on; it is marked with an arrow.
    """

    TITLE = "Prompts and scenes"
    PRIORITY = 90
    LEAST = 3

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.selected: str | None = None
        self.texts: set[int] = set()
        """Which of the built lines are prompt texts (the first to go on a short screen)."""

    def data(self, snap: Snapshot) -> object:
        return (
            snap.prompts,
            snap.scene,
            snap.transition,
            snap.transition_progress,
            self.selected,
        )

    def build(self, snap: Snapshot) -> Lines:
        width = self.width()
        legend = LEGEND if width >= len(LEGEND) + 6 else SHORT_LEGEND
        if self.border_subtitle != legend:  # setting it repaints the panel, even unchanged
            self.border_subtitle = legend
        longest = max((len(p.id) for p in snap.prompts), default=4)
        name_width = min(longest, max(width - 12, 4))  # a name whole before a long bar
        bar_width = max(width - name_width - 8, 4)
        lines: Lines = []
        self.texts = set()
        for p in snap.prompts:
            chosen = p.id == self.selected
            head = Text("▸ " if chosen else "  ", style="bold yellow", no_wrap=True)
            name = middle(p.id, name_width).ljust(name_width)
            head.append(name, style="bold bright_white" if chosen else "bold")
            head.append(f" {p.weight:4.2f} ", style="bold")
            head.append_text(bar(p.weight, bar_width, marker=p.base))
            lines.append(head)
            self.texts.add(len(lines))
            lines.append(Text("   " + middle(p.text, width - 3), style="grey85", no_wrap=True))
        if not snap.prompts:
            lines.append(Text("no prompt slots in this show", style="yellow"))
        scene = Text("scene ", style="grey70", no_wrap=True)
        scene.append(middle(snap.scene or "–", width - 6), style="bold cyan")
        lines.append(scene)
        lines.append(self._transition(snap, width))
        return lines

    def fit(self, lines: Lines, rows: int) -> Lines:
        if len(lines) <= rows:
            return lines
        kept = [line for i, line in enumerate(lines) if i not in self.texts]
        return kept[:rows] if len(kept) > rows else kept

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
