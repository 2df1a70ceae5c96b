"""A yes/no dialog: a stray "q", "r" or "c" (or ctrl+s) must not end a show, cut the
picture, drop the video or write a file without a second key."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label

from bridge.console.app.screens.dialog import Dialog


class ConfirmScreen(Dialog[bool]):
    """Answers True for y (or the confirm button), False for n, Escape or the other button.

    Focus starts on the safe button, so a reflexive Enter keeps the show running as it was.
    ``detail`` says more under the question; ``warning`` stands out in red.
    """

    AUTO_FOCUS = "#no"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(
        self,
        question: str,
        yes: str = "Quit",
        no: str = "Stay",
        *,
        detail: str = "",
        warning: str = "",
    ) -> None:
        super().__init__()
        self.question = question
        self.yes = yes
        self.no = no
        self.detail = detail
        self.warning = warning

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label(self.question, classes="dialog-title", markup=False)
            if self.detail:
                yield Label(self.detail, classes="dialog-text", markup=False)
            if self.warning:
                yield Label(self.warning, classes="dialog-warning", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"{self.no} (n)", id="no", variant="primary")
                yield Button(f"{self.yes} (y)", id="yes", variant="error")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)
