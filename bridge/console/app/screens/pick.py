"""A list dialog: pick one item (a prompt slot to edit, a target to learn, a scene)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from bridge.console.app.screens.dialog import Dialog


class PickScreen(Dialog[str | None]):
    """Enter picks the highlighted item (its key); Escape answers None."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self, title: str, items: Sequence[tuple[str, str]], *, initial: str | None = None
    ) -> None:
        """``items`` are (key, label) pairs; ``initial`` is the key highlighted first."""
        super().__init__()
        self.title_text = title
        self.items = list(items)
        self.initial = initial

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label(self.title_text, classes="dialog-title", markup=False)
            yield OptionList(
                *(
                    Option(Text(label, no_wrap=True, overflow="ellipsis"), id=key)
                    for key, label in self.items
                ),
                id="pick",
            )
            yield Label("↑↓ choose · Enter pick · Esc cancel", classes="dialog-hint")

    def on_mount(self) -> None:
        keys = [key for key, _ in self.items]
        if self.initial in keys:
            self.query_one(OptionList).highlighted = keys.index(self.initial)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
