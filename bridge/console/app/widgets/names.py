"""Names that fit a narrow panel: shortened in the middle, never cut at the end.

The end of a name is what tells two apart (`fader-1`, `fader-2`; `/layers/1/clips/2`), so a
name too long for its column keeps its start and a little more of its end around one `…`.
A URL is never shortened (an `…` in it reads as a real address): it wraps instead.
"""

from __future__ import annotations

ELLIPSIS = "…"
TAIL_FROM = 12
"""From this much room on, two thirds go to the end: an OSC address's last parts
(`/clips/14/connect`) and a file's name tell more than the device or folder before them."""


def middle(text: str, width: int) -> str:
    """``text`` in at most ``width`` cells, the cut in the middle (more of the end kept)."""
    if len(text) <= width:
        return text
    if width <= 1:
        return text[:width]
    room = width - 1
    tail = room * 2 // 3 if room >= TAIL_FROM else (room + 1) // 2
    head = room - tail
    return f"{text[:head]}{ELLIPSIS}{text[len(text) - tail :]}"


def short_targets(target: str) -> list[str]:
    """Shorter forms of a target, each dropping what its kind makes plain: only prompts have
    weights and texts, only LoRAs have scales, and a prompt's weight is what a knob on a
    prompt usually moves: `prompt.ocean.weight` → `ocean.weight` → `ocean`."""
    forms = [target]
    slotted = target.count(".") == 2
    forms += [target[len(p) :] for p in ("prompt.", "lora.") if slotted and target.startswith(p)]
    if target.startswith("prompt.") and target.endswith(".weight") and target.count(".") == 2:
        forms.append(target[len("prompt.") : -len(".weight")])
    return forms


def short_target(target: str, width: int) -> str:
    """The longest form of ``target`` that fits ``width``, else its shortest, in the middle."""
    forms = short_targets(target)
    for form in forms:
        if len(form) <= width:
            return form
    return middle(forms[-1], width)
