"""The learn dialog: shows the control the performer moves, live, until Enter or Escape.

The dialog holds no learning logic: it polls the host's candidate ten times a second and
hands Enter and Escape back to the host as confirm and cancel.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Label, Static

from bridge.tui.screens.dialog import Dialog

log = logging.getLogger("bridge.tui")

POLL_HZ = 10.0


class LearnScreen(Dialog[str | None]):
    """Answers the host's confirmation sentence, or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "confirm", "Learn it"),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(
        self,
        target: str,
        *,
        candidate: Callable[[], str | None],
        confirm: Callable[[], str],
        cancel: Callable[[], None],
    ) -> None:
        super().__init__()
        self.target = target
        self._candidate = candidate
        self._confirm = confirm
        self._cancel = cancel
        self.current: str | None = None
        self.nudged = False
        self.view = Static(id="learn-candidate")

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box wide"):
            yield Label(f"Learn {self.target}", classes="dialog-title", markup=False)
            yield self.view
            yield Label("Move a control · Enter learns it · Esc cancels", classes="dialog-hint")

    def on_mount(self) -> None:
        self.poll()
        self.set_interval(1 / POLL_HZ, self.poll)

    def poll(self) -> None:
        """Show what the host saw move since learning started."""
        try:
            self.current = self._candidate()
        except Exception as exc:
            log.exception("learn_candidate failed")
            self.view.update(Text(f"cannot read the control: {exc}", style="bold red"))
            return
        if self.current is not None:
            self.view.update(Text(self.current, style="bold black on green"))
        elif self.nudged:
            self.view.update(Text("nothing moved yet: move a control first", style="bold yellow"))
        else:
            self.view.update(Text("waiting for a control to move…", style="yellow"))

    def action_confirm(self) -> None:
        if self.current is None:
            self.nudged = True
            self.poll()
            return
        try:
            message = self._confirm()
        except Exception as exc:
            log.exception("learn_confirm failed")
            message = f"learning failed: {exc}"
        self.dismiss(message)

    def action_cancel(self) -> None:
        try:
            self._cancel()
        except Exception:
            log.exception("learn_cancel failed")
        self.dismiss(None)
