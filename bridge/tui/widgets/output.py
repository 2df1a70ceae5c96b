"""The Output panel: how the pacer is feeding Scope (rate, in-flight vs budget, chunk rate)."""

from __future__ import annotations

from rich.text import Text

from bridge.snapshot import Snapshot
from bridge.tui.widgets.panel import Lines, Panel


class OutputPanel(Panel):
    """Messages per second, in flight against the budget, the last payload, and FROZEN."""

    TITLE = "Output"
    FIT = True
    MAX_ROWS = 8
    CALM_S = 0.3

    def urgent(self, snap: Snapshot) -> object:
        o = snap.output
        return o.paused, o.inflight > o.budget

    def build(self, snap: Snapshot) -> Lines:
        o = snap.output
        lines = []
        if o.paused:
            lines.append(Text(" OUTPUT FROZEN (space resumes) ", style="bold white on red"))
        rate = Text("sent ", style="grey70")
        rate.append(f"{o.per_s:4.1f}/s", style="bold")
        rate.append(f"  total {o.sent_total}", style="grey70")
        lines.append(rate)
        flight = Text("in flight ", style="grey70")
        over = o.inflight > o.budget
        flight.append(f"{o.inflight}/{o.budget}", style="bold red" if over else "bold green")
        flight.append("  chunks ", style="grey70")
        flight.append(f"{o.chunk_hz:.2f} Hz", style="bold")
        lines.append(flight)
        last = Text("last ", style="grey70", overflow="fold")
        last.append(o.last_payload or "–", style="grey85")
        lines.append(last)
        return lines
