"""The console's footer: the most used keys, as many as the terminal's width holds.

Textual's footer draws every shown binding and lets a narrow terminal cut the row
(`l Le`), and it draws its keys only once the screen announces its bindings: at start-up
that announcement can come before the footer listens (each widget handles its messages in
its own task, so on a busy machine the order varies), which left the footer empty until the
first key press; a test saw no "space Freeze" under load. This footer draws its keys itself,
from the console's key table, in the table's order (Help and Quit first), whole keys only,
and the command palette's key only where there is room for it.
"""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from bridge.console.app.keys import KEYS, Key

PALETTE = Key("ctrl+p", "command_palette", "palette", "", "^p")


def key_width(k: Key) -> int:
    """Cells one key takes in the footer: " ? " then "Help "."""
    return len(k.shown) + 2 + len(k.label) + 1


def fitting(width: int) -> tuple[list[Key], bool]:
    """The footer keys that fit in ``width`` cells, and whether the palette's key does too."""
    keys, used = [], 0
    for k in (k for k in KEYS if k.footer):
        if used + key_width(k) > width:
            break
        keys.append(k)
        used += key_width(k)
    palette = used + key_width(PALETTE) + 1 <= width  # +1: its separator
    return keys, palette


class ConsoleFooter(Footer):
    """Whole keys only, the first ones first; redrawn when the terminal's width changes."""

    def __init__(self) -> None:
        super().__init__()
        self._width = 0

    def compose(self) -> ComposeResult:
        self._width = self.app.size.width
        keys, palette = fitting(self._width)
        for k in keys:
            key = FooterKey(k.key, k.shown, k.label, k.action, tooltip=k.help)
            yield key.data_bind(compact=Footer.compact)
        if palette and self.app.ENABLE_COMMAND_PALETTE:
            yield FooterKey(
                PALETTE.key,
                PALETTE.shown,
                PALETTE.label,
                PALETTE.action,
                classes="-command-palette",
            )

    def bindings_changed(self, screen: object) -> None:
        """The keys come from the console's table, not from the screen's bindings."""

    def on_resize(self, event: events.Resize) -> None:
        if self.app.size.width != self._width:
            self.call_after_refresh(self.recompose)
