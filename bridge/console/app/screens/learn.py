"""The learn dialog: shows the control the performer moves, live, until Enter or Escape.

The dialog holds no learning logic: it polls the host's candidate ten times a second and
hands Enter and Escape back to the host as confirm and cancel. When the control moved
already drives a mapping, it says which before anything is written: Enter then binds it a
second time (one control, two targets), `m` moves it here (the old mapping goes).
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

from bridge.console.app.screens.dialog import Dialog

log = logging.getLogger("bridge.console")

POLL_HZ = 10.0
HINT = "Move a control · Enter learns it · Esc cancels"
HINT_MAPPED = "Enter binds it twice (one control, two targets) · m moves it here · Esc cancels"


class LearnScreen(Dialog[str | None]):
    """Answers the host's confirmation sentence, or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "confirm", "Learn it"),
        Binding("m", "confirm(True)", "Move it here"),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(
        self,
        target: str,
        *,
        candidate: Callable[[], str | None],
        confirm: Callable[[bool], str],
        cancel: Callable[[], None],
        conflicts: Callable[[], list[str]] = list,
        where: str = "",
    ) -> None:
        super().__init__()
        self.target = target
        self._candidate = candidate
        self._confirm = confirm
        self._cancel = cancel
        self._conflicts = conflicts
        self.where = where
        self.current: str | None = None
        self.mapped: list[str] = []
        self.nudged = False
        self.view = Static(id="learn-candidate")
        self.warning = Static(id="learn-warning")
        self.hint = Label(HINT, classes="dialog-hint")

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box wide"):
            yield Label(f"Learn {self.target}", classes="dialog-title", markup=False)
            if self.where:
                yield Label(f"Written into {self.where}", classes="dialog-text", markup=False)
            yield self.view
            yield self.warning
            yield self.hint

    def on_mount(self) -> None:
        self.poll()
        self.set_interval(1 / POLL_HZ, self.poll)

    def poll(self) -> None:
        """Show what the host saw move since learning started, and what it already drives."""
        try:
            self.current = self._candidate()
            self.mapped = list(self._conflicts()) if self.current is not None else []
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
        if self.mapped:
            warning = Text("Already mapped: ", style="bold yellow")
            warning.append("; ".join(self.mapped), style="bold bright_white")
            self.warning.update(warning)
            self.hint.update(HINT_MAPPED)
        else:
            self.warning.update("")
            self.hint.update(HINT)

    def action_confirm(self, move: bool = False) -> None:
        if self.current is None:
            self.nudged = True
            self.poll()
            return
        if move and not self.mapped:
            return  # m means something only when the control is mapped already
        try:
            message = self._confirm(move)
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
