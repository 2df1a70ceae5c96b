"""The show's tempo sources beyond its devices: Ableton Link, Scope's clock and taps.

The choice itself is pure (`bridge.core.tempo_lead`, inside the bridge); this module joins
Link when the show asks, passes on Scope's ``tempo_update`` (and how far Scope's beat is from
the bridge's when another source leads), takes the tempo actions (``tempo.tap``, ``tempo.double``,
``tempo.half``) and, when the show allows it (``link_set``), passes them on to the Link
session, and tells the console and the log who leads and when that changes.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from bridge.app import Bridge
from bridge.config.model import Show
from bridge.core.events import Event
from bridge.core.tempo_lead import Handover, wrap
from bridge.inputs.link import LinkSession
from bridge.inputs.scope_tempo import ScopeTempo
from bridge.snapshot import DeviceView

log = logging.getLogger("bridge")


class TempoSources:
    """Link (when asked) and taps around one bridge; `start` once, before it runs."""

    def __init__(self, show: Show, bridge: Bridge) -> None:
        self.bridge = bridge
        self.show = show
        self.link: LinkSession | None = None
        if show.tempo.link:
            self.link = LinkSession(show.tempo.quantum, show.tempo.start_stop, bridge.submit)
        self.last_change: Handover | None = None
        self.scope = ScopeTempo(show.tempo.quantum)
        self.scope_off_ms: float | None = None
        """Scope's beat against the bridge's when another source leads (they should agree)."""

    def start(self) -> None:
        self.bridge.on_action.append(self.action)
        self.bridge.on_event.append(self._note_handovers)
        if self.link is not None:
            self.bridge.add_task("link", self.link.run)

    def scope_update(self, body: Mapping[str, Any]) -> None:
        """A ``tempo_update`` from Scope: one more source, and a check against the leader."""
        lead = self.bridge.lead
        for event in self.scope.feed(body, self.bridge.clock()):
            here = lead.bridge_beat(event.t) if lead.leading else None
            if here is not None and lead.leader != event.source:
                off = wrap(event.beat_phase - here) * 60_000.0 / event.bpm
                self.scope_off_ms = off
            elif lead.leader == event.source:
                self.scope_off_ms = None  # Scope leads: nothing else to agree with
            self.bridge.submit(event)

    def swap_show(self, show: Show) -> None:
        """A reload: ``link_set`` and the quantum apply at once; joining or leaving the
        session needs a restart (the caller says so)."""
        self.show = show
        self.scope.beats_per_bar = show.tempo.quantum
        if self.link is not None:
            self.link.reader.quantum = show.tempo.quantum

    def action(self, action: str) -> None:
        lead = self.bridge.lead
        now = self.bridge.clock()
        if action == "tempo.tap":
            lead.taps.press(now)
        elif action in ("tempo.double", "tempo.half"):
            lead.rescale(2.0 if action == "tempo.double" else 0.5)
        else:
            return
        link = self.link
        if link is None or not self.show.tempo.link_set:
            return
        if action == "tempo.tap" and lead.taps.bpm > 0.0 and len(lead.taps.presses) >= 2:
            link.set_tempo(lead.taps.bpm * lead.taps.scale)
        elif action != "tempo.tap" and link.view.bpm > 0.0:
            link.set_tempo(link.view.bpm * (2.0 if action == "tempo.double" else 0.5))

    def _note_handovers(self, event: Event) -> None:
        for change in self.bridge.lead.take_handovers():
            self.last_change = change
            log.info("tempo: %s", handover_text(change))

    # -- reading -----------------------------------------------------------------------------
    def lines(self) -> list[DeviceView]:
        link = self.link
        if link is None:
            return []
        v = link.view
        if v.error:
            return [DeviceView("link", "tempo", "unavailable", v.error)]
        state = f"{v.peers} peer{'s' if v.peers != 1 else ''}"
        quantum = link.reader.quantum
        detail = f"{v.bpm:.1f} bpm, beat {v.beat % quantum + 1:.1f}/{quantum}"
        if link.reader.played:
            detail += ", playing" if v.playing else ", stopped"
        return [DeviceView("link", "tempo", state, detail)]

    def view(self) -> dict[str, Any]:
        """Who leads, since when, and Link's peers: for the console, the log and `status`."""
        lead = self.bridge.lead
        out: dict[str, Any] = {"leader": lead.leader if lead.leading else None}
        if self.last_change is not None:
            out["change"] = handover_text(self.last_change)
        if self.link is not None:
            out["link_peers"] = self.link.view.peers
        if self.scope_off_ms is not None:
            out["scope_off_ms"] = round(self.scope_off_ms, 1)
        return out


def handover_text(change: Handover) -> str:
    """One line: ``link leads (was midi; beat moved 12 ms onto it)``."""
    if change.leader is None:
        return f"{change.previous} went silent, no source leads"
    text = f"{change.leader} leads"
    if change.previous is not None:
        text += f" (was {change.previous}"
        if change.offset_beats:
            text += f"; the beat moves {abs(change.offset_beats):.2f} beat onto it"
        text += ")"
    return text
