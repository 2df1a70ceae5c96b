"""The base of every console panel: a titled box of text lines whose refresh can fail alone.

A panel turns a snapshot into lines of text. If that raises (a host that fills a field
with the wrong type, a bug in one panel), the error is drawn inside that panel and logged
once, and the other panels, the refresh timer and the bridge worker carry on: a broken
meter must never take the show console down in the middle of a set.

A panel builds all its lines; the console then shares each column's rows between its panels
(`bridge.console.app.layout`) from what each asks for (`need`), and each panel fits its lines into
the rows it got (`fit`): a list keeps its head or its tail with "… n more", or scrolls
(`SCROLL`: the mouse wheel, or Tab to it and the arrow keys), so nothing is ever out of
reach. The title carries the panel's number key, in screen order.

Redrawing is the console's main cost, so a panel rebuilds its lines only when what it draws
from changed (`data`: its part of the snapshot and its own settings, and its width), repaints
only when its lines changed, and asks for a new layout only when its height changed (a full
layout of every panel at 12 Hz cost more than half a core). An idle show still ticks (the
clock, the frame rate), and rebuilding every panel for that kept the console at a tenth of a
core. A panel whose numbers tick all the time (frame counters, fps) sets `CALM_S`: it then
redraws at once when its `urgent` part changes (a state, an error) and otherwise at most
every `CALM_S` seconds.
"""

from __future__ import annotations

import logging
import time
from typing import ClassVar

from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from bridge.console.app.layout import Need
from bridge.watch.snapshot import Snapshot

log = logging.getLogger("bridge.console")

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


class PanelScroll(VerticalScroll):
    """A scrolling body: the mouse wheel scrolls it, and Tab reaches it for the arrow keys
    (space still freezes the output: this container does not take it)."""


class Panel(Vertical):
    """A titled panel; subclasses implement `build` (and may compose more children).

    Class settings, used when the screen is too short for everything: ``PRIORITY`` (who
    gets rows first), ``LEAST`` (content rows kept however short the screen), ``MAX_ROWS``
    (never more), ``GROW`` (takes rows left over in its column), ``SCROLL`` (scrolls
    instead of clipping), ``KEEP`` ("head" or "tail": which end a clipped list keeps).
    """

    TITLE: ClassVar[str] = "Panel"
    PRIORITY: ClassVar[int] = 0
    LEAST: ClassVar[int] = 1
    MAX_ROWS: ClassVar[int] = 60
    GROW: ClassVar[bool] = False
    SCROLL: ClassVar[bool] = False
    KEEP: ClassVar[str] = "head"
    EXTRA_ROWS: ClassVar[int] = 0
    """Rows of the panel's own besides the body (a toolbar)."""
    CALM_S: ClassVar[float] = 0.0

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="panel")
        self.number = 0
        self.border_title = self.TITLE
        self.body = Static(classes="body")
        self.failure: str | None = None
        self._logged: str | None = None
        self._drawn: tuple[object, ...] | None = None
        self._built: object = Panel  # nothing built yet: the first snapshot always builds
        self.builds = 0
        """How many times the lines were built (each build is drawn once at most)."""
        self._placed: tuple[int, int, int] | None = None
        self._measured: tuple[int, int] | None = None
        self._height: int | None = None
        self.lines: Lines = []
        """Every line the panel built (the screen may show fewer)."""
        self.shown: Lines = []
        """The lines on screen now."""
        self.want = 1
        self._calm = Calm(self.CALM_S)

    def numbered(self, number: int) -> None:
        """Show the panel's number key in its title: ``2 Devices and sinks``."""
        self.number = number
        self.border_title = f"{number} {self.TITLE}"

    def compose(self) -> ComposeResult:
        if self.SCROLL:
            with PanelScroll(classes="scroller"):
                yield self.body
        else:
            yield self.body

    @property
    def allotted(self) -> int | None:
        """The body rows the console gave this panel (None before the first sharing)."""
        return None if self._height is None else self.rows()

    def build(self, snap: Snapshot) -> Lines:
        """The lines to draw for this snapshot (may raise: `show` contains it)."""
        raise NotImplementedError

    def data(self, snap: Snapshot) -> object:
        """What the lines are built from: while it stays equal (and so does the width), the
        lines do not change and are not rebuilt. Panels narrow it to the parts of the
        snapshot they read, plus any state of their own (a selection, a filter)."""
        return snap

    def urgent(self, snap: Snapshot) -> object:
        """What must show at once when it changes (panels with `CALM_S` override this)."""
        return None

    def show(self, snap: Snapshot) -> None:
        """Rebuild from a snapshot and draw; an exception becomes a red line in this panel."""
        self.update_lines(snap)
        self.draw_lines()

    def update_lines(self, snap: Snapshot) -> None:
        """Rebuild the lines (not yet drawn) if their data or width changed; a failure is
        kept to this panel."""
        try:
            width = self.width()
            key = (width, self.data(snap))
            if key == self._built:
                return
            # a new width is urgent too: lines built for another width may not fit this one
            if self.CALM_S and not self._calm.due((width, self.urgent(snap))):
                return
            self._built = kept(key)  # a host may change a dict it handed out in place
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
        self.lines = lines
        self.builds += 1

    # -- sharing the column ------------------------------------------------------------
    def need(self) -> Need:
        """What this panel asks of its column, from the lines it built."""
        width = self.width()
        key = (width, id(self.lines))
        if key != self._measured:
            self._measured = key
            self.want = self.rows_of(self.lines, width)
        return Need(
            FRAME_ROWS + self.EXTRA_ROWS,
            self.LEAST,
            min(self.want, self.MAX_ROWS),
            self.PRIORITY,
            self.GROW,
        )

    def allot(self, height: int) -> None:
        """Take this height (frame included); a layout pass only when it changed."""
        if height != self._height:
            self._height = height
            self.styles.height = height

    def fit(self, lines: Lines, rows: int) -> Lines:
        """The lines that fit in ``rows`` (a list says how many it left out)."""
        if self.SCROLL:
            return lines
        return clip(lines, rows, keep=self.KEEP)

    def draw_lines(self) -> None:
        """Draw what fits of the lines; repaint only if that changed."""
        width = self.body.content_size.width
        placed = (self.builds, width, self.rows())
        if placed == self._placed:
            return  # the same lines in the same room: nothing to compare
        self._placed = placed
        lines = self.fit(self.lines, self.rows())
        drawn = (width, *((t.plain, str(t.style), tuple(t.spans)) for t in lines))
        if drawn == self._drawn:
            return
        self._drawn = drawn
        self.shown = lines
        self.body.update(Group(*lines), layout=self.SCROLL)
        if self.SCROLL and self.KEEP == "tail":  # follow the newest line, unless scrolled up
            scroller = self.query_one(PanelScroll)
            if scroller.scroll_y >= scroller.max_scroll_y:
                scroller.call_after_refresh(scroller.scroll_end, animate=False)

    @property
    def text(self) -> str:
        """Every line the panel built, as plain text (for status dumps and tests)."""
        return "\n".join(line.plain for line in self.lines)

    @property
    def visible_text(self) -> str:
        """What the panel shows on screen now, as plain text."""
        return "\n".join(line.plain for line in self.shown)

    def rows_of(self, lines: Lines, width: int) -> int:
        """How many screen rows ``lines`` take at ``width`` (wrapped lines count each row)."""
        if width <= 0:
            return len(lines)
        console = self.app.console
        return sum(1 if t.no_wrap else len(t.wrap(console, width)) for t in lines)

    def first_rows(self, lines: Lines, rows: int) -> Lines:
        """The first lines that fit in ``rows`` screen rows (a wrapped line takes several)."""
        width, kept, used = self.width(), [], 0
        for line in lines:
            used += self.rows_of([line], width)
            if used > rows:
                break
            kept.append(line)
        if not kept and lines and rows > 0:  # the first line, cropped, rather than nothing
            kept = [Text.assemble(lines[0], no_wrap=True)]
        return kept

    def rows(self) -> int:
        """How many text rows the body can show now (a default before the first layout)."""
        if self._height is not None:
            return max(self._height - FRAME_ROWS - self.EXTRA_ROWS, 0)
        height = self.body.content_size.height
        return height if height > 0 else DEFAULT_ROWS

    def width(self, default: int = 40) -> int:
        """The body's width in cells (a default before the first layout)."""
        return self.body.content_size.width or default


def kept(value: object) -> object:
    """A copy of the containers in ``value`` that can change in place (dicts, lists), to
    compare later data against; strings, numbers and frozen views are shared as they are."""
    if isinstance(value, dict):
        return {k: kept(v) for k, v in value.items()}
    if isinstance(value, list):
        return [kept(v) for v in value]
    if type(value) is tuple:
        return tuple(kept(v) for v in value)
    return value


def clip(lines: Lines, rows: int, *, keep: str = "head") -> Lines:
    """Fit lines into rows, saying how many were left out."""
    if len(lines) <= rows:
        return lines
    if rows <= 1:  # one row: the line itself (the newest, or the first) says more than a count
        return (lines[-1:] if keep == "tail" else lines[:1]) if rows == 1 else []
    shown = rows - 1
    more = Text(f"… {len(lines) - shown} more", style="grey50")
    if keep == "tail":
        return [more, *lines[len(lines) - shown :]]
    return [*lines[:shown], more]
