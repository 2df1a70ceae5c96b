"""The big coloured line at the top: the connection state readable from across a dark room.

Green "CONNECTED · 16.0 fps", yellow "RECONNECTING in 2.1 s" (or CONNECTING while the
pipeline loads), red "DISCONNECTED: <error>"; the scene and a frozen output ride along on
the right, because those are the other two things a performer checks at a glance. When
anything is wrong (the Problems panel is not empty), a yellow "⚠ 2 problems" badge says so
from across the room, whatever panel is hidden or scrolled.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from bridge.console.app.widgets.panel import Calm
from bridge.watch.snapshot import Snapshot

Tone = Literal["ok", "wait", "down"]


@dataclass(frozen=True, slots=True)
class LinkState:
    """The headline: its words and its colour."""

    text: str
    tone: Tone


def link_state(snap: Snapshot) -> LinkState:
    """Read the connection dict into one headline."""
    c = snap.connection
    if c is None:
        return LinkState("DISCONNECTED: no Scope link", "down")
    retry = c.get("reconnect_in_s")
    if retry is not None:
        return LinkState(f"RECONNECTING in {float(retry):.1f} s", "wait")
    if c.get("transport") == "rest":
        if c.get("ready"):
            return LinkState(f"REST CONTROL · {float(c.get('fps_recent') or 0.0):.1f} fps", "ok")
        if c.get("state") == "no session":
            return LinkState("REST: NO SCOPE SESSION OPEN", "wait")
        return LinkState(f"REST: {c.get('last_error') or c.get('state')}", "down")
    if c.get("webrtc_state") == "connected" and c.get("channel_open"):
        return LinkState(f"CONNECTED · {float(c.get('fps_recent') or 0.0):.1f} fps", "ok")
    if c.get("load_state") == "loading" or c.get("webrtc_state") in {"new", "connecting"}:
        return LinkState(f"CONNECTING · pipeline {c.get('load_state', '?')}", "wait")
    error = c.get("last_error") or c.get("webrtc_state") or "not connected"
    return LinkState(f"DISCONNECTED: {error}", "down")


class StatusLine(Static):
    """The headline widget; its CSS class carries the colour (-ok, -wait, -down)."""

    def __init__(self) -> None:
        super().__init__("starting…", id="status")
        self.state = LinkState("starting…", "wait")
        self._shown: tuple[LinkState, str, bool, int] | None = None
        self.problems = 0
        self._calm = Calm(0.5)  # the fps figure ticks; the tone, scene and freeze do not wait

    def show(self, snap: Snapshot | None, error: str | None = None, problems: int = 0) -> None:
        """Redraw from a snapshot, or show why there is none (repaints only on change).
        ``problems`` counts the Problems panel's entries (the bridge's and the console's)."""
        if snap is None:
            state, scene, paused = LinkState(f"NO SNAPSHOT: {error}", "down"), "", False
        else:
            state, scene, paused = link_state(snap), snap.scene or "–", snap.output.paused
        key = (state, scene, paused, problems)
        if key == self._shown or not self._calm.due((state.tone, scene, paused, problems)):
            return
        self._shown = key
        self.state = state
        self.problems = problems
        for tone in ("ok", "wait", "down"):
            self.set_class(tone == state.tone, f"-{tone}")
        right = Text()
        if problems:
            word = "problem" if problems == 1 else "problems"
            right.append(f" ⚠ {problems} {word} ", style="bold black on #ffd000")
            right.append("  ")
        right.append(f"scene {scene}" if scene else "", style="bold")
        if paused:
            right.append("  ■ OUTPUT FROZEN ", style="bold white on red")
        grid = Table.grid(expand=True)
        grid.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
        grid.add_column(justify="right", no_wrap=True)
        grid.add_row(Text(state.text, style="bold"), right)
        self.update(grid, layout=False)
