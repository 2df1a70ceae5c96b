"""The help screen: every key, from the same table as the footer and the command palette."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Label, Static

from bridge.tui.keys import KEYS
from bridge.tui.screens.dialog import Dialog


class HelpScreen(Dialog[None]):
    """Any of Escape, ? or q closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,question_mark,q", "close", "Close")]

    def __init__(self) -> None:
        super().__init__()

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold yellow", no_wrap=True)
        table.add_column(style="bright_white")
        for k in KEYS:
            table.add_row(k.shown, k.help)
        table.add_row("ctrl+p", "Command palette (every action above, by name)")
        with Vertical(classes="dialog-box wide"):
            yield Label("Scope Bridge keys", classes="dialog-title")
            yield Static(table, id="help-keys")
            yield Label("Esc closes", classes="dialog-hint")

    def action_close(self) -> None:
        self.dismiss(None)
