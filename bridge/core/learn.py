"""Learn: which control did the performer just move, as a mapping source.

Pure: events in, a candidate out. A candidate needs real movement (two different values of
one control, or a press), so a noisy fader resting elsewhere does not steal the binding.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bridge.core import events as ev
from bridge.core.bindings import UNNUMBERED_CONTROLS, Binding, Source


def source_of(event: ev.Event) -> tuple[dict[str, Any], str] | None:
    """The mapping source an event would match, as a TOML inline table, and its kind."""
    if isinstance(event, ev.ControlChange):
        return {"midi": event.source, "channel": event.channel, "cc": event.control}, "absolute"
    if isinstance(event, ev.ControlChange14):
        return {"midi": event.source, "channel": event.channel, "cc14": event.control}, "absolute"
    if isinstance(event, ev.ParamNumber):
        src = {"midi": event.source, "channel": event.channel, event.kind: event.number}
        return src, "relative" if event.delta else "absolute"
    if isinstance(event, ev.NoteOn):
        return {"midi": event.source, "channel": event.channel, "note": event.note}, "button"
    if isinstance(event, ev.PitchBend):
        return {"midi": event.source, "channel": event.channel, "pitchbend": True}, "absolute"
    if isinstance(event, ev.ChannelPressure):
        return {"midi": event.source, "channel": event.channel, "aftertouch": True}, "absolute"
    if isinstance(event, ev.ProgramChange):
        return {"midi": event.source, "channel": event.channel, "program": True}, "button"
    if isinstance(event, ev.OscMessage) and event.args:
        return {"osc": event.source, "address": event.address}, "absolute"
    return None


def describe(source: dict[str, Any]) -> str:
    """``{ midi = "apc", channel = 1, cc = 48 }`` as it would be pasted into a show file."""
    parts = []
    for key, value in source.items():
        text = "true" if value is True else f'"{value}"' if isinstance(value, str) else str(value)
        parts.append(f"{key} = {text}")
    return "{ " + ", ".join(parts) + " }"


@dataclass(slots=True)
class Learn:
    """One learn session for one target."""

    target: str
    candidate: dict[str, Any] | None = None
    kind: str = ""
    _seen: dict[str, set[object]] = field(default_factory=dict)

    def feed(self, event: ev.Event) -> bool:
        """Take an event; True when it made (or confirmed) the candidate."""
        found = source_of(event)
        if found is None:
            return False
        source, kind = found
        key = describe(source)
        values = self._seen.setdefault(key, set())
        values.add(
            getattr(event, "value", None) if not isinstance(event, ev.OscMessage) else event.args[0]
        )
        if kind == "button" or len(values) >= 2:
            self.candidate, self.kind = source, kind
            return True
        return False

    def binding(self) -> dict[str, Any] | None:
        """The [[mappings]] table to add, with sensible behaviour for the control's kind."""
        if self.candidate is None:
            return None
        table: dict[str, Any] = {"source": self.candidate, "target": self.target}
        if self.kind == "button" and self.target.endswith((".weight", ".scale", "paused")):
            table["pad"] = "toggle"
        elif self.kind == "absolute" and self.target.endswith((".weight", ".scale")):
            table["takeover"] = "pickup"
        return table


def _same_control(source: dict[str, Any], bound: Source) -> bool:
    """Would a mapping with source ``bound`` also take the control ``source`` describes?"""
    if "osc" in source:
        return bound.kind == "osc" and (bound.device, bound.address) == (
            source["osc"],
            source["address"],
        )
    if bound.kind != "midi" or bound.device != source.get("midi"):
        return False
    if bound.channel is not None and bound.channel != source.get("channel"):
        return False  # a mapping with no channel listens on every channel
    control = bound.control or ""
    if control not in source:
        return False
    return control in UNNUMBERED_CONTROLS or source[control] == bound.number


def already_mapped(source: dict[str, Any], bindings: Sequence[Binding]) -> list[Binding]:
    """The show's mappings that the learned control already drives (learning it again
    would make one control move two things)."""
    return [b for b in bindings if _same_control(source, b.source)]
