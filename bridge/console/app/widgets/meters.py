"""Text bars drawn with block characters, shared by the prompt, transition and audio panels."""

from __future__ import annotations

from rich.text import Text

FULL = "█"
EMPTY = "░"
TICK = "┃"


def _unit(value: float) -> float:
    return min(max(value, 0.0), 1.0)


def bar(
    value: float, width: int, *, style: str = "bold green", marker: float | None = None
) -> Text:
    """A bar for a 0..1 value (clamped); ``marker`` puts a bright tick at another 0..1 value,
    e.g. a prompt's base weight under its live weight."""
    width = max(width, 1)
    filled = round(_unit(value) * width)
    text = Text()
    text.append(FULL * filled, style=style)
    text.append(EMPTY * (width - filled), style="grey35")
    if marker is None:
        return text
    at = min(round(_unit(marker) * width), width - 1)
    return Text.assemble(text[:at], (TICK, "bold bright_white on grey23"), text[at + 1 :])
