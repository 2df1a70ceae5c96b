"""The console's keys as one table: the footer, the help screen and the command palette
are all built from it, so they cannot disagree."""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding, BindingType


@dataclass(frozen=True, slots=True)
class Key:
    """One key: what to press, the action it runs, a footer label and a help sentence."""

    key: str
    action: str
    label: str
    help: str
    display: str = ""
    footer: bool = True

    @property
    def shown(self) -> str:
        return self.display or self.key


PANELS = (
    ("connection", "Connection"),
    ("prompts", "Prompts and scenes"),
    ("controls", "Controls"),
    ("inputs", "Inputs monitor"),
    ("output", "Output"),
    ("devices", "Devices and sinks"),
    ("audio", "Audio and tempo"),
    ("preview", "Preview"),
    ("problems", "Problems"),
)
"""Panel ids in the order of their number keys (1 = connection ... 9 = problems)."""

KEYS = (
    # help and quit first: a narrow terminal cuts the footer from the right
    Key("question_mark", "help", "Help", "Show this help", "?"),
    Key("q", "quit", "Quit", "Quit (asks first)"),
    Key("space", "toggle_pause", "Freeze", "Freeze or unfreeze Scope's output", "space"),
    Key("n", "next_scene", "Next", "Go to the next scene"),
    Key("b", "prev_scene", "Back", "Go back to the previous scene"),
    Key("r", "reset_cache", "Reset", "Reset Scope's cache (a visible hard cut)"),
    Key("e", "edit_prompt", "Edit", "Edit a prompt slot's text (sent as a transition)"),
    Key("l", "learn", "Learn", "Learn a control onto a target"),
    Key("s", "select_scene", "Scene", "Pick a scene from a list", footer=False),
    Key("ctrl+s", "save", "Save", "Save the show file", "^s"),
    Key("ctrl+r", "reload", "Reload", "Reload the mapping files", "^r"),
    Key("c", "reconnect", "Reconnect", "Reconnect to Scope now"),
    Key("o", "toggle_sink", "Outputs", "Turn a frame output on or off", footer=False),
    Key("p", "pause_monitor", "Monitor", "Pause or resume the inputs monitor", footer=False),
    Key("slash", "filter_inputs", "Filter", "Filter the inputs monitor", "/", footer=False),
    *(
        Key(str(n), f"toggle_panel('{pid}')", title, f"Show or hide {title}", footer=False)
        for n, (pid, title) in enumerate(PANELS, start=1)
    ),
)


def bindings() -> list[BindingType]:
    """The app's BINDINGS, from the table."""
    return [
        Binding(k.key, k.action, k.label, show=k.footer, key_display=k.display or None)
        for k in KEYS
    ]
