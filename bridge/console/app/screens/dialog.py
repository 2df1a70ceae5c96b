"""The base of every console dialog: modal, dimmed behind, and space still freezes.

A modal screen takes the keys away from the console, which is what the dialogs want
(n in a list must not change the scene), except for one: freezing the output is the
performer's emergency key and has to work whatever is open. Dialogs with a text box lose
it while typing, since the box needs its spaces.
"""

from __future__ import annotations

from typing import ClassVar, TypeVar

from textual.binding import Binding, BindingType
from textual.screen import ModalScreen

T = TypeVar("T")


class Dialog(ModalScreen[T]):
    """A modal dialog that lets space through to the console's freeze action."""

    AUTO_FOCUS = "*"  # the console itself focuses nothing; a dialog focuses its first control
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "app.toggle_pause", "Freeze", show=False),
    ]

    def __init__(self) -> None:
        super().__init__(classes="dialog")
