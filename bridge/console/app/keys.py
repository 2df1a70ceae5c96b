"""The console's keys as one table: the footer, the help screen and the command palette
are all built from it, so they cannot disagree.

Keys that interrupt the picture or the link (reset the cache: a hard cut; reconnect: a
second without video) and the one that writes a file ask first: a stray key next to `n`
and `b` must not do either in the middle of a set.
"""

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


COLUMNS = {
    "left": ("connection", "devices", "output"),
    "middle": ("prompts", "controls", "inputs"),
    "right": ("problems", "preview", "audio"),
}
"""Which panels stand in which column, top to bottom."""

TITLES = {
    "connection": "Connection",
    "devices": "Devices and sinks",
    "output": "Output",
    "prompts": "Prompts and scenes",
    "controls": "Controls",
    "inputs": "Inputs monitor",
    "problems": "Problems",
    "preview": "Preview",
    "audio": "Audio and tempo",
}

PANELS = tuple((pid, TITLES[pid]) for ids in COLUMNS.values() for pid in ids)
"""Panel ids in screen order (left column first, top to bottom), which is also the order of
their number keys: 1 = Connection ... 9 = Audio and tempo. Each title starts with its key."""

KEYS = (
    # help and quit first: a narrow terminal cuts the footer from the right
    Key("question_mark", "help", "Help", "Show this help", "?"),
    Key("q", "quit", "Quit", "Quit (asks first)"),
    Key("space", "toggle_pause", "Freeze", "Freeze or unfreeze Scope's output", "space"),
    Key("n", "next_scene", "Next", "Go to the next scene"),
    Key("b", "prev_scene", "Back", "Go back to the previous scene"),
    Key("e", "edit_prompt", "Edit", "Edit a prompt slot's text (sent as a transition)"),
    Key("l", "learn", "Learn", "Learn a control onto a target (written into the show file)"),
    Key("ctrl+s", "save", "Save", "Save prompts: texts and base weights (asks first)", "^s"),
    Key("ctrl+r", "reload", "Reload", "Reload the show file and its includes", "^r"),
    Key(
        "r",
        "reset_cache",
        "Reset",
        "Reset Scope's cache: a hard visual cut (asks first)",
        footer=False,
    ),
    Key(
        "c",
        "reconnect",
        "Reconnect",
        "Reconnect to Scope: about 1 s without video (asks first)",
        footer=False,
    ),
    Key("s", "select_scene", "Scene", "Pick a scene from a list", footer=False),
    Key("o", "toggle_sink", "Outputs", "Turn a frame output on or off", footer=False),
    Key("p", "pause_monitor", "Monitor", "Pause or resume the inputs monitor", footer=False),
    Key("slash", "filter_inputs", "Filter", "Filter the inputs monitor", "/", footer=False),
    Key("pagedown", "scroll_controls(1)", "Down", "Scroll the Controls list down", "PgDn", False),
    Key("pageup", "scroll_controls(-1)", "Up", "Scroll the Controls list up", "PgUp", False),
    *(
        Key(str(n), f"toggle_panel('{pid}')", title, f"Show or hide {title}", footer=False)
        for n, (pid, title) in enumerate(PANELS, start=1)
    ),
)

MORE_HELP = (
    ("tab", "Move to a list that scrolls (Controls, Devices, Problems); ↑↓ scroll it"),
    ("esc", "Leave the list or the filter box (the show keys work again)"),
    ("ctrl+p", "Command palette (every action above, by name)"),
)
"""Keys Textual or the panels handle, listed in the help with the console's own."""

LEGEND = (
    ("▸", "the prompt slot `e` edits first"),
    ("┃", "a prompt's base weight (the scene's or the saved one); the bar is the live weight"),
    ("⚠", "in the headline: something is wrong; the Problems panel says what"),
)
"""What the console's marks mean (the help screen lists them)."""


def bindings() -> list[BindingType]:
    """The app's BINDINGS, from the table."""
    return [
        Binding(k.key, k.action, k.label, show=k.footer, key_display=k.display or None)
        for k in KEYS
    ]
