"""The base of every console panel: a titled box of text lines whose refresh can fail alone.

A panel turns a snapshot into lines of text. If that raises (a host that fills a field
with the wrong type, a bug in one panel), the error is drawn inside that panel and logged
once, and the other panels, the refresh timer and the bridge worker carry on: a broken
meter must never take the show console down in the middle of a set.

Redrawing is the console's main cost, so a panel repaints only when its lines changed, and
asks for a new layout only when its height changed (a full layout of every panel at 12 Hz
cost more than half a core). A panel whose numbers tick all the time (frame counters, fps)
sets `CALM_S`: it then redraws at once when its `urgent` part changes (a state, an error)
and otherwise at most every `CALM_S` seconds, which halves the idle console's CPU.
"""

from __future__ import annotations

import logging
import time
from typing import ClassVar

from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from bridge.snapshot import Snapshot

log = logging.getLogger("bridge.tui")

DEFAULT_ROWS = 10
"""Rows assumed for list panels before the first layout gives them a real size."""
FRAME_ROWS = 2
"""The border's top and bottom rows."""

Lines = list[Text]


class Calm:
    """Lets a redraw through when its urgent key changed, or once `every_s` has passed."""

    def __init__(self, every_s: float) -> None:
        self.every_s = every_s
        self.key: object = Calm  # nothing drawn yet: the first call is always due
        self.at = 0.0

    def due(self, key: object) -> bool:
        now = time.monotonic()
        if key != self.key or now - self.at >= self.every_s:
            self.key, self.at = key, now
            return True
        return False


class Panel(Vertical):
    """A titled panel; subclasses implement `build` (and may compose more children).

    With ``FIT = True`` the panel sizes itself to its lines (up to ``MAX_ROWS``); otherwise
    the stylesheet sizes it and long lists are clipped to fit.
    """

    TITLE: ClassVar[str] = "Panel"
    FIT: ClassVar[bool] = False
    MAX_ROWS: ClassVar[int] = 20
    CALM_S: ClassVar[float] = 0.0

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="panel")
        self.border_title = self.TITLE
        self.body = Static(classes="body")
        self.failure: str | None = None
        self._logged: str | None = None
        self._drawn: tuple[object, ...] | None = None
        self._rows: int | None = None
        self.lines: Lines = []
        self._calm = Calm(self.CALM_S)

    def compose(self) -> ComposeResult:
        yield self.body

    def build(self, snap: Snapshot) -> Lines:
        """The lines to draw for this snapshot (may raise: `show` contains it)."""
        raise NotImplementedError

    def urgent(self, snap: Snapshot) -> object:
        """What must show at once when it changes (panels with `CALM_S` override this)."""
        return None

    def show(self, snap: Snapshot) -> None:
        """Redraw from a snapshot; an exception becomes a red line in this panel only."""
        try:
            if self.CALM_S and not self._calm.due(self.urgent(snap)):
                return
            lines = self.build(snap)
        except Exception as exc:
            self.failure = f"{type(exc).__name__}: {exc}"
            if self._logged != self.failure:  # once per distinct error, not 12 times a second
                log.exception("console panel %r failed", self.TITLE)
                self._logged = self.failure
            self.add_class("-failed")
            lines = [Text(f"this panel failed: {self.failure}", style="bold red")]
        else:
            self.failure = None
            self._logged = None
            self.remove_class("-failed")
        self.draw(lines)

    def draw(self, lines: Lines) -> None:
        """Repaint if the lines changed; resize (a layout pass) only if the height changed."""
        width = self.body.content_size.width
        drawn = (width, *((t.plain, str(t.style), tuple(t.spans)) for t in lines))
        if drawn == self._drawn:
            return
        self._drawn = drawn
        self.lines = lines
        if self.FIT:
            rows = min(self._height(lines, width), self.MAX_ROWS) + FRAME_ROWS
            if rows != self._rows:
                self._rows = rows
                self.styles.height = rows
        self.body.update(Group(*lines), layout=False)

    @property
    def text(self) -> str:
        """The panel's current content as plain text (for status dumps and tests)."""
        return "\n".join(line.plain for line in self.lines)

    def _height(self, lines: Lines, width: int) -> int:
        if width <= 0:
            return len(lines)
        console = self.app.console
        return sum(1 if t.no_wrap else len(t.wrap(console, width)) for t in lines)

    def rows(self) -> int:
        """How many text rows the body can show now (a default before the first layout)."""
        height = self.body.content_size.height
        return height if height > 0 else DEFAULT_ROWS

    def width(self, default: int = 40) -> int:
        """The body's width in cells (a default before the first layout)."""
        return self.body.content_size.width or default


def clip(lines: Lines, rows: int, *, keep: str = "head") -> Lines:
    """Fit lines into rows, saying how many were left out rather than scrolling mid-show."""
    if len(lines) <= rows:
        return lines
    shown = max(rows - 1, 0)
    more = Text(f"… {len(lines) - shown} more", style="grey50")
    if keep == "tail":
        return [more, *lines[len(lines) - shown :]] if shown else [more]
    return [*lines[:shown], more]
