"""The Audio and tempo panel: level and band meters, tempo and beat phase.

It reads ``snapshot.extra["audio"]``, a mapping of feature name to value (the keys of
`AudioFeatures.values`: level, bass, mid, high in 0..1, bpm, beat_phase and bar_phase in
0..1). Tempo may instead come from ``extra["tempo"]`` (MIDI clock, an OSC host).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.text import Text

from bridge.snapshot import Snapshot
from bridge.tui.widgets.meters import bar
from bridge.tui.widgets.panel import Lines, Panel

METERS = (
    ("level", "bold green"),
    ("bass", "bold red"),
    ("mid", "bold yellow"),
    ("high", "bold cyan"),
)
BEAT_FLASH = 0.15
"""The first part of each beat lights a dot, so the beat reads as a light, not a number."""


class AudioPanel(Panel):
    """Meters when audio analysis runs; a dim line saying it is off otherwise."""

    TITLE = "Audio and tempo"
    PRIORITY = 30

    def build(self, snap: Snapshot) -> Lines:
        audio: Mapping[str, Any] = snap.extra.get("audio") or {}
        tempo: Mapping[str, Any] = snap.extra.get("tempo") or audio
        if not audio and not tempo:
            return [Text("no audio input", style="grey50")]
        width = max(self.width(30) - 12, 4)
        lines = []
        for name, style in METERS:
            if name in audio:
                value = float(audio[name])
                line = Text(f"{name:<6}", style="grey70", no_wrap=True)
                line.append_text(bar(value, width, style=style))
                line.append(f" {value:4.2f}", style="bold")
                lines.append(line)
        if "bpm" in tempo:
            head = Text("tempo ", style="grey70")
            head.append(f"{float(tempo['bpm']):6.1f} bpm", style="bold bright_white")
            lines.append(head)
        if "beat_phase" in tempo:
            phase = float(tempo["beat_phase"])
            line = Text("beat  ", style="grey70", no_wrap=True)
            line.append_text(bar(phase, width, style="bold magenta"))
            line.append(" ●" if phase < BEAT_FLASH else "  ", style="bold magenta")
            lines.append(line)
        return lines
