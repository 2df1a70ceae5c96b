"""The Connection panel: where Scope is, what it runs, and how the link is doing."""

from __future__ import annotations

from typing import Any

from rich.text import Text

from bridge.console.app.widgets.panel import Lines, Panel
from bridge.watch.snapshot import Snapshot

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


LABEL = 9
"""The width of a row's label ("pipeline ")."""


def _row(key: str, value: str, style: str = "", *, wrap: bool = False) -> Text:
    line = Text(f"{key:<{LABEL}}", style="grey70", no_wrap=not wrap, overflow="fold")
    line.append(value, style=style)
    return line


class ConnectionPanel(Panel):
    """url, server version, pipeline and size, load and WebRTC state, fps, frames, errors.

    The URL is never shortened: on a narrow panel it goes on a row of its own and wraps.
    The rows that say whether video flows come first, so a short screen keeps them.
    """

    TITLE = "Connection"
    PRIORITY = 60
    LEAST = 3
    CALM_S = 0.5

    def data(self, snap: Snapshot) -> object:
        return snap.connection, snap.output.paused

    def urgent(self, snap: Snapshot) -> object:
        c = snap.connection
        if c is None:
            return None
        retrying = c.get("reconnect_in_s") is not None
        stable = sorted((k, str(v)) for k, v in c.items() if k not in TICKING)
        return retrying, stable, snap.output.paused

    def build(self, snap: Snapshot) -> Lines:
        c = snap.connection
        if c is None:
            return [Text("no Scope link configured", style="yellow")]
        url = str(c.get("url", "?"))
        if len(url) + LABEL <= self.width():
            lines = [_row("url", url, "bold")]
        else:  # never an ellipsis in an address: it wraps on a row of its own
            lines = [Text(url, style="bold", overflow="fold")]
        if c.get("transport") == "rest":
            return lines + self._rest(c)
        size = f" {c['width']}x{c['height']}" if "width" in c and "height" in c else ""
        fps = c.get("fps_recent")
        frames = str(c.get("frames_total", 0))
        if snap.output.paused:  # Scope repeats the frozen picture: the count goes on
            frames += " (frozen: same picture)"
        lines += [
            _row("load", *_state(c.get("load_state"))),
            _row("webrtc", *_state(c.get("webrtc_state"))),
            _row("channel", *_state("open" if c.get("channel_open") else "closed")),
            _row("fps", f"{float(fps):.1f}" if fps is not None else "–", "bold"),
            _row("frames", frames),
            _row("pipeline", str(c.get("pipeline_id", "?"))),
            *([_row("size", size.strip())] if size else []),
            _row("server", str(c.get("server_version") or "unknown")),
        ]
        retry = c.get("reconnect_in_s")
        if retry is not None:
            lines.insert(1, _row("retry in", f"{float(retry):.1f} s", "bold yellow"))
        error = c.get("last_error")
        if error:
            lines.insert(1, _row("error", str(error), "bold red", wrap=True))
        return lines

    @staticmethod
    def _rest(c: dict[str, Any]) -> Lines:
        """REST control: whether Scope has a session to apply updates to, and its pace."""
        if c.get("ready"):
            session = "headless" if c.get("headless") else "open"
            lines = [_row("session", session, "bold green")]
        elif c.get("state") == "no session":
            lines = [
                _row("session", "none open: nothing is applied", "bold yellow"),
                _row("", "start one in Scope, or set [scope] start_session = true", wrap=True),
            ]
        else:
            lines = [_row("session", str(c.get("state") or "?"), "bold red")]
            if c.get("last_error"):
                lines.append(_row("error", str(c["last_error"]), "bold red", wrap=True))
        fps = c.get("fps_recent")
        lines += [
            _row("control", "REST (no video here)"),
            _row("fps", f"{float(fps):.1f}" if fps else "–", "bold"),
            _row("frames", str(c.get("frames_total", 0))),
            _row("pipeline", str(c.get("pipeline_id", "?"))),
            _row("server", str(c.get("server_version") or "unknown")),
        ]
        return lines

    def fit(self, lines: Lines, rows: int) -> Lines:
        return self.first_rows(lines, rows)  # the most telling rows come first
