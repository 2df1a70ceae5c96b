"""The Connection panel: where Scope is, what it runs, and how the link is doing."""

from __future__ import annotations

from typing import Any

from rich.text import Text

from bridge.snapshot import Snapshot
from bridge.tui.widgets.panel import Lines, Panel

GOOD = {"connected", "loaded", "open"}
TICKING = frozenset({"fps_recent", "fps_measured", "frames_total", "reconnect_in_s"})
"""Numbers that change every refresh: shown twice a second, not ten times."""
BAD = {"failed", "error", "closed", "not_loaded"}


def _state(value: Any) -> tuple[str, str]:
    word = str(value) if value is not None else "?"
    if word in GOOD:
        return word, "bold green"
    if word in BAD:
        return word, "bold red"
    return word, "yellow"


def _row(key: str, value: str, style: str = "", *, wrap: bool = False) -> Text:
    line = Text(f"{key:<9}", style="grey70", no_wrap=not wrap, overflow="fold")
    line.append(value, style=style)
    return line


class ConnectionPanel(Panel):
    """url, server version, pipeline and size, load and WebRTC state, fps, frames, errors."""

    TITLE = "Connection"
    FIT = True
    CALM_S = 0.5

    def urgent(self, snap: Snapshot) -> object:
        c = snap.connection
        if c is None:
            return None
        retrying = c.get("reconnect_in_s") is not None
        return retrying, sorted((k, str(v)) for k, v in c.items() if k not in TICKING)

    def build(self, snap: Snapshot) -> Lines:
        c = snap.connection
        if c is None:
            return [Text("no Scope link configured", style="yellow")]
        size = f" {c['width']}x{c['height']}" if "width" in c and "height" in c else ""
        fps = c.get("fps_recent")
        lines = [
            _row("url", str(c.get("url", "?")), "bold"),
            _row("server", str(c.get("server_version") or "unknown")),
            _row("pipeline", f"{c.get('pipeline_id', '?')}{size}"),
            _row("load", *_state(c.get("load_state"))),
            _row("webrtc", *_state(c.get("webrtc_state"))),
            _row("channel", *_state("open" if c.get("channel_open") else "closed")),
            _row("fps", f"{float(fps):.1f}" if fps is not None else "–", "bold"),
            _row("frames", str(c.get("frames_total", 0))),
        ]
        retry = c.get("reconnect_in_s")
        if retry is not None:
            lines.append(_row("retry in", f"{float(retry):.1f} s", "bold yellow"))
        error = c.get("last_error")
        if error:
            lines.append(_row("error", str(error), "bold red", wrap=True))
        return lines
