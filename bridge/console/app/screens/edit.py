"""The prompt edit dialog: change one slot's text; Enter sends it, Escape leaves it."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, Label

from bridge.console.app.screens.dialog import Dialog


class EditScreen(Dialog[str | None]):
    """Answers the new text (stripped, never empty) or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, slot: str, text: str) -> None:
        super().__init__()
        self.slot = slot
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box wide"):
            yield Label(f"Prompt {self.slot!r}", classes="dialog-title", markup=False)
            yield Input(self.text, id="prompt-text", select_on_focus=False)
            yield Label(
                "Enter sends it (as a transition) · Esc cancels",
                id="edit-hint",
                classes="dialog-hint",
            )

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if not text:
            self.query_one("#edit-hint", Label).update("A prompt needs some text (Esc cancels).")
            return
        self.dismiss(text)

    def action_cancel(self) -> None:
        self.dismiss(None)
