"""The Problems panel: what is wrong now in the bridge, plus what the console ran into.

The bridge's entries come and go with their causes (`bridge.watch.problems`); the console's own
notes (a reload that failed from a key press, a bridge that stopped) stay until it clears
them.
"""

from __future__ import annotations

from rich.text import Text

from bridge.console.app.widgets.panel import Lines, Panel
from bridge.watch.snapshot import Snapshot


def reported(note: str, problems: tuple[str, ...]) -> bool:
    return any(note in problem for problem in problems)


class ProblemsPanel(Panel):
    """The console's own notes (a failed reload, a stopped bridge), which stay until the
    console clears them, then the bridge's problems, newest last."""

    TITLE = "Problems"
    PRIORITY = 100
    LEAST = 2
    GROW = True
    SCROLL = True
    KEEP = "tail"  # the newest problem is the last line: a scrolled list stays at its end

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.notes: dict[str, str] = {}

    def note(self, key: str, message: str) -> None:
        """Show a console-side problem under a key (replacing the previous one for that key)."""
        self.notes[key] = message

    def clear(self, key: str) -> None:
        self.notes.pop(key, None)

    def data(self, snap: Snapshot) -> object:
        return snap.problems, tuple(self.notes.items())

    def build(self, snap: Snapshot) -> Lines:
        for key, note in list(self.notes.items()):
            # the bridge reports it too (a failed reload): shown once, and the bridge's entry
            # is the one that goes when the cause does (a later fix from the editor)
            if reported(note, snap.problems):
                del self.notes[key]
        messages = [*(f"{k}: {m}" for k, m in self.notes.items()), *snap.problems]
        count = str(len(messages)) if messages else ""
        if self.border_subtitle != count:  # setting it repaints the panel, even unchanged
            self.border_subtitle = count
        if not messages:
            return [Text("no problems", style="green")]
        width, console = self.width(), self.app.console
        lines: Lines = []
        for m in messages:  # wrapped here, so clipping counts the rows each message takes
            wrapped = Text("• " + m, style="bold red").wrap(console, width, overflow="fold")
            lines.extend(Text(str(part), style="bold red", no_wrap=True) for part in wrapped)
        return lines
