"""The Output panel: how the pacer is feeding Scope (rate, in-flight vs budget, chunk rate)."""

from __future__ import annotations

from rich.text import Text

from bridge.console.app.widgets.panel import Lines, Panel
from bridge.watch.snapshot import Snapshot


def drops_line(drops: object, budget: int) -> Text:
    """Updates Scope dropped: the stand-in counts them; a real Scope does not say, and the
    pacer keeps at most ``budget`` of its 8 queue slots filled so that there are none."""
    line = Text("drops ", style="grey70")
    if isinstance(drops, int):
        line.append(str(drops), style="bold green" if drops == 0 else "bold red")
        line.append("  stand-in's count", style="grey50")
    else:  # Scope does not tell: say why there should be none
        line.append("n/a", style="bold")
        line.append(f"  ≤ {budget} of 8 queued", style="grey50")
    return line


class OutputPanel(Panel):
    """Messages per second, in flight against the budget, drops, the last payload, FROZEN."""

    TITLE = "Output"
    PRIORITY = 40
    MAX_ROWS = 8
    CALM_S = 0.3

    def fit(self, lines: Lines, rows: int) -> Lines:
        return self.first_rows(lines, rows)  # FROZEN, the rate and the budget come first

    def data(self, snap: Snapshot) -> object:
        return snap.output, snap.extra.get("scope_drops")

    def urgent(self, snap: Snapshot) -> object:
        o = snap.output
        return o.paused, o.inflight > o.budget, snap.extra.get("scope_drops")

    def build(self, snap: Snapshot) -> Lines:
        o = snap.output
        lines: Lines = []
        if o.paused:
            lines.append(Text(" OUTPUT FROZEN (space resumes) ", style="bold white on red"))
        rate = Text("sent ", style="grey70", no_wrap=True)
        rate.append(f"{o.per_s:4.1f}/s", style="bold")
        rate.append(f"  total {o.sent_total}", style="grey70")
        lines.append(rate)
        flight = Text("in flight ", style="grey70", no_wrap=True)
        over = o.inflight > o.budget
        flight.append(f"{o.inflight}/{o.budget}", style="bold red" if over else "bold green")
        lines.append(flight)
        chunks = Text("chunks ", style="grey70", no_wrap=True)
        chunks.append(f"{o.chunk_hz:.2f} Hz", style="bold")
        lines.append(chunks)
        lines.append(drops_line(snap.extra.get("scope_drops"), o.budget))
        last = Text("last ", style="grey70")
        last.append(o.last_payload or "–", style="grey85")
        # wrapped here, row by row, so a short panel shows its start instead of nothing
        wrapped = last.wrap(self.app.console, self.width(), overflow="fold")
        lines += [Text.assemble(row, no_wrap=True) for row in wrapped]
        return lines
