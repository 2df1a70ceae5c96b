"""The Audio and tempo panel: level and band meters, the tempo, where it comes from, and a
beat light.

It reads ``snapshot.extra["audio"]``, a mapping of feature name to value (the keys of
`AudioFeatures.values`: level, bass, mid, high in 0..1, bpm, beat_phase and bar_phase in
0..1), and ``extra["tempo"]``: the latest tempo from any source (Resolume or Ableton over
OSC, MIDI clock, the audio tracker) with its source, BPM, phase now and age. A show with
tempo but no audio still shows its tempo.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.text import Text

from bridge.console.app.widgets.meters import bar
from bridge.console.app.widgets.panel import Lines, Panel
from bridge.console.wire.timing import TEMPO_RUNS_S
from bridge.watch.snapshot import Snapshot

METERS = (
    ("level", "bold green"),
    ("bass", "bold red"),
    ("mid", "bold yellow"),
    ("high", "bold cyan"),
)
BEAT_FLASH = 0.15
"""The first part of each beat lights a dot, so the beat reads as a light, not a number."""
SCOPE_AGREES_MS = 20.0
"""Scope's beat this close to the bridge's counts as agreeing (beyond it the figure is yellow)."""
ONBEAT_CLOSE_MS = 60.0
"""A change that landed this close to its beat shows plain (beyond it, yellow)."""
STALE_S = TEMPO_RUNS_S
"""A tempo heard no more for this long is shown dim, with its age (and its phase no longer
makes the bridge send a new snapshot)."""


class AudioPanel(Panel):
    """Meters when audio analysis runs; the tempo whenever one arrives; a dim line if none."""

    TITLE = "Audio and tempo"
    PRIORITY = 30

    def fit(self, lines: Lines, rows: int) -> Lines:
        return self.first_rows(lines, rows)  # the tempo comes first

    def data(self, snap: Snapshot) -> object:
        return snap.extra.get("audio"), snap.extra.get("tempo")

    def build(self, snap: Snapshot) -> Lines:
        audio: Mapping[str, Any] = snap.extra.get("audio") or {}
        tempo: Mapping[str, Any] = snap.extra.get("tempo") or {}
        if not tempo and "bpm" in audio:  # the analyser's own tempo
            tempo = {"source": "audio", **audio}
        if not audio and not tempo:
            return [Text("no audio or tempo input", style="grey50")]
        width = max(self.width(30) - 12, 4)
        lines = []
        if "bpm" in tempo:
            lines.append(self._tempo(tempo))
        if "beat_phase" in tempo:
            phase = float(tempo["beat_phase"])
            line = Text("beat  ", style="grey70", no_wrap=True)
            line.append_text(bar(phase, width, style="bold magenta"))
            line.append(" ●" if phase < BEAT_FLASH else "  ", style="bold magenta")
            lines.append(line)
        lead = self._lead(tempo)
        if lead is not None:
            lines.append(lead)
        onbeat = self._onbeat(tempo)
        if onbeat is not None:
            lines.append(onbeat)
        for name, style in METERS:
            if name in audio:
                value = float(audio[name])
                line = Text(f"{name:<6}", style="grey70", no_wrap=True)
                line.append_text(bar(value, width, style=style))
                line.append(f" {value:4.2f}", style="bold")
                lines.append(line)
        if not audio:
            lines.append(Text("no audio input", style="grey50"))
        return lines

    @staticmethod
    def _lead(tempo: Mapping[str, Any]) -> Text | None:
        """Who leads and the last change (``link leads (was midi)``), Link's peers, and how
        far Scope's beat is from the leader's."""
        change, peers = tempo.get("change"), tempo.get("link_peers")
        scope_off = tempo.get("scope_off_ms")
        if change is None and peers is None and scope_off is None:
            return None
        line = Text("lead  ", style="grey70", no_wrap=True)
        parts: list[tuple[str, str]] = []
        if change is not None:
            parts.append((str(change), "cyan"))
        if peers is not None:
            parts.append((f"link {peers} peers", "bright_white"))
        if scope_off is not None:  # Scope's clock against the leader's: they should agree
            style = "yellow" if abs(float(scope_off)) > SCOPE_AGREES_MS else "grey70"
            parts.append((f"scope {float(scope_off):+.0f} ms", style))
        for i, (text, style) in enumerate(parts):
            line.append(" · " if i else "", style="grey50")
            line.append(text, style=style)
        return line

    @staticmethod
    def _onbeat(tempo: Mapping[str, Any]) -> Text | None:
        """Quantised changes: where the last one landed against its beat, how early they
        leave, and who schedules them (Scope's ``change_scheduled`` / ``change_applied``)."""
        landed, lead = tempo.get("landed_ms"), tempo.get("lead_ms")
        by, change = tempo.get("quantize_by"), tempo.get("scope_change")
        if landed is None and lead is None and by is None and change is None:
            return None
        line = Text("onbeat ", style="grey70", no_wrap=True)
        parts: list[tuple[str, str]] = []
        if landed is not None:
            style = "bright_white" if abs(float(landed)) <= ONBEAT_CLOSE_MS else "yellow"
            parts.append((f"last landed {float(landed):+.0f} ms", style))
        if lead is not None:
            parts.append((f"sent {float(lead):.0f} ms early", "grey70"))
        if by is not None:
            parts.append((str(by), "cyan"))
        if change is not None:
            parts.append((str(change), "grey70"))
        for i, (text, style) in enumerate(parts):
            line.append(" · " if i else "", style="grey50")
            line.append(text, style=style)
        return line

    @staticmethod
    def _tempo(tempo: Mapping[str, Any]) -> Text:
        age = float(tempo.get("age_s") or 0.0)
        stale = age > STALE_S
        head = Text("tempo ", style="grey70", no_wrap=True)
        head.append(
            f"{float(tempo['bpm']):.1f} bpm", style="grey50" if stale else "bold bright_white"
        )
        source = str(tempo.get("source") or "")
        if source:
            head.append(f" {source}", style="cyan")
        if stale:
            head.append(f" {age:.0f} s ago", style="yellow")
        return head
