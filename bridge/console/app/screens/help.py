"""The help screen: every key, from the same table as the footer and the command palette,
and what the console's marks mean. It scrolls: on an 80x24 terminal the last keys and
"Esc closes" are below the fold."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Label, Static

from bridge.console.app.keys import KEYS, LEGEND, MORE_HELP
from bridge.console.app.screens.dialog import Dialog


class HelpScreen(Dialog[None]):
    """Any of Escape, ? or q closes it; ↑↓, PgUp/PgDn and the mouse wheel scroll it."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,question_mark,q", "close", "Close")]

    def __init__(self) -> None:
        super().__init__()

    def compose(self) -> ComposeResult:
        keys = Table.grid(padding=(0, 2))
        keys.add_column(style="bold yellow", no_wrap=True)
        keys.add_column(style="bright_white")
        for k in KEYS:
            keys.add_row(k.shown, k.help)
        for key, sentence in MORE_HELP:
            keys.add_row(key, sentence)
        marks = Table.grid(padding=(0, 2))
        marks.add_column(style="bold bright_white", no_wrap=True)
        marks.add_column(style="bright_white")
        for mark, sentence in LEGEND:
            marks.add_row(mark, sentence)
        with Vertical(classes="dialog-box wide help-box"):
            yield Label("Scope Bridge keys · Esc closes · ↑↓ scroll", classes="dialog-title")
            with VerticalScroll(id="help-scroll"):
                yield Static(keys, id="help-keys")
                yield Label("Marks", classes="dialog-title help-marks")
                yield Static(marks, id="help-marks")
            yield Label("Esc, ? or q closes", classes="dialog-hint")

    def action_close(self) -> None:
        self.dismiss(None)
