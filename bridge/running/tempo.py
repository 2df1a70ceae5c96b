"""The show's tempo sources beyond its devices: Ableton Link, Scope's clock and taps.

The choice itself is pure (`bridge.core.tempo_lead`, inside the bridge); this module joins
Link when the show asks, passes on Scope's ``tempo_update`` (and how far Scope's beat is from
the bridge's when another source leads), takes the tempo actions (``tempo.tap``, ``tempo.double``,
``tempo.half``) and, when the show allows it (``link_set``), passes them on to the Link
session, and tells the console and the log who leads and when that changes.

Scope's clock is also checked against the leader's: when they differ by more than
`SCOPE_AGREES_MS` for `SCOPE_DISAGREE_READINGS` updates in a row, Problems says so until they
agree again. With ``quantize_by = "scope"``, Scope schedules quantised changes while its clock
is heard (`bridge.running.onbeat`); otherwise the bridge quantises and the console says why, and
Scope's ``change_scheduled`` / ``change_applied`` are shown as they come.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from typing import Any

from bridge.core.events import Event
from bridge.core.show import Show
from bridge.core.tempo_lead import Handover, wrap
from bridge.inputs.link import LinkSession
from bridge.inputs.scope_tempo import ScopeTempo
from bridge.running.bridge import Bridge
from bridge.watch.snapshot import DeviceView

log = logging.getLogger("bridge")

SCOPE_AGREES_MS = 20.0
"""Scope's beat and the leader's agree within this (a data channel and 4-digit phases)."""
SCOPE_DISAGREE_READINGS = 3
"""Readings in a row beyond it before Problems says so (one late message is no news)."""
SCOPE_LIVE_S = 1.0
"""Scope's clock is live while a ``tempo_update`` came this recently (they come ~15 a second)."""


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
        self.scope_apart = 0
        """Readings in a row with Scope's beat beyond `SCOPE_AGREES_MS` from the leader's."""
        self.scope_heard: float | None = None
        """When Scope's clock last gave a beat (its tempo sync is on while this is recent)."""
        self.scheduling: str | None = None
        """Who quantises when the show asks Scope to: ``scope``, or ``bridge`` (the fallback)."""
        self.scope_change = ""
        """Scope's last ``change_scheduled`` / ``change_applied``, as the console says it."""
        self._scheduled_ms: int | None = None

    def start(self) -> None:
        self.bridge.on_action.append(self.action)
        self.bridge.on_event.append(self._note_handovers)
        if self.link is not None:
            self.bridge.add_task("link", self.link.run)

    def scope_update(self, body: Mapping[str, Any]) -> None:
        """A ``tempo_update`` from Scope: one more source, and a check against the leader."""
        lead = self.bridge.lead
        for event in self.scope.feed(body, self.bridge.clock()):
            self.scope_heard = event.t
            here = lead.bridge_beat(event.t) if lead.leading else None
            if here is not None and lead.leader != event.source:
                off = wrap(event.beat_phase - here) * 60_000.0 / event.bpm
                self.scope_off_ms = off
                self._agree(off, str(lead.leader))
            elif lead.leader == event.source:
                self.scope_off_ms = None  # Scope leads: nothing else to agree with
                self._agree(0.0, "")
            self.bridge.submit(event)

    def _agree(self, off_ms: float, leader: str) -> None:
        """Problems says when Scope's clock and the leader's have parted, until they agree."""
        if abs(off_ms) <= SCOPE_AGREES_MS:
            if self.scope_apart >= SCOPE_DISAGREE_READINGS:
                self.bridge.clear("tempo", "scope-clock")
                log.info("tempo: Scope's beat agrees with %s's again", leader or "the leader")
            self.scope_apart = 0
            return
        self.scope_apart += 1
        if self.scope_apart >= SCOPE_DISAGREE_READINGS:
            self.bridge.report(
                "tempo",
                f"Scope's beat is {off_ms:+.0f} ms from {leader}'s, which leads (they agree "
                f"within {SCOPE_AGREES_MS:.0f} ms): sync Scope's tempo to the same source",
                key="scope-clock",
            )

    def scope_message(self, kind: str, body: Mapping[str, Any]) -> None:
        """Scope's ``change_scheduled {delay_ms}`` or ``change_applied``."""
        onbeat = self.bridge.onbeat
        if kind == "change_scheduled":
            delay = body.get("delay_ms")
            number = isinstance(delay, int | float) and not isinstance(delay, bool)
            self._scheduled_ms = (
                round(delay)
                if isinstance(delay, int | float) and number and math.isfinite(delay)
                else None
            )
            onbeat.scope_pending = True
            self.scope_change = "Scope scheduled a change" + (
                f" in {self._scheduled_ms} ms" if self._scheduled_ms is not None else ""
            )
        elif kind == "change_applied":
            onbeat.scope_applied()
            self.scope_change = "Scope applied a change" + (
                f" ({self._scheduled_ms} ms after it was sent)"
                if self._scheduled_ms is not None
                else ""
            )
            self._scheduled_ms = None
        else:
            return
        log.info("tempo: %s", self.scope_change)

    def _schedule_by(self, now: float) -> None:
        """Scope's scheduler quantises while the show asks it to and its clock is heard."""
        tempo = self.show.tempo
        if tempo.quantize_by != "scope" or self.show.quantize == "off":
            self.scheduling = None
            self.bridge.onbeat.by_scope(False)
            return
        if self.bridge.several_targets:  # one Scope's scheduler cannot hold the others' change
            live, who = False, "targets"
        else:
            live = self.scope_heard is not None and now - self.scope_heard <= SCOPE_LIVE_S
            who = "scope" if live else "bridge"
        self.bridge.onbeat.by_scope(live)
        if who != self.scheduling:
            self.scheduling = who
            log.info("tempo: %s", scheduling_text(who))

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
        self._schedule_by(event.t)
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
        if self.scheduling is not None:
            out["quantize_by"] = scheduling_text(self.scheduling)
        if self.scope_change:
            out["scope_change"] = self.scope_change
        onbeat = self.bridge.onbeat
        if onbeat.landing.landed_ms is not None:  # the last quantised change, against its beat
            out["landed_ms"] = round(onbeat.landing.landed_ms, 1)
        if onbeat.lead_s is not None and self.bridge.engine.beat_clock.trusted(self.bridge.clock()):
            out["lead_ms"] = round(onbeat.lead_s * 1000.0)
        return out


def scheduling_text(who: str) -> str:
    """Who holds quantised changes for their beat, when the show asks Scope to."""
    if who == "scope":
        return "Scope schedules quantised changes"
    if who == "targets":
        return (
            "the bridge quantises: with several Scope targets the change must start on the "
            "same beat on all of them, which one Scope's scheduler cannot promise"
        )
    return (
        "the bridge quantises: Scope's clock is not heard (its tempo sync is off, or Scope "
        "is older than v0.1.8 and cannot schedule)"
    )


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
